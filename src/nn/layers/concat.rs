//! Concatenation along the channel axis (PyTorch's `torch.cat(tensors, dim=1)`), the U-Net's
//! skip connections: `(B, C1, ...)`, `(B, C2, ...)` -> `(B, C1 + C2, ...)`, every tensor with
//! the same batch size and spatial extents (any number of spatial axes, none for dense rows).
//! Its backward pass, [`split_channels`], cuts the output gradient back into the parts.

use super::super::error::NnError;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::scratch;
use rayon::prelude::*;

/// `parts` concatenated along axis 1.
///
/// ```
/// use ferrolab::nn::layers::{concat_channels, split_channels};
/// use ferrolab::nn::tensor::Tensor;
/// let a = Tensor::from_vec(&[2, 1, 2], vec![1.0f32, 2.0, 3.0, 4.0]).unwrap();
/// let b = Tensor::from_vec(&[2, 2, 2], vec![5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]).unwrap();
/// let y = concat_channels(&[&a, &b])?;
/// assert_eq!(y.shape, vec![2, 3, 2]);
/// assert_eq!(y.data, vec![1.0, 2.0, 5.0, 6.0, 7.0, 8.0, 3.0, 4.0, 9.0, 10.0, 11.0, 12.0]);
/// let parts = split_channels(&y, &[1, 2])?;
/// assert_eq!((&parts[0], &parts[1]), (&a, &b));
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn concat_channels<T: Real>(parts: &[&Tensor<T>]) -> Result<Tensor<T>, NnError> {
    let Some(first) = parts.first() else {
        return Err(NnError::Invalid(
            "concat_channels: no tensors to concatenate".into(),
        ));
    };
    let fits = |t: &Tensor<T>| {
        t.shape.len() >= 2
            && t.shape.len() == first.shape.len()
            && t.shape[0] == first.shape[0]
            && t.shape[2..] == first.shape[2..]
            && t.data.len() == t.shape.iter().product::<usize>()
    };
    if !parts.iter().all(|t| fits(t)) {
        let shapes: Vec<&Vec<usize>> = parts.iter().map(|t| &t.shape).collect();
        return Err(NnError::Invalid(format!(
            "concat_channels: shapes {shapes:?} do not fit (B, C_i, ...) with one batch size and \
             the same spatial extents"
        )));
    }
    let batch = first.shape[0];
    // Values per sample of each part, and of the output.
    let rows: Vec<usize> = parts.iter().map(|t| t.row_len()).collect();
    let row: usize = rows.iter().sum();
    let mut shape = first.shape.clone();
    shape[1] = parts.iter().map(|t| t.shape[1]).sum();
    let mut data = scratch::take(batch * row);
    if row > 0 {
        data.par_chunks_mut(row).enumerate().for_each(|(b, out)| {
            let mut at = 0;
            for (part, len) in parts.iter().zip(&rows) {
                out[at..at + len].copy_from_slice(&part.data[b * len..(b + 1) * len]);
                at += len;
            }
        });
    }
    Ok(Tensor { shape, data })
}

/// The backward pass of [`concat_channels`]: `dy` `(B, C1 + C2 + ..., ...)` cut along axis 1
/// into parts of `channels = [C1, C2, ...]` channels.
pub fn split_channels<T: Real>(
    dy: &Tensor<T>,
    channels: &[usize],
) -> Result<Vec<Tensor<T>>, NnError> {
    let total: usize = channels.iter().sum();
    if dy.shape.len() < 2
        || dy.shape[1] != total
        || dy.data.len() != dy.shape.iter().product::<usize>()
    {
        return Err(NnError::Invalid(format!(
            "split_channels: a tensor of shape {:?} does not split into channels {channels:?} \
             (it needs (B, {total}, ...))",
            dy.shape
        )));
    }
    let batch = dy.shape[0];
    let plane: usize = dy.shape[2..].iter().product();
    let row = total * plane;
    let mut offset = 0;
    let parts = channels
        .iter()
        .map(|&c| {
            let len = c * plane;
            let mut shape = dy.shape.clone();
            shape[1] = c;
            let mut data = scratch::take(batch * len);
            if len > 0 {
                data.par_chunks_mut(len).enumerate().for_each(|(b, out)| {
                    out.copy_from_slice(&dy.data[b * row + offset..][..len]);
                });
            }
            offset += len;
            Tensor { shape, data }
        })
        .collect();
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::super::gradcheck::{finite_differences, probes, relative_error};
    use super::*;
    use crate::rng::Xoshiro256;

    fn normals(rng: &mut Xoshiro256, shape: &[usize]) -> Tensor<f64> {
        let n = shape.iter().product();
        Tensor::from_vec(shape, (0..n).map(|_| rng.normal()).collect()).unwrap()
    }

    #[test]
    fn concatenation_then_split_is_the_identity_and_the_gradient_matches_finite_differences() {
        let mut rng = Xoshiro256::seed_from_u64(1);
        for spatial in [vec![], vec![5], vec![3, 4], vec![2, 3, 2]] {
            let shape = |c: usize| [vec![2, c], spatial.clone()].concat();
            let (a, b, c) = (
                normals(&mut rng, &shape(3)),
                normals(&mut rng, &shape(1)),
                normals(&mut rng, &shape(2)),
            );
            let y = concat_channels(&[&a, &b, &c]).unwrap();
            assert_eq!(y.shape, shape(6));
            let parts = split_channels(&y, &[3, 1, 2]).unwrap();
            assert_eq!(parts, vec![a.clone(), b.clone(), c.clone()]);

            // <concat(a, b, c), r> by central differences in each part; its gradient is the
            // split of r.
            let r = normals(&mut rng, &y.shape);
            let grads = split_channels(&r, &[3, 1, 2]).unwrap();
            let parts = [&a, &b, &c];
            for (k, part) in parts.iter().enumerate() {
                let loss = |v: &[f64]| {
                    let moved = Tensor::from_vec(&part.shape, v.to_vec()).unwrap();
                    let mut inputs = parts;
                    inputs[k] = &moved;
                    let y = concat_channels(&inputs).unwrap();
                    y.data.iter().zip(&r.data).map(|(u, v)| u * v).sum::<f64>()
                };
                let idx = probes(part.data.len());
                let fd = finite_differences(loss, &part.data, &idx);
                let got: Vec<f64> = idx.iter().map(|&i| grads[k].data[i]).collect();
                assert!(relative_error(&got, &fd) < 1e-6, "{spatial:?} part {k}");
            }

            // f32 moves the same values.
            let (a32, b32, c32) = (a.cast::<f32>(), b.cast::<f32>(), c.cast::<f32>());
            assert_eq!(concat_channels(&[&a32, &b32, &c32]).unwrap(), y.cast());
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let mut rng = Xoshiro256::seed_from_u64(2);
        let (a, b) = (
            normals(&mut rng, &[50, 3, 4, 5]),
            normals(&mut rng, &[50, 2, 4, 5]),
        );
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let y = concat_channels(&[&a, &b]).unwrap();
                let parts = split_channels(&y, &[3, 2]).unwrap();
                (y, parts)
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn shape_errors_name_the_function_and_the_shapes() {
        let a = Tensor::<f64>::zeros(&[2, 3, 4, 4]);
        for others in [vec![2, 1, 4, 5], vec![3, 1, 4, 4], vec![2, 1, 4], vec![2]] {
            let b = Tensor::zeros(&others);
            let err = concat_channels(&[&a, &b]).unwrap_err().to_string();
            assert!(
                err.contains("concat_channels") && err.contains(&format!("{others:?}")),
                "{err}"
            );
        }
        assert!(concat_channels::<f64>(&[]).is_err());
        let err = split_channels(&a, &[1, 1]).unwrap_err().to_string();
        assert!(
            err.contains("split_channels")
                && err.contains("[2, 3, 4, 4]")
                && err.contains("[1, 1]"),
            "{err}"
        );
        assert!(split_channels(&Tensor::<f64>::zeros(&[3]), &[3]).is_err());
    }
}
