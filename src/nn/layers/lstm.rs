//! LSTM and bidirectional LSTM over `(B, T, C)` sequences, with the gate arithmetic fused into
//! one pass per step and a hand-written backward pass through time.
//!
//! Per step `G = x_t W_ih^T + b + h_{t-1} W_hh^T` (gates i, f, g, o in that order, as Keras
//! and PyTorch), `c_t = sigmoid(f) c_{t-1} + sigmoid(i) tanh(g)`, `h_t = sigmoid(o) tanh(c_t)`.
//! One bias per gate (Keras; PyTorch's two biases add up to it). The input projections of all
//! steps are one matrix product before the recurrence, and the weight gradients one product
//! each after it, so only `h_{t-1} W_hh^T` and its transpose run step by step
//! (`lstm_shard.rs`). Work is split over batch shards, and a BiLSTM's two directions run at
//! the same time: every (direction, shard) pair is one task.

use super::super::error::NnError;
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::init::{InitScheme, glorot_uniform, orthogonal, uniform};
use super::lstm_shard::{Cell, OutputGrad, ShardSaved};
use super::shards::{map_reduce_grad, shards};
use super::{Layer, Weights, check_shape};
use crate::rng::Xoshiro256;
use rayon::prelude::*;
use std::ops::Range;

/// What an LSTM returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LstmOutput {
    /// Every step's hidden state: `(B, T, h)`.
    Sequence,
    /// The hidden state after the last step processed: `(B, h)` (for a reversed LSTM, the
    /// state after reading the first element, as Keras' `Bidirectional(return_sequences=False)`).
    Last,
}

/// One LSTM direction.
#[derive(Clone, Debug)]
pub struct Lstm {
    name: String,
    /// Input channels.
    pub input: usize,
    /// Hidden units.
    pub hidden: usize,
    /// Reads the sequence from its end; outputs stay at their time positions.
    pub reverse: bool,
    /// Sequence or last state.
    pub output: LstmOutput,
    weight_ih: Range<usize>,
    weight_hh: Range<usize>,
    bias: Range<usize>,
}

/// What backward needs: every shard's forward values.
#[derive(Clone, Debug, Default)]
pub struct LstmSaved<T> {
    steps: usize,
    shards: Vec<ShardSaved<T>>,
}

impl Lstm {
    /// Declares `NAME.weight_ih` `[4h, C]`, `NAME.weight_hh` `[4h, h]` and `NAME.bias` `[4h]`.
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        input: usize,
        hidden: usize,
        reverse: bool,
        output: LstmOutput,
    ) -> Self {
        Self {
            name: name.to_owned(),
            input,
            hidden,
            reverse,
            output,
            weight_ih: layout.push(&format!("{name}.weight_ih"), &[4 * hidden, input]),
            weight_hh: layout.push(&format!("{name}.weight_hh"), &[4 * hidden, hidden]),
            bias: layout.push(&format!("{name}.bias"), &[4 * hidden]),
        }
    }

    /// Initial weights: Keras (Glorot-uniform input kernel, orthogonal recurrent kernel, bias 0
    /// with forget-gate bias 1) or PyTorch (all uniform in `±1/sqrt(h)`).
    pub fn init<T: Real>(&self, params: &mut [T], scheme: InitScheme, rng: &mut Xoshiro256) {
        let h = self.hidden;
        match scheme {
            InitScheme::Keras => {
                glorot_uniform(&mut params[self.weight_ih.clone()], self.input, 4 * h, rng);
                orthogonal(&mut params[self.weight_hh.clone()], 4 * h, h, rng);
                let bias = &mut params[self.bias.clone()];
                bias.fill(T::zero());
                bias[h..2 * h].fill(T::one());
            }
            InitScheme::PyTorch => {
                let bound = 1.0 / (h as f64).sqrt();
                uniform(&mut params[self.weight_ih.start..self.bias.end], bound, rng);
            }
        }
    }

    fn span(&self) -> Range<usize> {
        self.weight_ih.start..self.bias.end
    }

    /// This direction's weights in `p`.
    fn cell<'a, T>(&self, p: &'a [T]) -> Cell<'a, T> {
        Cell {
            w_ih: &p[self.weight_ih.clone()],
            w_hh: &p[self.weight_hh.clone()],
            bias: &p[self.bias.clone()],
            input: self.input,
            hidden: self.hidden,
            reverse: self.reverse,
        }
    }
}

/// Runs `dirs` (one LSTM, or a BiLSTM's two) on `x`: every (direction, shard) pair is one
/// task, and the outputs are written side by side, `h` values per direction.
fn forward_directions<T: Real>(
    dirs: &[&Lstm],
    p: &[T],
    x: &Tensor<T>,
) -> Result<(Tensor<T>, Vec<LstmSaved<T>>), NnError> {
    let first = dirs[0];
    check_shape(&first.name, x, 3, &[None, Some(first.input)])?;
    let (b, steps, h) = (x.shape[0], x.shape[1], first.hidden);
    if steps == 0 {
        return Err(NnError::Invalid(format!(
            "{}: a sequence needs at least one step",
            first.name
        )));
    }
    let ranges = shards(b);
    let row_len = steps * first.input;
    let transposed: Vec<Vec<T>> = dirs.iter().map(|d| d.cell(p).w_hh_transposed()).collect();
    let mut done: Vec<ShardSaved<T>> = (0..dirs.len() * ranges.len())
        .into_par_iter()
        .map(|j| {
            let r = &ranges[j % ranges.len()];
            let x_r = &x.data[r.start * row_len..r.end * row_len];
            let d = j / ranges.len();
            dirs[d].cell(p).forward(x_r, r.len(), steps, &transposed[d])
        })
        .collect();
    let mut saved = Vec::with_capacity(dirs.len());
    for _ in dirs {
        let rest = done.split_off(ranges.len());
        saved.push(LstmSaved {
            steps,
            shards: std::mem::replace(&mut done, rest),
        });
    }
    let width = dirs.len() * h;
    let sequence = first.output == LstmOutput::Sequence;
    let out_row = if sequence { steps * width } else { width };
    let owners = row_owners(&ranges);
    let mut data = vec![T::zero(); b * out_row];
    data.par_chunks_mut(out_row)
        .zip(&owners)
        .for_each(|(out, &(k, r))| {
            for (d, (dir, sv)) in dirs.iter().zip(&saved).enumerate() {
                let sh = &sv.shards[k];
                let state = |s: usize| &sh.h[(s * sh.rows + r) * h..][..h];
                if sequence {
                    for s in 0..steps {
                        let t = dir.cell(p).time_of(s, steps);
                        out[t * width + d * h..][..h].copy_from_slice(state(s));
                    }
                } else {
                    out[d * h..][..h].copy_from_slice(state(steps - 1));
                }
            }
        });
    let shape = if sequence {
        vec![b, steps, width]
    } else {
        vec![b, width]
    };
    Ok((Tensor { shape, data }, saved))
}

/// The backward pass of [`forward_directions`]: directions and their shards run in parallel,
/// each direction's shard gradients are added in shard order, and the input gradient is the
/// directions' sum in their order.
fn backward_directions<T: Real>(
    dirs: &[&Lstm],
    p: &[T],
    saved: &[LstmSaved<T>],
    dy: &Tensor<T>,
    dparams: &mut [T],
) -> Tensor<T> {
    let first = dirs[0];
    let (steps, h, c_in) = (saved[0].steps, first.hidden, first.input);
    let ranges: Vec<Range<usize>> = saved[0]
        .shards
        .iter()
        .scan(0, |start, s| {
            *start += s.rows;
            Some(*start - s.rows..*start)
        })
        .collect();
    let b = ranges.last().map_or(0, |r| r.end);
    let width = dirs.len() * h;
    let every_step = first.output == LstmOutput::Sequence;
    let dy_row = if every_step { steps * width } else { width };
    let grads = disjoint_spans(dparams, dirs.iter().map(|d| d.span()));
    let parts: Vec<Vec<Vec<T>>> = dirs
        .par_iter()
        .zip(grads)
        .enumerate()
        .map(|(d, (dir, grad))| {
            // Shards depend on the batch size only: the k-th is the k-th of forward.
            map_reduce_grad(shards(b), grad, |k, r, g| {
                let dy = OutputGrad {
                    data: &dy.data[r.start * dy_row..r.end * dy_row],
                    width,
                    offset: d * h,
                    every_step,
                };
                dir.cell(p).backward(&saved[d].shards[k], dy, steps, g)
            })
        })
        .collect();
    let owners = row_owners(&ranges);
    let mut data = vec![T::zero(); b * steps * c_in];
    data.par_chunks_mut(steps * c_in)
        .zip(&owners)
        .for_each(|(out, &(k, r))| {
            let rows = ranges[k].len();
            for (d, dir) in dirs.iter().enumerate() {
                for s in 0..steps {
                    let t = dir.cell(p).time_of(s, steps);
                    let src = &parts[d][k][(s * rows + r) * c_in..][..c_in];
                    let dst = &mut out[t * c_in..][..c_in];
                    if d == 0 {
                        dst.copy_from_slice(src);
                    } else {
                        dst.iter_mut().zip(src).for_each(|(a, b)| *a += *b);
                    }
                }
            }
        });
    Tensor {
        shape: vec![b, steps, c_in],
        data,
    }
}

/// For each row of the batch, its shard and its row within the shard.
fn row_owners(ranges: &[Range<usize>]) -> Vec<(usize, usize)> {
    ranges
        .iter()
        .enumerate()
        .flat_map(|(k, r)| (0..r.len()).map(move |i| (k, i)))
        .collect()
}

/// The parameter gradient's sub-slices at `spans` (increasing, disjoint).
fn disjoint_spans<T>(
    mut rest: &mut [T],
    spans: impl Iterator<Item = Range<usize>>,
) -> Vec<&mut [T]> {
    let (mut offset, mut out) = (0, Vec::new());
    for span in spans {
        let tail = std::mem::take(&mut rest)
            .split_at_mut(span.start - offset)
            .1;
        let (mine, tail) = tail.split_at_mut(span.len());
        out.push(mine);
        (rest, offset) = (tail, span.end);
    }
    out
}

impl<T: Real> Layer<T> for Lstm {
    type Saved = LstmSaved<T>;

    fn forward(&self, w: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError> {
        let (y, mut saved) = forward_directions(&[self], w.params, x)?;
        Ok((y, saved.remove(0)))
    }

    fn backward(
        &self,
        w: Weights<T>,
        saved: &Self::Saved,
        dy: &Tensor<T>,
        dparams: &mut [T],
    ) -> Tensor<T> {
        backward_directions(&[self], w.params, std::slice::from_ref(saved), dy, dparams)
    }
}

/// Two LSTMs reading the sequence in opposite directions, outputs concatenated on the last
/// axis (forward first): `(B, T, 2h)` or, for [`LstmOutput::Last`], both final states `(B, 2h)`.
#[derive(Clone, Debug)]
pub struct BiLstm {
    /// The left-to-right direction.
    pub forward: Lstm,
    /// The right-to-left direction.
    pub backward: Lstm,
}

impl BiLstm {
    /// Declares `NAME.forward.*` and `NAME.backward.*` (see [`Lstm::new`]).
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        input: usize,
        hidden: usize,
        output: LstmOutput,
    ) -> Self {
        Self {
            forward: Lstm::new(
                layout,
                &format!("{name}.forward"),
                input,
                hidden,
                false,
                output,
            ),
            backward: Lstm::new(
                layout,
                &format!("{name}.backward"),
                input,
                hidden,
                true,
                output,
            ),
        }
    }

    /// Both directions' initial weights (forward direction first).
    pub fn init<T: Real>(&self, params: &mut [T], scheme: InitScheme, rng: &mut Xoshiro256) {
        self.forward.init(params, scheme, rng);
        self.backward.init(params, scheme, rng);
    }
}

impl<T: Real> Layer<T> for BiLstm {
    /// Forward direction first.
    type Saved = Vec<LstmSaved<T>>;

    fn forward(&self, w: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError> {
        forward_directions(&[&self.forward, &self.backward], w.params, x)
    }

    fn backward(
        &self,
        w: Weights<T>,
        saved: &Self::Saved,
        dy: &Tensor<T>,
        dparams: &mut [T],
    ) -> Tensor<T> {
        // The two directions' parameters are disjoint consecutive spans.
        backward_directions(
            &[&self.forward, &self.backward],
            w.params,
            saved,
            dy,
            dparams,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::gradcheck::check_layer;
    use super::*;

    #[test]
    fn lstm_gradients_match_finite_differences_both_directions_both_outputs() {
        for reverse in [false, true] {
            for output in [LstmOutput::Sequence, LstmOutput::Last] {
                let mut layout = ParamLayout::default();
                let lstm = Lstm::new(&mut layout, "lstm", 3, 4, reverse, output);
                check_layer(&lstm, &layout, &[5, 6, 3], |p, rng| {
                    lstm.init(p, InitScheme::PyTorch, rng)
                });
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences_over_several_backward_chunks() {
        // 35 steps: backward's chunks of 16 steps, the last one partial.
        for reverse in [false, true] {
            let mut layout = ParamLayout::default();
            let lstm = Lstm::new(&mut layout, "lstm", 2, 3, reverse, LstmOutput::Sequence);
            check_layer(&lstm, &layout, &[3, 35, 2], |p, rng| {
                lstm.init(p, InitScheme::PyTorch, rng)
            });
        }
    }

    #[test]
    fn bilstm_gradients_match_finite_differences_over_several_shards() {
        for output in [LstmOutput::Sequence, LstmOutput::Last] {
            let mut layout = ParamLayout::default();
            let lstm = BiLstm::new(&mut layout, "bilstm", 2, 3, output);
            check_layer(&lstm, &layout, &[70, 4, 2], |p, rng| {
                lstm.init(p, InitScheme::Keras, rng)
            });
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let mut layout = ParamLayout::default();
        let lstm = BiLstm::new(&mut layout, "bilstm", 3, 8, LstmOutput::Sequence);
        let mut rng = Xoshiro256::seed_from_u64(5);
        let mut p = vec![0.0f32; layout.total()];
        lstm.init(&mut p, InitScheme::Keras, &mut rng);
        let x = Tensor::from_vec(
            &[100, 7, 3],
            (0..2100).map(|_| rng.normal() as f32).collect(),
        )
        .unwrap();
        let run = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let (y, saved) = lstm.forward(Weights::params(&p), &x).unwrap();
                let mut g = vec![0.0f32; layout.total()];
                let dx = lstm.backward(Weights::params(&p), &saved, &y, &mut g);
                (y.data, dx.data, g)
            })
        };
        assert_eq!(run(1), run(3));
    }

    #[test]
    fn one_step_from_zero_state_is_the_closed_form() {
        let mut layout = ParamLayout::default();
        let lstm = Lstm::new(&mut layout, "lstm", 1, 1, false, LstmOutput::Last);
        // weight_ih = (wi, wf, wg, wo), weight_hh unused at the first step, bias 0.
        let p = vec![0.5, -1.0, 2.0, 1.5, 9.0, 9.0, 9.0, 9.0, 0.0, 0.0, 0.0, 0.0];
        let x = Tensor::from_vec(&[1, 1, 1], vec![0.8f64]).unwrap();
        let (y, _) = lstm.forward(Weights::params(&p), &x).unwrap();
        let s = |v: f64| 1.0 / (1.0 + (-v).exp());
        let c = s(0.4) * (1.6f64).tanh();
        assert!((y.data[0] - s(1.2) * c.tanh()).abs() < 1e-15);
    }
}
