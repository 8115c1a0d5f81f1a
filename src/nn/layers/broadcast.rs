//! Shape plumbing with gradients: a residual add whose second term broadcasts (Keras adds a
//! `(T, 1)` block input to all channels of a `(T, 2h)` output), and repeating a vector over
//! time (the decoder input of a sequence VAE).

use super::super::error::NnError;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::{Layer, Weights, check_shape};

/// `a + b` with `b` broadcast to `a`'s shape (same rank; each axis of `b` is 1 or `a`'s).
pub fn add_broadcast<T: Real>(a: &Tensor<T>, b: &Tensor<T>) -> Result<Tensor<T>, NnError> {
    let fits = a.shape.len() == b.shape.len()
        && a.shape
            .iter()
            .zip(&b.shape)
            .all(|(x, y)| *y == *x || *y == 1);
    if !fits {
        return Err(NnError::Invalid(format!(
            "residual add: shape {:?} does not broadcast to {:?}",
            b.shape, a.shape
        )));
    }
    let mut y = a.clone();
    let (last, b_last) = (last_extent(&a.shape), last_extent(&b.shape));
    for (row, v) in y.data.chunks_exact_mut(last).enumerate() {
        let at = broadcast_index(row * last, &a.shape, &b.shape);
        if b_last == 1 {
            v.iter_mut().for_each(|v| *v += b.data[at]);
        } else {
            v.iter_mut().zip(&b.data[at..]).for_each(|(v, b)| *v += *b);
        }
    }
    Ok(y)
}

/// The gradient of `add_broadcast` for `b` (the one of `a` is `dy` itself): `dy` summed over
/// the broadcast axes.
pub fn add_broadcast_backward<T: Real>(dy: &Tensor<T>, b_shape: &[usize]) -> Tensor<T> {
    let mut db = Tensor::zeros(b_shape);
    let (last, b_last) = (last_extent(&dy.shape), last_extent(b_shape));
    for (row, g) in dy.data.chunks_exact(last).enumerate() {
        let at = broadcast_index(row * last, &dy.shape, b_shape);
        if b_last == 1 {
            g.iter().for_each(|g| db.data[at] += *g);
        } else {
            db.data[at..].iter_mut().zip(g).for_each(|(d, g)| *d += *g);
        }
    }
    db
}

/// Flat index in `small` of the element that broadcasts to flat index `j` of `big`.
/// The extent of the last axis (at least 1, so rows of it can be walked).
fn last_extent(shape: &[usize]) -> usize {
    shape.last().copied().unwrap_or(1).max(1)
}

fn broadcast_index(mut j: usize, big: &[usize], small: &[usize]) -> usize {
    let (mut index, mut stride) = (0, 1);
    for (n, m) in big.iter().zip(small).rev() {
        let coordinate = j % n;
        j /= n;
        if *m != 1 {
            index += coordinate * stride;
        }
        stride *= m;
    }
    index
}

/// `(B, C)` -> `(B, T, C)`: every step a copy of the row (Keras `RepeatVector(T)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RepeatTime {
    /// Number of time steps.
    pub steps: usize,
}

impl<T: Real> Layer<T> for RepeatTime {
    type Saved = ();

    fn forward(&self, _: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, ()), NnError> {
        check_shape("repeat over time", x, 2, &[None])?;
        let (b, c) = (x.shape[0], x.shape[1]);
        let mut data = Vec::with_capacity(b * self.steps * c);
        for row in x.data.chunks_exact(c.max(1)) {
            for _ in 0..self.steps {
                data.extend_from_slice(row);
            }
        }
        Ok((
            Tensor {
                shape: vec![b, self.steps, c],
                data,
            },
            (),
        ))
    }

    fn backward(&self, _: Weights<T>, _: &(), dy: &Tensor<T>, _: &mut [T]) -> Tensor<T> {
        let (b, c) = (dy.shape[0], dy.shape[2]);
        let mut dx = Tensor::zeros(&[b, c]);
        for (row, block) in dx
            .data
            .chunks_exact_mut(c.max(1))
            .zip(dy.data.chunks_exact((self.steps * c).max(1)))
        {
            for step in block.chunks_exact(c.max(1)) {
                row.iter_mut().zip(step).for_each(|(a, g)| *a += *g);
            }
        }
        dx
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::layout::ParamLayout;
    use super::super::gradcheck::{check_layer, finite_differences, relative_error};
    use super::*;

    #[test]
    fn a_block_input_of_one_channel_is_added_to_every_channel() {
        let a = Tensor::from_vec(&[1, 2, 3], vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        let b = Tensor::from_vec(&[1, 2, 1], vec![10.0, 20.0]).unwrap();
        let y = add_broadcast(&a, &b).unwrap();
        assert_eq!(y.data, vec![10.0, 11.0, 12.0, 23.0, 24.0, 25.0]);
        assert!(add_broadcast(&a, &Tensor::<f64>::zeros(&[1, 2, 2])).is_err());
    }

    #[test]
    fn broadcast_gradient_matches_finite_differences() {
        let a = Tensor::<f64>::zeros(&[2, 3, 4]);
        let r: Vec<f64> = (0..24).map(|k| (k as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..6).map(|k| k as f64 * 0.1).collect();
        let loss = |bv: &[f64]| {
            let y = add_broadcast(&a, &Tensor::from_vec(&[2, 3, 1], bv.to_vec()).unwrap()).unwrap();
            y.data.iter().zip(&r).map(|(u, v)| u * v).sum::<f64>()
        };
        let fd = finite_differences(loss, &b, &(0..6).collect::<Vec<_>>());
        let got = add_broadcast_backward(
            &Tensor::from_vec(&[2, 3, 4], r.clone()).unwrap(),
            &[2, 3, 1],
        );
        assert!(relative_error(&got.data, &fd) < 1e-9);
    }

    #[test]
    fn repeat_over_time_gradient_matches_finite_differences() {
        check_layer(
            &RepeatTime { steps: 5 },
            &ParamLayout::default(),
            &[3, 4],
            |_, _| {},
        );
    }
}
