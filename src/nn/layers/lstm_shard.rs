//! The LSTM recurrence over one batch shard, forward and backward through time.
//!
//! Inside a shard every buffer is time-major in processing order: step `s` is the `s`-th step
//! the direction reads (time `T - 1 - s` when reversed) and holds the shard's rows
//! contiguously. So each step's recurrent product is one `(rows, h) x (h, 4h)` matrix product,
//! the input projections of all steps are one product before the recurrence, and backward's
//! weight and input gradients are one product each per chunk of steps, for either direction
//! alike.

use super::super::real::Real;
use super::gemm::{gemm, mat, mat_mut};

/// Steps whose gate gradients backward keeps at once (chunks start at multiples of it): the
/// weight and input gradients are one product per chunk, while the chunk is in cache.
const CHUNK_STEPS: usize = 16;

/// One direction's weights and sizes.
pub(super) struct Cell<'a, T> {
    /// `[4h, C]`, gates i, f, g, o.
    pub w_ih: &'a [T],
    /// `[4h, h]`.
    pub w_hh: &'a [T],
    /// `[4h]`.
    pub bias: &'a [T],
    pub input: usize,
    pub hidden: usize,
    pub reverse: bool,
}

/// One shard's forward values, `(steps, rows, ...)` in processing order.
#[derive(Clone, Debug, Default)]
pub struct ShardSaved<T> {
    pub(super) rows: usize,
    x: Vec<T>,
    /// Activated gates `sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)`.
    gates: Vec<T>,
    c: Vec<T>,
    tanh_c: Vec<T>,
    /// Hidden states: the layer's output.
    pub(super) h: Vec<T>,
}

/// Where a shard's output gradient is read: rows of `width` values (both directions of a
/// BiLSTM side by side), this direction's `h` of them from `offset`; per step and row
/// (`(rows, steps, width)`, batch-first) or, for the last state only, per row.
pub(super) struct OutputGrad<'a, T> {
    pub data: &'a [T],
    pub width: usize,
    pub offset: usize,
    pub every_step: bool,
}

impl<T: Real> Cell<'_, T> {
    /// Time position of the `s`-th step processed.
    pub fn time_of(&self, s: usize, steps: usize) -> usize {
        if self.reverse { steps - 1 - s } else { s }
    }

    /// `W_hh^T` stored row-major `(h, 4h)`: faer's per-step products run ~15 % faster on it
    /// than on the transposed view of `W_hh`.
    pub fn w_hh_transposed(&self) -> Vec<T> {
        let h = self.hidden;
        let mut t = vec![T::zero(); 4 * h * h];
        for (j, row) in self.w_hh.chunks_exact(h).enumerate() {
            for (k, v) in row.iter().enumerate() {
                t[k * 4 * h + j] = *v;
            }
        }
        t
    }

    /// The recurrence over `rows` sequences, `x` batch-first `(rows, steps, C)`;
    /// `w_hh_t` from [`Self::w_hh_transposed`].
    pub fn forward(&self, x: &[T], rows: usize, steps: usize, w_hh_t: &[T]) -> ShardSaved<T> {
        let (c_in, h) = (self.input, self.hidden);
        let n = steps * rows;
        let mut xs = Vec::with_capacity(n * c_in);
        for s in 0..steps {
            let t = self.time_of(s, steps);
            for r in 0..rows {
                xs.extend_from_slice(&x[(r * steps + t) * c_in..][..c_in]);
            }
        }
        let mut gates = Vec::with_capacity(n * 4 * h);
        for _ in 0..n {
            gates.extend_from_slice(self.bias);
        }
        gemm(
            mat_mut(&mut gates, n, 4 * h),
            true,
            mat(&xs, n, c_in),
            mat(self.w_ih, 4 * h, c_in).transpose(),
        );
        let w_hh_t = mat(w_hh_t, h, 4 * h);
        let block = rows * h;
        let (mut c, mut tanh_c, mut hs) = (
            Vec::with_capacity(n * h),
            Vec::with_capacity(n * h),
            Vec::with_capacity(n * h),
        );
        for s in 0..steps {
            let g = &mut gates[s * rows * 4 * h..][..rows * 4 * h];
            if s > 0 {
                gemm(
                    mat_mut(g, rows, 4 * h),
                    true,
                    mat(&hs[(s - 1) * block..], rows, h),
                    w_hh_t,
                );
            }
            // Each step's block is zeroed just before it is written, while it is in cache.
            for v in [&mut c, &mut tanh_c, &mut hs] {
                v.resize((s + 1) * block, T::zero());
            }
            let (done, c_s) = c.split_at_mut(s * block);
            let c_prev = (s > 0).then(|| &done[(s - 1) * block..]);
            let (tc_s, h_s) = (&mut tanh_c[s * block..], &mut hs[s * block..]);
            for r in 0..rows {
                let row = r * h..(r + 1) * h;
                cell_forward(
                    &mut g[r * 4 * h..][..4 * h],
                    c_prev.map(|cp| &cp[row.clone()]),
                    &mut c_s[row.clone()],
                    &mut tc_s[row.clone()],
                    &mut h_s[row],
                );
            }
        }
        ShardSaved {
            rows,
            x: xs,
            gates,
            c,
            tanh_c,
            h: hs,
        }
    }

    /// Backward through time: adds the parameter gradients into `grad` (this direction's
    /// `w_ih`, `w_hh`, `bias`, consecutive) and returns the input gradient `(steps, rows, C)` in
    /// processing order.
    pub fn backward(
        &self,
        sv: &ShardSaved<T>,
        dy: OutputGrad<T>,
        steps: usize,
        grad: &mut [T],
    ) -> Vec<T> {
        let (c_in, h, rows) = (self.input, self.hidden, sv.rows);
        let (n, block, row_gates) = (steps * rows, rows * h, rows * 4 * h);
        let w_hh = mat(self.w_hh, 4 * h, h);
        let (g_ih, rest) = grad.split_at_mut(self.w_ih.len());
        let (g_hh, g_b) = rest.split_at_mut(self.w_hh.len());
        let mut dgates = vec![T::zero(); CHUNK_STEPS.min(steps) * row_gates];
        let mut dx = vec![T::zero(); n * c_in];
        // The gradients reaching h_s through the next step's gates and c_s through c_{s+1}.
        let mut dh = vec![T::zero(); block];
        let mut dc = vec![T::zero(); block];
        let zeros = vec![T::zero(); h];
        for s in (0..steps).rev() {
            let (t, first) = (self.time_of(s, steps), s - s % CHUNK_STEPS);
            let dg = &mut dgates[(s - first) * row_gates..][..row_gates];
            for r in 0..rows {
                let (at, row) = (s * block + r * h, r * h..(r + 1) * h);
                let dy_row = if dy.every_step {
                    Some(&dy.data[(r * steps + t) * dy.width + dy.offset..][..h])
                } else {
                    (s + 1 == steps).then(|| &dy.data[r * dy.width + dy.offset..][..h])
                };
                cell_backward(
                    &sv.gates[at * 4..][..4 * h],
                    &sv.tanh_c[at..][..h],
                    if s > 0 {
                        &sv.c[at - block..][..h]
                    } else {
                        &zeros
                    },
                    dy_row,
                    &mut dh[row.clone()],
                    &mut dc[row],
                    &mut dg[r * 4 * h..][..4 * h],
                );
            }
            if s > 0 {
                gemm(mat_mut(&mut dh, rows, h), false, mat(dg, rows, 4 * h), w_hh);
            }
            if s > first {
                continue;
            }
            // The chunk of steps first.. is complete: its products while it is in cache.
            let len = (first + CHUNK_STEPS).min(steps) - first;
            let dg = mat(&dgates, len * rows, 4 * h);
            gemm(
                mat_mut(g_ih, 4 * h, c_in),
                true,
                dg.transpose(),
                mat(&sv.x[first * rows * c_in..], len * rows, c_in),
            );
            // The pairs (dG_s, h_{s-1}), s >= 1.
            let skip = usize::from(first == 0);
            gemm(
                mat_mut(g_hh, 4 * h, h),
                true,
                dg.subrows(skip * rows, (len - skip) * rows).transpose(),
                mat(&sv.h[(first + skip - 1) * block..], (len - skip) * rows, h),
            );
            for row in dgates[..len * row_gates].chunks_exact(4 * h) {
                g_b.iter_mut().zip(row).for_each(|(a, b)| *a += *b);
            }
            gemm(
                mat_mut(&mut dx[first * rows * c_in..], len * rows, c_in),
                false,
                dg,
                mat(self.w_ih, 4 * h, c_in),
            );
        }
        dx
    }
}

/// Defines `$name(args)`: `$body(args)` built for AVX-512 when the CPU has it, so the cell
/// arithmetic runs 16 lanes wide instead of the baseline's 4, with the same roundings (Rust
/// never contracts a product and a sum into an FMA).
macro_rules! wide {
    ($(#[$doc:meta])* fn $name:ident = $body:ident($($arg:ident: $ty:ty),*)) => {
        $(#[$doc])*
        fn $name<T: Real>($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx512f") {
                #[target_feature(enable = "avx512f")]
                fn avx512<T: Real>($($arg: $ty),*) {
                    $body($($arg),*)
                }
                // SAFETY: AVX-512F detected.
                return unsafe { avx512($($arg),*) };
            }
            $body($($arg),*)
        }
    };
}

wide! {
    /// One row of one step: activates the gate pre-activations `g` (`4h`) in place and writes
    /// `c = f c_prev + i g`, `tanh(c)` and `h = o tanh(c)`.
    fn cell_forward = cell_forward_body(
        g: &mut [T], c_prev: Option<&[T]>, c: &mut [T], tc: &mut [T], h_out: &mut [T]
    )
}

wide! {
    /// One row of one step backward: from the activated gates `g`, `tanh(c)`, `c_prev` and the
    /// output gradient (`c_prev` zero at the first step), with `dh` and `dc` the gradients
    /// arriving from the next step, writes the gate pre-activation gradients `dg` and leaves in
    /// `dc` the gradient for `c_prev`.
    fn cell_backward = cell_backward_body(
        g: &[T], tc: &[T], c_prev: &[T], dy: Option<&[T]>, dh: &mut [T], dc: &mut [T],
        dg: &mut [T]
    )
}

#[inline(always)]
fn cell_forward_body<T: Real>(
    g: &mut [T],
    c_prev: Option<&[T]>,
    c: &mut [T],
    tc: &mut [T],
    h_out: &mut [T],
) {
    let h = c.len();
    T::sigmoid_in_place(&mut g[..2 * h]);
    T::tanh_in_place(&mut g[2 * h..3 * h]);
    T::sigmoid_in_place(&mut g[3 * h..]);
    let (i, f, gg, o) = (&g[..h], &g[h..2 * h], &g[2 * h..3 * h], &g[3 * h..4 * h]);
    match c_prev {
        Some(cp) => {
            let cp = &cp[..h];
            for k in 0..h {
                c[k] = f[k] * cp[k] + i[k] * gg[k];
            }
        }
        None => {
            for k in 0..h {
                c[k] = i[k] * gg[k];
            }
        }
    }
    tc.copy_from_slice(c);
    T::tanh_in_place(tc);
    let tc = &tc[..h];
    for k in 0..h {
        h_out[k] = o[k] * tc[k];
    }
}

#[inline(always)]
fn cell_backward_body<T: Real>(
    g: &[T],
    tc: &[T],
    c_prev: &[T],
    dy: Option<&[T]>,
    dh: &mut [T],
    dc: &mut [T],
    dg: &mut [T],
) {
    let h = tc.len();
    let dh = &mut dh[..h];
    if let Some(dy) = dy {
        dh.iter_mut().zip(dy).for_each(|(a, b)| *a += *b);
    }
    let one = T::one();
    let (i, f, gg, o) = (&g[..h], &g[h..2 * h], &g[2 * h..3 * h], &g[3 * h..4 * h]);
    let (di, rest) = dg.split_at_mut(h);
    let (df, rest) = rest.split_at_mut(h);
    let (dgg, dout) = rest.split_at_mut(h);
    let (dc, dout, cp) = (&mut dc[..h], &mut dout[..h], &c_prev[..h]);
    for k in 0..h {
        let d = dc[k] + dh[k] * o[k] * (one - tc[k] * tc[k]);
        di[k] = d * gg[k] * i[k] * (one - i[k]);
        df[k] = d * cp[k] * f[k] * (one - f[k]);
        dgg[k] = d * i[k] * (one - gg[k] * gg[k]);
        dout[k] = dh[k] * tc[k] * o[k] * (one - o[k]);
        dc[k] = d * f[k];
    }
}
