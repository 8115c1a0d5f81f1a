//! Paper 003's latent analyses (models.md 3.4): Gaussian-mixture classes of the latent vectors
//! with their centroids decoded and the mean input near each, and the decoded latent manifold.

use super::error::{ExperimentError, invalid};
use crate::analysis::{GaussianMixture, GmmParams};
use crate::nn::im2spec::EncoderDecoder;
use ndarray::{Array2, ArrayView2, Axis};

/// Gaussian-mixture classes of a data set's latent vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct LatentClasses {
    /// The class of every row.
    pub labels: Vec<usize>,
    /// Class means in the latent space, classes x latent.
    pub centroids: Array2<f64>,
    /// The model's output at each centroid (loops for im2spec, patches for spec2im).
    pub decoded: Array2<f64>,
    /// The mean input of the rows nearest each centroid (in latent space).
    pub mean_inputs: Array2<f64>,
}

/// Rows of `z` nearest `point` (Euclidean), at most `k`.
fn nearest(z: ArrayView2<f64>, point: &[f64], k: usize) -> Vec<usize> {
    let mut d: Vec<(f64, usize)> = z
        .rows()
        .into_iter()
        .enumerate()
        .map(|(i, r)| (r.iter().zip(point).map(|(a, b)| (a - b).powi(2)).sum(), i))
        .collect();
    d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    d.into_iter().take(k).map(|(_, i)| i).collect()
}

/// Encodes `inputs`, fits a `classes`-component full-covariance Gaussian mixture (seed `seed`)
/// to the latent vectors, decodes the class means and averages the inputs of the `near` rows
/// nearest each mean (paper 003: 8 classes; 100 nearest patches for im2spec, 10 nearest loops
/// for spec2im).
///
/// ```
/// use ferrolab::experiment::latent_classes;
/// use ferrolab::nn::im2spec::{EncoderDecoder, Im2SpecSettings};
/// let model = EncoderDecoder::im2spec(&Im2SpecSettings { latent: 2, filters: 4, ..Default::default() }, [4, 4], 8)?;
/// let patches = ndarray::Array2::from_shape_fn((40, 16), |(i, j)| ((i * 7 + j) % 5) as f64);
/// let c = latent_classes(&model, patches.view(), 3, 10, 0)?;
/// assert_eq!((c.labels.len(), c.decoded.dim(), c.mean_inputs.dim()), (40, (3, 8), (3, 16)));
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn latent_classes(
    model: &EncoderDecoder,
    inputs: ArrayView2<f64>,
    classes: usize,
    near: usize,
    seed: u64,
) -> Result<LatentClasses, ExperimentError> {
    if classes == 0 || classes > inputs.nrows() {
        return Err(invalid(format!(
            "classes = {classes}: between 1 and the {} rows",
            inputs.nrows()
        )));
    }
    let z = model.encode(inputs)?;
    let params = GmmParams {
        seed,
        ..GmmParams::new(classes)
    };
    let gmm = GaussianMixture::fit(z.view(), &params)
        .map_err(|e| invalid(format!("latent classes: {e}")))?;
    let labels = gmm
        .predict(z.view())
        .map_err(|e| invalid(format!("latent classes: {e}")))?
        .to_vec();
    let centroids = gmm.means().clone();
    let decoded = model.decode(centroids.view())?;
    let mut mean_inputs = Array2::zeros((classes, inputs.ncols()));
    for (mut row, c) in mean_inputs.rows_mut().into_iter().zip(centroids.rows()) {
        let idx = nearest(z.view(), &c.to_vec(), near.max(1));
        let mean = inputs
            .select(Axis(0), &idx)
            .mean_axis(Axis(0))
            .expect("rows");
        row.assign(&mean);
    }
    Ok(LatentClasses {
        labels,
        centroids,
        decoded,
        mean_inputs,
    })
}

/// The decoded latent manifold: a `side x side` grid over the bounding box of the first two
/// latent dimensions of `z` (the others at their mean), decoded row by row (first latent along
/// the columns). Returns the grid points (side^2 x latent) and the outputs.
///
/// ```
/// use ferrolab::experiment::decoded_manifold;
/// use ferrolab::nn::im2spec::{EncoderDecoder, Im2SpecSettings};
/// let model = EncoderDecoder::im2spec(&Im2SpecSettings { latent: 2, filters: 4, ..Default::default() }, [4, 4], 8)?;
/// let z = ndarray::array![[0.0, 0.0], [1.0, 2.0]];
/// let (grid, out) = decoded_manifold(&model, z.view(), 4)?;
/// assert_eq!((grid.dim(), out.dim(), grid[[15, 1]]), ((16, 2), (16, 8), 2.0));
/// # Ok::<(), ferrolab::experiment::ExperimentError>(())
/// ```
pub fn decoded_manifold(
    model: &EncoderDecoder,
    z: ArrayView2<f64>,
    side: usize,
) -> Result<(Array2<f64>, Array2<f64>), ExperimentError> {
    if z.ncols() < 2 || z.nrows() == 0 || side < 2 {
        return Err(invalid(format!(
            "a manifold needs latent vectors of at least 2 dimensions ({} given), rows, and a side of at least 2 ({side})",
            z.ncols()
        )));
    }
    let mean = z.mean_axis(Axis(0)).expect("rows");
    let span = |j: usize| {
        z.column(j)
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            })
    };
    let ((x0, x1), (y0, y1)) = (span(0), span(1));
    let mut grid = Array2::zeros((side * side, z.ncols()));
    for (k, mut row) in grid.rows_mut().into_iter().enumerate() {
        row.assign(&mean);
        let (r, c) = (k / side, k % side);
        row[0] = x0 + (x1 - x0) * c as f64 / (side - 1) as f64;
        row[1] = y0 + (y1 - y0) * r as f64 / (side - 1) as f64;
    }
    let out = model.decode(grid.view())?;
    Ok((grid, out))
}
