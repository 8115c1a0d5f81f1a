//! rVAE files, in the project's network file format ([`crate::io::network`], kind `rvae`).
//! Tensors: the weights under the PyTorch reference's names and, with a training state, Adam's
//! moments under `optimizer.m.` / `optimizer.v.`. Metadata: the architecture, every setting by
//! key, and the training state (its history without wall-clock seconds, so a resumed run writes
//! the same bytes).

use super::super::error::NnError;
use super::super::state_file::{
    Fields, HistoryFields, read_tensors, read_train_state, settings_json, stored_config,
    train_state_json,
};
use super::super::train::TrainState;
use super::architecture::RvaeArchitecture;
use super::keys::RvaeSettings;
use super::model::Rvae;
use super::network::Network;
use crate::io::network::{self, NamedTensor, NetworkFile};
use serde_json::{Value, json};
use std::path::Path;

/// The file kind.
const KIND: &str = "rvae";

/// Layout version written; readers accept exactly this version.
pub const VERSION: u32 = 1;

const HISTORY: HistoryFields = HistoryFields {
    l1: false,
    seconds: false,
};

fn architecture_json(a: &RvaeArchitecture) -> Value {
    json!({
        "image": a.image,
        "content": a.content,
        "hidden": a.hidden,
        "filters": a.filters,
        "translation": a.translation,
        "translation_scale": a.translation_scale,
        "rotation_prior_sd": a.rotation_prior_sd,
        "latents": a.latents(),
    })
}

/// Writes a model's file atomically: the weights `params` and, if given, the training state.
pub(super) fn write(
    path: &Path,
    net: &Network,
    settings: &RvaeSettings,
    params: &[f32],
    train_state: Option<&TrainState>,
) -> Result<(), NnError> {
    let mut tensors: Vec<NamedTensor> = Vec::new();
    let mut add = |prefix: &str, values: &[f32]| {
        for t in net.params.tensors() {
            tensors.push((
                format!("{prefix}{}", t.name),
                t.shape.clone(),
                values[t.range()].to_vec(),
            ));
        }
    };
    add("", params);
    let training = match train_state {
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
        architecture: architecture_json(&net.arch),
        settings: settings_json(settings.to_values()),
        scaling: Value::Null,
        state: json!({ "training": training }),
        tensors,
    };
    Ok(network::write(path, &file)?)
}

impl Rvae {
    /// Writes the model (and, once it has trained, everything a continued run needs) to
    /// `path`, atomically.
    ///
    /// ```
    /// use ferrolab::nn::rvae::{Rvae, RvaeSettings};
    /// let s = RvaeSettings { filters: 2, hidden: 4, ..Default::default() };
    /// let model = Rvae::new(&s, [8, 8])?;
    /// let path = std::env::temp_dir().join(format!("ferrolab-rvae-doc-{}.safetensors", std::process::id()));
    /// model.save(&path)?;
    /// let again = Rvae::load(&path)?;
    /// assert_eq!(again.parameter_count(), model.parameter_count());
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub fn save(&self, path: &Path) -> Result<(), NnError> {
        write(
            path,
            &self.net,
            &self.settings,
            &self.params,
            self.train_state.as_ref(),
        )
    }

    /// Reads a model written by [`Rvae::save`] (or a checkpoint), checking format, checksum,
    /// shapes and values; the settings are checked as if given as keys.
    pub fn load(path: &Path) -> Result<Self, NnError> {
        let file = network::read(path, KIND, VERSION)?;
        let f = Fields { path };
        let cfg = stored_config(&f, &file.settings, &RvaeSettings::keys())?;
        let settings = RvaeSettings::from_config(&cfg).map_err(|e| f.bad(e))?;
        let a = &file.architecture;
        let image = [side(&f, a, 0)?, side(&f, a, 1)?];
        // The layout alone (no values) tells how many parameters the model needs: refuse,
        // before allocating them, a file that holds fewer values.
        let arch = RvaeArchitecture::new(
            image,
            settings.content_latents,
            settings.hidden,
            settings.filters,
            settings.translation,
            settings.translation_scale,
            settings.rotation_prior_sd,
        )
        .map_err(|e| f.bad(e))?;
        super::model::check_budget(&arch).map_err(|e| f.bad(e))?;
        let present: usize = file.tensors.iter().map(|t| t.2.len()).sum();
        let needed = Network::new(&arch).map_err(|e| f.bad(e))?.params.total();
        if needed > present {
            return Err(f.bad(format!(
                "the architecture needs {needed} parameters but the file holds {present} values"
            )));
        }
        let mut model = Self::new(&settings, image).map_err(|e| f.bad(e))?;
        if architecture_json(&model.net.arch) != *a {
            return Err(f.bad("the architecture does not follow from the stored settings"));
        }
        let net = model.net.clone();
        model.params = read_tensors(&file, path, "", &net.params)?;
        model.train_state = match file.state.get("training") {
            Some(Value::Null) | None => None,
            Some(t) => Some(read_train_state(
                &f,
                t,
                settings.learning_rate,
                read_tensors(&file, path, "optimizer.m.", &net.params)?,
                read_tensors(&file, path, "optimizer.v.", &net.params)?,
            )?),
        };
        Ok(model)
    }
}

/// Side `k` of the stored image.
fn side(f: &Fields, a: &Value, k: usize) -> Result<usize, NnError> {
    a.get("image")
        .and_then(|p| p.get(k))
        .and_then(Value::as_u64)
        .and_then(|v| usize::try_from(v).ok())
        .ok_or_else(|| f.bad("`image` missing or not two counts"))
}
