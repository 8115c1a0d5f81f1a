//! LSTM and bidirectional LSTM over `(B, T, C)` sequences, with the gate arithmetic fused into
//! one pass per step and a hand-written backward pass through time.
//!
//! Per step `G = x_t W_ih^T + b + h_{t-1} W_hh^T` (gates i, f, g, o in that order, as Keras
//! and PyTorch), `c_t = sigmoid(f) c_{t-1} + sigmoid(i) tanh(g)`, `h_t = sigmoid(o) tanh(c_t)`.
//! One bias per gate (Keras; PyTorch's two biases add up to it). The input projections of all
//! steps are one matrix product before the recurrence, and the weight gradients one product
//! each after it, so only `h_{t-1} W_hh^T` and its transpose run step by step. Work is split
//! over batch shards (time-major inside a shard, so each step's rows are contiguous).

use super::super::error::NnError;
use super::super::layout::ParamLayout;
use super::super::real::Real;
use super::super::tensor::Tensor;
use super::gemm::{gemm, mat, mat_mut};
use super::init::{InitScheme, glorot_uniform, orthogonal, uniform};
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

/// One shard's forward values, time-major: `(T, rows, ...)`.
#[derive(Clone, Debug, Default)]
pub struct ShardSaved<T> {
    rows: usize,
    x: Vec<T>,
    /// Activated gates `sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)` per step.
    gates: Vec<T>,
    c: Vec<T>,
    tanh_c: Vec<T>,
    h: Vec<T>,
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

    /// Time position of the `s`-th step processed.
    fn time_of(&self, s: usize, steps: usize) -> usize {
        if self.reverse { steps - 1 - s } else { s }
    }

    /// The recurrence over one shard of `rows` sequences, `x` batch-first.
    fn forward_shard<T: Real>(&self, p: &[T], x: &[T], rows: usize, steps: usize) -> ShardSaved<T> {
        let (c_in, h) = (self.input, self.hidden);
        let xt = swap_leading(x, rows, steps, c_in);
        let mut gates = vec![T::zero(); steps * rows * 4 * h];
        for block in gates.chunks_exact_mut(4 * h) {
            block.copy_from_slice(&p[self.bias.clone()]);
        }
        gemm(
            mat_mut(&mut gates, steps * rows, 4 * h),
            true,
            mat(&xt, steps * rows, c_in),
            mat(&p[self.weight_ih.clone()], 4 * h, c_in).transpose(),
        );
        let w_hh = mat(&p[self.weight_hh.clone()], 4 * h, h);
        let block = rows * h;
        let mut c = vec![T::zero(); steps * block];
        let mut tanh_c = vec![T::zero(); steps * block];
        let mut hs = vec![T::zero(); steps * block];
        let mut c_prev = vec![T::zero(); block];
        for s in 0..steps {
            let t = self.time_of(s, steps);
            let g = &mut gates[t * rows * 4 * h..(t + 1) * rows * 4 * h];
            if s > 0 {
                let tp = self.time_of(s - 1, steps);
                gemm(
                    mat_mut(g, rows, 4 * h),
                    true,
                    mat(&hs[tp * block..], rows, h),
                    w_hh.transpose(),
                );
            }
            // Slice-wide activations (vectorised), then the cell update row by row.
            for gr in g.chunks_exact_mut(4 * h) {
                T::sigmoid_in_place(&mut gr[..2 * h]);
                T::tanh_in_place(&mut gr[2 * h..3 * h]);
                T::sigmoid_in_place(&mut gr[3 * h..]);
            }
            let ct = &mut c[t * block..(t + 1) * block];
            for ((gr, c_row), cp) in g
                .chunks_exact(4 * h)
                .zip(ct.chunks_exact_mut(h))
                .zip(c_prev.chunks_exact(h))
            {
                let (i, f, gg) = (&gr[..h], &gr[h..2 * h], &gr[2 * h..3 * h]);
                for k in 0..h {
                    c_row[k] = f[k] * cp[k] + i[k] * gg[k];
                }
            }
            c_prev.copy_from_slice(ct);
            let tc = &mut tanh_c[t * block..(t + 1) * block];
            tc.copy_from_slice(ct);
            T::tanh_in_place(tc);
            let ht = &mut hs[t * block..(t + 1) * block];
            for ((gr, h_row), tc_row) in g
                .chunks_exact(4 * h)
                .zip(ht.chunks_exact_mut(h))
                .zip(tc.chunks_exact(h))
            {
                let o = &gr[3 * h..];
                for k in 0..h {
                    h_row[k] = o[k] * tc_row[k];
                }
            }
        }
        ShardSaved {
            rows,
            x: xt,
            gates,
            c,
            tanh_c,
            h: hs,
        }
    }

    /// Backward through time over one shard; `dh` holds the output gradient time-major
    /// `(T, rows, h)`. Adds the parameter gradients into `grad` (this layer's span) and returns
    /// the input gradient batch-first.
    fn backward_shard<T: Real>(
        &self,
        p: &[T],
        s: &ShardSaved<T>,
        mut dh: Vec<T>,
        steps: usize,
        grad: &mut [T],
    ) -> Vec<T> {
        let (c_in, h, rows) = (self.input, self.hidden, s.rows);
        let block = rows * h;
        let w_hh = mat(&p[self.weight_hh.clone()], 4 * h, h);
        let mut dgates = vec![T::zero(); steps * rows * 4 * h];
        let mut dc_next = vec![T::zero(); block];
        let zeros = vec![T::zero(); block];
        for step in (0..steps).rev() {
            let t = self.time_of(step, steps);
            let prev = (step > 0).then(|| self.time_of(step - 1, steps));
            let c_prev = prev.map_or(&zeros[..], |tp| &s.c[tp * block..(tp + 1) * block]);
            let g = &s.gates[t * rows * 4 * h..(t + 1) * rows * 4 * h];
            let tc = &s.tanh_c[t * block..(t + 1) * block];
            let dh_t = &dh[t * block..(t + 1) * block];
            let dg = &mut dgates[t * rows * 4 * h..(t + 1) * rows * 4 * h];
            for r in 0..rows {
                let gr = &g[r * 4 * h..(r + 1) * 4 * h];
                let (i, f, gg, o) = (&gr[..h], &gr[h..2 * h], &gr[2 * h..3 * h], &gr[3 * h..]);
                let row = r * h..(r + 1) * h;
                let (tcr, dhr, cpr) = (&tc[row.clone()], &dh_t[row.clone()], &c_prev[row.clone()]);
                let dcn = &mut dc_next[row];
                let (di, rest) = dg[r * 4 * h..(r + 1) * 4 * h].split_at_mut(h);
                let (df, rest) = rest.split_at_mut(h);
                let (dgg, dout) = rest.split_at_mut(h);
                for k in 0..h {
                    let dc = dcn[k] + dhr[k] * o[k] * (T::one() - tcr[k] * tcr[k]);
                    di[k] = dc * gg[k] * i[k] * (T::one() - i[k]);
                    df[k] = dc * cpr[k] * f[k] * (T::one() - f[k]);
                    dgg[k] = dc * i[k] * (T::one() - gg[k] * gg[k]);
                    dout[k] = dhr[k] * tcr[k] * o[k] * (T::one() - o[k]);
                    dcn[k] = dc * f[k];
                }
            }
            if let Some(tp) = prev {
                // dh_{t-1} += dG_t W_hh
                gemm(
                    mat_mut(&mut dh[tp * block..], rows, h),
                    true,
                    mat(dg, rows, 4 * h),
                    w_hh,
                );
            }
        }
        let (g_ih, rest) = grad.split_at_mut(self.weight_ih.len());
        let (g_hh, g_b) = rest.split_at_mut(self.weight_hh.len());
        let all = steps * rows;
        gemm(
            mat_mut(g_ih, 4 * h, c_in),
            true,
            mat(&dgates, all, 4 * h).transpose(),
            mat(&s.x, all, c_in),
        );
        if steps > 1 {
            // Pairs (dG_t, h_{t-1}) are contiguous time blocks: t = 1.. forward, t = ..T-1 reversed.
            let n = (steps - 1) * rows;
            let (dg_from, h_from) = if self.reverse { (0, rows) } else { (rows, 0) };
            gemm(
                mat_mut(g_hh, 4 * h, h),
                true,
                mat(&dgates[dg_from * 4 * h..], n, 4 * h).transpose(),
                mat(&s.h[h_from * h..], n, h),
            );
        }
        for row in dgates.chunks_exact(4 * h) {
            g_b.iter_mut().zip(row).for_each(|(a, b)| *a += *b);
        }
        let mut dxt = vec![T::zero(); all * c_in];
        gemm(
            mat_mut(&mut dxt, all, c_in),
            false,
            mat(&dgates, all, 4 * h),
            mat(&p[self.weight_ih.clone()], 4 * h, c_in),
        );
        swap_leading(&dxt, steps, rows, c_in)
    }
}

/// `(a, b, C)` -> `(b, a, C)`: batch-first to time-major and back.
fn swap_leading<T: Real>(x: &[T], a: usize, b: usize, c: usize) -> Vec<T> {
    let mut out = vec![T::zero(); x.len()];
    for i in 0..a {
        for j in 0..b {
            out[(j * a + i) * c..(j * a + i + 1) * c]
                .copy_from_slice(&x[(i * b + j) * c..(i * b + j + 1) * c]);
        }
    }
    out
}

impl<T: Real> Layer<T> for Lstm {
    type Saved = LstmSaved<T>;

    fn forward(&self, w: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError> {
        check_shape(&self.name, x, 3, &[None, Some(self.input)])?;
        let (b, steps, h) = (x.shape[0], x.shape[1], self.hidden);
        if steps == 0 {
            return Err(NnError::Invalid(format!(
                "{}: a sequence needs at least one step",
                self.name
            )));
        }
        let row_len = steps * self.input;
        let saved: Vec<ShardSaved<T>> = shards(b)
            .into_par_iter()
            .map(|r| {
                self.forward_shard(
                    w.params,
                    &x.data[r.start * row_len..r.end * row_len],
                    r.len(),
                    steps,
                )
            })
            .collect();
        let mut data = Vec::with_capacity(b * steps * h);
        for s in &saved {
            match self.output {
                LstmOutput::Sequence => data.extend(swap_leading(&s.h, steps, s.rows, h)),
                LstmOutput::Last => {
                    let t = self.time_of(steps - 1, steps);
                    data.extend_from_slice(&s.h[t * s.rows * h..(t + 1) * s.rows * h]);
                }
            }
        }
        let shape = match self.output {
            LstmOutput::Sequence => vec![b, steps, h],
            LstmOutput::Last => vec![b, h],
        };
        Ok((
            Tensor { shape, data },
            LstmSaved {
                steps,
                shards: saved,
            },
        ))
    }

    fn backward(
        &self,
        w: Weights<T>,
        saved: &Self::Saved,
        dy: &Tensor<T>,
        dparams: &mut [T],
    ) -> Tensor<T> {
        let (steps, h) = (saved.steps, self.hidden);
        let b: usize = saved.shards.iter().map(|s| s.rows).sum();
        let dy_row = dy.data.len() / b.max(1);
        let dxs = map_reduce_grad(b, &mut dparams[self.span()], |k, r, grad| {
            // Shards depend on the batch size only: the k-th is the k-th of forward.
            let s = &saved.shards[k];
            let dy_r = &dy.data[r.start * dy_row..r.end * dy_row];
            let dh = match self.output {
                LstmOutput::Sequence => swap_leading(dy_r, r.len(), steps, h),
                LstmOutput::Last => {
                    let mut dh = vec![T::zero(); steps * r.len() * h];
                    let t = self.time_of(steps - 1, steps);
                    dh[t * r.len() * h..(t + 1) * r.len() * h].copy_from_slice(dy_r);
                    dh
                }
            };
            self.backward_shard(w.params, s, dh, steps, grad)
        });
        Tensor {
            shape: vec![b, steps, self.input],
            data: dxs.concat(),
        }
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

/// Interleaves two `(rows, h)`-blocked tensors into `(rows, 2h)`.
fn concat_last<T: Real>(a: &Tensor<T>, b: &Tensor<T>, h: usize) -> Tensor<T> {
    let mut shape = a.shape.clone();
    *shape.last_mut().expect("rank >= 2") = 2 * h;
    let mut data = Vec::with_capacity(2 * a.data.len());
    for (ra, rb) in a.data.chunks_exact(h).zip(b.data.chunks_exact(h)) {
        data.extend_from_slice(ra);
        data.extend_from_slice(rb);
    }
    Tensor { shape, data }
}

/// The halves of a `(rows, 2h)`-blocked tensor.
fn split_last<T: Real>(y: &Tensor<T>, h: usize) -> (Tensor<T>, Tensor<T>) {
    let mut shape = y.shape.clone();
    *shape.last_mut().expect("rank >= 2") = h;
    let (mut a, mut b) = (
        Vec::with_capacity(y.data.len() / 2),
        Vec::with_capacity(y.data.len() / 2),
    );
    for row in y.data.chunks_exact(2 * h) {
        a.extend_from_slice(&row[..h]);
        b.extend_from_slice(&row[h..]);
    }
    (
        Tensor {
            shape: shape.clone(),
            data: a,
        },
        Tensor { shape, data: b },
    )
}

impl<T: Real> Layer<T> for BiLstm {
    type Saved = (LstmSaved<T>, LstmSaved<T>);

    fn forward(&self, w: Weights<T>, x: &Tensor<T>) -> Result<(Tensor<T>, Self::Saved), NnError> {
        let (f, b) = rayon::join(
            || self.forward.forward(w, x),
            || self.backward.forward(w, x),
        );
        let ((yf, sf), (yb, sb)) = (f?, b?);
        Ok((concat_last(&yf, &yb, self.forward.hidden), (sf, sb)))
    }

    fn backward(
        &self,
        w: Weights<T>,
        saved: &Self::Saved,
        dy: &Tensor<T>,
        dparams: &mut [T],
    ) -> Tensor<T> {
        let (df, db) = split_last(dy, self.forward.hidden);
        // The two directions' parameters are disjoint consecutive spans.
        let mut dx = self.forward.backward(w, &saved.0, &df, dparams);
        let dxb = self.backward.backward(w, &saved.1, &db, dparams);
        dx.data
            .iter_mut()
            .zip(&dxb.data)
            .for_each(|(a, b)| *a += *b);
        dx
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
