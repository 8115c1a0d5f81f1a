//! Nearest-neighbour upsampling by an integer factor along every spatial axis (PyTorch's
//! `nn.Upsample(scale_factor=f, mode="nearest")`): `(B, C, L) -> (B, C, f L)`,
//! `(B, C, H, W) -> (B, C, f H, f W)`. Backward sums each `f^d` block of the output gradient.

use super::super::error::NnError;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::{Layer, Weights, check_shape, scratch};
use rayon::prelude::*;

/// Nearest-neighbour upsampling; no parameters.
#[derive(Clone, Debug)]
pub struct Upsample {
    name: String,
    spatial_dims: usize,
    factor: usize,
}

/// What backward needs: the input's shape and, per output position of a channel plane, the
/// input position it copies.
#[derive(Clone, Debug)]
pub struct UpsampleSaved {
    shape: Vec<usize>,
    source: Vec<usize>,
}

impl Upsample {
    /// Upsampling of `spatial_dims` axes by `factor`. A factor or `spatial_dims` of 0 is
    /// reported by `forward`, naming the layer.
    pub fn new(name: &str, spatial_dims: usize, factor: usize) -> Self {
        Self {
            name: name.to_owned(),
            spatial_dims,
            factor,
        }
    }

    /// The output shape for input `x`, or the error naming the layer.
    fn output_shape<T>(&self, x: &Tensor<T>) -> Result<Vec<usize>, NnError> {
        if self.factor == 0 || self.spatial_dims == 0 {
            return Err(NnError::Invalid(format!(
                "{}: factor {} and spatial_dims {} must be at least 1",
                self.name, self.factor, self.spatial_dims
            )));
        }
        // Any channel count and extents: "(B, *, *, ...)" in the message.
        check_shape(
            &self.name,
            x,
            2 + self.spatial_dims,
            &vec![None; 1 + self.spatial_dims],
        )?;
        if x.shape[2..].contains(&0) {
            return Err(NnError::Invalid(format!(
                "{}: input of shape {:?} has an empty spatial axis",
                self.name, x.shape
            )));
        }
        let mut shape = x.shape.clone();
        shape[2..].iter_mut().for_each(|n| *n *= self.factor);
        Ok(shape)
    }

    /// Per output position of a plane of extents `output`, the input position it copies.
    fn sources(&self, input: &[usize], output: &[usize]) -> Vec<usize> {
        let count: usize = output.iter().product();
        (0..count)
            .map(|mut flat| {
                // Row-major digits of the output position, last axis first.
                let (mut source, mut scale) = (0, 1);
                for (n_in, n_out) in input.iter().zip(output).rev() {
                    source += (flat % n_out) / self.factor * scale;
                    flat /= n_out;
                    scale *= n_in;
                }
                source
            })
            .collect()
    }

    /// The output for input `x` and the copy map.
    fn run<T: Real>(&self, x: &Tensor<T>) -> Result<(Tensor<T>, UpsampleSaved), NnError> {
        let shape = self.output_shape(x)?;
        let source = self.sources(&x.shape[2..], &shape[2..]);
        let (plane_in, plane_out) = (x.shape[2..].iter().product(), source.len());
        // Every value is written below.
        let len = shape.iter().product();
        let mut y = Tensor {
            shape,
            data: scratch::take(len),
        };
        // Each (sample, channel) plane on its own: the values do not depend on the threads.
        y.data
            .par_chunks_mut(plane_out)
            .zip(x.data.par_chunks(plane_in))
            .for_each(|(out, plane)| {
                out.iter_mut()
                    .zip(&source)
                    .for_each(|(o, &s)| *o = plane[s]);
            });
        let saved = UpsampleSaved {
            shape: x.shape.clone(),
            source,
        };
        Ok((y, saved))
    }
}

impl<T: Real> Layer<T> for Upsample {
    type Saved = UpsampleSaved;

    fn forward(&self, _: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError> {
        self.run(x)
    }

    fn backward(
        &self,
        _: Weights<T>,
        saved: &Self::Saved,
        dy: &Tensor<T>,
        _: &mut [T],
    ) -> Tensor<T> {
        let mut dx = Tensor {
            shape: saved.shape.clone(),
            data: scratch::zeros(saved.shape.iter().product()),
        };
        let plane_in = saved.shape[2..].iter().product();
        dx.data
            .par_chunks_mut(plane_in)
            .zip(dy.data.par_chunks(saved.source.len()))
            .for_each(|(plane, grad)| {
                grad.iter()
                    .zip(&saved.source)
                    .for_each(|(g, &s)| plane[s] += *g);
            });
        dx
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::layout::ParamLayout;
    use super::super::gradcheck::check_layer;
    use super::*;

    #[test]
    fn gradients_match_finite_differences_in_one_and_two_dimensions() {
        let layout = ParamLayout::default();
        check_layer(&Upsample::new("up", 1, 2), &layout, &[2, 3, 4], |_, _| {});
        check_layer(
            &Upsample::new("up", 2, 3),
            &layout,
            &[2, 2, 3, 4],
            |_, _| {},
        );
        check_layer(
            &Upsample::new("up", 3, 2),
            &layout,
            &[1, 2, 2, 3, 2],
            |_, _| {},
        );
    }

    #[test]
    fn copies_each_value_into_its_block_and_sums_the_block_back() {
        let up = Upsample::new("up", 2, 2);
        let x = Tensor::from_vec(&[1, 1, 2, 2], vec![1.0f64, 2.0, 3.0, 4.0]).unwrap();
        let (y, saved) = up.forward(Weights::params(&[]), &x).unwrap();
        let want = [
            1.0, 1.0, 2.0, 2.0, //
            1.0, 1.0, 2.0, 2.0, //
            3.0, 3.0, 4.0, 4.0, //
            3.0, 3.0, 4.0, 4.0,
        ];
        assert_eq!(
            (y.shape.clone(), y.data.as_slice()),
            (vec![1, 1, 4, 4], &want[..])
        );
        let dy = Tensor::from_vec(&[1, 1, 4, 4], (0..16).map(f64::from).collect()).unwrap();
        let dx = up.backward(Weights::params(&[]), &saved, &dy, &mut []);
        // Block sums: 0+1+4+5, 2+3+6+7, 8+9+12+13, 10+11+14+15.
        assert_eq!(dx.data, vec![10.0, 18.0, 42.0, 50.0]);
    }

    #[test]
    fn a_wrong_input_or_a_zero_factor_names_the_layer() {
        let w = Weights::params(&[]);
        let x = Tensor::<f64>::zeros(&[2, 3, 4]);
        for (layer, input) in [
            (Upsample::new("decoder.up1", 2, 2), &x),
            (Upsample::new("decoder.up1", 1, 0), &x),
            (Upsample::new("decoder.up1", 0, 2), &x),
            (
                Upsample::new("decoder.up1", 1, 2),
                &Tensor::zeros(&[2, 3, 0]),
            ),
        ] {
            let err = layer.forward(w, input).unwrap_err();
            assert!(err.to_string().contains("decoder.up1"), "{err}");
        }
    }
}
