//! MLP VAE files, in the project's network file format ([`crate::io::network`], kind
//! `mlp_vae`): the weights under their PyTorch-style names, plus (for a model with a training
//! state) the optimiser moments under `optimizer.m.<name>` / `optimizer.v.<name>`; the
//! metadata holds the architecture, the data scaling, the settings, and the history and
//! random-stream position as the state.

use super::super::adam::Adam;
use super::super::error::NnError;
use super::super::scaling::MinMaxScaling;
use super::super::train::{EpochRecord, LossParts, TrainState};
use super::architecture::{Reconstruction, VaeArchitecture};
use super::keys::{Engine, VaeSettings};
use crate::io::network::{self, NamedTensor, NetworkFile};
use crate::rng::Xoshiro256;
use serde_json::{Value, json};
use std::path::Path;

/// Model kind in the file.
pub const KIND: &str = "mlp_vae";
/// Layout version written; readers accept exactly this version (2: the checksum covers the
/// metadata too).
pub const VERSION: u32 = 2;

fn parts_json(p: &LossParts) -> Value {
    json!([p.total, p.reconstruction, p.kl])
}

fn history_json(h: &[EpochRecord]) -> Value {
    Value::Array(
        h.iter()
            .map(|r| {
                json!({
                    "epoch": r.epoch,
                    "beta": r.beta,
                    "train": parts_json(&r.train),
                    "validation": r.validation.as_ref().map(parts_json),
                    "seconds": r.seconds,
                })
            })
            .collect(),
    )
}

fn settings_json(s: &VaeSettings) -> Value {
    json!({
        "epochs": s.epochs,
        "batch_size": s.batch_size,
        "learning_rate": s.learning_rate,
        "beta": s.beta,
        "beta_warmup_epochs": s.beta_warmup_epochs,
        "seed": s.seed,
        "validation_fraction": s.validation_fraction,
        "checkpoint_every": s.checkpoint_every,
        "engine": s.engine.as_str(),
    })
}

/// Write a model (and its training state, when given) to `path`, atomically.
pub(super) fn save(
    path: &Path,
    arch: &VaeArchitecture,
    settings: &VaeSettings,
    scaling: Option<MinMaxScaling>,
    params: &[f32],
    state: Option<&TrainState>,
) -> Result<(), NnError> {
    let layout = arch.layout();
    let mut tensors: Vec<NamedTensor> = Vec::new();
    let mut add = |prefix: &str, values: &[f32]| {
        for t in layout.tensors() {
            tensors.push((
                format!("{prefix}{}", t.name),
                t.shape.clone(),
                values[t.range()].to_vec(),
            ));
        }
    };
    add("", params);
    let state = match state {
        None => Value::Null,
        Some(s) => {
            add("optimizer.m.", &s.adam.m);
            add("optimizer.v.", &s.adam.v);
            let rng: Vec<String> = s.rng.state().iter().map(u64::to_string).collect();
            json!({
                "epochs_done": s.epochs_done,
                "adam_step": s.adam.step,
                "rng": rng,
                "data_crc": s.data_crc,
                "history": history_json(&s.history),
            })
        }
    };
    let file = NetworkFile {
        kind: KIND.into(),
        version: VERSION,
        architecture: json!({
            "input_dim": arch.input_dim,
            "hidden": arch.hidden,
            "latent_dim": arch.latent_dim,
            "reconstruction": arch.reconstruction.as_str(),
        }),
        settings: settings_json(settings),
        scaling: scaling.map_or(Value::Null, |s| json!({"min": s.min, "max": s.max})),
        state,
        tensors,
    };
    Ok(network::write(path, &file)?)
}

/// What a file holds.
pub(super) struct Loaded {
    pub arch: VaeArchitecture,
    pub settings: VaeSettings,
    pub scaling: Option<MinMaxScaling>,
    pub params: Vec<f32>,
    pub state: Option<TrainState>,
}

struct Fields<'a> {
    path: &'a Path,
}

impl Fields<'_> {
    fn bad(&self, what: impl std::fmt::Display) -> NnError {
        NnError::Corrupt(format!("{}: {what}", self.path.display()))
    }

    fn usize(&self, v: &Value, key: &str) -> Result<usize, NnError> {
        v.get(key)
            .and_then(Value::as_u64)
            .and_then(|x| usize::try_from(x).ok())
            .ok_or_else(|| self.bad(format!("`{key}` missing or not a count")))
    }

    fn f64(&self, v: &Value, key: &str) -> Result<f64, NnError> {
        v.get(key)
            .and_then(Value::as_f64)
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.bad(format!("`{key}` missing or not a finite number")))
    }

    fn word<'v>(&self, v: &'v Value, key: &str) -> Result<&'v str, NnError> {
        v.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| self.bad(format!("`{key}` missing or not text")))
    }

    fn parts(&self, v: &Value) -> Result<LossParts, NnError> {
        let a: [f64; 3] = serde_json::from_value(v.clone())
            .map_err(|e| self.bad(format!("history entry: {e}")))?;
        Ok(LossParts {
            total: a[0],
            reconstruction: a[1],
            kl: a[2],
            l1: 0.0,
        })
    }
}

/// Read a file written by [`save`], checking format, checksum, shapes and values.
pub(super) fn load(path: &Path) -> Result<Loaded, NnError> {
    let file = network::read(path, KIND, VERSION)?;
    let f = Fields { path };
    let a = &file.architecture;
    let hidden: Vec<usize> = serde_json::from_value(a.get("hidden").cloned().unwrap_or_default())
        .map_err(|e| f.bad(format!("`hidden`: {e}")))?;
    let arch = VaeArchitecture {
        input_dim: f.usize(a, "input_dim")?,
        hidden,
        latent_dim: f.usize(a, "latent_dim")?,
        reconstruction: f
            .word(a, "reconstruction")?
            .parse::<Reconstruction>()
            .map_err(|e| f.bad(format!("`reconstruction`: {e}")))?,
    };
    arch.validate().map_err(|e| f.bad(e))?;
    let s = &file.settings;
    let settings = VaeSettings {
        hidden: arch.hidden.clone(),
        latent_dim: arch.latent_dim,
        reconstruction: arch.reconstruction,
        epochs: f.usize(s, "epochs")?,
        batch_size: f.usize(s, "batch_size")?,
        learning_rate: f.f64(s, "learning_rate")?,
        beta: f.f64(s, "beta")?,
        beta_warmup_epochs: f.usize(s, "beta_warmup_epochs")?,
        seed: s
            .get("seed")
            .and_then(Value::as_u64)
            .ok_or_else(|| f.bad("`seed` missing"))?,
        validation_fraction: f.f64(s, "validation_fraction")?,
        checkpoint_every: f.usize(s, "checkpoint_every")?,
        engine: f
            .word(s, "engine")?
            .parse::<Engine>()
            .map_err(|e| f.bad(format!("`engine`: {e}")))?,
    };
    // Settings outside their keys' ranges (a batch of 0 rows, say) can only come from a
    // damaged or hand-made file: refuse them before they reach training.
    settings
        .validate()
        .map_err(|e| f.bad(format!("settings: {e}")))?;
    let sc = &file.scaling;
    let scaling = if sc.is_null() {
        None
    } else {
        let (min, max) = (f.f64(sc, "min")?, f.f64(sc, "max")?);
        if max <= min {
            return Err(f.bad(format!("scaling min {min} >= max {max}")));
        }
        Some(MinMaxScaling { min, max })
    };
    let layout = arch.layout();
    // The architecture sizes the buffers below: it must not ask for more values than the
    // file holds (checked before anything is allocated from it).
    let present: usize = file.tensors.iter().map(|t| t.2.len()).sum();
    if layout.total() > present {
        return Err(f.bad(format!(
            "the architecture needs {} parameters but the file holds {present} values",
            layout.total()
        )));
    }
    let read_all = |prefix: &str| -> Result<Vec<f32>, NnError> {
        let mut flat = Vec::with_capacity(layout.total());
        for t in layout.tensors() {
            flat.extend_from_slice(file.tensor(path, &format!("{prefix}{}", t.name), &t.shape)?);
        }
        Ok(flat)
    };
    let params = read_all("")?;
    let state = match &file.state {
        Value::Null => None,
        st => {
            let words: Vec<String> =
                serde_json::from_value(st.get("rng").cloned().unwrap_or_default())
                    .map_err(|e| f.bad(format!("`rng`: {e}")))?;
            let mut rng = [0u64; 4];
            if words.len() != 4 {
                return Err(f.bad("`rng` must hold four words"));
            }
            for (r, w) in rng.iter_mut().zip(&words) {
                *r = w.parse().map_err(|_| f.bad("`rng` word is not a u64"))?;
            }
            let mut history = Vec::new();
            for h in st
                .get("history")
                .and_then(Value::as_array)
                .ok_or_else(|| f.bad("`history` missing"))?
            {
                history.push(EpochRecord {
                    epoch: f.usize(h, "epoch")?,
                    beta: f.f64(h, "beta")?,
                    // No L1 term in this model.
                    lambda: 0.0,
                    train: f.parts(h.get("train").unwrap_or(&Value::Null))?,
                    validation: match h.get("validation") {
                        Some(v) if !v.is_null() => Some(f.parts(v)?),
                        _ => None,
                    },
                    seconds: f.f64(h, "seconds")?,
                });
            }
            let mut adam = Adam::new(layout.total(), settings.learning_rate);
            adam.m = read_all("optimizer.m.")?;
            adam.v = read_all("optimizer.v.")?;
            adam.step = st
                .get("adam_step")
                .and_then(Value::as_u64)
                .ok_or_else(|| f.bad("`adam_step` missing"))?;
            let epochs_done = f.usize(st, "epochs_done")?;
            if history.len() != epochs_done {
                return Err(f.bad("history length differs from epochs_done"));
            }
            Some(TrainState {
                adam,
                rng: Xoshiro256::from_state(rng).ok_or_else(|| f.bad("`rng` is all zero"))?,
                epochs_done,
                history,
                data_crc: st
                    .get("data_crc")
                    .and_then(Value::as_u64)
                    .and_then(|c| u32::try_from(c).ok())
                    .ok_or_else(|| f.bad("`data_crc` missing"))?,
            })
        }
    };
    Ok(Loaded {
        arch,
        settings,
        scaling,
        params,
        state,
    })
}
