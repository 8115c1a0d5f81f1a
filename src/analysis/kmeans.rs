//! k-means clustering (paper 004 compares it with Gaussian mixtures and PCA; it also seeds
//! [`GaussianMixture`](super::GaussianMixture)): greedy k-means++ seeding, Lloyd iterations,
//! restarts keeping the lowest inertia.
//!
//! Written here rather than taken from linfa-clustering: the mixtures need full, diagonal, tied
//! and spherical covariances and scikit-learn's conventions (tolerances, regularisation,
//! parameter counts, k-means initialisation), which linfa-clustering does not offer, and the
//! extra crate would add build time for a few hundred lines of arithmetic.
//!
//! Conventions follow scikit-learn's `KMeans` (algorithm "lloyd"):
//! - an iteration assigns every sample to its nearest centre (squared Euclidean distance, the
//!   lowest centre index on ties), then moves each centre to the mean of its samples; a centre
//!   left without samples is moved onto the sample farthest from its own centre;
//! - iterations stop when the labels no longer change, when the summed squared centre shift
//!   `Σ_j ‖c_j,new − c_j,old‖²` is at most `tol × mean_f var(x[:, f])` (population variances,
//!   so `tol` is relative to the data's scale), or after `max_iter` iterations;
//! - the final labels and the inertia `Σ_i ‖x_i − c_label(i)‖²` are those of the final centres.
//!
//! Seeds: restart `r` draws from `Xoshiro256::seed_from_u64(derive_seed(seed, r))`, so results
//! depend on the seed only, never on the thread count (the assignment step runs on the
//! [`parallel`](crate::parallel) pool for large inputs, one sample at a time).
//!
//! ```
//! use ferrolab::analysis::{KMeans, KMeansParams};
//! let x = ndarray::array![[0.0, 0.1], [0.2, 0.0], [5.0, 5.1], [5.2, 4.9]];
//! let km = KMeans::fit(x.view(), &KMeansParams::new(2))?;
//! assert_eq!(km.labels()[0], km.labels()[1]);
//! assert_ne!(km.labels()[0], km.labels()[2]);
//! # Ok::<(), ferrolab::analysis::AnalysisError>(())
//! ```

use super::AnalysisError;
use super::keys::KMeansSettings;
use super::rows::{checked_points, checked_rows, map_row_blocks};
use crate::rng::{Xoshiro256, derive_seed};
use ndarray::{Array1, Array2, ArrayView2};

/// How a k-means run places its first centres.
///
/// ```
/// use ferrolab::analysis::{KMeansInit, KMeansParams};
/// let classic = KMeansParams {
///     init: KMeansInit::KMeansPlusPlus { local_trials: Some(1) },
///     ..KMeansParams::new(3)
/// };
/// assert_eq!(classic.n_clusters, 3);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum KMeansInit {
    /// k-means++ (Arthur & Vassilvitskii 2007): the first centre is a uniformly drawn sample,
    /// each further one a sample drawn with probability proportional to its squared distance
    /// to the nearest centre so far. With `local_trials = t > 1` (greedy k-means++) `t`
    /// candidates are drawn and the one giving the lowest total squared distance is kept;
    /// `None` means `2 + ⌊ln k⌋`, scikit-learn's default; `Some(1)` is the classic algorithm.
    KMeansPlusPlus {
        /// Candidates per centre (at least 1), or `None` for `2 + ⌊ln k⌋`.
        local_trials: Option<usize>,
    },
    /// `k` distinct samples drawn uniformly.
    Random,
    /// These centres (k x d); the run is deterministic, so `n_init` restarts are not repeated.
    Given(Array2<f64>),
}

impl Default for KMeansInit {
    fn default() -> Self {
        Self::KMeansPlusPlus { local_trials: None }
    }
}

/// Settings of a k-means fit; fit with [`KMeans::fit`] or linfa's `Fit` on a `DatasetBase`.
///
/// Defaults are scikit-learn's: 8 clusters, greedy k-means++, `n_init = 1` (scikit-learn's
/// "auto" for k-means++), `max_iter = 300`, `tol = 1e-4`; seed 0.
///
/// ```
/// use ferrolab::analysis::KMeansParams;
/// let p = KMeansParams { n_init: 10, seed: 7, ..KMeansParams::new(4) };
/// assert_eq!((p.n_clusters, p.max_iter, p.tol), (4, 300, 1e-4));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct KMeansParams {
    /// Number of clusters k, 1 ≤ k ≤ number of samples.
    pub n_clusters: usize,
    /// Placement of the first centres.
    pub init: KMeansInit,
    /// Independent runs (different seeds); the one with the lowest inertia is kept.
    pub n_init: usize,
    /// Maximum Lloyd iterations per run.
    pub max_iter: usize,
    /// Convergence threshold on the summed squared centre shift, relative to the mean
    /// per-feature variance of the data (see the module docs).
    pub tol: f64,
    /// Master seed of the runs' random streams.
    pub seed: u64,
}

impl Default for KMeansParams {
    /// Eight clusters with the defaults of the `kmeans.*` keys.
    fn default() -> Self {
        Self::with_settings(8, &KMeansSettings::default())
    }
}

impl KMeansParams {
    /// The defaults with `n_clusters` clusters.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::KMeansParams::new(5).n_clusters, 5);
    /// ```
    pub fn new(n_clusters: usize) -> Self {
        Self {
            n_clusters,
            ..Self::default()
        }
    }

    fn check(&self) -> Result<(), AnalysisError> {
        let bad = |m: String| Err(AnalysisError::Invalid(m));
        if self.n_clusters == 0 {
            return bad("n_clusters = 0: k-means needs at least one cluster".into());
        }
        if self.n_init == 0 {
            return bad("n_init = 0: at least one run is needed".into());
        }
        if self.max_iter == 0 {
            return bad("max_iter = 0: at least one iteration is needed".into());
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return bad(format!("tol = {}: it must be finite and >= 0", self.tol));
        }
        if let KMeansInit::KMeansPlusPlus {
            local_trials: Some(0),
        } = self.init
        {
            return bad("init local_trials = 0: k-means++ needs at least one candidate".into());
        }
        Ok(())
    }
}

/// A fitted k-means model: centres, the training labels, inertia and iterations.
///
/// ```
/// use ferrolab::analysis::{KMeans, KMeansParams};
/// let x = ndarray::array![[0.0], [1.0], [10.0], [11.0]];
/// let km = KMeans::fit(x.view(), &KMeansParams::new(2))?;
/// assert!((km.inertia() - 1.0).abs() < 1e-12);
/// let new = km.predict(ndarray::array![[0.4], [12.0]].view())?;
/// assert_eq!(new, km.labels().select(ndarray::Axis(0), &[0, 3]));
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct KMeans {
    centres: Array2<f64>,
    labels: Array1<usize>,
    inertia: f64,
    n_iter: usize,
}

/// One run's outcome.
struct Run {
    centres: Vec<f64>,
    labels: Vec<usize>,
    inertia: f64,
    n_iter: usize,
}

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Index and squared distance of the nearest centre (the first one on ties).
fn nearest(p: &[f64], centres: &[f64], d: usize) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centres.chunks_exact(d).enumerate() {
        let s = dist2(p, c);
        if s < best.1 {
            best = (j, s);
        }
    }
    best
}

/// The assignment step: nearest centre of every row of `x` (row-major, d columns).
fn assign(x: &[f64], d: usize, centres: &[f64]) -> Result<Vec<(usize, f64)>, AnalysisError> {
    map_row_blocks(x.len() / d, centres.len(), |rows| {
        rows.map(|i| nearest(&x[i * d..(i + 1) * d], centres, d))
            .collect()
    })
}

/// Squared distance of every row of `x` to the point `c`.
fn distances_to(x: &[f64], d: usize, c: &[f64]) -> Result<Vec<f64>, AnalysisError> {
    map_row_blocks(x.len() / d, d, |rows| {
        rows.map(|i| dist2(&x[i * d..(i + 1) * d], c)).collect()
    })
}

/// Greedy k-means++ with `trials` candidates per centre.
fn plus_plus(
    x: &[f64],
    d: usize,
    k: usize,
    trials: usize,
    rng: &mut Xoshiro256,
) -> Result<Vec<f64>, AnalysisError> {
    let n = x.len() / d;
    let row = |i: usize| &x[i * d..(i + 1) * d];
    let first = rng.below(n as u64) as usize;
    let mut centres = row(first).to_vec();
    let mut closest = distances_to(x, d, row(first))?;
    let mut potential: f64 = closest.iter().sum();
    let mut cumulative = Vec::with_capacity(n);
    for _ in 1..k {
        cumulative.clear();
        let mut acc = 0.0;
        for v in &closest {
            acc += v;
            cumulative.push(acc);
        }
        let draw = |rng: &mut Xoshiro256| {
            if potential > 0.0 {
                // Inverse-CDF sampling; samples already chosen have zero mass and are skipped.
                let r = rng.uniform() * potential;
                cumulative.partition_point(|&c| c <= r).min(n - 1)
            } else {
                // Every sample sits on a centre (duplicates): any choice is as good.
                rng.below(n as u64) as usize
            }
        };
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for _ in 0..trials {
            let candidate = draw(rng);
            let mut to_candidate = distances_to(x, d, row(candidate))?;
            for (t, c) in to_candidate.iter_mut().zip(&closest) {
                *t = t.min(*c);
            }
            let p: f64 = to_candidate.iter().sum();
            if best.as_ref().is_none_or(|b| p < b.0) {
                best = Some((p, candidate, to_candidate));
            }
        }
        if let Some((p, candidate, to_candidate)) = best {
            potential = p;
            closest = to_candidate;
            centres.extend_from_slice(row(candidate));
        }
    }
    Ok(centres)
}

/// `k` distinct rows drawn uniformly (a partial Fisher–Yates shuffle of the indices).
fn random_rows(x: &[f64], d: usize, k: usize, rng: &mut Xoshiro256) -> Vec<f64> {
    let n = x.len() / d;
    let mut idx: Vec<usize> = (0..n).collect();
    let mut centres = Vec::with_capacity(k * d);
    for i in 0..k {
        let j = i + rng.below((n - i) as u64) as usize;
        idx.swap(i, j);
        centres.extend_from_slice(&x[idx[i] * d..(idx[i] + 1) * d]);
    }
    centres
}

/// The update step: centres at the means of their samples; an empty cluster takes the sample
/// farthest from its centre among clusters that keep at least one sample.
fn update(x: &[f64], d: usize, k: usize, assigned: &[(usize, f64)]) -> Vec<f64> {
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0usize; k];
    for (p, &(j, _)) in x.chunks_exact(d).zip(assigned) {
        counts[j] += 1;
        for (s, v) in sums[j * d..(j + 1) * d].iter_mut().zip(p) {
            *s += v;
        }
    }
    if counts.contains(&0) {
        let mut far: Vec<usize> = (0..assigned.len()).collect();
        far.sort_by(|&a, &b| assigned[b].1.total_cmp(&assigned[a].1).then(a.cmp(&b)));
        let mut far = far.into_iter();
        for empty in 0..k {
            if counts[empty] != 0 {
                continue;
            }
            for i in far.by_ref() {
                let donor = assigned[i].0;
                if counts[donor] > 1 {
                    let p = &x[i * d..(i + 1) * d];
                    counts[donor] -= 1;
                    for (s, v) in sums[donor * d..(donor + 1) * d].iter_mut().zip(p) {
                        *s -= v;
                    }
                    counts[empty] = 1;
                    sums[empty * d..(empty + 1) * d].copy_from_slice(p);
                    break;
                }
            }
        }
    }
    for (c, &m) in sums.chunks_exact_mut(d).zip(&counts) {
        let m = m.max(1) as f64;
        c.iter_mut().for_each(|v| *v /= m);
    }
    sums
}

/// Lloyd iterations from `centres`.
fn lloyd(
    x: &[f64],
    d: usize,
    mut centres: Vec<f64>,
    max_iter: usize,
    tol: f64,
) -> Result<Run, AnalysisError> {
    let k = centres.len() / d;
    let mut previous: Option<Vec<usize>> = None;
    let mut n_iter = 0;
    for it in 1..=max_iter {
        n_iter = it;
        let assigned = assign(x, d, &centres)?;
        let labels: Vec<usize> = assigned.iter().map(|a| a.0).collect();
        let moved = update(x, d, k, &assigned);
        let shift = dist2(&moved, &centres);
        centres = moved;
        if previous.as_ref() == Some(&labels) || shift <= tol {
            break;
        }
        previous = Some(labels);
    }
    // Labels and inertia of the final centres (the last update may have moved them).
    let assigned = assign(x, d, &centres)?;
    Ok(Run {
        centres,
        labels: assigned.iter().map(|a| a.0).collect(),
        inertia: assigned.iter().map(|a| a.1).sum(),
        n_iter,
    })
}

impl KMeans {
    /// Clusters the rows of `x` (n samples x d features).
    ///
    /// Errors: `x` empty or with a non-finite value, `n_clusters` 0 or above n, `n_init`,
    /// `max_iter` or `local_trials` 0, `tol` negative or not finite, given centres not
    /// k x d or not finite.
    ///
    /// ```
    /// use ferrolab::analysis::{KMeans, KMeansInit, KMeansParams};
    /// let x = ndarray::array![[0.0, 0.0], [0.0, 1.0], [4.0, 0.0], [4.0, 1.0]];
    /// let init = KMeansInit::Given(ndarray::array![[1.0, 0.0], [3.0, 0.0]]);
    /// let km = KMeans::fit(x.view(), &KMeansParams { init, ..KMeansParams::new(2) })?;
    /// assert_eq!(km.centres(), ndarray::array![[0.0, 0.5], [4.0, 0.5]]);
    /// assert_eq!(km.n_iter(), 2); // the second iteration confirms the labels
    /// assert!(KMeans::fit(x.view(), &KMeansParams::new(5)).is_err());
    /// let huge = ndarray::array![[1e308, 0.0], [-1e308, 0.0], [0.0, 1.0]];
    /// let err = KMeans::fit(huge.view(), &KMeansParams::new(2)).unwrap_err(); // overflows
    /// assert!(err.to_string().contains("rescale x"), "{err}");
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn fit(x: ArrayView2<f64>, params: &KMeansParams) -> Result<Self, AnalysisError> {
        params.check()?;
        let (n, d) = x.dim();
        let flat = checked_rows(x, "x", 1)?;
        let k = params.n_clusters;
        if k > n {
            return Err(AnalysisError::Invalid(format!(
                "n_clusters = {k} is larger than the {n} samples of x"
            )));
        }
        // Absolute tolerance: tol times the mean per-feature (population) variance.
        let mut variance = 0.0;
        for f in 0..d {
            let col = flat.iter().skip(f).step_by(d);
            let mean = col.clone().sum::<f64>() / n as f64;
            variance += col.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        }
        let tol = params.tol * variance / d as f64;
        let runs = match &params.init {
            KMeansInit::Given(c) => {
                if c.dim() != (k, d) {
                    return Err(AnalysisError::Invalid(format!(
                        "init centres are {} x {}, expected n_clusters x d = {k} x {d}",
                        c.nrows(),
                        c.ncols()
                    )));
                }
                let c = checked_rows(c.view(), "init centres", k)?;
                return Self::from_run(lloyd(&flat, d, c, params.max_iter, tol)?, k, d);
            }
            _ => params.n_init,
        };
        let mut best: Option<Run> = None;
        for r in 0..runs {
            let mut rng = Xoshiro256::seed_from_u64(derive_seed(params.seed, r as u64));
            let start = match params.init {
                KMeansInit::KMeansPlusPlus { local_trials } => {
                    let t = local_trials.unwrap_or(2 + (k as f64).ln() as usize);
                    plus_plus(&flat, d, k, t, &mut rng)?
                }
                _ => random_rows(&flat, d, k, &mut rng),
            };
            let run = lloyd(&flat, d, start, params.max_iter, tol)?;
            if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                best = Some(run);
            }
        }
        match best {
            Some(run) => Self::from_run(run, k, d),
            None => Err(AnalysisError::Invalid("n_init = 0".into())),
        }
    }

    fn from_run(run: Run, k: usize, d: usize) -> Result<Self, AnalysisError> {
        // Finite samples near 1e308 overflow their squared distances: an error, never centres
        // of infinity reported as a clustering.
        if !(run.inertia.is_finite() && run.centres.iter().all(|c| c.is_finite())) {
            return Err(AnalysisError::Numerical(
                "x: the clustering overflows double precision (non-finite centres or inertia); rescale x".into(),
            ));
        }
        Ok(Self {
            centres: Array2::from_shape_vec((k, d), run.centres)
                .map_err(|e| AnalysisError::Invalid(e.to_string()))?,
            labels: Array1::from(run.labels),
            inertia: run.inertia,
            n_iter: run.n_iter,
        })
    }

    /// Cluster centres, k x d (row j is cluster j).
    ///
    /// ```
    /// use ferrolab::analysis::{KMeans, KMeansParams};
    /// let km = KMeans::fit(ndarray::array![[1.0, 2.0], [3.0, 4.0]].view(), &KMeansParams::new(1))?;
    /// assert_eq!(km.centres(), ndarray::array![[2.0, 3.0]]);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn centres(&self) -> ArrayView2<'_, f64> {
        self.centres.view()
    }

    /// The cluster of every training sample.
    ///
    /// ```
    /// use ferrolab::analysis::{KMeans, KMeansParams};
    /// let km = KMeans::fit(ndarray::array![[0.0], [9.0], [0.1]].view(), &KMeansParams::new(2))?;
    /// assert_eq!(km.labels()[0], km.labels()[2]);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn labels(&self) -> &Array1<usize> {
        &self.labels
    }

    /// Sum of squared distances of the training samples to their centres.
    ///
    /// ```
    /// use ferrolab::analysis::{KMeans, KMeansParams};
    /// let km = KMeans::fit(ndarray::array![[0.0], [2.0]].view(), &KMeansParams::new(1))?;
    /// assert_eq!(km.inertia(), 2.0);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// Lloyd iterations of the kept run.
    ///
    /// ```
    /// use ferrolab::analysis::{KMeans, KMeansParams};
    /// let km = KMeans::fit(ndarray::array![[0.0], [2.0]].view(), &KMeansParams::new(1))?;
    /// // The centre starts on a point, moves to 1.0, then stays: two iterations.
    /// assert_eq!(km.n_iter(), 2);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Nearest centre of every row of `x` (m x d); errors when d differs or a value is not
    /// finite.
    ///
    /// ```
    /// use ferrolab::analysis::{KMeans, KMeansInit, KMeansParams};
    /// let x = ndarray::array![[0.0], [10.0]];
    /// let km = KMeans::fit(x.view(), &KMeansParams::new(2))?;
    /// let l = km.predict(ndarray::array![[1.0], [8.0]].view())?;
    /// assert_eq!(l, *km.labels());
    /// assert!(km.predict(ndarray::array![[1.0, 2.0]].view()).is_err());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>, AnalysisError> {
        let d = self.centres.ncols();
        let flat = checked_points(x, "x", d)?;
        let centres: Vec<f64> = self.centres.iter().copied().collect();
        Ok(assign(&flat, d, &centres)?
            .into_iter()
            .map(|a| a.0)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Two runs of the same seed agree; an empty cluster is refilled by the farthest sample.
    #[test]
    fn seeded_and_empty_clusters_refilled() {
        let x = array![
            [0.0, 0.0],
            [0.0, 1.0],
            [1.0, 0.0],
            [9.0, 9.0],
            [9.0, 8.0],
            [8.0, 9.0]
        ];
        let p = KMeansParams {
            n_init: 3,
            seed: 11,
            ..KMeansParams::new(2)
        };
        assert_eq!(
            KMeans::fit(x.view(), &p).unwrap(),
            KMeans::fit(x.view(), &p).unwrap()
        );
        // Both initial centres far to the right: cluster 1 starts empty.
        let init = KMeansInit::Given(array![[20.0, 20.0], [30.0, 30.0]]);
        let km = KMeans::fit(x.view(), &KMeansParams { init, ..p }).unwrap();
        assert_eq!(km.labels()[0], km.labels()[1]);
        assert_eq!(km.labels()[3], km.labels()[4]);
        assert_ne!(km.labels()[0], km.labels()[3]);
        assert!(
            (km.inertia() - 4.0 * 2.0 / 3.0).abs() < 1e-12,
            "{}",
            km.inertia()
        );
        // All samples identical: k = 2 still succeeds with zero inertia.
        let same = array![[1.0], [1.0], [1.0]];
        let km = KMeans::fit(same.view(), &KMeansParams::new(2)).unwrap();
        assert_eq!(km.inertia(), 0.0);
    }
}
