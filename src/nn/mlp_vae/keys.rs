//! The `vae.*` configuration keys and the settings read from them.

use super::super::error::NnError;
use super::super::schedule::BetaSchedule;
use super::super::train::TrainSettings;
use super::architecture::Reconstruction;
use crate::config::{Config, DefaultValue, KeySpec, Valid};
use std::ops::Bound::{Excluded, Included};

/// The configuration keys of the MLP beta-VAE. Defaults are paper 000 §4.2.
pub const KEYS: &[KeySpec] = &[
    KeySpec {
        name: "vae.latent_dim",
        unit: "",
        valid: Valid::Int(Included(1), Included(4096)),
        default: DefaultValue::I64(2),
        doc: "Latent dimension. Paper 000: 2.",
    },
    KeySpec {
        name: "vae.hidden",
        unit: "",
        valid: Valid::Int(Included(1), Included(65_536)),
        default: DefaultValue::I64Array(&[256]),
        doc: "Hidden widths of the encoder, input side first (ReLU); the decoder mirrors them. Paper 000: [256].",
    },
    KeySpec {
        name: "vae.beta",
        unit: "",
        valid: Valid::Real(Included(0.0), Included(1e6)),
        default: DefaultValue::F64(0.1),
        doc: "Weight of the KL term (beta of the beta-VAE). Paper 000: 0.1.",
    },
    KeySpec {
        name: "vae.beta_warmup_epochs",
        unit: "epochs",
        valid: Valid::Int(Included(0), Included(1_000_000)),
        default: DefaultValue::I64(0),
        doc: "Raise beta linearly from 0 over this many epochs (KL annealing); 0 keeps it constant (paper 000).",
    },
    KeySpec {
        name: "vae.epochs",
        unit: "epochs",
        valid: Valid::Int(Included(1), Included(1_000_000)),
        default: DefaultValue::I64(200),
        doc: "Passes over the training rows. Paper 000: 200.",
    },
    KeySpec {
        name: "vae.batch_size",
        unit: "rows",
        valid: Valid::Int(Included(1), Included(1 << 20)),
        default: DefaultValue::I64(128),
        doc: "Rows per Adam step. Paper 000: 128.",
    },
    KeySpec {
        name: "vae.learning_rate",
        unit: "",
        valid: Valid::Real(Excluded(0.0), Included(10.0)),
        default: DefaultValue::F64(1e-3),
        doc: "Adam's learning rate (betas 0.9, 0.999, eps 1e-8 as PyTorch). Paper 000: 1e-3.",
    },
    KeySpec {
        name: "vae.seed",
        unit: "",
        valid: Valid::Int(Included(0), Included(i64::MAX)),
        default: DefaultValue::I64(0),
        doc: "Seed of the weights, shuffling, noise and validation split; the same seed gives the same weights on the same machine, whatever the thread count.",
    },
    KeySpec {
        name: "vae.reconstruction",
        unit: "",
        valid: Valid::OneOf(&["bce", "mse"]),
        default: DefaultValue::Str("bce"),
        doc: "Reconstruction loss on the [0, 1]-scaled data: \"bce\" (binary cross-entropy with logits, paper 000) or \"mse\" (summed squared error).",
    },
    KeySpec {
        name: "vae.validation_fraction",
        unit: "",
        valid: Valid::Real(Included(0.0), Excluded(1.0)),
        default: DefaultValue::F64(0.0),
        doc: "Fraction of rows held out (seeded choice) and evaluated after every epoch; 0: train on all rows (paper 000).",
    },
    KeySpec {
        name: "vae.checkpoint_every",
        unit: "epochs",
        valid: Valid::Int(Included(0), Included(1_000_000)),
        default: DefaultValue::I64(10),
        doc: "Write the checkpoint file (when one is given) every this many epochs and at the end; 0: never.",
    },
    KeySpec {
        name: "vae.engine",
        unit: "",
        valid: Valid::OneOf(&["fast", "burn"]),
        default: DefaultValue::Str("fast"),
        doc: "Gradient engine: \"fast\" (hand-written fused path) or \"burn\" (burn's autodiff; needs ferrolab built with the `burn` feature). Both give the same gradients to f32 round-off.",
    },
];

/// Which engine computes the gradients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The hand-written fused path (default).
    Fast,
    /// burn's autodiff (cargo feature `burn`).
    Burn,
}

/// Everything the `vae.*` keys set: the architecture (besides the input length, which the data
/// fix), the training settings and the engine.
#[derive(Clone, Debug, PartialEq)]
pub struct VaeSettings {
    /// Hidden widths.
    pub hidden: Vec<usize>,
    /// Latent dimension.
    pub latent_dim: usize,
    /// Reconstruction loss.
    pub reconstruction: Reconstruction,
    /// Optimisation settings.
    pub training: TrainSettings,
    /// Gradient engine.
    pub engine: Engine,
}

impl Default for VaeSettings {
    fn default() -> Self {
        Self::from_config(&Config::new()).expect("the registry's defaults are valid")
    }
}

fn to_usize(key: &str, v: i64) -> Result<usize, NnError> {
    usize::try_from(v).map_err(|_| NnError::Invalid(format!("{key} = {v} is out of range")))
}

impl VaeSettings {
    /// Read the `vae.*` keys.
    ///
    /// ```
    /// let s = ferrolab::nn::VaeSettings::from_config(&ferrolab::config::Config::new())?;
    /// assert_eq!((s.hidden.clone(), s.latent_dim, s.training.epochs), (vec![256], 2, 200));
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub fn from_config(cfg: &Config) -> Result<Self, NnError> {
        let int = |key: &str| -> Result<usize, NnError> { to_usize(key, cfg.i64(key)?) };
        let hidden = cfg
            .i64_array("vae.hidden")?
            .into_iter()
            .map(|h| to_usize("vae.hidden", h))
            .collect::<Result<Vec<_>, _>>()?;
        let reconstruction = Reconstruction::from_word(&cfg.str("vae.reconstruction")?)
            .expect("the registry admits only known words");
        let engine = match cfg.str("vae.engine")?.as_str() {
            "burn" => Engine::Burn,
            _ => Engine::Fast,
        };
        Ok(Self {
            hidden,
            latent_dim: int("vae.latent_dim")?,
            reconstruction,
            training: TrainSettings {
                epochs: int("vae.epochs")?,
                batch_size: int("vae.batch_size")?,
                learning_rate: cfg.f64("vae.learning_rate")?,
                beta: BetaSchedule {
                    beta: cfg.f64("vae.beta")?,
                    warmup_epochs: int("vae.beta_warmup_epochs")?,
                },
                seed: cfg.i64("vae.seed")? as u64,
                validation_fraction: cfg.f64("vae.validation_fraction")?,
                checkpoint_every: int("vae.checkpoint_every")?,
            },
            engine,
        })
    }
}
