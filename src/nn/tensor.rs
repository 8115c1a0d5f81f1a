//! A row-major, batch-first tensor: the buffers layers read and write. Sequences are
//! `(B, T, C)`, 1-D convolutions `(B, C, L)`, 2-D ones `(B, C, H, W)`, dense rows `(B, F)`.

use super::real::Real;

/// Values in row-major order with their shape; the first axis is the batch.
///
/// ```
/// use ferrolab::nn::tensor::Tensor;
/// let x = Tensor::from_vec(&[2, 3, 1], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
/// assert_eq!((x.batch(), x.row_len()), (2, 3));
/// assert!(Tensor::from_vec(&[2, 2], vec![1.0f64]).is_none()); // 4 values needed
/// assert_eq!(x.cast::<f64>().data[5], 6.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor<T> {
    /// Extent of each axis, batch first.
    pub shape: Vec<usize>,
    /// `shape.iter().product()` values, row-major.
    pub data: Vec<T>,
}

impl<T: Real> Tensor<T> {
    /// A tensor of zeros.
    pub fn zeros(shape: &[usize]) -> Self {
        Self {
            shape: shape.to_vec(),
            data: vec![T::zero(); shape.iter().product()],
        }
    }

    /// A tensor over `data`; `None` when the shape does not hold exactly `data.len()` values.
    pub fn from_vec(shape: &[usize], data: Vec<T>) -> Option<Self> {
        (shape.iter().product::<usize>() == data.len()).then(|| Self {
            shape: shape.to_vec(),
            data,
        })
    }

    /// The batch size (extent of the first axis).
    pub fn batch(&self) -> usize {
        self.shape.first().copied().unwrap_or(1)
    }

    /// Values per batch row.
    pub fn row_len(&self) -> usize {
        self.shape.iter().skip(1).product()
    }

    /// The same values in another precision (for the f32-against-f64 checks).
    pub fn cast<U: Real>(&self) -> Tensor<U> {
        Tensor {
            shape: self.shape.clone(),
            data: self.data.iter().map(|v| U::of(v.to_f64_exact())).collect(),
        }
    }
}
