//! Multidimensional scaling with scikit-learn 1.9's definitions: metric SMACOF (`MDS`) and
//! classical (Torgerson) scaling (`ClassicalMDS`).
//!
//! **Dissimilarities.** Euclidean distances between the rows of `x`, or a precomputed n x n
//! matrix (symmetric within scikit-learn's `check_symmetric` tolerance, then symmetrised as
//! `(D + Dᵀ) / 2`; finite and non-negative).
//!
//! **SMACOF** (scikit-learn's `_smacof_single`, metric). Start: uniform draws in [0, 1)
//! (seeded). Each iteration is the Guttman transform `X ← (1/n) B(X) X` with
//! `b_ij = −δ_ij / d_ij` (distances of 0 replaced by 1e-5) and `b_ii = −Σ_{j≠i} b_ij`, then the
//! stress of the new X,
//!
//! `stress = ½ Σ_i Σ_j (d_ij(X) − δ_ij)²` — the sum over pairs i < j when the diagonal of the
//! dissimilarities is zero — the raw stress scikit-learn ≥ 1.7 returns as `stress_` for metric
//! MDS (`normalized_stress="auto"` means raw for metric MDS; before 1.7 the stress was that of
//! the configuration *before* the last update);
//!
//! and the run stops when `(stress_old − stress) / (½ Σ_ij d_ij²) < eps` (scikit-learn 1.7+'s
//! criterion; the default eps is 1e-6 since 1.7, 1e-3 before, which with the old criterion was
//! a relative test) or after `max_iter` transforms. `n_init` runs from independent seeds
//! (`derive_seed(seed, r)`); the lowest stress wins (the first on ties). scikit-learn 1.9's
//! default `n_init` is 1 (it was 4 before 1.9).
//!
//! **Classical** (scikit-learn 1.8+'s `ClassicalMDS`): `B = −½ J D² J` with `J` the centring
//! matrix; the embedding is `U_k √λ_k` for the k largest eigenpairs (faer's dense solver up
//! to 600 samples, Lanczos above), each eigenvector's largest-magnitude entry made positive
//! (`svd_flip`). Negative eigenvalues (non-Euclidean dissimilarities) give zero columns here;
//! scikit-learn returns NaN. The stress of the classical embedding is reported with the SMACOF
//! definition (scikit-learn does not report one).
//!
//! **Why not a crate.** linfa has no MDS; the `smacof`-style crates on crates.io are
//! unmaintained or do not follow scikit-learn's stress and stopping rule. The algorithm is a
//! Guttman transform per iteration.
//!
//! **Parallelism.** Each Guttman transform and stress is computed row by row on the
//! [`parallel`](crate::parallel) pool with sums in row order: results do not depend on the
//! thread count. Memory: the n x n dissimilarities (and for classical MDS the n x n centred
//! matrix), checked against [`crate::limits`].
//!
//! ```
//! use ferrolab::analysis::{Mds, MdsMethod};
//! use ndarray::array;
//! // Four corners of a 3 x 4 rectangle embed exactly in 2-D.
//! let x = array![[0.0, 0.0, 1.0], [3.0, 0.0, 1.0], [0.0, 4.0, 1.0], [3.0, 4.0, 1.0]];
//! let classical = Mds::params().method(MdsMethod::Classical).fit(x.view())?;
//! assert!(classical.stress < 1e-20);
//! let smacof = Mds::params().n_init(4).fit(x.view())?;
//! assert!(smacof.stress < 1e-3);
//! # Ok::<(), ferrolab::analysis::AnalysisError>(())
//! ```

use super::AnalysisError;
use super::keys::MdsSettings;
use super::manifold::{sq_dist, top_eigen};
use super::rows::{checked_rows, map_row_blocks};
use crate::rng::{Xoshiro256, derive_seed};
use ndarray::{Array2, ArrayView2};

crate::text_option! {
    /// The MDS algorithm (`mds.method`).
    ///
    /// ```
    /// use ferrolab::analysis::{Mds, MdsMethod};
    /// assert_eq!(Mds::params().method, MdsMethod::Smacof);
    /// ```
    pub enum MdsMethod {
        /// Metric SMACOF (stress majorisation), scikit-learn's `MDS`.
        Smacof = "smacof",
        /// Torgerson's classical scaling, scikit-learn's `ClassicalMDS`.
        Classical = "classical",
    }
}

/// What the rows of the input are.
///
/// ```
/// use ferrolab::analysis::{Dissimilarity, Mds};
/// assert_eq!(Mds::params().dissimilarity, Dissimilarity::Euclidean);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dissimilarity {
    /// Samples (n x d): dissimilarities are their Euclidean distances.
    #[default]
    Euclidean,
    /// A symmetric n x n dissimilarity matrix.
    Precomputed,
}

/// Settings of an MDS fit (defaults: scikit-learn 1.9's, the `mds.*` keys').
///
/// ```
/// use ferrolab::analysis::Mds;
/// let p = Mds::params();
/// assert_eq!((p.n_components, p.n_init, p.max_iter, p.eps), (2, 1, 300, 1e-6));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MdsParams {
    /// Dimension of the embedding, 1..=n.
    pub n_components: usize,
    /// SMACOF or classical.
    pub method: MdsMethod,
    /// SMACOF runs; the lowest stress is kept.
    pub n_init: usize,
    /// Guttman transforms per run.
    pub max_iter: usize,
    /// Relative stress decrease below which a run stops.
    pub eps: f64,
    /// Master seed of the runs' starts.
    pub seed: u64,
    /// Samples or a precomputed dissimilarity matrix.
    pub dissimilarity: Dissimilarity,
}

/// The MDS entry point: [`Mds::params`] gives the default settings to adjust and fit.
///
/// ```
/// assert_eq!(ferrolab::analysis::Mds::params().seed, 0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Mds;

impl Mds {
    /// scikit-learn 1.9's defaults (the `mds.*` keys' defaults), Euclidean dissimilarities.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Mds::params().max_iter, 300);
    /// ```
    pub fn params() -> MdsParams {
        MdsParams::default()
    }
}

/// An MDS result.
///
/// ```
/// use ferrolab::analysis::{Mds, MdsMethod};
/// let x = ndarray::array![[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]];
/// let fit = Mds::params().method(MdsMethod::Classical).fit(x.view())?;
/// assert_eq!(fit.n_iter, 0);
/// assert_eq!(fit.eigenvalues.len(), 2);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MdsEmbedding {
    /// n x n_components.
    pub embedding: Array2<f64>,
    /// Raw stress `½ Σ_ij (d_ij − δ_ij)²` of the embedding (see the module docs).
    pub stress: f64,
    /// Guttman transforms of the kept run (0 for classical MDS).
    pub n_iter: usize,
    /// Classical MDS: the k largest eigenvalues of `−½ J D² J`; empty for SMACOF.
    pub eigenvalues: Vec<f64>,
}

impl Default for MdsParams {
    fn default() -> Self {
        Self::with_settings(&MdsSettings::default())
    }
}

impl MdsParams {
    /// The same settings with another embedding dimension.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Mds::params().n_components(3).n_components, 3);
    /// ```
    pub fn n_components(mut self, n_components: usize) -> Self {
        self.n_components = n_components;
        self
    }

    /// The same settings with another method.
    ///
    /// ```
    /// use ferrolab::analysis::{Mds, MdsMethod};
    /// assert_eq!(Mds::params().method(MdsMethod::Classical).method, MdsMethod::Classical);
    /// ```
    pub fn method(mut self, method: MdsMethod) -> Self {
        self.method = method;
        self
    }

    /// The same settings with another number of runs.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Mds::params().n_init(4).n_init, 4);
    /// ```
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }

    /// The same settings with another iteration limit.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Mds::params().max_iter(50).max_iter, 50);
    /// ```
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// The same settings with another tolerance.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Mds::params().eps(1e-3).eps, 1e-3);
    /// ```
    pub fn eps(mut self, eps: f64) -> Self {
        self.eps = eps;
        self
    }

    /// The same settings with another seed.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Mds::params().seed(9).seed, 9);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The same settings for another kind of input.
    ///
    /// ```
    /// use ferrolab::analysis::{Dissimilarity, Mds};
    /// let p = Mds::params().dissimilarity(Dissimilarity::Precomputed);
    /// assert_eq!(p.dissimilarity, Dissimilarity::Precomputed);
    /// ```
    pub fn dissimilarity(mut self, dissimilarity: Dissimilarity) -> Self {
        self.dissimilarity = dissimilarity;
        self
    }

    /// Settings from the `mds.*` keys' values (Euclidean dissimilarities).
    ///
    /// ```
    /// use ferrolab::analysis::{MdsParams, MdsSettings};
    /// let s = MdsSettings { n_init: 4, ..MdsSettings::default() };
    /// assert_eq!(MdsParams::with_settings(&s).n_init, 4);
    /// ```
    pub fn with_settings(s: &MdsSettings) -> Self {
        Self {
            n_components: s.n_components,
            method: s.method,
            n_init: s.n_init,
            max_iter: s.max_iter,
            eps: s.eps,
            seed: s.seed,
            dissimilarity: Dissimilarity::Euclidean,
        }
    }

    /// Settings from the `mds.*` keys of `cfg` (Euclidean dissimilarities).
    ///
    /// ```
    /// use ferrolab::analysis::{MdsMethod, MdsParams};
    /// use ferrolab::config::{Config, Value};
    /// let mut cfg = Config::new();
    /// cfg.set("mds.method", Value::Str("classical".into()))?;
    /// assert_eq!(MdsParams::from_config(&cfg)?.method, MdsMethod::Classical);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_config(cfg: &crate::config::Config) -> Result<Self, AnalysisError> {
        Ok(Self::with_settings(&MdsSettings::from_config(cfg)?))
    }

    /// Embed `x`: samples (n x d) or, with [`Dissimilarity::Precomputed`], an n x n
    /// dissimilarity matrix.
    ///
    /// Errors (naming the argument): `x` empty or non-finite, fewer than 2 rows; a precomputed
    /// matrix not square, not symmetric or with negative entries; n_components outside 1..=n;
    /// n_init or max_iter 0; eps negative; the n x n matrices over the memory budget.
    ///
    /// ```
    /// use ferrolab::analysis::{Dissimilarity, Mds, MdsMethod};
    /// use ndarray::array;
    /// let d = array![[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.0]];
    /// let p = Mds::params().n_components(1).dissimilarity(Dissimilarity::Precomputed);
    /// // Three points on a line: a perfect 1-D embedding exists, which classical scaling finds
    /// // (a single SMACOF run in 1-D can stop in a local minimum; n_init restarts help).
    /// let fit = p.clone().method(MdsMethod::Classical).fit(d.view())?;
    /// assert!(fit.stress < 1e-20, "{}", fit.stress);
    /// let smacof = p.n_init(8).fit(d.view())?;
    /// assert!(smacof.n_iter >= 1 && smacof.embedding.dim() == (3, 1));
    /// assert!(Mds::params().dissimilarity(Dissimilarity::Precomputed).fit(array![[0.0, 1.0]].view()).is_err());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<MdsEmbedding, AnalysisError> {
        let rows = checked_rows(x, "x", 2)?;
        let (n, d) = x.dim();
        let k = self.n_components;
        let bad = |m: String| Err(AnalysisError::Invalid(m));
        if k == 0 || k > n {
            return bad(format!(
                "n_components = {k}: it must be in 1..={n} (the samples of x)"
            ));
        }
        if self.n_init == 0 {
            return bad("n_init = 0: at least one SMACOF run is needed".into());
        }
        if self.max_iter == 0 {
            return bad("max_iter = 0: at least one iteration is needed".into());
        }
        if !(self.eps >= 0.0 && self.eps.is_finite()) {
            return bad(format!("eps = {}: it must be finite and >= 0", self.eps));
        }
        let copies = if self.method == MdsMethod::Classical {
            2
        } else {
            1
        };
        crate::limits::check(
            &format!("MDS of {n} samples ({copies} n x n matrices)"),
            crate::limits::bytes_of::<f64>(&[copies, n, n]),
        )?;
        let delta = match self.dissimilarity {
            Dissimilarity::Euclidean => map_row_blocks(n, n * d, |r| {
                let mut out = Vec::with_capacity(r.len() * n);
                for i in r {
                    let xi = &rows[i * d..(i + 1) * d];
                    out.extend((0..n).map(|j| sq_dist(xi, &rows[j * d..(j + 1) * d]).sqrt()));
                }
                out
            })?,
            Dissimilarity::Precomputed => precomputed(&rows, n, d)?,
        };
        match self.method {
            MdsMethod::Classical => classical(&delta, n, k),
            MdsMethod::Smacof => {
                let mut best: Option<MdsEmbedding> = None;
                for r in 0..self.n_init {
                    let mut rng = Xoshiro256::seed_from_u64(derive_seed(self.seed, r as u64));
                    let start: Vec<f64> = (0..n * k).map(|_| rng.uniform()).collect();
                    let run = smacof(&delta, n, k, start, self.max_iter, self.eps)?;
                    if best.as_ref().is_none_or(|b| run.stress < b.stress) {
                        best = Some(run);
                    }
                }
                Ok(best.expect("n_init >= 1"))
            }
        }
    }
}

/// Check and symmetrise a precomputed dissimilarity matrix (row-major, n x d).
fn precomputed(rows: &[f64], n: usize, d: usize) -> Result<Vec<f64>, AnalysisError> {
    if n != d {
        return Err(AnalysisError::Invalid(format!(
            "x is {n} x {d}: precomputed dissimilarities must be a square matrix"
        )));
    }
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let (a, b) = (rows[i * n + j], rows[j * n + i]);
            if a < 0.0 {
                return Err(AnalysisError::Invalid(format!(
                    "x[{i}, {j}] = {a}: dissimilarities must be >= 0"
                )));
            }
            // NumPy's allclose(a, aᵀ, atol=1e-10) (scikit-learn's check_symmetric).
            if (a - b).abs() > 1e-10 + 1e-5 * b.abs() {
                return Err(AnalysisError::Invalid(format!(
                    "x[{i}, {j}] = {a} but x[{j}, {i}] = {b}: dissimilarities must be symmetric"
                )));
            }
            out[i * n + j] = 0.5 * (a + b);
        }
    }
    Ok(out)
}

/// Torgerson scaling of the dissimilarities `delta` (n x n).
fn classical(delta: &[f64], n: usize, k: usize) -> Result<MdsEmbedding, AnalysisError> {
    let b = double_centre_squares(delta, n);
    let (values, vectors) = top_eigen(&b, n, k)?;
    drop(b);
    let mut embedding = vectors;
    for (mut col, &w) in embedding.columns_mut().into_iter().zip(&values) {
        let s = w.max(0.0).sqrt();
        col.mapv_inplace(|v| v * s);
    }
    let y: Vec<f64> = embedding.iter().copied().collect();
    let (stress, _) = stress_and_scale(delta, &y, n, k)?;
    Ok(MdsEmbedding {
        embedding,
        stress,
        n_iter: 0,
        eigenvalues: values,
    })
}

/// `−½ J (D∘D) J` for the symmetric n x n `delta` (row-major): each squared entry minus its
/// row mean and column mean plus the grand mean, times −½.
pub(super) fn double_centre_squares(delta: &[f64], n: usize) -> Vec<f64> {
    let mut b: Vec<f64> = delta.iter().map(|v| v * v).collect();
    let means: Vec<f64> = (0..n)
        .map(|i| b[i * n..(i + 1) * n].iter().sum::<f64>() / n as f64)
        .collect();
    let grand = means.iter().sum::<f64>() / n as f64;
    for i in 0..n {
        for j in 0..n {
            b[i * n + j] = -0.5 * (b[i * n + j] - means[i] - means[j] + grand);
        }
    }
    b
}

/// Stress `½ Σ_ij (d_ij − δ_ij)²` and `½ Σ_ij d_ij²` of the configuration `y` (n x k).
fn stress_and_scale(
    delta: &[f64],
    y: &[f64],
    n: usize,
    k: usize,
) -> Result<(f64, f64), AnalysisError> {
    let per_row = map_row_blocks(n, 4 * n, |rows| {
        let mut out = Vec::with_capacity(2 * rows.len());
        for i in rows {
            let yi = &y[i * k..(i + 1) * k];
            let (mut s, mut ss) = (0.0, 0.0);
            for j in 0..n {
                let d2 = sq_dist(yi, &y[j * k..(j + 1) * k]);
                let e = d2.sqrt() - delta[i * n + j];
                s += e * e;
                ss += d2;
            }
            out.push(s);
            out.push(ss);
        }
        out
    })?;
    let (mut s, mut ss) = (0.0, 0.0);
    for pair in per_row.chunks_exact(2) {
        s += pair[0];
        ss += pair[1];
    }
    Ok((s / 2.0, ss / 2.0))
}

/// One pass over the configuration `y` (n x k): per row the stress and squared-distance sums
/// and the row of the Guttman transform `(1/n) Σ_j r_ij (y_i − y_j)`, `r_ij = δ_ij / d_ij`
/// (d = 0 replaced by 1e-5). Returns (stress, ½ Σ d², transform).
fn guttman_pass(
    delta: &[f64],
    y: &[f64],
    n: usize,
    k: usize,
) -> Result<(f64, f64, Vec<f64>), AnalysisError> {
    let width = k + 2;
    let per_row = map_row_blocks(n, 6 * n, |rows| {
        let mut out = Vec::with_capacity(width * rows.len());
        let mut g = vec![0.0; k];
        for i in rows {
            let yi = &y[i * k..(i + 1) * k];
            let drow = &delta[i * n..(i + 1) * n];
            let (mut s, mut ss) = (0.0, 0.0);
            g.iter_mut().for_each(|v| *v = 0.0);
            if k == 2 {
                // The common case, unrolled.
                let (a0, a1) = (yi[0], yi[1]);
                let (mut g0, mut g1) = (0.0, 0.0);
                for (j, &dl) in drow.iter().enumerate() {
                    let (e0, e1) = (a0 - y[2 * j], a1 - y[2 * j + 1]);
                    let d2 = e0 * e0 + e1 * e1;
                    let dist = d2.sqrt();
                    let e = dist - dl;
                    s += e * e;
                    ss += d2;
                    let r = dl / if dist == 0.0 { 1e-5 } else { dist };
                    g0 += r * e0;
                    g1 += r * e1;
                }
                g[0] = g0;
                g[1] = g1;
            } else {
                for (j, &dl) in drow.iter().enumerate() {
                    let yj = &y[j * k..(j + 1) * k];
                    let d2 = sq_dist(yi, yj);
                    let dist = d2.sqrt();
                    let e = dist - dl;
                    s += e * e;
                    ss += d2;
                    let r = dl / if dist == 0.0 { 1e-5 } else { dist };
                    for a in 0..k {
                        g[a] += r * (yi[a] - yj[a]);
                    }
                }
            }
            out.push(s);
            out.push(ss);
            out.extend(g.iter().map(|v| v / n as f64));
        }
        out
    })?;
    let (mut s, mut ss) = (0.0, 0.0);
    let mut next = Vec::with_capacity(n * k);
    for row in per_row.chunks_exact(width) {
        s += row[0];
        ss += row[1];
        next.extend_from_slice(&row[2..]);
    }
    Ok((s / 2.0, ss / 2.0, next))
}

/// One SMACOF run from `start` (scikit-learn's `_smacof_single`, metric): the stress and the
/// stopping test are those of the configuration after each transform.
fn smacof(
    delta: &[f64],
    n: usize,
    k: usize,
    start: Vec<f64>,
    max_iter: usize,
    eps: f64,
) -> Result<MdsEmbedding, AnalysisError> {
    // One pass per iteration: the pass over X_t gives its stress (the test of iteration t − 1)
    // and the transform X_{t+1}.
    let (_, _, mut next) = guttman_pass(delta, &start, n, k)?;
    let mut y = start;
    let mut old: Option<f64> = None;
    let mut stress = f64::NAN;
    let mut iterations = max_iter;
    for it in 0..max_iter {
        y = next;
        let (s, half_ss, g) = guttman_pass(delta, &y, n, k)?;
        next = g;
        stress = s;
        if !stress.is_finite() {
            return Err(AnalysisError::Numerical(
                "the SMACOF stress overflowed: rescale the dissimilarities".into(),
            ));
        }
        if let Some(o) = old
            && (o - stress) / half_ss < eps
        {
            iterations = it + 1;
            break;
        }
        old = Some(stress);
    }
    Ok(MdsEmbedding {
        embedding: Array2::from_shape_vec((n, k), y).expect("n x k"),
        stress,
        n_iter: iterations,
        eigenvalues: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// The pass's stress equals the direct definition, and a SMACOF iteration never raises the
    /// stress (majorisation).
    #[test]
    fn guttman_transform_majorises() {
        let x = array![
            [0.0, 0.0, 1.0],
            [1.0, 2.0, 0.0],
            [3.0, 1.0, 1.0],
            [2.0, 2.0, 2.0],
            [0.5, 3.0, 0.0],
            [4.0, 0.0, 2.0]
        ];
        let fit = Mds::params().max_iter(1).fit(x.view()).unwrap();
        assert_eq!(fit.n_iter, 1);
        let mut last = f64::INFINITY;
        for it in [1, 2, 5, 20] {
            let f = Mds::params().max_iter(it).eps(0.0).fit(x.view()).unwrap();
            assert!(f.stress <= last + 1e-12, "{it}: {} > {last}", f.stress);
            last = f.stress;
            let n = 6;
            let mut direct = 0.0;
            for i in 0..n {
                for j in i + 1..n {
                    let d = (&f.embedding.row(i) - &f.embedding.row(j))
                        .mapv(|v| v * v)
                        .sum()
                        .sqrt();
                    let delta = (&x.row(i) - &x.row(j)).mapv(|v| v * v).sum().sqrt();
                    direct += (d - delta).powi(2);
                }
            }
            assert!((direct - f.stress).abs() < 1e-10 * (1.0 + direct));
        }
        let err = |p: MdsParams| p.fit(x.view()).unwrap_err().to_string();
        assert!(err(Mds::params().n_components(7)).contains("n_components = 7"));
        assert!(err(Mds::params().n_init(0)).contains("n_init"));
        let asym = array![[0.0, 1.0], [2.0, 0.0]];
        let e = Mds::params()
            .dissimilarity(Dissimilarity::Precomputed)
            .fit(asym.view())
            .unwrap_err()
            .to_string();
        assert!(e.contains("symmetric"), "{e}");
    }
}
