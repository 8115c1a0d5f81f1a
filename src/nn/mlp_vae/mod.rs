//! Paper 000's MLP beta-VAE (§4.2): training on P-V loops scaled by one global min-max, and
//! the uses of a trained model (encode, decode, reconstruct, decode a latent grid).

mod architecture;
mod fast;
mod io;
pub mod keys;

pub use architecture::{Reconstruction, VaeArchitecture};
pub use fast::SHARD_ROWS;
pub use keys::{Engine, VaeSettings};

pub(crate) use fast::FastVae;

use super::error::{NnError, invalid};
use super::scaling::MinMaxScaling;
use super::train::{self, EpochRecord, Objective, TrainState};
use crate::progress::Progress;
use crate::rng::Xoshiro256;
use ndarray::{Array2, ArrayView2};

/// A beta-VAE with MLP encoder and decoder, its data scaling and its training state.
pub struct MlpVae {
    arch: VaeArchitecture,
    settings: VaeSettings,
    params: Vec<f32>,
    scaling: Option<MinMaxScaling>,
    state: Option<TrainState>,
    fast: FastVae,
    /// Checkpoint file of training runs.
    checkpoint: Option<std::path::PathBuf>,
}

/// Check that every value of `x` is finite, naming the first bad one.
fn check_finite(x: ArrayView2<f64>, name: &str) -> Result<(), NnError> {
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((i, j), v)) => Err(invalid(format!(
            "{name}[{i}][{j}] is {v}: every value must be finite"
        ))),
        None => Ok(()),
    }
}

fn f32_rows(x: ArrayView2<f64>) -> Vec<f32> {
    x.iter().map(|v| *v as f32).collect()
}

/// The points of a regular grid over `[lo, hi]^dims` with `steps` points per axis, rows in
/// C order (the last latent dimension varies fastest): paper 000's decoded manifold is
/// `decode_grid_points(-2.0, 2.0, 10, 2)`.
///
/// ```
/// let g = ferrolab::nn::decode_grid_points(-2.0, 2.0, 3, 2)?;
/// assert_eq!(g.dim(), (9, 2));
/// assert_eq!(g.row(1).to_vec(), vec![-2.0, 0.0]);
/// # Ok::<(), ferrolab::nn::NnError>(())
/// ```
pub fn decode_grid_points(
    lo: f64,
    hi: f64,
    steps: usize,
    dims: usize,
) -> Result<Array2<f64>, NnError> {
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(invalid(format!(
            "grid bounds lo = {lo}, hi = {hi}: need finite lo < hi"
        )));
    }
    let total = u32::try_from(dims)
        .ok()
        .and_then(|d| steps.checked_pow(d))
        .filter(|t| (1..=10_000_000).contains(t) && steps >= 2);
    let Some(total) = total else {
        return Err(invalid(format!(
            "steps = {steps} per axis over {dims} dimensions: need steps >= 2 and at most 10^7 points"
        )));
    };
    let at = |i: usize| lo + (hi - lo) * i as f64 / (steps - 1) as f64;
    Ok(Array2::from_shape_fn((total, dims), |(r, c)| {
        at((r / steps.pow((dims - 1 - c) as u32)) % steps)
    }))
}

/// The hand-written loss and gradient of `arch` (for custom loops and gradient checks).
pub fn fast_objective(arch: &VaeArchitecture) -> impl Objective + use<> {
    FastVae::new(arch)
}

/// burn's autodiff loss and gradient of `arch` (cargo feature `burn`).
#[cfg(feature = "burn")]
pub fn burn_objective(arch: &VaeArchitecture) -> impl Objective + use<> {
    super::burn_engine::BurnVae::new(arch)
}

impl MlpVae {
    /// A fresh model for rows of `input_dim` values, weights drawn as PyTorch's `nn.Linear`
    /// does (uniform in ±1/sqrt(fan_in), weights and biases) from sub-stream 2 of the seed.
    ///
    /// ```
    /// let vae = ferrolab::nn::MlpVae::new(&Default::default(), 400)?;
    /// assert_eq!(vae.parameters().len(), 400 * 256 + 256 + 2 * (256 * 2 + 2) + 2 * 256 + 256 + 256 * 400 + 400);
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub fn new(settings: &VaeSettings, input_dim: usize) -> Result<Self, NnError> {
        let arch = VaeArchitecture {
            input_dim,
            hidden: settings.hidden.clone(),
            latent_dim: settings.latent_dim,
            reconstruction: settings.reconstruction,
        };
        arch.validate()?;
        settings.validate().map_err(|e| invalid(e.to_string()))?;
        arch.check_memory()?;
        let mut params = vec![0.0f32; arch.layout().total()];
        let mut rng = Xoshiro256::substream(settings.seed, 2);
        for layer in arch.layers().all() {
            let bound = 1.0 / (layer.fan_in as f64).sqrt();
            for range in [layer.w.clone(), layer.b.clone()] {
                for p in &mut params[range] {
                    *p = rng.uniform_in(-bound, bound) as f32;
                }
            }
        }
        Ok(Self {
            fast: FastVae::new(&arch),
            arch,
            settings: settings.clone(),
            params,
            scaling: None,
            state: None,
            checkpoint: None,
        })
    }

    /// The network's shape.
    pub fn architecture(&self) -> &VaeArchitecture {
        &self.arch
    }

    /// The settings the model was made with.
    pub fn settings(&self) -> &VaeSettings {
        &self.settings
    }

    /// The data scaling, once trained.
    pub fn scaling(&self) -> Option<MinMaxScaling> {
        self.scaling
    }

    /// The flat parameter vector (tensor names and shapes: [`VaeArchitecture::layout`]).
    pub fn parameters(&self) -> &[f32] {
        &self.params
    }

    /// One record per finished epoch.
    pub fn history(&self) -> &[EpochRecord] {
        self.state.as_ref().map_or(&[], |s| s.history.as_slice())
    }

    /// Epochs finished so far.
    pub fn epochs_done(&self) -> usize {
        self.state.as_ref().map_or(0, |s| s.epochs_done)
    }

    /// Set the number of epochs to train in total (to train a finished model further).
    pub fn set_epochs(&mut self, epochs: usize) -> Result<(), NnError> {
        if epochs == 0 {
            return Err(invalid("epochs = 0: must be at least 1"));
        }
        self.settings.epochs = epochs;
        Ok(())
    }

    /// Train on the rows of `x` (n x input_dim, any finite values; scaled to [0, 1] by one
    /// global min-max fitted on the first call) until `vae.epochs` epochs are done in total,
    /// returning the whole history. A model that was cancelled, or loaded from a checkpoint,
    /// continues where it stopped (the same data are required); with a checkpoint file set
    /// ([`MlpVae::set_checkpoint`]), an existing checkpoint of the same model and data is
    /// resumed from and a new one written every `vae.checkpoint_every` epochs and on
    /// cancellation. `progress` counts epochs and stops the run before its next batch when
    /// cancelled. Runs on the library's worker pool.
    pub fn train(
        &mut self,
        x: ArrayView2<f64>,
        progress: &Progress,
    ) -> Result<Vec<EpochRecord>, NnError> {
        self.train_with(x, progress, &mut |_| {})
    }

    /// The checkpoint file of later training runs (None: no checkpoints). Refused now, naming
    /// it, when it could not be written then (its folder is missing or read-only, or it is a
    /// link or not a regular file).
    pub fn set_checkpoint(&mut self, path: Option<std::path::PathBuf>) -> Result<(), NnError> {
        if let Some(p) = &path {
            crate::io::atomic::check_writable(p)
                .map_err(|e| NnError::Io(format!("checkpoint {}: {e}", p.display())))?;
        }
        self.checkpoint = path;
        Ok(())
    }

    /// [`MlpVae::train`], calling `on_epoch` after each epoch (for progress reports).
    pub fn train_with(
        &mut self,
        x: ArrayView2<f64>,
        progress: &Progress,
        on_epoch: &mut (dyn FnMut(&EpochRecord) + Send),
    ) -> Result<Vec<EpochRecord>, NnError> {
        self.check_input(x, "x")?;
        if x.nrows() == 0 {
            return Err(invalid("x has no rows"));
        }
        if let Some(path) = self.checkpoint.clone()
            && path.exists()
        {
            self.adopt_checkpoint(&path)?;
        }
        let scaling = match self.scaling {
            Some(s) => s,
            None => MinMaxScaling::fit(x)?,
        };
        let data = scaling.apply(x);
        let crc = train::data_crc(data.view());
        let mut state = TrainState::continuing(
            &mut self.state,
            crc,
            || TrainState::new(self.params.len(), &self.settings.training(), crc),
            "x differs from the data this model was trained on: training continues only on the same data (make a new model for new data)",
        )?;
        self.scaling = Some(scaling);
        let engine = self.objective()?;
        let objective: &dyn Objective = match &engine {
            Some(burn) => burn.as_ref(),
            None => &self.fast,
        };
        let path = self.checkpoint.clone();
        let (arch, settings, scaling) = (&self.arch, &self.settings, self.scaling);
        let write = |p: &[f32], _: &[f32], s: &TrainState| match &path {
            Some(path) => io::save(path, arch, settings, scaling, p, Some(s)),
            None => Ok(()),
        };
        let params = &mut self.params;
        let training = settings.training();
        let job = train::Job {
            objective,
            data: data.view(),
            settings: &training,
            progress,
            checkpointing: path.is_some(),
            epochs_total: training.epochs,
        };
        let result = job.run_on_pool(params, &mut [], &mut state, &write, &mut |r, _, _| {
            on_epoch(r)
        });
        let history = state.history.clone();
        self.state = Some(state);
        result.map(|()| history)
    }

    /// The burn engine when selected (None: the fast path).
    #[cfg(feature = "burn")]
    fn objective(&self) -> Result<Option<Box<dyn Objective>>, NnError> {
        Ok(match self.settings.engine {
            Engine::Burn => Some(Box::new(super::burn_engine::BurnVae::new(&self.arch))),
            Engine::Fast => None,
        })
    }

    #[cfg(not(feature = "burn"))]
    fn objective(&self) -> Result<Option<Box<dyn Objective>>, NnError> {
        match self.settings.engine {
            Engine::Burn => Err(invalid(
                "vae.engine = \"burn\" needs ferrolab built with the `burn` cargo feature; use \"fast\"",
            )),
            Engine::Fast => Ok(None),
        }
    }

    fn check_input(&self, x: ArrayView2<f64>, name: &str) -> Result<(), NnError> {
        if x.ncols() != self.arch.input_dim {
            return Err(invalid(format!(
                "{name} has {} columns but the model takes rows of {}",
                x.ncols(),
                self.arch.input_dim
            )));
        }
        check_finite(x, name)
    }

    fn trained_scaling(&self, what: &'static str) -> Result<MinMaxScaling, NnError> {
        self.scaling.ok_or(NnError::NotTrained(what))
    }

    /// Latent mean and log-variance of each row of `x` (n x input_dim, the data's units):
    /// two n x latent_dim arrays.
    pub fn encode(&self, x: ArrayView2<f64>) -> Result<(Array2<f64>, Array2<f64>), NnError> {
        let scaling = self.trained_scaling("encoding")?;
        self.check_input(x, "x")?;
        let scaled = scaling.apply(x);
        let flat = scaled.as_slice().expect("standard layout");
        let (mu, lv) = crate::parallel::install(|| self.fast.encode(&self.params, flat))
            .map_err(|e| NnError::Invalid(e.to_string()))?;
        let k = self.arch.latent_dim;
        let to = |v: Vec<f32>| {
            Array2::from_shape_vec((x.nrows(), k), v.into_iter().map(f64::from).collect())
                .expect("sized")
        };
        Ok((to(mu), to(lv)))
    }

    /// Decode latent points `z` (n x latent_dim) to rows in the data's units (the inverse of
    /// the min-max scaling applied to the decoder's output).
    pub fn decode(&self, z: ArrayView2<f64>) -> Result<Array2<f64>, NnError> {
        let scaling = self.trained_scaling("decoding")?;
        if z.ncols() != self.arch.latent_dim {
            return Err(invalid(format!(
                "z has {} columns but the latent dimension is {}",
                z.ncols(),
                self.arch.latent_dim
            )));
        }
        check_finite(z, "z")?;
        let out = crate::parallel::install(|| self.fast.decode(&self.params, &f32_rows(z)))
            .map_err(|e| NnError::Invalid(e.to_string()))?;
        Ok(Array2::from_shape_vec(
            (z.nrows(), self.arch.input_dim),
            out.into_iter()
                .map(|v| scaling.invert(f64::from(v)))
                .collect(),
        )
        .expect("sized"))
    }

    /// Decode the latent means of `x`: the model's reconstruction of each row.
    pub fn reconstruct(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, NnError> {
        let (mu, _) = self.encode(x)?;
        self.decode(mu.view())
    }

    /// Decode a regular grid over `[lo, hi]^latent_dim` with `steps` points per axis
    /// ([`decode_grid_points`]): returns the grid points and the decoded rows.
    pub fn decode_grid(
        &self,
        lo: f64,
        hi: f64,
        steps: usize,
    ) -> Result<(Array2<f64>, Array2<f64>), NnError> {
        let z = decode_grid_points(lo, hi, steps, self.arch.latent_dim)?;
        let decoded = self.decode(z.view())?;
        Ok((z, decoded))
    }

    /// Write the model (weights, architecture, scaling, settings, history and the optimiser
    /// and random-stream state, so training can continue) to a safetensors file, atomically.
    pub fn save(&self, path: &std::path::Path) -> Result<(), NnError> {
        io::save(
            path,
            &self.arch,
            &self.settings,
            self.scaling,
            &self.params,
            self.state.as_ref(),
        )
    }

    /// Read a model written by [`MlpVae::save`] (or a checkpoint).
    pub fn load(path: &std::path::Path) -> Result<Self, NnError> {
        let loaded = io::load(path)?;
        loaded.arch.check_memory()?;
        Ok(Self {
            fast: FastVae::new(&loaded.arch),
            arch: loaded.arch,
            settings: loaded.settings,
            params: loaded.params,
            scaling: loaded.scaling,
            state: loaded.state,
            checkpoint: None,
        })
    }

    /// Take the weights and state of a checkpoint of this same model.
    fn adopt_checkpoint(&mut self, path: &std::path::Path) -> Result<(), NnError> {
        let loaded = io::load(path)?;
        let mut theirs = loaded.settings.clone();
        theirs.epochs = self.settings.epochs;
        theirs.checkpoint_every = self.settings.checkpoint_every;
        theirs.engine = self.settings.engine;
        if loaded.arch != self.arch || theirs != self.settings {
            return Err(invalid(format!(
                "{} is a checkpoint of another model (architecture or vae.* settings differ): remove it or give another path",
                path.display()
            )));
        }
        self.params = loaded.params;
        self.scaling = loaded.scaling;
        self.state = loaded.state;
        Ok(())
    }
}
