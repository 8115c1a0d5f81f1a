//! Manifold learning on caller arrays, as paper 004 compares with the rVAE's latents: t-SNE,
//! MDS and Isomap with scikit-learn's definitions, and the trustworthiness of an embedding.
//! Matrices are row-major doubles, n samples x d features; embeddings n x k. Each call blocks
//! on the library's worker pool; results do not depend on the thread count.

use crate::analysis::matrix;
use crate::arrays::{out_arg, shape_len, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FfiError};
use engine::analysis::{IsomapParams, MdsParams, TsneParams, trustworthiness};
use ndarray::{Array2, ArrayView2};

/// The caller's embedding buffer of `n x k` doubles, checked before anything is computed.
///
/// # Safety
/// `out` is NULL or valid for `n * k` doubles.
unsafe fn embedding_out<'a>(out: *mut f64, n: usize, k: usize) -> Result<&'a mut [f64], FfiError> {
    if k == 0 {
        return Err(FfiError::new(
            FERROLAB_ERR_INVALID_ARGUMENT,
            "k = 0 (n_components = 0): the embedding needs at least one dimension",
        ));
    }
    let len = shape_len(n, k, "embedding")?;
    // SAFETY: caller's contract.
    unsafe { slice_out(out, len, "embedding") }
}

/// What every embedding call does around its fit: check `x` (n x d) and the output (n x k)
/// before computing, fit, copy the embedding out and write the fit's number to `number` (NULL:
/// not wanted, named `name` in errors).
///
/// # Safety
/// `x` is NULL or valid for n*d doubles, `embedding` for n*k; `number` is NULL or valid for
/// one double.
#[allow(clippy::too_many_arguments)]
unsafe fn embed(
    x: *const f64,
    n: usize,
    d: usize,
    k: usize,
    embedding: *mut f64,
    number: *mut f64,
    name: &str,
    fit: impl FnOnce(ArrayView2<f64>) -> Result<(Array2<f64>, f64), FfiError>,
) -> Result<(), FfiError> {
    // SAFETY: caller's contract.
    let (x, out) = unsafe { (matrix(x, n, d, "x")?, embedding_out(embedding, n, k)?) };
    let (y, value) = fit(x)?;
    out.iter_mut().zip(y.iter()).for_each(|(o, v)| *o = *v);
    if !number.is_null() {
        // SAFETY: caller's contract.
        *unsafe { out_arg(number, name) }? = value;
    }
    Ok(())
}

/// t-SNE of `x` (n x d) into `embedding` (n x k) with the `tsne.*` keys of `cfg` (NULL:
/// scikit-learn's defaults: perplexity 30, early exaggeration 12, learning rate "auto", 1000
/// iterations, Barnes-Hut with angle 0.5, PCA start, seed 0); `k` sets the embedding's
/// dimension (`tsne.n_components` is ignored). `kl_divergence` (NULL: not wanted) receives the
/// final Kullback-Leibler divergence. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_ARGUMENT (sizes, k = 0, perplexity not below n), _NON_FINITE, _INVALID_HANDLE
/// (cfg), _OUT_OF_MEMORY, a configuration error naming the key.
///
/// ```c
/// double y[200 * 2];
/// if (ferrolab_tsne(NULL, x, 200, 10, 2, y, NULL) != FERROLAB_OK) { /* ferrolab_last_error */ }
/// ```
///
/// # Safety
/// `x` is valid for n*d doubles, `embedding` for n*k; `kl_divergence` is NULL or valid for
/// one double.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_tsne(
    cfg: *const ferrolab_config,
    x: *const f64,
    n: usize,
    d: usize,
    k: usize,
    embedding: *mut f64,
    kl_divergence: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        let cfg = config_or_default(cfg)?;
        let fit = |x: ArrayView2<f64>| {
            let f = TsneParams::from_config(&cfg)?.n_components(k).fit(x)?;
            Ok((f.embedding, f.kl_divergence))
        };
        // SAFETY: caller's contract.
        unsafe { embed(x, n, d, k, embedding, kl_divergence, "kl_divergence", fit) }
    })
}

/// Multidimensional scaling of `x` (n x d, Euclidean dissimilarities) into `embedding` (n x k)
/// with the `mds.*` keys of `cfg` (NULL: scikit-learn 1.9's metric SMACOF: 1 start, 300
/// iterations, eps 1e-6, seed 0; `mds.method = "classical"` for Torgerson's); `k` sets the
/// embedding's dimension (`mds.n_components` is ignored). `stress` (NULL: not wanted) receives the raw
/// stress of the embedding, the sum over pairs of (distance - dissimilarity)^2. Returns
/// FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT, _NON_FINITE,
/// _INVALID_HANDLE (cfg), _OUT_OF_MEMORY, a configuration error naming the key.
///
/// # Safety
/// `x` is valid for n*d doubles, `embedding` for n*k; `stress` is NULL or valid for one
/// double.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_mds(
    cfg: *const ferrolab_config,
    x: *const f64,
    n: usize,
    d: usize,
    k: usize,
    embedding: *mut f64,
    stress: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        let cfg = config_or_default(cfg)?;
        let fit = |x: ArrayView2<f64>| {
            let f = MdsParams::from_config(&cfg)?.n_components(k).fit(x)?;
            Ok((f.embedding, f.stress))
        };
        // SAFETY: caller's contract.
        unsafe { embed(x, n, d, k, embedding, stress, "stress", fit) }
    })
}

/// Isomap of `x` (n x d) into `embedding` (n x k) with the `isomap.*` keys of `cfg` (NULL:
/// scikit-learn's 5 neighbours): the k-nearest-neighbour graph, geodesic distances by shortest
/// paths, classical MDS of them; `k` sets the embedding's dimension (`isomap.n_components` is
/// ignored). `reconstruction_error` (NULL: not wanted) receives
/// scikit-learn's `reconstruction_error()`. A neighbour graph in pieces is an error naming
/// `isomap.n_neighbors` (raise it). Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_ARGUMENT, _NON_FINITE, _INVALID_HANDLE (cfg), _OUT_OF_MEMORY, a configuration error
/// naming the key.
///
/// # Safety
/// `x` is valid for n*d doubles, `embedding` for n*k; `reconstruction_error` is NULL or valid
/// for one double.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_isomap(
    cfg: *const ferrolab_config,
    x: *const f64,
    n: usize,
    d: usize,
    k: usize,
    embedding: *mut f64,
    reconstruction_error: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        let cfg = config_or_default(cfg)?;
        let fit = |x: ArrayView2<f64>| {
            let f = IsomapParams::from_config(&cfg)?.n_components(k).fit(x)?;
            Ok((f.embedding().to_owned(), f.reconstruction_error()))
        };
        let name = "reconstruction_error";
        // SAFETY: caller's contract.
        unsafe { embed(x, n, d, k, embedding, reconstruction_error, name, fit) }
    })
}

/// Trustworthiness of an embedding `y` (n x k) of `x` (n x d) with `n_neighbors` neighbours,
/// scikit-learn's `trustworthiness` (Euclidean): 1 when every embedded neighbourhood holds
/// only original neighbours. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_ARGUMENT (sizes, n_neighbors not below n / 2), _NON_FINITE.
///
/// # Safety
/// `x` is valid for n*d doubles, `y` for n*k, `out` for one double.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_trustworthiness(
    x: *const f64,
    y: *const f64,
    n: usize,
    d: usize,
    k: usize,
    n_neighbors: usize,
    out: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let (x, y, out) = unsafe {
            (
                matrix(x, n, d, "x")?,
                matrix(y, n, k, "y")?,
                out_arg(out, "out")?,
            )
        };
        *out = trustworthiness(x, y, n_neighbors)?;
        Ok(())
    })
}
