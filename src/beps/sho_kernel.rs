//! The SHO fit's inner loop: the residual sum of squares, J^T J and J^T r of the model
//! R(w) = A w0^2 e^{i phi} / (w^2 - w0^2 - i w w0 / Q) over every bin, four bins at a time in
//! independent lanes so the compiler vectorises it (AVX2 chosen at run time, SSE2 otherwise).
//! Both paths add in the same order and neither fuses multiply-adds, so they agree bit for bit.

/// A normalised spectrum in structure-of-arrays form.
pub(super) struct Bins {
    /// Normalised frequencies w and their squares.
    pub w: Vec<f64>,
    pub w2: Vec<f64>,
    /// Normalised response.
    pub re: Vec<f64>,
    pub im: Vec<f64>,
}

impl Bins {
    pub fn new(w: Vec<f64>, re: Vec<f64>, im: Vec<f64>) -> Self {
        Self {
            w2: w.iter().map(|v| v * v).collect(),
            w,
            re,
            im,
        }
    }
}

/// What every bin shares for one parameter vector (A, w0, Q, phi).
struct Shared {
    w0sq: f64,
    w0_over_q: f64,
    w0_over_q2: f64,
    inv_w0: f64,
    /// A w0^2 e^{i phi}.
    pr: f64,
    pi: f64,
    /// w0^2 e^{i phi}.
    ur: f64,
    ui: f64,
}

impl Shared {
    fn new(p: &[f64; 4]) -> Self {
        let [a, w0, q, phi] = *p;
        let (s, c) = phi.sin_cos();
        let w0sq = w0 * w0;
        Self {
            w0sq,
            w0_over_q: w0 / q,
            w0_over_q2: w0 / (q * q),
            inv_w0: 1.0 / w0,
            pr: a * w0sq * c,
            pi: a * w0sq * s,
            ur: w0sq * c,
            ui: w0sq * s,
        }
    }
}

/// Four f64 lanes; elementwise arithmetic the compiler maps to one vector instruction each.
#[derive(Clone, Copy)]
struct V([f64; 4]);

macro_rules! lanewise {
    ($trait:ident, $method:ident, $op:tt) => {
        impl std::ops::$trait for V {
            type Output = V;
            #[inline(always)]
            fn $method(self, o: V) -> V {
                V(std::array::from_fn(|l| self.0[l] $op o.0[l]))
            }
        }
    };
}
lanewise!(Add, add, +);
lanewise!(Sub, sub, -);
lanewise!(Mul, mul, *);
lanewise!(Div, div, /);

impl V {
    #[inline(always)]
    fn splat(x: f64) -> V {
        V([x; 4])
    }

    /// Lanes `at..at + 4` of `v`, repeating the last value past its end.
    #[inline(always)]
    fn load(v: &[f64], at: usize) -> V {
        match v.get(at..at + 4) {
            Some(four) => V([four[0], four[1], four[2], four[3]]),
            None => V(std::array::from_fn(|l| v[(at + l).min(v.len() - 1)])),
        }
    }
}

/// Sums: ssr, J^T r (4), the lower triangle of J^T J (10, row by row).
const SUMS: usize = 15;

#[inline(always)]
fn sums<const GRADIENT: bool>(bins: &Bins, k: &Shared) -> [f64; SUMS] {
    let n = bins.w.len();
    let zero = V::splat(0.0);
    let mut acc = [zero; SUMS];
    let (w0sq, w0_over_q, w0_over_q2) = (
        V::splat(k.w0sq),
        V::splat(k.w0_over_q),
        V::splat(k.w0_over_q2),
    );
    let (pr, pi, ur, ui) = (
        V::splat(k.pr),
        V::splat(k.pi),
        V::splat(k.ur),
        V::splat(k.ui),
    );
    let (inv_w0, two) = (V::splat(k.inv_w0), V::splat(2.0));
    for at in (0..n).step_by(4) {
        // Lanes past the end repeat the last bin and are zeroed by the mask.
        let mask = V(std::array::from_fn(|l| if at + l < n { 1.0 } else { 0.0 }));
        let (w, w2) = (V::load(&bins.w, at), V::load(&bins.w2, at));
        // 1 / D with D = (w^2 - w0^2) + i d_im.
        let d_re = w2 - w0sq;
        let d_im = zero - w * w0_over_q;
        let norm = d_re * d_re + d_im * d_im;
        let (ir, ii) = (d_re / norm, (zero - d_im) / norm);
        let rr = pr * ir - pi * ii;
        let ri = pr * ii + pi * ir;
        let er = (rr - V::load(&bins.re, at)) * mask;
        let ei = (ri - V::load(&bins.im, at)) * mask;
        acc[0] = acc[0] + (er * er + ei * ei);
        if !GRADIENT {
            continue;
        }
        // dR/dA = w0^2 e^{i phi} / D.
        let ga = (ur * ir - ui * ii, ur * ii + ui * ir);
        // dR/dw0 = R (2 w^2 + i d_im) / (D w0).
        let tr = two * w2;
        let (sr, si) = (
            (ir * tr - ii * d_im) * inv_w0,
            (ir * d_im + ii * tr) * inv_w0,
        );
        let gw = (rr * sr - ri * si, rr * si + ri * sr);
        // dR/dQ = -i R (w w0 / Q^2) / D.
        let s = w * w0_over_q2;
        let (xr, xi) = (rr * ir - ri * ii, rr * ii + ri * ir);
        let gq = (xi * s, zero - xr * s);
        // dR/dphi = i R.
        let gp = (zero - ri, rr);
        let g = [ga, gw, gq, gp];
        for a in 0..4 {
            acc[1 + a] = acc[1 + a] + (g[a].0 * er + g[a].1 * ei);
        }
        let mut t = 5;
        for a in 0..4 {
            for b in 0..=a {
                acc[t] = acc[t] + (g[a].0 * g[b].0 + g[a].1 * g[b].1) * mask;
                t += 1;
            }
        }
    }
    acc.map(|v| (v.0[0] + v.0[1]) + (v.0[2] + v.0[3]))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sums_avx2<const GRADIENT: bool>(bins: &Bins, k: &Shared) -> [f64; SUMS] {
    sums::<GRADIENT>(bins, k)
}

fn dispatch<const GRADIENT: bool>(bins: &Bins, p: &[f64; 4]) -> [f64; SUMS] {
    let k = Shared::new(p);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked on the line above).
        return unsafe { sums_avx2::<GRADIENT>(bins, &k) };
    }
    sums::<GRADIENT>(bins, &k)
}

/// Sum of squared residuals, J^T J and J^T r at `p` = (A, w0, Q, phi).
#[allow(clippy::needless_range_loop)] // Indices read best for the symmetric fill.
pub(super) fn normal_equations(bins: &Bins, p: &[f64; 4]) -> (f64, [[f64; 4]; 4], [f64; 4]) {
    let s = dispatch::<true>(bins, p);
    let mut jtj = [[0.0; 4]; 4];
    let mut t = 5;
    for a in 0..4 {
        for b in 0..=a {
            jtj[a][b] = s[t];
            jtj[b][a] = s[t];
            t += 1;
        }
    }
    (s[0], jtj, [s[1], s[2], s[3], s[4]])
}

/// Sum of squared residuals at `p`.
pub(super) fn ssr(bins: &Bins, p: &[f64; 4]) -> f64 {
    dispatch::<false>(bins, p)[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_and_portable_paths_agree_bit_for_bit() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            return;
        }
        let w: Vec<f64> = (0..67).map(|k| 0.95 + 0.0015 * k as f64).collect();
        let bins = Bins::new(
            w.clone(),
            w.iter().map(|x| (9.0 * x).sin()).collect(),
            w.iter().map(|x| (7.0 * x).cos()).collect(),
        );
        let k = Shared::new(&[0.8, 1.01, 120.0, -2.0]);
        // SAFETY: AVX2 is present (checked above).
        let fast = unsafe { sums_avx2::<true>(&bins, &k) };
        assert_eq!(fast, sums::<true>(&bins, &k));
    }
}
