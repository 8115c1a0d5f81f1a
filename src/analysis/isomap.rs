//! Isomap with scikit-learn's `Isomap` definitions (`n_neighbors = 5`, `n_components = 2`,
//! Euclidean, `path_method="auto"`, dense kernel PCA).
//!
//! **Fit.** The k-nearest-neighbour graph of the samples (exact brute-force k-NN, each sample's
//! k nearest *other* samples, edges weighted by their Euclidean distance, as
//! `kneighbors_graph(mode="distance")`), taken as undirected (an edge in either direction
//! joins the pair, as `shortest_path(directed=False)`); the geodesic distances `D` are its
//! all-pairs shortest paths (Dijkstra from every sample, in parallel); the embedding is the
//! kernel PCA of `G = −½ D∘D`: with `K = J G J` (double centring, `KernelCenterer`) and its k
//! largest eigenpairs `(λ, u)`, the coordinates are `u √λ`, each eigenvector's
//! largest-magnitude entry made positive (`KernelPCA`'s `svd_flip`). Eigenpairs: faer's dense
//! self-adjoint solver up to 600 samples, Lanczos with full reorthogonalisation above
//! (scikit-learn uses LAPACK or ARPACK; both converge to the same pairs).
//!
//! **Reconstruction error** (scikit-learn's `reconstruction_error()`):
//! `√(Σ_ij K_ij² − Σ_c λ_c²) / n`.
//!
//! **Transform** of new points (scikit-learn's `transform`): the geodesic distance from a new
//! point to training sample j is `min_l (‖x − x_l‖ + D_lj)` over its k nearest training
//! samples l; the kernel row `−½ g²` is centred with the training kernel's column means and
//! grand mean and projected on `u / √λ`.
//!
//! **Disconnected graphs.** When the k-NN graph has several connected components, some
//! geodesic distances are infinite. scikit-learn (≥ 1.0) warns and joins the components by
//! their closest pairs of points, which invents geodesics through the ambient space, exactly
//! what Isomap is meant to avoid, and silently changes the embedding. Here the fit is refused
//! with an error naming `n_neighbors` and the number of components, so the caller raises
//! `n_neighbors` (or embeds the components separately) knowingly.
//!
//! **Why not a crate.** petal-neighbors / petgraph give k-NN and Dijkstra but neither the
//! kernel-PCA conventions nor thread-count-independent parallel all-pairs paths; the
//! remaining code is small. Results do not depend on the thread count (each row is computed
//! by the same sequential code, sums in row order).
//!
//! ```
//! use ferrolab::analysis::Isomap;
//! use ndarray::Array2;
//! // Points along a spiral arc in 3-D: Isomap unrolls it onto a line.
//! let x = Array2::from_shape_fn((40, 3), |(i, j)| {
//!     let t = 1.0 + 0.1 * i as f64;
//!     [t * t.cos(), t * t.sin(), 0.05 * i as f64][j]
//! });
//! let iso = Isomap::params().n_components(1).fit(x.view())?;
//! let e = iso.embedding();
//! // Monotone along the arc.
//! let increasing = (1..40).all(|i| e[[i, 0]] > e[[i - 1, 0]]);
//! let decreasing = (1..40).all(|i| e[[i, 0]] < e[[i - 1, 0]]);
//! assert!(increasing || decreasing);
//! # Ok::<(), ferrolab::analysis::AnalysisError>(())
//! ```

use super::AnalysisError;
use super::keys::IsomapSettings;
use super::manifold::{knn, sq_dist, top_eigen};
use super::mds::double_centre_squares;
use super::rows::{checked_points, checked_rows, map_row_blocks};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Settings of an Isomap fit (defaults: scikit-learn's, the `isomap.*` keys').
///
/// ```
/// use ferrolab::analysis::Isomap;
/// let p = Isomap::params();
/// assert_eq!((p.n_neighbors, p.n_components), (5, 2));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct IsomapParams {
    /// Neighbours per sample in the graph, 1..n.
    pub n_neighbors: usize,
    /// Dimension of the embedding, 1..=n.
    pub n_components: usize,
}

impl Default for IsomapParams {
    fn default() -> Self {
        Self::with_settings(&IsomapSettings::default())
    }
}

impl IsomapParams {
    /// The same settings with another neighbour count.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Isomap::params().n_neighbors(10).n_neighbors, 10);
    /// ```
    pub fn n_neighbors(mut self, n_neighbors: usize) -> Self {
        self.n_neighbors = n_neighbors;
        self
    }

    /// The same settings with another embedding dimension.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Isomap::params().n_components(3).n_components, 3);
    /// ```
    pub fn n_components(mut self, n_components: usize) -> Self {
        self.n_components = n_components;
        self
    }

    /// Settings from the `isomap.*` keys' values.
    ///
    /// ```
    /// use ferrolab::analysis::{IsomapParams, IsomapSettings};
    /// let s = IsomapSettings { n_neighbors: 8, ..IsomapSettings::default() };
    /// assert_eq!(IsomapParams::with_settings(&s).n_neighbors, 8);
    /// ```
    pub fn with_settings(s: &IsomapSettings) -> Self {
        Self {
            n_neighbors: s.n_neighbors,
            n_components: s.n_components,
        }
    }

    /// Settings from the `isomap.*` keys of `cfg`.
    ///
    /// ```
    /// use ferrolab::analysis::IsomapParams;
    /// use ferrolab::config::{Config, Value};
    /// let mut cfg = Config::new();
    /// cfg.set("isomap.n_neighbors", Value::I64(12))?;
    /// assert_eq!(IsomapParams::from_config(&cfg)?.n_neighbors, 12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_config(cfg: &crate::config::Config) -> Result<Self, AnalysisError> {
        Ok(Self::with_settings(&IsomapSettings::from_config(cfg)?))
    }

    /// Fit on the rows of `x` (n samples x d features).
    ///
    /// Errors (naming the argument): `x` empty, non-finite or with fewer than 2 rows;
    /// n_neighbors outside 1..n; n_components outside 1..=n; a disconnected neighbour graph
    /// (see the module docs); the n x n geodesic and kernel matrices over the memory budget.
    ///
    /// ```
    /// use ferrolab::analysis::Isomap;
    /// use ndarray::array;
    /// // Two far-apart pairs: with 1 neighbour the graph has 2 components.
    /// let x = array![[0.0], [1.0], [100.0], [101.0]];
    /// let err = Isomap::params().n_neighbors(1).n_components(1).fit(x.view()).unwrap_err();
    /// assert!(err.to_string().contains("isomap.n_neighbors = 1"));
    /// assert!(Isomap::params().n_neighbors(2).n_components(1).fit(x.view()).is_ok());
    /// ```
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<Isomap, AnalysisError> {
        let rows = checked_rows(x, "x", 2)?;
        let (n, d) = x.dim();
        let (k, c) = (self.n_neighbors, self.n_components);
        if k == 0 || k >= n {
            return Err(AnalysisError::Invalid(format!(
                "isomap.n_neighbors = {k}: it must be in 1..{n} (fewer than the samples of x)"
            )));
        }
        if c == 0 || c > n {
            return Err(AnalysisError::Invalid(format!(
                "n_components = {c}: it must be in 1..={n} (the samples of x)"
            )));
        }
        crate::limits::check(
            &format!("Isomap of {n} samples (two n x n matrices)"),
            crate::limits::bytes_of::<f64>(&[2, n, n]),
        )?;
        let neighbours = knn(&rows, n, d, k)?;
        let graph = Graph::undirected(&neighbours, n);
        let components = graph.components();
        if components > 1 {
            return Err(AnalysisError::Invalid(format!(
                "isomap.n_neighbors = {k}: the nearest-neighbour graph of x has {components} connected \
                 components, so some geodesic distances are infinite; raise n_neighbors (or \
                 embed the components separately)"
            )));
        }
        let geodesic = map_row_blocks(n, n * 4 * k, |r| {
            let mut out = Vec::with_capacity(r.len() * n);
            for s in r {
                out.extend(graph.dijkstra(s));
            }
            out
        })?;
        let kernel = double_centre_squares(&geodesic, n);
        let kernel_sq: f64 = {
            let per_row = map_row_blocks(n, n, |r| {
                r.map(|i| kernel[i * n..(i + 1) * n].iter().map(|v| v * v).sum())
                    .collect()
            })?;
            per_row.iter().sum()
        };
        let (values, vectors) = top_eigen(&kernel, n, c)?;
        drop(kernel);
        let values: Vec<f64> = values.into_iter().map(|v| v.max(0.0)).collect();
        let residual = kernel_sq - values.iter().map(|v| v * v).sum::<f64>();
        let reconstruction_error = residual.max(0.0).sqrt() / n as f64;
        let mut embedding = vectors.clone();
        for (mut col, &w) in embedding.columns_mut().into_iter().zip(&values) {
            let s = w.sqrt();
            col.mapv_inplace(|v| v * s);
        }
        // Column means of G = −½ D² and their mean, for centring new kernel rows.
        let col_means = Array1::from_shape_fn(n, |j| {
            -0.5 * (0..n).map(|i| geodesic[i * n + j].powi(2)).sum::<f64>() / n as f64
        });
        let grand_mean = col_means.sum() / n as f64;
        Ok(Isomap {
            x: rows,
            d,
            n_neighbors: k,
            embedding,
            eigenvalues: Array1::from(values),
            eigenvectors: vectors,
            geodesic: Array2::from_shape_vec((n, n), geodesic).expect("n x n"),
            col_means,
            grand_mean,
            reconstruction_error,
        })
    }
}

/// A fitted Isomap: the embedding of the training samples, the geodesic distances and the
/// kernel PCA, which also places new points ([`Isomap::transform`]).
///
/// ```
/// use ferrolab::analysis::Isomap;
/// let x = ndarray::Array2::from_shape_fn((30, 2), |(i, j)| if j == 0 { i as f64 } else { 0.1 * (i % 3) as f64 });
/// let iso = Isomap::params().fit(x.view())?;
/// assert_eq!(iso.embedding().dim(), (30, 2));
/// assert_eq!(iso.dist_matrix().dim(), (30, 30));
/// assert!(iso.reconstruction_error() >= 0.0);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Isomap {
    x: Vec<f64>,
    d: usize,
    n_neighbors: usize,
    embedding: Array2<f64>,
    eigenvalues: Array1<f64>,
    eigenvectors: Array2<f64>,
    geodesic: Array2<f64>,
    col_means: Array1<f64>,
    grand_mean: f64,
    reconstruction_error: f64,
}

impl Isomap {
    /// scikit-learn's defaults (the `isomap.*` keys' defaults).
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Isomap::params().n_neighbors, 5);
    /// ```
    pub fn params() -> IsomapParams {
        IsomapParams::default()
    }

    /// The training samples' coordinates, n x n_components.
    ///
    /// ```
    /// use ferrolab::analysis::Isomap;
    /// let x = ndarray::Array2::from_shape_fn((10, 1), |(i, _)| (i * i) as f64);
    /// let iso = Isomap::params().n_neighbors(2).n_components(1).fit(x.view())?;
    /// // On a line the geodesics are the distances: the embedding is x, centred, up to sign.
    /// let mean = x.sum() / 10.0;
    /// let e = iso.embedding();
    /// let s = e[[9, 0]].signum();
    /// assert!((0..10).all(|i| (s * e[[i, 0]] - (x[[i, 0]] - mean)).abs() < 1e-9));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn embedding(&self) -> ArrayView2<'_, f64> {
        self.embedding.view()
    }

    /// The geodesic (shortest-path) distances between the training samples, n x n
    /// (scikit-learn's `dist_matrix_`).
    ///
    /// ```
    /// use ferrolab::analysis::Isomap;
    /// let x = ndarray::array![[0.0], [1.0], [3.0], [6.0]];
    /// let iso = Isomap::params().n_neighbors(1).n_components(1).fit(x.view())?;
    /// assert_eq!(iso.dist_matrix()[[0, 3]], 6.0);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn dist_matrix(&self) -> ArrayView2<'_, f64> {
        self.geodesic.view()
    }

    /// The kernel PCA's k largest eigenvalues (negative ones set to 0).
    ///
    /// ```
    /// use ferrolab::analysis::Isomap;
    /// let x = ndarray::array![[0.0], [1.0], [3.0], [6.0]];
    /// let iso = Isomap::params().n_neighbors(1).n_components(1).fit(x.view())?;
    /// // One dimension: the eigenvalue is the sum of squared centred coordinates.
    /// let mean = 2.5;
    /// let ss: f64 = [0.0, 1.0, 3.0, 6.0].iter().map(|v: &f64| (v - mean).powi(2)).sum();
    /// assert!((iso.eigenvalues()[0] - ss).abs() < 1e-9);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn eigenvalues(&self) -> ArrayView1<'_, f64> {
        self.eigenvalues.view()
    }

    /// scikit-learn's `reconstruction_error()`: `√(Σ K² − Σ λ²) / n`, with K the centred
    /// kernel of the geodesic distances.
    ///
    /// ```
    /// use ferrolab::analysis::Isomap;
    /// let x = ndarray::array![[0.0], [1.0], [3.0], [6.0]];
    /// let iso = Isomap::params().n_neighbors(1).n_components(1).fit(x.view())?;
    /// assert!(iso.reconstruction_error() < 1e-6); // a line is reconstructed exactly
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn reconstruction_error(&self) -> f64 {
        self.reconstruction_error
    }

    /// Coordinates of new points `x` (m x d) in the embedding (scikit-learn's `transform`; see
    /// the module docs).
    ///
    /// Errors: `x` non-finite or with the wrong number of columns.
    ///
    /// ```
    /// use ferrolab::analysis::Isomap;
    /// let x = ndarray::Array2::from_shape_fn((20, 2), |(i, j)| [i as f64, (i % 2) as f64 * 0.1][j]);
    /// let iso = Isomap::params().fit(x.view())?;
    /// // A training point maps onto its own embedding.
    /// let again = iso.transform(x.slice(ndarray::s![3..4, ..]))?;
    /// assert!((&again.row(0) - &iso.embedding().row(3)).iter().all(|v| v.abs() < 1e-8));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, AnalysisError> {
        let q = checked_points(x, "x", self.d)?;
        let m = x.nrows();
        let n = self.geodesic.nrows();
        let c = self.embedding.ncols();
        let d = self.d;
        crate::limits::check(
            &format!("Isomap transform of {m} points"),
            crate::limits::bytes_of::<f64>(&[m, n + c]),
        )?;
        let scaled: Vec<f64> = self
            .eigenvalues
            .iter()
            .map(|&v| if v > 0.0 { 1.0 / v.sqrt() } else { 0.0 })
            .collect();
        let out = map_row_blocks(m, n * (d + self.n_neighbors + c), |r| {
            let mut buf: Vec<(f64, usize)> = Vec::with_capacity(n);
            let mut res = Vec::with_capacity(r.len() * c);
            for p in r {
                let qp = &q[p * d..(p + 1) * d];
                buf.clear();
                buf.extend((0..n).map(|j| (sq_dist(qp, &self.x[j * d..(j + 1) * d]), j)));
                let order =
                    |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
                let k = self.n_neighbors.min(n);
                if k < n {
                    buf.select_nth_unstable_by(k - 1, order);
                }
                let mut g = vec![f64::INFINITY; n];
                for &(d2, l) in &buf[..k] {
                    let dl = d2.sqrt();
                    for (gj, &geo) in g.iter_mut().zip(self.geodesic.row(l)) {
                        *gj = gj.min(dl + geo);
                    }
                }
                g.iter_mut().for_each(|v| *v = -0.5 * *v * *v);
                let row_mean = g.iter().sum::<f64>() / n as f64;
                for (a, &s) in scaled.iter().enumerate() {
                    let mut acc = 0.0;
                    for ((gj, cm), u) in g
                        .iter()
                        .zip(&self.col_means)
                        .zip(self.eigenvectors.column(a))
                    {
                        acc += (gj - cm - row_mean + self.grand_mean) * u;
                    }
                    res.push(acc * s);
                }
            }
            res
        })?;
        Ok(Array2::from_shape_vec((m, c), out).expect("m x c"))
    }
}

/// An undirected weighted graph in compressed rows.
struct Graph {
    start: Vec<usize>,
    to: Vec<usize>,
    weight: Vec<f64>,
}

/// A heap entry ordered by distance, smallest first (then by node).
#[derive(PartialEq)]
struct Entry(f64, usize);

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then(other.1.cmp(&self.1))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Graph {
    /// Each k-NN edge (squared distances in `neighbours`) in both directions.
    fn undirected(neighbours: &[Vec<(usize, f64)>], n: usize) -> Self {
        let mut degree = vec![0usize; n];
        for (i, row) in neighbours.iter().enumerate() {
            degree[i] += row.len();
            for &(j, _) in row {
                degree[j] += 1;
            }
        }
        let mut start = vec![0usize; n + 1];
        for i in 0..n {
            start[i + 1] = start[i] + degree[i];
        }
        let mut fill = start.clone();
        let mut to = vec![0; start[n]];
        let mut weight = vec![0.0; start[n]];
        for (i, row) in neighbours.iter().enumerate() {
            for &(j, d2) in row {
                let w = d2.sqrt();
                to[fill[i]] = j;
                weight[fill[i]] = w;
                fill[i] += 1;
                to[fill[j]] = i;
                weight[fill[j]] = w;
                fill[j] += 1;
            }
        }
        Self { start, to, weight }
    }

    fn components(&self) -> usize {
        let n = self.start.len() - 1;
        let mut seen = vec![false; n];
        let mut count = 0;
        let mut stack = Vec::new();
        for s in 0..n {
            if seen[s] {
                continue;
            }
            count += 1;
            seen[s] = true;
            stack.push(s);
            while let Some(u) = stack.pop() {
                for &v in &self.to[self.start[u]..self.start[u + 1]] {
                    if !seen[v] {
                        seen[v] = true;
                        stack.push(v);
                    }
                }
            }
        }
        count
    }

    /// Shortest-path distances from `source` to every node.
    fn dijkstra(&self, source: usize) -> Vec<f64> {
        let n = self.start.len() - 1;
        let mut dist = vec![f64::INFINITY; n];
        let mut heap = BinaryHeap::with_capacity(n);
        dist[source] = 0.0;
        heap.push(Entry(0.0, source));
        while let Some(Entry(du, u)) = heap.pop() {
            if du > dist[u] {
                continue;
            }
            for e in self.start[u]..self.start[u + 1] {
                let v = self.to[e];
                let alt = du + self.weight[e];
                if alt < dist[v] {
                    dist[v] = alt;
                    heap.push(Entry(alt, v));
                }
            }
        }
        dist
    }
}
