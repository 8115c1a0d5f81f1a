//! The U-Net composed from the layer set: forward passes in training and inference mode and
//! the hand-written backward pass. Tensor names are AtomAI's `Unet` state dict
//! (`c1.block.0.weight`, `upsample_block1.conv.weight`, `px.weight`, ...), so weights move to
//! and from PyTorch unchanged.
//!
//! One change of order against AtomAI, exact in arithmetic: its upsampling block interpolates
//! and then applies a 1 x 1 convolution; here the 1 x 1 convolution runs first, at the low
//! resolution, and the interpolation after it. Both are linear maps acting on different axes
//! (channels and pixels), and bilinear weights sum to 1 so the bias passes through unchanged:
//! the result is the same up to rounding, for a quarter of the convolution's work and half the
//! interpolation's (it interpolates the smaller channel count).

use super::super::error::NnError;
use super::super::layers::conv_unit::{ConvUnit, ConvUnitSaved, recycle};
use super::super::layers::init::InitScheme;
use super::super::layers::{
    Conv, ConvSpec, Layer, MaxPool, Upsample, Weights, concat_channels, split_channels,
};
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::architecture::{LEVELS, UnetArchitecture};
use crate::rng::Xoshiro256;

/// LeakyReLU slope of every unit (AtomAI's `ConvBlock`: 0.01).
pub(crate) const SLOPE: f64 = 0.01;

/// Convolution units applied one after another (AtomAI's `ConvBlock`).
#[derive(Clone, Debug)]
struct Block {
    units: Vec<ConvUnit>,
}

impl Block {
    /// `count` units from `in_channels` to `out_channels` named `NAME.block.*`.
    fn new(
        params: &mut ParamLayout,
        state: &mut ParamLayout,
        name: &str,
        count: usize,
        in_channels: usize,
        out_channels: usize,
    ) -> Result<Self, NnError> {
        let units = (0..count)
            .map(|k| {
                let spec = ConvSpec {
                    in_channels: if k == 0 { in_channels } else { out_channels },
                    out_channels,
                    kernel: 3,
                    stride: 1,
                    padding: 1,
                    dilation: 1,
                    bias: true,
                };
                let prefix = format!("{name}.block");
                ConvUnit::in_sequence(params, state, &prefix, k, 2, spec, SLOPE)
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { units })
    }

    fn init<T: Real>(&self, params: &mut [T], state: &mut [T], rng: &mut Xoshiro256) {
        for u in &self.units {
            u.init(params, state, InitScheme::PyTorch, rng);
        }
    }

    fn forward<T: Real>(
        &self,
        w: Weights<T>,
        x: &Tensor<T>,
    ) -> Result<(Tensor<T>, Vec<ConvUnitSaved<T>>), NnError> {
        let mut saved = Vec::with_capacity(self.units.len());
        let (mut y, s) = self.units[0].forward(w, x)?;
        saved.push(s);
        for u in &self.units[1..] {
            let (next, s) = u.forward(w, &y)?;
            saved.push(s);
            recycle(std::mem::replace(&mut y, next));
        }
        Ok((y, saved))
    }

    fn infer<T: Real>(&self, w: Weights<T>, x: &Tensor<T>) -> Result<Tensor<T>, NnError> {
        let mut y = self.units[0].infer(w, x)?;
        for u in &self.units[1..] {
            let next = u.infer(w, &y)?;
            recycle(std::mem::replace(&mut y, next));
        }
        Ok(y)
    }

    fn backward<T: Real>(
        &self,
        w: Weights<T>,
        saved: &[ConvUnitSaved<T>],
        dy: Tensor<T>,
        dparams: &mut [T],
    ) -> Tensor<T> {
        let mut d = dy;
        for (u, s) in self.units.iter().zip(saved).rev() {
            let next = u.backward(w, s, &d, dparams);
            recycle(std::mem::replace(&mut d, next));
        }
        d
    }

    fn update_running<T: Real>(&self, state: &mut [T], saved: &[ConvUnitSaved<T>]) {
        for (u, s) in self.units.iter().zip(saved) {
            u.update_running(state, s);
        }
    }
}

/// One level on the way up: a 1 x 1 convolution halving the channels, x2 bilinear
/// upsampling, concatenation after the skip connection, and a block.
#[derive(Clone, Debug)]
struct UpLevel {
    reduce: Conv,
    block: Block,
}

/// The layers of one U-Net and the layouts of its parameters and state.
#[derive(Clone, Debug)]
pub(crate) struct Network {
    pub arch: UnetArchitecture,
    pub params: ParamLayout,
    pub state: ParamLayout,
    /// Blocks at levels 0..LEVELS, then the bottleneck.
    down: Vec<Block>,
    pool: MaxPool,
    upsample: Upsample,
    /// Levels LEVELS - 1 down to 0.
    up: Vec<UpLevel>,
    px: Conv,
}

/// What the training-mode pass keeps for backward.
pub(crate) struct Saved<T: Real> {
    down: Vec<Vec<ConvUnitSaved<T>>>,
    pools: Vec<<MaxPool as Layer<T>>::Saved>,
    up: Vec<UpSaved<T>>,
    px: <Conv as Layer<T>>::Saved,
}

struct UpSaved<T: Real> {
    reduce: <Conv as Layer<T>>::Saved,
    upsample: <Upsample as Layer<T>>::Saved,
    block: Vec<ConvUnitSaved<T>>,
}

/// A 1 x 1 convolution.
fn pointwise(in_channels: usize, out_channels: usize) -> ConvSpec {
    ConvSpec {
        in_channels,
        out_channels,
        kernel: 1,
        stride: 1,
        padding: 0,
        dilation: 1,
        bias: true,
    }
}

impl Network {
    /// Declares every tensor of `arch`, in AtomAI's order and names.
    pub fn new(arch: &UnetArchitecture) -> Result<Self, NnError> {
        let (mut params, mut state) = (ParamLayout::default(), ParamLayout::default());
        let (p, s) = (&mut params, &mut state);
        let ch = |l: usize| arch.channels(l);
        let mut down = Vec::with_capacity(LEVELS + 1);
        for l in 0..LEVELS {
            let input = if l == 0 { 1 } else { ch(l - 1) };
            let name = format!("c{}", l + 1);
            down.push(Block::new(p, s, &name, arch.blocks[l], input, ch(l))?);
        }
        down.push(Block::new(
            p,
            s,
            "bn",
            arch.blocks[LEVELS],
            ch(LEVELS - 1),
            ch(LEVELS),
        )?);
        let mut up = Vec::with_capacity(LEVELS);
        for (k, l) in (0..LEVELS).rev().enumerate() {
            let reduce = Conv::new(
                p,
                &format!("upsample_block{}.conv", k + 1),
                2,
                pointwise(ch(l + 1), ch(l)),
            )?;
            let name = format!("c{}", LEVELS + 1 + k);
            let block = Block::new(p, s, &name, arch.blocks[l], 2 * ch(l), ch(l))?;
            up.push(UpLevel { reduce, block });
        }
        let px = Conv::new(p, "px", 2, pointwise(ch(0), arch.classes))?;
        Ok(Self {
            arch: arch.clone(),
            params,
            state,
            down,
            pool: MaxPool::new("pool", 2, 2),
            upsample: Upsample::bilinear("upsample", 2),
            up,
            px,
        })
    }

    /// PyTorch's default initial weights, drawn in declaration order.
    pub fn init<T: Real>(&self, params: &mut [T], state: &mut [T], rng: &mut Xoshiro256) {
        for b in &self.down[..LEVELS] {
            b.init(params, state, rng);
        }
        self.down[LEVELS].init(params, state, rng);
        for u in &self.up {
            u.reduce.init(params, InitScheme::PyTorch, rng);
            u.block.init(params, state, rng);
        }
        self.px.init(params, InitScheme::PyTorch, rng);
    }

    /// Training mode: the logits `(B, classes, h, w)` of images `x` `(B, 1, h, w)` (sides
    /// multiples of 8) and what backward needs.
    pub fn forward<T: Real>(
        &self,
        w: Weights<T>,
        x: &Tensor<T>,
    ) -> Result<(Tensor<T>, Saved<T>), NnError> {
        check_input(x)?;
        let mut skips = Vec::with_capacity(LEVELS);
        let (mut down, mut pools) = (Vec::with_capacity(LEVELS + 1), Vec::new());
        let mut input = None;
        for l in 0..LEVELS {
            let (c, s) = self.down[l].forward(w, input.as_ref().unwrap_or(x))?;
            down.push(s);
            let (pooled, sp) = self.pool.forward(w, &c)?;
            pools.push(sp);
            skips.push(c);
            if let Some(spent) = input.replace(pooled) {
                recycle(spent);
            }
        }
        let pooled = input.expect("LEVELS >= 1");
        let (mut y, s) = self.down[LEVELS].forward(w, &pooled)?;
        recycle(pooled);
        down.push(s);
        let mut up = Vec::with_capacity(LEVELS);
        for level in &self.up {
            let skip = skips.pop().expect("one skip per level");
            let (reduced, reduce) = level.reduce.forward(w, &y)?;
            recycle(y);
            let (upsampled, upsample) = self.upsample.forward(w, &reduced)?;
            recycle(reduced);
            let joined = concat_channels(&[&skip, &upsampled])?;
            recycle(skip);
            recycle(upsampled);
            let (out, block) = level.block.forward(w, &joined)?;
            recycle(joined);
            up.push(UpSaved {
                reduce,
                upsample,
                block,
            });
            y = out;
        }
        let (logits, px) = self.px.forward(w, &y)?;
        recycle(y);
        Ok((
            logits,
            Saved {
                down,
                pools,
                up,
                px,
            },
        ))
    }

    /// The gradient of the loss in the logits, `dlogits`, back to the parameters, added into
    /// `dparams`.
    pub fn backward<T: Real>(
        &self,
        w: Weights<T>,
        saved: &Saved<T>,
        dlogits: &Tensor<T>,
        dparams: &mut [T],
    ) {
        let mut d = self.px.backward(w, &saved.px, dlogits, dparams);
        let mut dskips = Vec::with_capacity(LEVELS);
        for (level, s) in self.up.iter().zip(&saved.up).rev() {
            let djoined = level.block.backward(w, &s.block, d, dparams);
            let skip_channels = djoined.shape[1] / 2;
            let mut parts = split_channels(&djoined, &[skip_channels, skip_channels])
                .expect("the block's input gradient has the concatenation's shape");
            recycle(djoined);
            let dupsampled = parts.pop().expect("two parts");
            dskips.push(parts.pop().expect("two parts"));
            let dreduced = self.upsample.backward(w, &s.upsample, &dupsampled, dparams);
            recycle(dupsampled);
            d = level.reduce.backward(w, &s.reduce, &dreduced, dparams);
            recycle(dreduced);
        }
        d = self.down[LEVELS].backward(w, &saved.down[LEVELS], d, dparams);
        for l in (0..LEVELS).rev() {
            let mut dc = self.pool.backward(w, &saved.pools[l], &d, dparams);
            recycle(d);
            let dskip = dskips.pop().expect("one skip gradient per level");
            dc.data
                .iter_mut()
                .zip(&dskip.data)
                .for_each(|(a, b)| *a += *b);
            recycle(dskip);
            d = self.down[l].backward(w, &saved.down[l], dc, dparams);
        }
        recycle(d);
    }

    /// Folds a training batch's statistics into every norm's running ones.
    pub fn update_running<T: Real>(&self, state: &mut [T], saved: &Saved<T>) {
        for (b, s) in self.down.iter().zip(&saved.down) {
            b.update_running(state, s);
        }
        for (u, s) in self.up.iter().zip(&saved.up) {
            u.block.update_running(state, &s.block);
        }
    }

    /// Gives the saved buffers of a spent step to this thread's scratch pool.
    pub fn recycle<T: Real>(&self, saved: Saved<T>) {
        let units = saved
            .down
            .into_iter()
            .flatten()
            .chain(saved.up.into_iter().flat_map(|u| {
                u.reduce.recycle();
                u.block
            }));
        units.for_each(ConvUnitSaved::recycle);
        saved.px.recycle();
    }

    /// Inference mode (running statistics): the logits `(B, classes, h, w)` of `x`.
    pub fn infer<T: Real>(&self, w: Weights<T>, x: &Tensor<T>) -> Result<Tensor<T>, NnError> {
        check_input(x)?;
        let mut skips = Vec::with_capacity(LEVELS);
        let mut input: Option<Tensor<T>> = None;
        for l in 0..LEVELS {
            let c = self.down[l].infer(w, input.as_ref().unwrap_or(x))?;
            let pooled = self.pool.infer(w, &c)?;
            skips.push(c);
            if let Some(spent) = input.replace(pooled) {
                recycle(spent);
            }
        }
        let pooled = input.expect("LEVELS >= 1");
        let mut y = self.down[LEVELS].infer(w, &pooled)?;
        recycle(pooled);
        for level in &self.up {
            let skip = skips.pop().expect("one skip per level");
            let reduced = level.reduce.infer(w, &y)?;
            recycle(y);
            let upsampled = self.upsample.infer(w, &reduced)?;
            recycle(reduced);
            let joined = concat_channels(&[&skip, &upsampled])?;
            recycle(skip);
            recycle(upsampled);
            y = level.block.infer(w, &joined)?;
            recycle(joined);
        }
        let logits = self.px.infer(w, &y)?;
        recycle(y);
        Ok(logits)
    }
}

/// `Err` unless `x` is `(B, 1, h, w)` with sides multiples of 8.
fn check_input<T>(x: &Tensor<T>) -> Result<(), NnError> {
    let m = UnetArchitecture::side_multiple();
    let fits = x.shape.len() == 4
        && x.shape[1] == 1
        && x.shape[2].is_multiple_of(m)
        && x.shape[3].is_multiple_of(m)
        && x.shape[2] > 0
        && x.shape[3] > 0;
    if fits {
        Ok(())
    } else {
        Err(NnError::Invalid(format!(
            "unet: input of shape {:?} does not fit (B, 1, h, w) with h and w positive multiples of {m}",
            x.shape
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::layers::gradcheck::{finite_differences, probes, relative_error};
    use super::super::super::layers::softmax_cross_entropy;
    use super::*;

    #[test]
    fn the_default_parameter_count_equals_atomai() {
        // AtomAI's Unet(nb_classes=3) counts 594,067 trainable parameters
        // (benches/unet_peer/unet_torch.py `count`).
        let net = Network::new(&UnetArchitecture::atomai(3).unwrap()).unwrap();
        assert_eq!(net.params.total(), 594_067);
    }

    /// A small network with random weights, a batch of images and integer targets.
    fn small() -> (Network, Vec<f64>, Vec<f64>, Tensor<f64>, Vec<usize>) {
        let arch = UnetArchitecture::new(3, 2, [1, 2, 1, 1]).unwrap();
        let net = Network::new(&arch).unwrap();
        let mut rng = Xoshiro256::seed_from_u64(11);
        let (mut p, mut s) = (vec![0.0; net.params.total()], vec![0.0; net.state.total()]);
        net.init(&mut p, &mut s, &mut rng);
        p.iter_mut().for_each(|v| *v += 0.1 * rng.normal());
        let shape = [2, 1, 8, 16];
        let x = Tensor::from_vec(&shape, (0..256).map(|_| rng.uniform()).collect()).unwrap();
        let targets = (0..256).map(|_| rng.below(3) as usize).collect();
        (net, p, s, x, targets)
    }

    #[test]
    fn the_loss_gradient_matches_finite_differences_in_every_tensor() {
        let (net, p, s, x, targets) = small();
        let loss = |params: &[f64]| -> f64 {
            let w = Weights { params, state: &s };
            let (logits, _) = net.forward(w, &x).unwrap();
            let mut unused = vec![0.0; logits.data.len()];
            softmax_cross_entropy(&logits, &targets, None, 1.0, &mut unused).unwrap()
        };
        let w = Weights {
            params: &p,
            state: &s,
        };
        let (logits, saved) = net.forward(w, &x).unwrap();
        let mut dlogits = Tensor::zeros(&logits.shape);
        softmax_cross_entropy(&logits, &targets, None, 1.0, &mut dlogits.data).unwrap();
        let mut grad = vec![0.0; p.len()];
        net.backward(w, &saved, &dlogits, &mut grad);
        for spec in net.params.tensors() {
            let r = spec.range();
            let idx: Vec<usize> = probes(r.len()).iter().map(|i| r.start + i).collect();
            let numeric = finite_differences(loss, &p, &idx);
            let analytic: Vec<f64> = idx.iter().map(|&i| grad[i]).collect();
            let err = relative_error(&analytic, &numeric);
            assert!(err < 1e-6, "{}: {err:e}", spec.name);
        }
    }

    #[test]
    fn inference_uses_running_statistics_and_keeps_the_shape() {
        let (net, p, mut s, x, _) = small();
        let w = Weights {
            params: &p,
            state: &s,
        };
        let (train, saved) = net.forward(w, &x).unwrap();
        net.update_running(&mut s, &saved);
        let w = Weights {
            params: &p,
            state: &s,
        };
        let infer = net.infer(w, &x).unwrap();
        assert_eq!(infer.shape, [2, 3, 8, 16]);
        assert_eq!(train.shape, infer.shape);
        assert!(
            infer
                .data
                .iter()
                .zip(&train.data)
                .any(|(a, b)| (a - b).abs() > 1e-6)
        );
        let bad = Tensor::<f64>::zeros(&[1, 1, 12, 16]);
        let e = net.infer(w, &bad).unwrap_err();
        assert!(e.to_string().contains("multiples of 8"), "{e}");
    }
}
