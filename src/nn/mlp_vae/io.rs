//! MLP VAE files, in the project's network file format ([`crate::io::network`], kind
//! `mlp_vae`): the weights under their PyTorch-style names, plus (for a model with a training
//! state) the optimiser moments under `optimizer.m.<name>` / `optimizer.v.<name>`; the
//! metadata holds the architecture, the data scaling, the settings, and the history and
//! random-stream position as the state.

use super::super::error::NnError;
use super::super::scaling::MinMaxScaling;
use super::super::state_file::{Fields, HistoryFields, read_train_state, train_state_json};
use super::super::train::TrainState;
use super::architecture::{Reconstruction, VaeArchitecture};
use super::keys::{Engine, VaeSettings};
use crate::io::network::{self, NamedTensor, NetworkFile};
use serde_json::{Value, json};
use std::path::Path;

/// Model kind in the file.
pub const KIND: &str = "mlp_vae";
/// Layout version written; readers accept exactly this version (2: the checksum covers the
/// metadata too).
pub const VERSION: u32 = 2;

/// The history keeps seconds per epoch; there is no L1 term.
const HISTORY: HistoryFields = HistoryFields {
    l1: false,
    seconds: true,
};

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
            train_state_json(s, HISTORY)
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
        seed: f.u64(s, "seed")?,
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
        st => Some(read_train_state(
            &f,
            st,
            settings.learning_rate,
            read_all("optimizer.m.")?,
            read_all("optimizer.v.")?,
        )?),
    };
    Ok(Loaded {
        arch,
        settings,
        scaling,
        params,
        state,
    })
}
