//! LSTM beta-VAE files, in the project's network file format ([`crate::io::network`], kind
//! `lstm_vae`). Tensors: the weights and the running statistics under their PyTorch-style
//! names; the selected stage's under `selected.`, the running stage's best under `best.`, and
//! with a training state Adam's moments under `optimizer.m.` / `optimizer.v.`. Metadata: the
//! architecture, every `lstm_vae.*` setting by key, the standardisation, and as the state the
//! stage records, the beta step, the selection, the best epoch and the training state (whose
//! history leaves out wall-clock seconds, so that a resumed run writes the same bytes).

use super::super::error::NnError;
use super::super::layout::ParamLayout;
use super::super::state_file::{
    Fields, HistoryFields, read_tensors, read_train_state, settings_json, stored_config,
    train_state_json,
};
use super::architecture::LstmVaeArchitecture;
use super::keys::LstmVaeSettings;
use super::model::{Best, Kept, LstmVae, StageRecord};
use super::network::Network;
use crate::analysis::{ScalerMode, StandardScaler};
use crate::io::network::{self, NamedTensor, NetworkFile};
use ndarray::Array2;
use serde_json::{Value, json};
use std::path::Path;

/// Model kind in the file.
pub const KIND: &str = "lstm_vae";
/// Layout version written; readers accept exactly this version.
pub const VERSION: u32 = 1;

const HISTORY: HistoryFields = HistoryFields {
    l1: true,
    seconds: false,
};

fn architecture_json(a: &LstmVaeArchitecture) -> Value {
    json!({
        "steps": a.steps,
        "channels": a.channels,
        "output_steps": a.output_steps,
        "output_channels": a.output_channels,
        "hidden": a.hidden,
        "blocks": a.blocks,
        "embedding": a.embedding,
        "latent": a.latent,
        "normalisation": a.normalisation,
    })
}

fn scaler_json(s: Option<&StandardScaler>) -> Value {
    let Some(s) = s else { return Value::Null };
    let rows = |a: ndarray::ArrayView2<f64>| -> Vec<Vec<f64>> {
        a.rows().into_iter().map(|r| r.to_vec()).collect()
    };
    json!({
        "mode": match s.mode() {
            ScalerMode::PerStep => "per_step",
            ScalerMode::PerChannel => "per_channel",
        },
        "mean": rows(s.mean()),
        "std": rows(s.std()),
    })
}

fn stage_json(r: &StageRecord) -> Value {
    json!({
        "stage": r.stage,
        "beta": r.beta,
        "lambda": r.lambda,
        "best_epoch": r.best_epoch,
        "best_loss": r.best_loss,
        "channel_kl": r.channel_kl,
        "active": r.active,
    })
}

impl LstmVae {
    /// Writes the model (weights, standardisation, stages, selected weights and, for a model
    /// that has trained, everything a continued run needs) to `path`, atomically.
    ///
    /// ```
    /// use ferrolab::nn::lstm_vae::{LstmVae, LstmVaeSettings};
    /// let mut s = LstmVaeSettings::default();
    /// (s.hidden, s.blocks, s.latent, s.embedding, s.target_active) = (4, 1, 2, 4, 1);
    /// let vae = LstmVae::new(&s, 6)?;
    /// let path = std::env::temp_dir().join("ferrolab-lstm-vae-doc.safetensors");
    /// vae.save(&path)?;
    /// let again = LstmVae::load(&path)?;
    /// assert_eq!(again.parameter_count(), vae.parameter_count());
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub fn save(&self, path: &Path) -> Result<(), NnError> {
        let mut tensors: Vec<NamedTensor> = Vec::new();
        let mut add = |prefix: &str, layout: &ParamLayout, values: &[f32]| {
            for t in layout.tensors() {
                tensors.push((
                    format!("{prefix}{}", t.name),
                    t.shape.clone(),
                    values[t.range()].to_vec(),
                ));
            }
        };
        let net = &self.net;
        let mut add_kept = |prefix: &str, k: &Kept| {
            add(prefix, &net.params, &k.params);
            add(prefix, &net.state, &k.state);
        };
        add_kept(
            "",
            &Kept {
                params: self.params.clone(),
                state: self.state.clone(),
            },
        );
        if let Some((_, k)) = &self.selected {
            add_kept("selected.", k);
        }
        if let Some(b) = &self.best {
            add_kept("best.", &b.weights);
        }
        let training = match &self.train_state {
            None => Value::Null,
            Some(s) => {
                add("optimizer.m.", &net.params, &s.adam.m);
                add("optimizer.v.", &net.params, &s.adam.v);
                train_state_json(s, HISTORY)
            }
        };
        let file = NetworkFile {
            kind: KIND.into(),
            version: VERSION,
            architecture: architecture_json(&net.arch),
            settings: settings_json(self.settings.to_values()),
            scaling: scaler_json(self.scaler.as_ref()),
            state: json!({
                "stages": self.stages.iter().map(stage_json).collect::<Vec<_>>(),
                "selected_stage": self.selected.as_ref().map(|s| s.0),
                "beta_step": self.beta_step,
                "best": self.best.as_ref().map(|b| json!({"loss": b.loss, "epoch": b.epoch})),
                "training": training,
            }),
            tensors,
        };
        Ok(network::write(path, &file)?)
    }

    /// Reads a model written by [`LstmVae::save`] (or a checkpoint), checking format,
    /// checksum, shapes and values; the settings are checked as if given as keys.
    pub fn load(path: &Path) -> Result<Self, NnError> {
        let file = network::read(path, KIND, VERSION)?;
        let f = Fields { path };
        let settings = read_settings(&f, &file.settings)?;
        let a = &file.architecture;
        let mut model = Self::new_within_file(&f, &settings, f.usize(a, "steps")?, &file)?;
        if architecture_json(&model.net.arch) != *a {
            return Err(f.bad("the architecture does not follow from the stored settings"));
        }
        let net = model.net.clone();
        let read_kept = |prefix: &str| -> Result<Kept, NnError> {
            Ok(Kept {
                params: read_tensors(&file, path, prefix, &net.params)?,
                state: read_tensors(&file, path, prefix, &net.state)?,
            })
        };
        let current = read_kept("")?;
        (model.params, model.state) = (current.params, current.state);
        model.scaler = read_scaler(&f, &file.scaling, &net.arch)?;
        let st = &file.state;
        model.stages = st
            .get("stages")
            .and_then(Value::as_array)
            .ok_or_else(|| f.bad("`stages` missing"))?
            .iter()
            .map(|r| read_stage(&f, r, net.arch.latent))
            .collect::<Result<_, _>>()?;
        model.selected = match st.get("selected_stage") {
            Some(Value::Null) | None => None,
            Some(_) => Some((f.usize(st, "selected_stage")?, read_kept("selected.")?)),
        };
        model.beta_step = match st.get("beta_step") {
            Some(Value::Null) | None => None,
            Some(_) => Some(f.f64(st, "beta_step")?),
        };
        model.best = match st.get("best") {
            Some(Value::Null) | None => None,
            Some(b) => Some(Best {
                loss: f.f64(b, "loss")?,
                epoch: f.usize(b, "epoch")?,
                weights: read_kept("best.")?,
            }),
        };
        model.train_state = match st.get("training") {
            Some(Value::Null) | None => None,
            Some(t) => {
                let mut s = read_train_state(
                    &f,
                    t,
                    settings.learning_rate,
                    read_tensors(&file, path, "optimizer.m.", &net.params)?,
                    read_tensors(&file, path, "optimizer.v.", &net.params)?,
                )?;
                s.adam.eps = settings.adam_eps;
                Some(s)
            }
        };
        Ok(model)
    }

    /// A model of `settings` for rows of `row_len`, refused before anything is allocated when
    /// its parameters outnumber the values the file holds.
    fn new_within_file(
        f: &Fields,
        settings: &LstmVaeSettings,
        row_len: usize,
        file: &NetworkFile,
    ) -> Result<Self, NnError> {
        let present: usize = file.tensors.iter().map(|t| t.2.len()).sum();
        let probe = super::model::architecture(settings, row_len).map_err(|e| f.bad(e))?;
        let needed = Network::new(&probe).params.total();
        if needed > present {
            return Err(f.bad(format!(
                "the architecture needs {needed} parameters but the file holds {present} values"
            )));
        }
        Self::new(settings, row_len).map_err(|e| f.bad(e))
    }
}

/// The `lstm_vae.*` settings stored by key, read through the configuration's checks.
fn read_settings(f: &Fields, v: &Value) -> Result<LstmVaeSettings, NnError> {
    let cfg = stored_config(f, v, &LstmVaeSettings::keys())?;
    LstmVaeSettings::from_config(&cfg).map_err(|e| f.bad(e))
}

fn read_scaler(
    f: &Fields,
    v: &Value,
    arch: &LstmVaeArchitecture,
) -> Result<Option<StandardScaler>, NnError> {
    if v.is_null() {
        return Ok(None);
    }
    let mode = match f.word(v, "mode")? {
        "per_step" => ScalerMode::PerStep,
        "per_channel" => ScalerMode::PerChannel,
        other => return Err(f.bad(format!("scaling mode `{other}`"))),
    };
    let matrix = |key: &str| -> Result<Array2<f64>, NnError> {
        let rows: Vec<Vec<f64>> = serde_json::from_value(v.get(key).cloned().unwrap_or_default())
            .map_err(|e| f.bad(format!("scaling `{key}`: {e}")))?;
        let cols = rows.first().map_or(0, Vec::len);
        if rows.iter().any(|r| r.len() != cols) {
            return Err(f.bad(format!("scaling `{key}` rows differ in length")));
        }
        Array2::from_shape_vec((rows.len(), cols), rows.concat())
            .map_err(|e| f.bad(format!("scaling `{key}`: {e}")))
    };
    if matrix("mean")?.ncols() != arch.output_channels {
        return Err(f.bad("scaling channels differ from the architecture's"));
    }
    StandardScaler::from_parts(mode, arch.output_steps, matrix("mean")?, matrix("std")?)
        .map(Some)
        .map_err(|e| f.bad(e))
}

fn read_stage(f: &Fields, r: &Value, latent: usize) -> Result<StageRecord, NnError> {
    let channel_kl: Vec<f64> =
        serde_json::from_value(r.get("channel_kl").cloned().unwrap_or_default())
            .map_err(|e| f.bad(format!("stage `channel_kl`: {e}")))?;
    if channel_kl.len() != latent {
        return Err(f.bad("stage `channel_kl` length differs from the latent channels"));
    }
    Ok(StageRecord {
        stage: f.usize(r, "stage")?,
        beta: f.f64(r, "beta")?,
        lambda: f.f64(r, "lambda")?,
        best_epoch: f.usize(r, "best_epoch")?,
        best_loss: f.f64(r, "best_loss")?,
        channel_kl,
        active: f.usize(r, "active")?,
    })
}
