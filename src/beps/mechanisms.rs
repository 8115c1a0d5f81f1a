//! A synthetic BEPS map whose pixels mix known switching mechanisms: paper 001's stand-in with
//! ground truth (its PbZr0.2Ti0.8O3 data have none). Every pixel has a piezoresponse loop P and a
//! resonance loop R over one triangle-wave cycle, from parameters mixed between mechanisms by
//! smooth random weights; an unmixing method (dictionary learning, the LSTM beta-VAE) should
//! find the weight maps again.
//!
//! - Voltage: one cycle 0 -> 1 -> -1 -> 0 over `steps` points ([`triangle_wave`]), branch
//!   `s = sign(dV)`. At the turning points dV changes sign, so s is taken from the step that
//!   *arrives* there: `s_k = sign(V_k - V_{k-1})`, cyclically (`V_{-1} = V_{steps-1}`). The
//!   extreme V = +1 belongs to the rising branch (s = +1) and V = -1 to the falling one
//!   (s = -1), as a hysteretic sample keeps the state it arrived in until the voltage comes
//!   back past a coercive voltage; the first point (V = 0, after the previous cycle's last
//!   negative point) is rising.
//! - Weights: for each mechanism k, white Gaussian noise on the grid filtered by a Gaussian
//!   of standard deviation `smoothing_px` (reflecting edges, kernel cut at 4 standard
//!   deviations), then standardised to mean 0 and standard deviation 1 over the map (the
//!   filter shrinks the spread of white noise to about 1 / (2 sqrt(pi) sigma), so without this
//!   the softmax below would give nearly equal weights everywhere), `u_k`;
//!   `m = softmax(temperature * u)` over k. The weights are positive and sum to 1.
//! - Parameters mix linearly, `theta(x, y) = sum_k m_k theta_k` (in parameter space, so the
//!   loops change nonlinearly with the weights), for the amplitude A, coercive voltages
//!   Vc1, Vc2, width w, slope a and resonance change r1; Vi, r0 and w_r are shared.
//! - Loops: `P = A/2 [tanh((V - s Vc1 - Vi)/w) + tanh((V - s Vc2 - Vi)/w)] + a V`,
//!   `R = r0 + r1 sum_{i=1,2} sech^2((V - s Vci)/w_r)`.
//! - Noise: Gaussian, standard deviation `noise_fraction` times each channel's range (max - min
//!   of the noiseless channel over the whole map).
//!
//! Defaults (the design note's three mechanisms): M1 classic (A = 1, Vc1 = Vc2 = 0.4,
//! w = 0.08, a = 0, r1 = -0.5), M2 suppressed and tilted (A = 0.4, Vc = 0.5, w = 0.25,
//! a = 0.3, r1 = -0.2), M3 two-step, three-state (A = 0.8, Vc1 = 0.2, Vc2 = 0.6, w = 0.05,
//! a = 0, r1 = +0.4); Vi = r0 = 0, w_r = 0.1; a 60 x 60 map of 96 steps, temperature 3,
//! smoothing 6 px, noise 3 %. Random draws come from [`Xoshiro256`] sub-streams of `seed`:
//! 0 for the weight fields (mechanism, row, column order), 1 for the noise (pixel, step,
//! channel order).

use super::synthetic::{SyntheticError, branch_signs, triangle_wave};
use crate::filter::gaussian_filter;
use crate::rng::Xoshiro256;
use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis};

/// One switching mechanism's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Mechanism {
    /// Piezoresponse amplitude A.
    pub amplitude: f64,
    /// Coercive voltages Vc1, Vc2 (two equal values: one switch; two different: two steps).
    pub coercive: [f64; 2],
    /// Switching width w, > 0.
    pub width: f64,
    /// Linear (dielectric) slope a of the piezoresponse.
    pub slope: f64,
    /// Resonance change r1 at each coercive voltage.
    pub resonance_change: f64,
}

impl Mechanism {
    /// M1, classic square switching.
    pub const CLASSIC: Self = Self {
        amplitude: 1.0,
        coercive: [0.4, 0.4],
        width: 0.08,
        slope: 0.0,
        resonance_change: -0.5,
    };
    /// M2, suppressed and tilted.
    pub const TILTED: Self = Self {
        amplitude: 0.4,
        coercive: [0.5, 0.5],
        width: 0.25,
        slope: 0.3,
        resonance_change: -0.2,
    };
    /// M3, two-step, three-state.
    pub const TWO_STEP: Self = Self {
        amplitude: 0.8,
        coercive: [0.2, 0.6],
        width: 0.05,
        slope: 0.0,
        resonance_change: 0.4,
    };
}

/// Size, mechanisms and randomness of a mechanism map (module docs for the model).
#[derive(Clone, Debug, PartialEq)]
pub struct MechanismSpec {
    /// Grid rows, >= 1.
    pub rows: usize,
    /// Grid columns, >= 1.
    pub cols: usize,
    /// Voltage steps of the cycle, >= 4.
    pub steps: usize,
    /// The mechanisms mixed, at least one.
    pub mechanisms: Vec<Mechanism>,
    /// Imprint voltage Vi of the piezoresponse (all mechanisms).
    pub imprint: f64,
    /// Resonance offset r0.
    pub resonance_offset: f64,
    /// Width w_r of the resonance changes, > 0.
    pub resonance_width: f64,
    /// Factor of the standardised fields in the softmax, >= 0 (0: equal weights everywhere).
    pub temperature: f64,
    /// Standard deviation of the Gaussian smoothing of the weight fields, pixels, >= 0
    /// (0: white noise).
    pub smoothing_px: f64,
    /// Noise standard deviation as a fraction of each channel's range, >= 0.
    pub noise_fraction: f64,
    /// Seed of the weight fields and the noise.
    pub seed: u64,
}

impl Default for MechanismSpec {
    fn default() -> Self {
        Self {
            rows: 60,
            cols: 60,
            steps: 96,
            mechanisms: vec![Mechanism::CLASSIC, Mechanism::TILTED, Mechanism::TWO_STEP],
            imprint: 0.0,
            resonance_offset: 0.0,
            resonance_width: 0.1,
            temperature: 3.0,
            smoothing_px: 6.0,
            noise_fraction: 0.03,
            seed: 0,
        }
    }
}

/// A mechanism map: voltage, branches, spectra and the true weights.
#[derive(Clone, Debug)]
pub struct MechanismMap {
    voltage: Vec<f64>,
    branch: Vec<f64>,
    spectra: Array3<f64>,
    mixing: Array3<f64>,
    noise_std: [f64; 2],
}

impl MechanismMap {
    /// Voltage of each step (0 -> 1 -> -1 -> 0).
    ///
    /// ```
    /// let map = ferrolab::beps::mechanism_map(&ferrolab::beps::MechanismSpec { rows: 1, cols: 1, ..Default::default() })?;
    /// assert_eq!((map.voltage()[24], map.voltage()[72]), (1.0, -1.0));
    /// # Ok::<(), ferrolab::beps::SyntheticError>(())
    /// ```
    pub fn voltage(&self) -> &[f64] {
        &self.voltage
    }

    /// Branch s = +1 (rising) or -1 (falling) of each step (module docs for the turning points).
    ///
    /// ```
    /// let map = ferrolab::beps::mechanism_map(&ferrolab::beps::MechanismSpec { rows: 1, cols: 1, ..Default::default() })?;
    /// // The top (step 24) belongs to the rising branch, the step after it to the falling one.
    /// assert_eq!((map.branch()[24], map.branch()[25]), (1.0, -1.0));
    /// # Ok::<(), ferrolab::beps::SyntheticError>(())
    /// ```
    pub fn branch(&self) -> &[f64] {
        &self.branch
    }

    /// Spectra, pixels x steps x 2 (channel 0 piezoresponse P, 1 resonance R); pixel
    /// `row * cols + col`.
    ///
    /// ```
    /// let map = ferrolab::beps::mechanism_map(&ferrolab::beps::MechanismSpec { rows: 2, cols: 2, ..Default::default() })?;
    /// assert_eq!(map.spectra().dim(), (4, 96, 2));
    /// # Ok::<(), ferrolab::beps::SyntheticError>(())
    /// ```
    pub fn spectra(&self) -> ArrayView3<'_, f64> {
        self.spectra.view()
    }

    /// The same values as pixels x (2 steps), interleaved P0, R0, P1, R1, ... (paper 001's
    /// stacked 192-value vectors for dictionary learning, and its network's flattened input).
    ///
    /// ```
    /// use ferrolab::beps::{MechanismSpec, mechanism_map};
    /// let map = mechanism_map(&MechanismSpec { rows: 2, cols: 3, ..Default::default() })?;
    /// let flat = map.flattened();
    /// assert_eq!(flat.dim(), (6, 192));
    /// assert_eq!((flat[[4, 10]], flat[[4, 11]]), (map.spectra()[[4, 5, 0]], map.spectra()[[4, 5, 1]]));
    /// # Ok::<(), ferrolab::beps::SyntheticError>(())
    /// ```
    pub fn flattened(&self) -> ArrayView2<'_, f64> {
        let (n, steps, channels) = self.spectra.dim();
        // Built in standard layout and never reshaped: the view always exists.
        ArrayView2::from_shape(
            (n, steps * channels),
            self.spectra
                .as_slice()
                .expect("spectra are built in standard layout"),
        )
        .expect("pixels x steps x channels values")
    }

    /// True weights m_k, rows x cols x mechanisms.
    ///
    /// ```
    /// let map = ferrolab::beps::mechanism_map(&ferrolab::beps::MechanismSpec { rows: 2, cols: 5, ..Default::default() })?;
    /// assert_eq!(map.mixing().dim(), (2, 5, 3));
    /// # Ok::<(), ferrolab::beps::SyntheticError>(())
    /// ```
    pub fn mixing(&self) -> ArrayView3<'_, f64> {
        self.mixing.view()
    }

    /// True weights as pixels x mechanisms (pixel `row * cols + col`, as the spectra).
    ///
    /// ```
    /// let map = ferrolab::beps::mechanism_map(&ferrolab::beps::MechanismSpec { rows: 2, cols: 5, ..Default::default() })?;
    /// assert_eq!(map.mixing_pixels().row(7), map.mixing().slice(ndarray::s![1, 2, ..]));
    /// # Ok::<(), ferrolab::beps::SyntheticError>(())
    /// ```
    pub fn mixing_pixels(&self) -> ArrayView2<'_, f64> {
        let (rows, cols, k) = self.mixing.dim();
        ArrayView2::from_shape(
            (rows * cols, k),
            self.mixing
                .as_slice()
                .expect("weights are built in standard layout"),
        )
        .expect("rows x cols x mechanisms values")
    }

    /// Standard deviation of the noise added to P and to R.
    ///
    /// ```
    /// use ferrolab::beps::{MechanismSpec, mechanism_map};
    /// let quiet = mechanism_map(&MechanismSpec { rows: 2, cols: 2, noise_fraction: 0.0, ..Default::default() })?;
    /// assert_eq!(quiet.noise_std(), [0.0, 0.0]);
    /// # Ok::<(), ferrolab::beps::SyntheticError>(())
    /// ```
    pub fn noise_std(&self) -> [f64; 2] {
        self.noise_std
    }
}

impl MechanismSpec {
    /// Refuse unusable values (the message names the field) and maps beyond the memory budget.
    ///
    /// ```
    /// use ferrolab::beps::MechanismSpec;
    /// assert!(MechanismSpec::default().check().is_ok());
    /// let e = MechanismSpec { steps: 3, ..Default::default() }.check().unwrap_err();
    /// assert!(e.to_string().starts_with("steps = 3"));
    /// ```
    pub fn check(&self) -> Result<(), SyntheticError> {
        let invalid = |m: String| Err(SyntheticError::Invalid(m));
        if self.rows == 0 || self.cols == 0 {
            return invalid(format!(
                "size = {} x {}: rows and columns must be at least 1",
                self.rows, self.cols
            ));
        }
        if self.steps < 4 {
            return invalid(format!(
                "steps = {}: a triangle cycle needs at least 4 steps",
                self.steps
            ));
        }
        if self.mechanisms.is_empty() {
            return invalid("mechanisms is empty: at least one is needed".into());
        }
        for (k, m) in self.mechanisms.iter().enumerate() {
            let values = [
                m.amplitude,
                m.coercive[0],
                m.coercive[1],
                m.slope,
                m.resonance_change,
            ];
            if !values.iter().all(|v| v.is_finite()) {
                return invalid(format!(
                    "mechanisms[{k}] = {m:?}: every parameter must be finite"
                ));
            }
            if !(m.width.is_finite() && m.width > 0.0) {
                return invalid(format!(
                    "mechanisms[{k}].width = {}: it must be finite and positive",
                    m.width
                ));
            }
        }
        let finite = [
            ("imprint", self.imprint),
            ("resonance_offset", self.resonance_offset),
        ];
        for (name, v) in finite {
            if !v.is_finite() {
                return invalid(format!("{name} = {v}: it must be finite"));
            }
        }
        if !(self.resonance_width.is_finite() && self.resonance_width > 0.0) {
            return invalid(format!(
                "resonance_width = {}: it must be finite and positive",
                self.resonance_width
            ));
        }
        let non_negative = [
            ("temperature", self.temperature),
            ("smoothing_px", self.smoothing_px),
            ("noise_fraction", self.noise_fraction),
        ];
        for (name, v) in non_negative {
            if !(v.is_finite() && v >= 0.0) {
                return invalid(format!("{name} = {v}: it must be finite and >= 0"));
            }
        }
        // Spectra (and one copy), the weights and two weight fields being filtered.
        use crate::limits::{bytes_of, check, total};
        let k = self.mechanisms.len();
        let bytes = total(&[
            bytes_of::<f64>(&[2, self.rows, self.cols, self.steps, 2]),
            bytes_of::<f64>(&[3, self.rows, self.cols, k]),
        ]);
        let what = format!(
            "size = {} x {} x {} with {k} mechanisms",
            self.rows, self.cols, self.steps
        );
        Ok(check(&what, bytes)?)
    }

    /// The voltage of each step and its branch s (module docs).
    ///
    /// ```
    /// use ferrolab::beps::MechanismSpec;
    /// let (v, s) = MechanismSpec { steps: 8, ..Default::default() }.waveform();
    /// assert_eq!(v, vec![0.0, 0.5, 1.0, 0.5, 0.0, -0.5, -1.0, -0.5]);
    /// assert_eq!(s, vec![1.0, 1.0, 1.0, -1.0, -1.0, -1.0, -1.0, 1.0]);
    /// ```
    pub fn waveform(&self) -> (Vec<f64>, Vec<f64>) {
        let v = triangle_wave(self.steps, 1.0);
        let s = branch_signs(&v);
        (v, s)
    }
}

/// Generate a mechanism map (module docs).
///
/// Errors: an unusable spec ([`MechanismSpec::check`]).
///
/// ```
/// use ferrolab::beps::{MechanismSpec, mechanism_map};
/// let map = mechanism_map(&MechanismSpec { rows: 8, cols: 8, ..Default::default() })?;
/// assert_eq!(map.spectra().dim(), (64, 96, 2));
/// let sums = map.mixing_pixels().sum_axis(ndarray::Axis(1));
/// assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-12));
/// # Ok::<(), ferrolab::beps::SyntheticError>(())
/// ```
pub fn mechanism_map(spec: &MechanismSpec) -> Result<MechanismMap, SyntheticError> {
    spec.check()?;
    let (rows, cols, k) = (spec.rows, spec.cols, spec.mechanisms.len());
    let mut fields = Xoshiro256::substream(spec.seed, 0);
    let mut mixing = Array3::zeros((rows, cols, k));
    for j in 0..k {
        let white = Array2::from_shape_simple_fn((rows, cols), || fields.normal());
        let mut u = gaussian_filter(white.view(), spec.smoothing_px);
        let n = u.len() as f64;
        let mean = u.sum() / n;
        let std = (u.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        // A one-pixel map has no spread: its field is 0 (equal weights).
        u.mapv_inplace(|v| if std > 0.0 { (v - mean) / std } else { 0.0 });
        mixing.index_axis_mut(Axis(2), j).assign(&u);
    }
    for mut m in mixing.lanes_mut(Axis(2)) {
        // Softmax of temperature * u, shifted by the largest term so exp cannot overflow.
        let top = m.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        m.mapv_inplace(|u| (spec.temperature * (u - top)).exp());
        let sum = m.sum();
        m /= sum;
    }
    let flat = mixing
        .view()
        .into_shape_with_order((rows * cols, k))
        .map_err(|e| SyntheticError::Invalid(e.to_string()))?;
    let mut spectra = mechanism_spectra(flat, spec)?;
    let mut noise_std = [0.0; 2];
    for (c, std) in noise_std.iter_mut().enumerate() {
        let channel = spectra.index_axis(Axis(2), c);
        let lo = channel.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = channel.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        *std = spec.noise_fraction * (hi - lo);
    }
    let mut noise = Xoshiro256::substream(spec.seed, 1);
    for mut pixel in spectra.axis_iter_mut(Axis(0)) {
        for ((_, c), v) in pixel.indexed_iter_mut() {
            *v += noise_std[c] * noise.normal();
        }
    }
    let (voltage, branch) = spec.waveform();
    Ok(MechanismMap {
        voltage,
        branch,
        spectra,
        mixing,
        noise_std,
    })
}

/// Noiseless spectra (pixels x steps x 2) of pixels with the weights `mixing` (pixels x
/// mechanisms, any finite values: rows need not sum to 1) for the mechanisms, voltage and
/// shared parameters of `spec` (its size, smoothing, noise and seed are not used).
///
/// Errors: an unusable spec, `mixing` with another number of columns than mechanisms or
/// non-finite values, a mixture with a width that is not positive.
///
/// ```
/// use ferrolab::beps::{Mechanism, MechanismSpec, mechanism_spectra};
/// let spec = MechanismSpec::default();
/// // A pure M1 pixel at V = 0 on the rising branch: P = tanh(-0.4 / 0.08) = -tanh(5).
/// let p = mechanism_spectra(ndarray::array![[1.0, 0.0, 0.0]].view(), &spec)?;
/// assert!((p[[0, 0, 0]] + 5f64.tanh()).abs() < 1e-15);
/// # Ok::<(), ferrolab::beps::SyntheticError>(())
/// ```
pub fn mechanism_spectra(
    mixing: ArrayView2<f64>,
    spec: &MechanismSpec,
) -> Result<Array3<f64>, SyntheticError> {
    spec.check()?;
    let k = spec.mechanisms.len();
    let invalid = |m: String| Err(SyntheticError::Invalid(m));
    if mixing.ncols() != k {
        return invalid(format!(
            "mixing has {} columns but there are {k} mechanisms",
            mixing.ncols()
        ));
    }
    if let Some(((p, j), v)) = mixing.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return invalid(format!(
            "mixing[{p}, {j}] is {v}: every weight must be finite"
        ));
    }
    use crate::limits::{bytes_of, check};
    check(
        &format!("mixing of {} pixels", mixing.nrows()),
        bytes_of::<f64>(&[mixing.nrows(), spec.steps, 2]),
    )?;
    let (voltage, branch) = spec.waveform();
    let mut spectra = Array3::zeros((mixing.nrows(), spec.steps, 2));
    for (p, (weights, mut out)) in mixing
        .rows()
        .into_iter()
        .zip(spectra.axis_iter_mut(Axis(0)))
        .enumerate()
    {
        let mix = |f: fn(&Mechanism) -> f64| -> f64 {
            weights
                .iter()
                .zip(&spec.mechanisms)
                .map(|(w, m)| w * f(m))
                .sum()
        };
        let amplitude = mix(|m| m.amplitude);
        let vc = [mix(|m| m.coercive[0]), mix(|m| m.coercive[1])];
        let width = mix(|m| m.width);
        let slope = mix(|m| m.slope);
        let r1 = mix(|m| m.resonance_change);
        if width <= 0.0 || !width.is_finite() {
            return invalid(format!(
                "mixing row {p} gives the width {width}: it must be finite and positive"
            ));
        }
        let (vi, r0, wr) = (spec.imprint, spec.resonance_offset, spec.resonance_width);
        for (step, (v, s)) in voltage.iter().zip(&branch).enumerate() {
            let piezo = amplitude / 2.0
                * (((v - s * vc[0] - vi) / width).tanh() + ((v - s * vc[1] - vi) / width).tanh())
                + slope * v;
            let sech2 = |x: f64| 1.0 / x.cosh().powi(2);
            let resonance = r0 + r1 * (sech2((v - s * vc[0]) / wr) + sech2((v - s * vc[1]) / wr));
            out[[step, 0]] = piezo;
            out[[step, 1]] = resonance;
        }
    }
    Ok(spectra)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The paper's formulas, written out for one pure mechanism.
    fn formula(m: &Mechanism, v: f64, s: f64) -> (f64, f64) {
        let p = m.amplitude / 2.0
            * (((v - s * m.coercive[0]) / m.width).tanh()
                + ((v - s * m.coercive[1]) / m.width).tanh())
            + m.slope * v;
        let sech2 = |x: f64| 1.0 / (x.cosh() * x.cosh());
        let r = m.resonance_change
            * (sech2((v - s * m.coercive[0]) / 0.1) + sech2((v - s * m.coercive[1]) / 0.1));
        (p, r)
    }

    /// A pure pixel reproduces its mechanism's loops without noise, on the branch that
    /// arrived at each step; the branch flips right after each turning point.
    #[test]
    fn pure_pixels_follow_their_mechanism() {
        let spec = MechanismSpec::default();
        let (v, s) = spec.waveform();
        assert_eq!((v[24], s[24], s[25]), (1.0, 1.0, -1.0));
        assert_eq!((v[72], s[72], s[73]), (-1.0, -1.0, 1.0));
        assert_eq!((v[0], s[0]), (0.0, 1.0));
        let eye = ndarray::Array2::from_shape_fn((3, 3), |(i, j)| f64::from(i == j));
        let spectra = mechanism_spectra(eye.view(), &spec).unwrap();
        for (j, m) in spec.mechanisms.iter().enumerate() {
            for k in 0..96 {
                let (p, r) = formula(m, v[k], s[k]);
                assert!(
                    (spectra[[j, k, 0]] - p).abs() < 1e-14,
                    "M{} P step {k}",
                    j + 1
                );
                assert!(
                    (spectra[[j, k, 1]] - r).abs() < 1e-14,
                    "M{} R step {k}",
                    j + 1
                );
            }
        }
        // M1 is a square loop: -1 at V = 0 rising (step 0), +1 at V = 0 falling (step 48),
        // saturated at V = 0.75 rising (step 18) and -0.75 falling (step 66).
        let m1 = |k: usize| spectra[[0, k, 0]];
        assert!((m1(0) + 1.0).abs() < 1e-3 && (m1(48) - 1.0).abs() < 1e-3);
        assert!((m1(18) - 1.0).abs() < 1e-3 && (m1(66) + 1.0).abs() < 1e-3);
        // M3's two steps: half switched (P ~ 0) between its coercive voltages 0.2 and 0.6, at
        // V = 10/24 on the rising branch.
        assert!(s[10] > 0.0 && spectra[[2, 10, 0]].abs() < 1e-3);
    }

    /// The weights are positive and sum to 1; a seed gives the same map, another seed another.
    #[test]
    fn weights_and_seeds() {
        let spec = MechanismSpec {
            rows: 20,
            cols: 25,
            ..Default::default()
        };
        let a = mechanism_map(&spec).unwrap();
        for m in a.mixing().lanes(Axis(2)) {
            assert!(m.iter().all(|w| *w > 0.0));
            assert!((m.sum() - 1.0).abs() < 1e-12);
        }
        let b = mechanism_map(&spec).unwrap();
        assert_eq!(a.spectra(), b.spectra());
        assert_eq!(a.mixing(), b.mixing());
        let c = mechanism_map(&MechanismSpec { seed: 1, ..spec }).unwrap();
        assert_ne!(a.mixing(), c.mixing());
        // The noise is 3 % of each channel's range.
        let clean = mechanism_spectra(a.mixing_pixels(), &MechanismSpec::default()).unwrap();
        for c in 0..2 {
            let ch = clean.index_axis(Axis(2), c);
            let range = ch.fold(f64::NEG_INFINITY, |m, v| m.max(*v))
                - ch.fold(f64::INFINITY, |m, v| m.min(*v));
            assert!((a.noise_std()[c] - 0.03 * range).abs() < 1e-12);
            let residual = &a.spectra().index_axis(Axis(2), c) - &ch;
            let std = residual.mapv(|e| e * e).mean().unwrap().sqrt();
            assert!(
                (std / a.noise_std()[c] - 1.0).abs() < 0.05,
                "channel {c}: {std}"
            );
        }
    }

    /// The weight maps are smooth on the 6 px scale (the filter itself is tested in
    /// `crate::filter`).
    #[test]
    fn weight_maps_are_smooth() {
        // Neighbours differ far less than pixels 30 px apart.
        let map = mechanism_map(&MechanismSpec::default()).unwrap();
        let m = map.mixing();
        let mean_step = |lag: usize| {
            let (rows, cols, k) = m.dim();
            let mut sum = 0.0;
            let mut count = 0.0;
            for r in 0..rows {
                for c in 0..cols - lag {
                    for j in 0..k {
                        sum += (m[[r, c + lag, j]] - m[[r, c, j]]).abs();
                        count += 1.0;
                    }
                }
            }
            sum / count
        };
        assert!(
            mean_step(1) < 0.25 * mean_step(30),
            "{} {}",
            mean_step(1),
            mean_step(30)
        );
    }

    #[test]
    fn bad_specs_name_the_field() {
        let e = |spec: MechanismSpec| mechanism_map(&spec).unwrap_err().to_string();
        let mut m = MechanismSpec::default();
        m.mechanisms[1].width = 0.0;
        assert!(e(m).starts_with("mechanisms[1].width = 0"));
        assert!(
            e(MechanismSpec {
                smoothing_px: -1.0,
                ..Default::default()
            })
            .starts_with("smoothing_px")
        );
        assert!(
            e(MechanismSpec {
                rows: 1 << 40,
                ..Default::default()
            })
            .contains("size")
        );
        let bad = mechanism_spectra(
            ndarray::array![[1.0, 0.0]].view(),
            &MechanismSpec::default(),
        );
        assert!(
            bad.unwrap_err()
                .to_string()
                .contains("mixing has 2 columns")
        );
        let negative = mechanism_spectra(
            ndarray::array![[-1.0, 0.0, 0.0]].view(),
            &MechanismSpec::default(),
        );
        assert!(negative.unwrap_err().to_string().contains("width"));
    }
}
