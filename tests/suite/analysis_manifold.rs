//! t-SNE, trustworthiness, MDS and Isomap against scikit-learn 1.9.1
//! (tests/oracles/manifold_reference.py writes the JSON read here): trustworthiness to 1e-12,
//! the trustworthiness of our t-SNE embeddings within 0.01 of scikit-learn's (t-SNE is a
//! non-convex float32 optimisation there, so coordinates are not comparable), SMACOF stress
//! within 1 % (or lower), classical MDS and Isomap equal up to the sign of each component, and
//! results independent of the thread count.

use ferrolab::analysis::{
    Dissimilarity, Isomap, IsomapParams, Mds, MdsMethod, MdsParams, Tsne, TsneMethod, TsneParams,
    trustworthiness,
};
use ndarray::{Array2, ArrayView2};
use serde_json::Value;
use std::sync::LazyLock;

static REFERENCE: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../oracles/manifold_reference.json")).unwrap()
});

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

fn data(name: &str) -> Array2<f64> {
    matrix(&REFERENCE["data"][name])
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

/// Largest |a − s b| / max|b| over the columns, with s = ±1 chosen per column.
fn max_rel_up_to_sign(a: ArrayView2<f64>, b: ArrayView2<f64>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    let scale = b.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    (0..a.ncols())
        .map(|c| {
            let (ca, cb) = (a.column(c), b.column(c));
            let plus = ca
                .iter()
                .zip(cb)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f64::max);
            let minus = ca
                .iter()
                .zip(cb)
                .map(|(x, y)| (x + y).abs())
                .fold(0.0, f64::max);
            plus.min(minus) / scale
        })
        .fold(0.0, f64::max)
}

#[test]
fn trustworthiness_equals_sklearn() {
    let pair = &REFERENCE["pair"];
    let (x, y) = (matrix(&pair["x"]), matrix(&pair["y"]));
    for case in REFERENCE["trustworthiness"].as_array().unwrap() {
        let k = case["k"].as_u64().unwrap() as usize;
        let ours = trustworthiness(x.view(), y.view(), k).unwrap();
        assert!(
            (ours - f(&case["value"])).abs() < 1e-12,
            "k {k}: {ours} vs {}",
            case["value"]
        );
    }
    let err = trustworthiness(x.view(), y.slice(ndarray::s![..10, ..]), 5).unwrap_err();
    assert!(err.to_string().contains("x_embedded has 10 rows"), "{err}");
    assert!(
        trustworthiness(x.view(), y.view(), 20)
            .unwrap_err()
            .to_string()
            .contains("n_neighbors = 20")
    );
}

fn tsne_case(name: &str) {
    for case in REFERENCE["tsne"].as_array().unwrap() {
        if case["data"] != name {
            continue;
        }
        let x = data(name);
        let method: TsneMethod = case["method"].as_str().unwrap().parse().unwrap();
        let fit = Tsne::params().method(method).fit(x.view()).unwrap();
        let t = trustworthiness(x.view(), fit.embedding.view(), 5).unwrap();
        let theirs = f(&case["trustworthiness"]);
        println!(
            "{name} {method:?}: trustworthiness {t:.6} (sklearn {theirs:.6}), KL {:.5} (sklearn {:.5}), n_iter {}",
            fit.kl_divergence,
            f(&case["kl_divergence"]),
            fit.n_iter
        );
        assert!(
            t > theirs - 0.01,
            "{name} {method:?}: {t} vs sklearn {theirs}"
        );
        assert_eq!(fit.learning_rate, f(&case["learning_rate"]));
        // Same objective and schedule: the final KL divergences are alike.
        assert!(
            (fit.kl_divergence - f(&case["kl_divergence"])).abs() < 0.1,
            "{name} {method:?}"
        );
    }
}

#[test]
fn tsne_on_blobs_is_as_trustworthy_as_sklearn() {
    tsne_case("blobs");
}

#[test]
fn tsne_on_the_s_curve_is_as_trustworthy_as_sklearn() {
    tsne_case("scurve");
}

#[test]
fn smacof_stress_is_within_one_percent_of_sklearn() {
    for case in REFERENCE["mds"].as_array().unwrap() {
        let name = case["data"].as_str().unwrap();
        let n_init = case["n_init"].as_u64().unwrap() as usize;
        let x = data(name);
        let fit = Mds::params().n_init(n_init).fit(x.view()).unwrap();
        let theirs = f(&case["stress"]);
        println!(
            "{name} n_init {n_init}: stress {:.4} (sklearn {theirs:.4}), ratio {:.5}, n_iter {}",
            fit.stress,
            fit.stress / theirs,
            fit.n_iter
        );
        assert!(
            fit.stress <= 1.01 * theirs,
            "{name} n_init {n_init}: {} vs {theirs}",
            fit.stress
        );
        // The reported stress is the raw stress of the returned embedding.
        let d = euclidean(x.view());
        let e = euclidean(fit.embedding.view());
        let direct: f64 = d.iter().zip(&e).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / 2.0;
        assert!((direct - fit.stress).abs() < 1e-9 * direct);
    }
}

fn euclidean(x: ArrayView2<f64>) -> Array2<f64> {
    let n = x.nrows();
    Array2::from_shape_fn((n, n), |(i, j)| {
        (&x.row(i) - &x.row(j)).mapv(|v| v * v).sum().sqrt()
    })
}

#[test]
fn classical_mds_equals_sklearn_up_to_sign() {
    let c = &REFERENCE["classical"];
    let x = data("blobs");
    let fit = Mds::params()
        .method(MdsMethod::Classical)
        .fit(x.view())
        .unwrap();
    let theirs = matrix(&c["embedding"]);
    let diff = max_rel_up_to_sign(fit.embedding.view(), theirs.view());
    println!(
        "classical MDS: max relative difference {diff:.2e}, stress {} (NumPy {})",
        fit.stress, c["stress"]
    );
    assert!(diff < 1e-9, "{diff}");
    let values: Vec<f64> = serde_json::from_value(c["eigenvalues"].clone()).unwrap();
    for (a, b) in fit.eigenvalues.iter().zip(&values) {
        assert!((a - b).abs() < 1e-9 * b, "{a} {b}");
    }
    assert!((fit.stress - f(&c["stress"])).abs() < 1e-9 * f(&c["stress"]));
    // Precomputed Euclidean distances give the same embedding.
    let d = euclidean(x.view());
    let pre = Mds::params()
        .method(MdsMethod::Classical)
        .dissimilarity(Dissimilarity::Precomputed)
        .fit(d.view())
        .unwrap();
    assert!(max_rel_up_to_sign(pre.embedding.view(), theirs.view()) < 1e-9);
}

#[test]
fn isomap_equals_sklearn_up_to_sign() {
    let r = &REFERENCE["isomap"];
    let x = data("scurve");
    let iso = Isomap::params().fit(x.view()).unwrap();
    let theirs = matrix(&r["embedding"]);
    let diff = max_rel_up_to_sign(iso.embedding(), theirs.view());
    let err = iso.reconstruction_error();
    let their_err = f(&r["reconstruction_error"]);
    println!(
        "Isomap: embedding max relative difference {diff:.2e}; reconstruction error {err} (sklearn {their_err}, relative {:.2e})",
        (err - their_err).abs() / their_err
    );
    assert!(diff < 1e-6, "{diff}");
    assert!((err - their_err).abs() < 0.01 * their_err);
    for g in r["geodesic"].as_array().unwrap() {
        let (i, j) = (
            g["i"].as_u64().unwrap() as usize,
            g["j"].as_u64().unwrap() as usize,
        );
        assert!((iso.dist_matrix()[[i, j]] - f(&g["value"])).abs() < 1e-12 * f(&g["value"]));
    }
    let values: Vec<f64> = serde_json::from_value(r["eigenvalues"].clone()).unwrap();
    for (a, b) in iso.eigenvalues().iter().zip(&values) {
        assert!((a - b).abs() < 1e-9 * b, "{a} {b}");
    }
    // New points: the same flips as the training embedding.
    let flips: Vec<f64> = (0..2)
        .map(|c| {
            let dot: f64 = iso
                .embedding()
                .column(c)
                .iter()
                .zip(theirs.column(c))
                .map(|(a, b)| a * b)
                .sum();
            dot.signum()
        })
        .collect();
    let ours = iso.transform(matrix(&r["queries"]).view()).unwrap();
    let theirs_t = matrix(&r["transform"]);
    for ((i, c), v) in ours.indexed_iter() {
        assert!(
            (flips[c] * v - theirs_t[[i, c]]).abs()
                < 1e-6 * theirs.iter().fold(0.0f64, |m, v| m.max(v.abs()))
        );
    }
}

#[test]
fn settings_come_from_the_keys() {
    let cfg = ferrolab::config::Config::new();
    assert_eq!(TsneParams::from_config(&cfg).unwrap(), Tsne::params());
    assert_eq!(MdsParams::from_config(&cfg).unwrap(), Mds::params());
    assert_eq!(IsomapParams::from_config(&cfg).unwrap(), Isomap::params());
    for key in [
        "tsne.perplexity",
        "tsne.learning_rate",
        "mds.eps",
        "isomap.n_neighbors",
    ] {
        assert!(ferrolab::find_key(key).is_some(), "{key}");
    }
}

#[test]
fn manifold_results_do_not_depend_on_the_thread_count() {
    let x = data("blobs");
    let s = data("scurve");
    let run = |threads| {
        ferrolab::parallel::set_num_threads(threads).unwrap();
        let t = Tsne::params()
            .perplexity(10.0)
            .max_iter(300)
            .fit(x.view())
            .unwrap();
        let m = Mds::params().max_iter(30).fit(x.view()).unwrap();
        let i = Isomap::params().fit(s.view()).unwrap();
        (t, m, i)
    };
    let one = run(1);
    let three = run(3);
    ferrolab::parallel::set_num_threads(0).unwrap();
    assert_eq!(one, three);
}
