//! k-means, Gaussian mixtures and Gaussian KDEs against scikit-learn 1.9.1 and SciPy 1.17.1
//! (tests/oracles/clustering_reference.py writes the JSON read here), plus analytic checks and
//! bad-input errors.

use ferrolab::analysis::{
    AnalysisError, Bandwidth, CovarianceType, GaussianKde, GaussianMixture, GmmInit, GmmParams,
    KMeans, KMeansInit, KMeansParams,
};
use ndarray::{Array1, Array2, Array3, Axis, array};
use serde_json::Value;
use std::sync::LazyLock;

static REFERENCE: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../oracles/clustering_reference.json")).unwrap()
});

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

fn vector(v: &Value) -> Array1<f64> {
    Array1::from(serde_json::from_value::<Vec<f64>>(v.clone()).unwrap())
}

fn labels(v: &Value) -> Vec<usize> {
    serde_json::from_value(v.clone()).unwrap()
}

fn tensor3(v: &Value) -> Array3<f64> {
    let t: Vec<Vec<Vec<f64>>> = serde_json::from_value(v.clone()).unwrap();
    Array3::from_shape_fn((t.len(), t[0].len(), t[0][0].len()), |(i, j, l)| t[i][j][l])
}

fn data(name: &str) -> Array2<f64> {
    matrix(&REFERENCE["data"][name])
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

/// Largest |a − b| over two equally shaped arrays.
fn max_abs<'a>(a: impl IntoIterator<Item = &'a f64>, b: impl IntoIterator<Item = &'a f64>) -> f64 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// The permutation `p` with `ours[p[j]] ≈ theirs[j]` (nearest means), checked to be one.
fn match_rows(ours: &Array2<f64>, theirs: &Array2<f64>) -> Vec<usize> {
    let p: Vec<usize> = theirs
        .rows()
        .into_iter()
        .map(|t| {
            (0..ours.nrows())
                .min_by(|&a, &b| {
                    let da = (&ours.row(a) - &t).mapv(|v| v * v).sum();
                    let db = (&ours.row(b) - &t).mapv(|v| v * v).sum();
                    da.total_cmp(&db)
                })
                .unwrap()
        })
        .collect();
    let mut sorted = p.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), p.len(), "not a permutation: {p:?}");
    p
}

#[test]
fn kmeans_plus_plus_finds_scikit_learns_partition_of_separated_blobs() {
    let case = &REFERENCE["kmeans"][0];
    let x = data("blobs2d");
    let params = KMeansParams {
        n_init: 10,
        ..KMeansParams::new(4)
    };
    let km = KMeans::fit(x.view(), &params).unwrap();
    let theirs = matrix(&case["centres"]);
    let p = match_rows(&km.centres().to_owned(), &theirs);
    // Labels equal up to the permutation.
    for (ours, theirs) in km.labels().iter().zip(labels(&case["labels"])) {
        assert_eq!(*ours, p[theirs]);
    }
    let inertia = case["inertia"].as_f64().unwrap();
    assert!(
        rel(km.inertia(), inertia) < 1e-9,
        "inertia {} vs scikit-learn {inertia}",
        km.inertia()
    );
    let ours = km.centres().select(Axis(0), &p);
    assert!(max_abs(&ours, &theirs) < 1e-12, "{ours} vs {theirs}");
    // Every seed finds this partition (the blobs are far apart).
    for seed in 1..5 {
        let other = KMeans::fit(
            x.view(),
            &KMeansParams {
                seed,
                ..params.clone()
            },
        )
        .unwrap();
        assert!(rel(other.inertia(), inertia) < 1e-9);
    }
}

#[test]
fn kmeans_from_given_centres_follows_scikit_learns_lloyd_trajectory() {
    let case = &REFERENCE["kmeans"][1];
    let x = data("aniso3d");
    let init = KMeansInit::Given(matrix(&case["init"]));
    let km = KMeans::fit(
        x.view(),
        &KMeansParams {
            init,
            ..KMeansParams::new(3)
        },
    )
    .unwrap();
    assert_eq!(km.labels().to_vec(), labels(&case["labels"]));
    assert_eq!(km.n_iter() as u64, case["n_iter"].as_u64().unwrap());
    let inertia = case["inertia"].as_f64().unwrap();
    assert!(
        rel(km.inertia(), inertia) < 1e-12,
        "{} vs {inertia}",
        km.inertia()
    );
    let theirs = matrix(&case["centres"]);
    assert!(max_abs(km.centres(), &theirs) < 1e-12);
}

/// Measured largest deviations from scikit-learn over the six cases, started from its k-means
/// labels: weights 1.7e-16, means 1.3e-15, covariances 4.0e-14 (absolute); lower bounds
/// 4.7e-15, score / BIC / AIC 4.6e-15, score_samples 2.6e-14 (relative); the asserted bounds
/// leave margins of 40x to 5000x.
#[test]
fn mixtures_from_scikit_learns_start_match_it() {
    for case in REFERENCE["gmm"].as_array().unwrap() {
        let name = format!(
            "{} {}",
            case["data"].as_str().unwrap(),
            case["covariance_type"].as_str().unwrap()
        );
        let x = data(case["data"].as_str().unwrap());
        let params = GmmParams {
            covariance_type: covariance_type(case),
            init: GmmInit::Labels(labels(&case["init_labels"])),
            ..GmmParams::new(case["k"].as_u64().unwrap() as usize)
        };
        let gmm = GaussianMixture::fit(x.view(), &params).unwrap();
        assert_eq!(
            gmm.converged(),
            case["converged"].as_bool().unwrap(),
            "{name}"
        );
        assert_eq!(
            gmm.n_iter() as u64,
            case["n_iter"].as_u64().unwrap(),
            "{name}"
        );
        let errors = [
            max_abs(gmm.weights(), &vector(&case["weights"])),
            max_abs(gmm.means(), &matrix(&case["means"])),
            max_abs(gmm.covariances(), &tensor3(&case["covariances"])),
        ];
        assert!(errors.iter().all(|e| *e < 1e-11), "{name}: {errors:?}");
        let bounds = vector(&case["lower_bounds"]);
        assert_eq!(gmm.lower_bounds().len(), bounds.len());
        for (a, b) in gmm.lower_bounds().iter().zip(&bounds) {
            assert!(rel(*a, *b) < 1e-12, "{name}: lower bound {a} vs {b}");
        }
        check_scores(&gmm, &x, case, &name, 1e-12);
    }
}

fn covariance_type(case: &Value) -> CovarianceType {
    match case["covariance_type"].as_str().unwrap() {
        "full" => CovarianceType::Full,
        "diag" => CovarianceType::Diagonal,
        "tied" => CovarianceType::Tied,
        _ => CovarianceType::Spherical,
    }
}

fn check_scores(gmm: &GaussianMixture, x: &Array2<f64>, case: &Value, name: &str, tol: f64) {
    for (ours, key) in [
        (gmm.score(x.view()).unwrap(), "score"),
        (gmm.bic(x.view()).unwrap(), "bic"),
        (gmm.aic(x.view()).unwrap(), "aic"),
        (gmm.lower_bound(), "lower_bound"),
    ] {
        let theirs = case[key].as_f64().unwrap();
        assert!(rel(ours, theirs) < tol, "{name}: {key} {ours} vs {theirs}");
    }
    let q = matrix(&case["queries"]);
    let ours = gmm.score_samples(q.view()).unwrap();
    for (a, b) in ours.iter().zip(&vector(&case["score_samples"])) {
        assert!(rel(*a, *b) < tol, "{name}: score_samples {a} vs {b}");
    }
}

/// Started from ferrolab's own k-means the mixtures reach the same optimum as scikit-learn on
/// the separated blobs, up to the order of the components (matched by their means).
#[test]
fn mixtures_from_own_kmeans_reach_scikit_learns_optimum_on_blobs() {
    for case in REFERENCE["gmm"].as_array().unwrap() {
        if case["data"] != "blobs2d" {
            continue;
        }
        let name = case["covariance_type"].as_str().unwrap();
        let x = data("blobs2d");
        let params = GmmParams {
            covariance_type: covariance_type(case),
            seed: 5,
            ..GmmParams::new(4)
        };
        let gmm = GaussianMixture::fit(x.view(), &params).unwrap();
        let means = matrix(&case["means"]);
        let p = match_rows(gmm.means(), &means);
        let errors = [
            max_abs(
                &gmm.weights().select(Axis(0), &p),
                &vector(&case["weights"]),
            ),
            max_abs(&gmm.means().select(Axis(0), &p), &means),
            max_abs(
                &gmm.covariances().select(Axis(0), &p),
                &tensor3(&case["covariances"]),
            ),
        ];
        assert!(errors.iter().all(|e| *e < 1e-11), "{name}: {errors:?}");
        check_scores(&gmm, &x, case, name, 1e-12);
        let proba = gmm.predict_proba(matrix(&case["queries"]).view()).unwrap();
        let theirs = matrix(&case["predict_proba"]);
        assert!(max_abs(&proba.select(Axis(1), &p), &theirs) < 1e-10);
    }
}

/// EM never decreases the lower bound (up to rounding), here over 200 iterations from a random
/// start on the overlapping 3-D data, for every covariance type.
#[test]
fn em_lower_bound_never_decreases() {
    let x = data("aniso3d");
    for kind in [
        CovarianceType::Full,
        CovarianceType::Diagonal,
        CovarianceType::Tied,
        CovarianceType::Spherical,
    ] {
        let params = GmmParams {
            covariance_type: kind,
            init: GmmInit::Random,
            tol: 0.0,
            max_iter: 200,
            seed: 17,
            ..GmmParams::new(4)
        };
        let gmm = GaussianMixture::fit(x.view(), &params).unwrap();
        let b = gmm.lower_bounds();
        assert_eq!(b.len(), 200);
        assert!(!gmm.converged());
        // From a random start the bound rises by at least 0.3 nats per sample.
        assert!(b[199] - b[0] > 0.3, "{kind:?}: {} -> {}", b[0], b[199]);
        for (i, w) in b.windows(2).enumerate() {
            assert!(
                w[1] >= w[0] - 1e-13 * w[0].abs(),
                "{kind:?}: iteration {i}: {} -> {}",
                w[0],
                w[1]
            );
        }
    }
}

#[test]
fn kde_matches_scipy_gaussian_kde() {
    for case in REFERENCE["kde"].as_array().unwrap() {
        let name = format!(
            "{} {} weighted={}",
            case["data"], case["bandwidth"], case["weighted"]
        );
        let x = data(case["data"].as_str().unwrap());
        let bandwidth = match &case["bandwidth"] {
            Value::String(s) if s == "scott" => Bandwidth::Scott,
            Value::String(_) => Bandwidth::Silverman,
            v => Bandwidth::Factor(v.as_f64().unwrap()),
        };
        let w = vector(&REFERENCE["data"]["kde2d_weights"]);
        let weights = case["weighted"].as_bool().unwrap().then_some(w.view());
        let kde = GaussianKde::new(x.view(), bandwidth, weights).unwrap();
        assert!(
            rel(kde.factor(), case["factor"].as_f64().unwrap()) < 1e-14,
            "{name}"
        );
        if let Some(n_eff) = case.get("n_eff") {
            assert!(rel(kde.n_eff(), n_eff.as_f64().unwrap()) < 1e-14, "{name}");
        }
        let cov = matrix(&case["covariance"]);
        for (a, b) in kde.covariance().iter().zip(&cov) {
            assert!(rel(*a, *b) < 1e-13, "{name}: covariance {a} vs {b}");
        }
        let points = matrix(&case["points"]);
        let density = kde.evaluate(points.view()).unwrap();
        let log_density = kde.log_evaluate(points.view()).unwrap();
        for ((a, b), (la, lb)) in density
            .iter()
            .zip(&vector(&case["density"]))
            .zip(log_density.iter().zip(&vector(&case["log_density"])))
        {
            assert!(rel(*a, *b) < 1e-12, "{name}: density {a} vs {b}");
            assert!(
                (la - lb).abs() < 1e-12 * lb.abs().max(1.0),
                "{name}: log {la} vs {lb}"
            );
        }
    }
}

#[test]
fn isotropic_kde_matches_scikit_learn_kernel_density() {
    for case in REFERENCE["kernel_density"].as_array().unwrap() {
        let x = data(case["data"].as_str().unwrap());
        let h = case["bandwidth"].as_f64().unwrap();
        let kde = GaussianKde::new(x.view(), Bandwidth::Isotropic(h), None).unwrap();
        let ours = kde.log_evaluate(matrix(&case["points"]).view()).unwrap();
        for (a, b) in ours.iter().zip(&vector(&case["score_samples"])) {
            assert!(
                (a - b).abs() < 1e-12 * b.abs().max(1.0),
                "h = {h}: {a} vs {b}"
            );
        }
    }
}

/// A KDE is a probability density: on a fine grid (trapezoid rule, spectrally accurate for
/// these smooth, fast-decaying functions) it integrates to 1, its mean is the weighted sample
/// mean and its covariance the weighted sample covariance (ddof 0) plus the kernel covariance.
#[test]
fn kde_integrates_to_one_with_the_analytic_moments() {
    let x = data("kde2d");
    let w = vector(&REFERENCE["data"]["kde2d_weights"]);
    let kde = GaussianKde::new(x.view(), Bandwidth::Scott, Some(w.view())).unwrap();
    let (ax, ay, f) = kde.grid_2d((-6.0, 7.0, 261), (-7.0, 5.0, 241)).unwrap();
    let cell = (ax[1] - ax[0]) * (ay[1] - ay[0]);
    let (mut mass, mut mx, mut my, mut sxy) = (0.0, 0.0, 0.0, 0.0);
    for ((i, j), v) in f.indexed_iter() {
        mass += v * cell;
        mx += ax[i] * v * cell;
        my += ay[j] * v * cell;
        sxy += ax[i] * ay[j] * v * cell;
    }
    assert!((mass - 1.0).abs() < 1e-9, "mass {mass}");
    let wn = &w / w.sum();
    let mean = wn.dot(&x);
    let cov_xy = wn
        .iter()
        .zip(x.rows())
        .map(|(w, r)| w * (r[0] - mean[0]) * (r[1] - mean[1]))
        .sum::<f64>()
        + kde.covariance()[[0, 1]];
    assert!((mx - mean[0]).abs() < 1e-9 && (my - mean[1]).abs() < 1e-9);
    assert!(
        (sxy - mx * my - cov_xy).abs() < 1e-8,
        "{} vs {cov_xy}",
        sxy - mx * my
    );
    // 1-D, Silverman.
    let kde = GaussianKde::new(data("kde1d").view(), Bandwidth::Silverman, None).unwrap();
    let (a, f) = kde.grid_1d(-8.0, 10.0, 1801).unwrap();
    let mass = f.sum() * (a[1] - a[0]);
    assert!((mass - 1.0).abs() < 1e-10, "mass {mass}");
}

/// Bit-identical results whatever the size of the worker pool (inputs large enough to run in
/// parallel).
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let n = 6000;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| {
        let t = i as f64;
        (t * 0.37 + j as f64).sin() * 3.0 + (i % 3) as f64 * 4.0 + (t * 1.7).cos() * j as f64
    });
    let run = |threads| {
        ferrolab::parallel::set_num_threads(threads).unwrap();
        let km = KMeans::fit(x.view(), &KMeansParams::new(5)).unwrap();
        let gmm = GaussianMixture::fit(
            x.view(),
            &GmmParams {
                max_iter: 5,
                ..GmmParams::new(3)
            },
        )
        .unwrap();
        let kde = GaussianKde::new(x.view(), Bandwidth::Scott, None).unwrap();
        let f = kde.evaluate(x.slice(ndarray::s![..600, ..])).unwrap();
        (km, gmm, f)
    };
    let one = run(1);
    let two = run(2);
    ferrolab::parallel::set_num_threads(0).unwrap();
    assert_eq!(one, two);
}

fn invalid(r: Result<impl std::fmt::Debug, AnalysisError>, needle: &str) {
    match r {
        Err(AnalysisError::Invalid(m)) => assert!(m.contains(needle), "{m:?} lacks {needle:?}"),
        Err(e) => panic!("expected an invalid-input error naming {needle:?}, got {e:?}"),
        Ok(v) => panic!("expected an error naming {needle:?}, got {v:?}"),
    }
}

#[test]
fn bad_inputs_are_errors_naming_the_argument() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.5], [0.3, 0.7]];
    let nan = array![[0.0, 1.0], [f64::NAN, 0.0]];
    let empty = Array2::<f64>::zeros((0, 2));
    // k-means.
    invalid(KMeans::fit(x.view(), &KMeansParams::new(0)), "n_clusters");
    invalid(KMeans::fit(x.view(), &KMeansParams::new(5)), "n_clusters");
    invalid(KMeans::fit(nan.view(), &KMeansParams::new(1)), "x[1, 0]");
    invalid(
        KMeans::fit(empty.view(), &KMeansParams::new(1)),
        "x is 0 x 2",
    );
    invalid(
        KMeans::fit(
            x.view(),
            &KMeansParams {
                tol: f64::NAN,
                ..KMeansParams::new(2)
            },
        ),
        "tol",
    );
    invalid(
        KMeans::fit(
            x.view(),
            &KMeansParams {
                n_init: 0,
                ..KMeansParams::new(2)
            },
        ),
        "n_init",
    );
    let init = KMeansInit::Given(array![[0.0, 0.0, 0.0]]);
    invalid(
        KMeans::fit(
            x.view(),
            &KMeansParams {
                init,
                ..KMeansParams::new(1)
            },
        ),
        "init",
    );
    let km = KMeans::fit(x.view(), &KMeansParams::new(2)).unwrap();
    invalid(km.predict(array![[1.0]].view()), "x has 1 columns");
    invalid(km.predict(array![[1.0, f64::INFINITY]].view()), "x[0, 1]");
    // Mixtures.
    invalid(
        GaussianMixture::fit(x.view(), &GmmParams::new(0)),
        "n_components",
    );
    invalid(
        GaussianMixture::fit(x.view(), &GmmParams::new(5)),
        "n_components",
    );
    invalid(
        GaussianMixture::fit(array![[1.0, 2.0]].view(), &GmmParams::new(1)),
        "x is 1 x 2",
    );
    invalid(
        GaussianMixture::fit(nan.view(), &GmmParams::new(1)),
        "x[1, 0]",
    );
    invalid(
        GaussianMixture::fit(
            x.view(),
            &GmmParams {
                reg_covar: -1.0,
                ..GmmParams::new(1)
            },
        ),
        "reg_covar",
    );
    invalid(
        GaussianMixture::fit(
            x.view(),
            &GmmParams {
                max_iter: 0,
                ..GmmParams::new(1)
            },
        ),
        "max_iter",
    );
    let init = GmmInit::Labels(vec![0, 1, 2, 0]);
    invalid(
        GaussianMixture::fit(
            x.view(),
            &GmmParams {
                init,
                ..GmmParams::new(2)
            },
        ),
        "labels[2]",
    );
    let init = GmmInit::Labels(vec![0, 1]);
    invalid(
        GaussianMixture::fit(
            x.view(),
            &GmmParams {
                init,
                ..GmmParams::new(2)
            },
        ),
        "labels",
    );
    // Collinear samples without regularisation: the covariance cannot be factorised.
    let line = array![[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0]];
    invalid(
        GaussianMixture::fit(
            line.view(),
            &GmmParams {
                reg_covar: 0.0,
                ..GmmParams::new(1)
            },
        ),
        "reg_covar",
    );
    let gmm = GaussianMixture::fit(x.view(), &GmmParams::new(2)).unwrap();
    invalid(
        gmm.predict_proba(array![[1.0, 2.0, 3.0]].view()),
        "x has 3 columns",
    );
    invalid(gmm.score(empty.view()), "x has no rows");
    // KDEs.
    invalid(
        GaussianKde::new(line.view(), Bandwidth::Scott, None),
        "singular",
    );
    invalid(
        GaussianKde::new(array![[1.0]].view(), Bandwidth::Scott, None),
        "single",
    );
    invalid(
        GaussianKde::new(nan.view(), Bandwidth::Scott, None),
        "data[1, 0]",
    );
    invalid(
        GaussianKde::new(x.view(), Bandwidth::Factor(0.0), None),
        "bandwidth",
    );
    invalid(
        GaussianKde::new(x.view(), Bandwidth::Isotropic(f64::NAN), None),
        "bandwidth",
    );
    let w = array![1.0, 2.0];
    invalid(
        GaussianKde::new(x.view(), Bandwidth::Scott, Some(w.view())),
        "weights has 2",
    );
    let w = array![1.0, -2.0, 1.0, 1.0];
    invalid(
        GaussianKde::new(x.view(), Bandwidth::Scott, Some(w.view())),
        "weights[1]",
    );
    let w = array![0.0, 0.0, 0.0, 0.0];
    invalid(
        GaussianKde::new(x.view(), Bandwidth::Scott, Some(w.view())),
        "weights sum",
    );
    let kde = GaussianKde::new(x.view(), Bandwidth::Scott, None).unwrap();
    invalid(kde.evaluate(array![[1.0]].view()), "points has 1 columns");
    invalid(
        kde.log_evaluate(array![[1.0, f64::NAN]].view()),
        "points[0, 1]",
    );
    invalid(kde.grid_1d(0.0, 1.0, 10), "grid_1d");
    invalid(kde.grid_2d((0.0, 1.0, 10), (1.0, 0.0, 10)), "grid axis y");
    invalid(kde.grid_2d((0.0, 1.0, 1), (0.0, 1.0, 10)), "grid axis x");
}
