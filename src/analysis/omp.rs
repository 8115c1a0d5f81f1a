//! Orthogonal matching pursuit (OMP): for every row x of X (n x d) and a dictionary D (k x d,
//! one atom per row), a code g with at most `n_nonzero` non-zero coefficients, chosen greedily:
//! start from g = 0; repeatedly add the atom whose correlation with the residual,
//! `alpha = D x - D D^T g`, is largest in absolute value, then set the coefficients of the
//! chosen atoms to the least-squares fit of x on them. It stops after `n_nonzero` atoms, or
//! earlier when the largest correlation is negligible (`alpha^2 < eps`), an already chosen atom
//! would be chosen again (the residual is orthogonal to the span up to rounding), or the new
//! atom is linearly dependent on the chosen ones (its Cholesky pivot `<= eps`), with
//! `eps = f64::EPSILON`.
//!
//! This is scikit-learn's `orthogonal_mp_gram` step by step (Gram form with a Cholesky factor
//! grown one row per atom, ties to the first position of its swap-ordered arrays), which is
//! what its `DictionaryLearning.transform` and `SparseCoder` run by default
//! (`transform_algorithm='omp'`). Paper 001's code used that default, so its dictionary-learning
//! reconstructions are OMP codes with scikit-learn's default number of non-zeros,
//! [`omp_nonzero_rule`]: 2 of 3 atoms for the 25-step toy spectra, all 5 for the 192-value BEPS
//! loops. The correlations are not divided by the atoms' norms (as in scikit-learn): with
//! unit-norm atoms, as dictionary learning gives, it is the usual rule.

use super::AnalysisError;
use super::dense::{check_matrix, in_pool, invalid, matmul};
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, Axis};
use rayon::prelude::*;

/// scikit-learn's default number of non-zero coefficients of an OMP code
/// (`sparse_encode` with `n_nonzero_coefs=None`): `int(min(max(n_features / 10, 1),
/// n_components))`, at least 1.
///
/// ```
/// use ferrolab::analysis::omp_nonzero_rule;
/// assert_eq!(omp_nonzero_rule(25, 3), 2); // paper 001's toy: 2 of 3 atoms
/// assert_eq!(omp_nonzero_rule(192, 5), 5); // its BEPS loops: all 5
/// assert_eq!(omp_nonzero_rule(5, 3), 1);
/// ```
pub fn omp_nonzero_rule(n_features: usize, n_components: usize) -> usize {
    let rule = (n_features as f64 / 10.0).max(1.0).min(n_components as f64);
    (rule as usize).max(1)
}

/// OMP codes (n x k) of the rows of `x` (n x d) on the atoms `dictionary` (k x d), with at
/// most `n_nonzero` non-zero coefficients per row (module docs of `analysis::omp`). Rows run in
/// parallel on the library's pool.
///
/// Errors: empty or non-finite inputs, different numbers of columns, `n_nonzero` outside
/// 1..=k, sizes beyond the memory budget.
///
/// ```
/// use ferrolab::analysis::orthogonal_mp;
/// use ndarray::array;
/// let d = array![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
/// // One atom: the largest component; two: the two largest, exactly.
/// assert_eq!(orthogonal_mp(array![[0.5, -3.0, 1.0]].view(), d.view(), 1)?, array![[0.0, -3.0, 0.0]]);
/// assert_eq!(orthogonal_mp(array![[0.5, -3.0, 1.0]].view(), d.view(), 2)?, array![[0.0, -3.0, 1.0]]);
/// assert!(orthogonal_mp(array![[1.0, 1.0, 1.0]].view(), d.view(), 4).is_err());
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn orthogonal_mp(
    x: ArrayView2<f64>,
    dictionary: ArrayView2<f64>,
    n_nonzero: usize,
) -> Result<Array2<f64>, AnalysisError> {
    check_matrix(x, "x")?;
    check_matrix(dictionary, "dictionary")?;
    if x.ncols() != dictionary.ncols() {
        return invalid(format!(
            "x has {} columns but the dictionary's atoms have {}",
            x.ncols(),
            dictionary.ncols()
        ));
    }
    check_nonzero(n_nonzero, dictionary.nrows())?;
    let (n, d, k) = (x.nrows(), x.ncols(), dictionary.nrows());
    super::check_factor_memory(n, d, k, 2)?;
    let mut codes = Array2::zeros((n, k));
    in_pool(|| {
        let gram = matmul(dictionary, false, dictionary, true);
        let cov = matmul(x, false, dictionary, true);
        encode_omp_gram(gram.view(), cov.view(), n_nonzero, &mut codes);
    })?;
    Ok(codes)
}

/// `n_nonzero` in 1..=k.
pub(super) fn check_nonzero(n_nonzero: usize, k: usize) -> Result<(), AnalysisError> {
    if n_nonzero == 0 || n_nonzero > k {
        return invalid(format!(
            "n_nonzero = {n_nonzero}: it must be between 1 and the {k} atoms"
        ));
    }
    Ok(())
}

/// OMP codes of every row from the Gram matrix `gram = D D^T` (k x k) and `cov = X D^T`
/// (n x k), written to `codes` (n x k, overwritten); rows run in parallel in the current pool.
pub(super) fn encode_omp_gram(
    gram: ArrayView2<f64>,
    cov: ArrayView2<f64>,
    n_nonzero: usize,
    codes: &mut Array2<f64>,
) {
    let rows: Vec<_> = codes
        .axis_iter_mut(Axis(0))
        .zip(cov.axis_iter(Axis(0)))
        .collect();
    rows.into_par_iter()
        .for_each(|(g, c)| omp_row(gram, c, n_nonzero, g));
}

/// One row's OMP (module docs). Positions are kept in scikit-learn's swap order: the chosen
/// atoms occupy the first positions, so "chosen again" is a position below `active` and ties
/// go to the first position in that order.
fn omp_row(
    gram: ArrayView2<f64>,
    c: ArrayView1<f64>,
    n_nonzero: usize,
    mut out: ArrayViewMut1<f64>,
) {
    let k = c.len();
    let eps = f64::EPSILON;
    // perm[p] = the atom at position p.
    let mut perm: Vec<usize> = (0..k).collect();
    let mut alpha: Vec<f64> = c.to_vec();
    // Lower Cholesky factor of the chosen atoms' Gram block, row-major n_nonzero x n_nonzero.
    let m = n_nonzero;
    let mut l = vec![0.0; m * m];
    let mut gamma: Vec<f64> = Vec::new();
    let mut active = 0;
    out.fill(0.0);
    while active < m {
        // First position of the largest |alpha|.
        let mut lam = 0;
        for p in 1..k {
            if alpha[p].abs() > alpha[lam].abs() {
                lam = p;
            }
        }
        if lam < active || alpha[lam] * alpha[lam] < eps {
            break;
        }
        let atom = perm[lam];
        if active > 0 {
            // New row w of L: L[..active, ..active] w = G[atom, chosen].
            let mut v = 0.0;
            for a in 0..active {
                let mut w = gram[(atom, perm[a])];
                for b in 0..a {
                    w -= l[a * m + b] * l[active * m + b];
                }
                w /= l[a * m + a];
                l[active * m + a] = w;
                v += w * w;
            }
            let pivot = gram[(atom, atom)] - v;
            if pivot <= eps {
                break; // dependent on the chosen atoms
            }
            l[active * m + active] = pivot.sqrt();
        } else {
            l[0] = gram[(atom, atom)].sqrt();
        }
        perm.swap(active, lam);
        active += 1;
        // gamma = (L L^T)^-1 c[chosen]: forward then backward substitution.
        gamma = (0..active).map(|a| c[perm[a]]).collect();
        for a in 0..active {
            for b in 0..a {
                gamma[a] -= l[a * m + b] * gamma[b];
            }
            gamma[a] /= l[a * m + a];
        }
        for a in (0..active).rev() {
            for b in a + 1..active {
                gamma[a] -= l[b * m + a] * gamma[b];
            }
            gamma[a] /= l[a * m + a];
        }
        // alpha = c - G[:, chosen] gamma, in position order.
        for (p, ap) in alpha.iter_mut().enumerate() {
            let atom = perm[p];
            let fitted: f64 = (0..active).map(|a| gram[(atom, perm[a])] * gamma[a]).sum();
            *ap = c[atom] - fitted;
        }
    }
    for (a, value) in gamma.iter().enumerate() {
        out[perm[a]] = *value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// With all atoms chosen the code is the least-squares fit; the residual is orthogonal to
    /// every chosen atom at every stage.
    #[test]
    fn full_support_is_least_squares() {
        let d = array![
            [0.6, 0.8, 0.0, 0.0],
            [0.0, 0.6, 0.8, 0.0],
            [0.5, 0.5, 0.5, 0.5]
        ];
        let x = array![[1.0, -2.0, 0.5, 3.0], [0.2, 0.1, 0.0, -0.4]];
        let g = orthogonal_mp(x.view(), d.view(), 3).unwrap();
        // Normal equations: (x - g D) D^T = 0.
        let grad = (&x - &g.dot(&d)).dot(&d.t());
        assert!(grad.iter().all(|v| v.abs() < 1e-12), "{grad}");
        for n in 1..=2 {
            let g = orthogonal_mp(x.view(), d.view(), n).unwrap();
            let residual = &x - &g.dot(&d);
            for (row, r) in g.rows().into_iter().zip(residual.rows()) {
                assert_eq!(row.iter().filter(|v| **v != 0.0).count(), n);
                for (j, gj) in row.iter().enumerate() {
                    if *gj != 0.0 {
                        assert!(r.dot(&d.row(j)).abs() < 1e-12);
                    }
                }
            }
        }
    }

    /// A zero row gets a zero code; a dependent atom stops the pursuit early.
    #[test]
    fn early_stops() {
        let d = array![[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]];
        assert_eq!(
            orthogonal_mp(array![[0.0, 0.0]].view(), d.view(), 2).unwrap(),
            array![[0.0, 0.0, 0.0]]
        );
        // x along atom 0 = atom 2: one atom explains it, the pursuit stops after it.
        let g = orthogonal_mp(array![[2.0, 0.0]].view(), d.view(), 3).unwrap();
        assert_eq!(g, array![[2.0, 0.0, 0.0]]);
        let e = orthogonal_mp(array![[2.0, 0.0]].view(), d.view(), 0).unwrap_err();
        assert!(e.to_string().contains("n_nonzero = 0"), "{e}");
    }
}
