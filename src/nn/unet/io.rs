//! U-Net files, in the project's network file format ([`crate::io::network`], kind `unet`).
//! Tensors: the weights and the norms' running statistics under AtomAI's names, and with a
//! training state Adam's moments under `optimizer.m.` / `optimizer.v.`. Metadata: the
//! architecture, the training crop's size, every setting by key, and the training state (its
//! history without wall-clock seconds, so a resumed run writes the same bytes).

use super::super::error::NnError;
use super::super::layout::ParamLayout;
use super::super::state_file::{
    Fields, HistoryFields, read_tensors, read_train_state, settings_json, stored_config,
    train_state_json,
};
use super::super::train::TrainState;
use super::architecture::UnetArchitecture;
use super::keys::UnetSettings;
use super::model::Unet;
use super::network::Network;
use crate::io::network::{self, NamedTensor, NetworkFile};
use serde_json::{Value, json};
use std::path::Path;

/// Layout version written; readers accept exactly this version.
pub const VERSION: u32 = 1;

const HISTORY: HistoryFields = HistoryFields {
    l1: false,
    seconds: false,
};

fn architecture_json(a: &UnetArchitecture, crop: Option<[usize; 2]>) -> Value {
    json!({
        "classes": a.classes,
        "filters": a.filters,
        "blocks": a.blocks,
        "crop": crop,
    })
}

/// Writes a model's file atomically.
pub(super) fn write(
    path: &Path,
    net: &Network,
    settings: &UnetSettings,
    crop: Option<[usize; 2]>,
    params: &[f32],
    state: &[f32],
    train_state: Option<&TrainState>,
) -> Result<(), NnError> {
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
    add("", &net.params, params);
    add("", &net.state, state);
    let training_json = match train_state {
        None => Value::Null,
        Some(s) => {
            add("optimizer.m.", &net.params, &s.adam.m);
            add("optimizer.v.", &net.params, &s.adam.v);
            train_state_json(s, HISTORY)
        }
    };
    let file = NetworkFile {
        kind: "unet".into(),
        version: VERSION,
        architecture: architecture_json(&net.arch, crop),
        settings: settings_json(settings.to_values()),
        scaling: Value::Null,
        state: json!({ "training": training_json }),
        tensors,
    };
    Ok(network::write(path, &file)?)
}

impl Unet {
    /// Writes the model (and, once it has trained, everything a continued run needs) to
    /// `path`, atomically.
    ///
    /// ```
    /// use ferrolab::nn::unet::{Unet, UnetSettings};
    /// let model = Unet::new(&UnetSettings { filters: 2, ..Default::default() })?;
    /// let path = std::env::temp_dir().join(format!("ferrolab-unet-doc-{}.safetensors", std::process::id()));
    /// model.save(&path)?;
    /// let again = Unet::load(&path)?;
    /// assert_eq!(again.parameter_count(), model.parameter_count());
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub fn save(&self, path: &Path) -> Result<(), NnError> {
        write(
            path,
            &self.net,
            &self.settings,
            self.crop,
            &self.params,
            &self.state,
            self.train_state.as_ref(),
        )
    }

    /// Reads a model written by [`Unet::save`] (or a checkpoint), checking format, checksum,
    /// shapes and values; the settings are checked as if given as keys.
    pub fn load(path: &Path) -> Result<Self, NnError> {
        let f = Fields { path };
        let file = network::read(path, "unet", VERSION)?;
        let cfg = stored_config(&f, &file.settings, &UnetSettings::keys())?;
        let settings = UnetSettings::from_config(&cfg).map_err(|e| f.bad(e))?;
        // The weights grow with filters^2: refuse sizes the file cannot hold before building.
        let present: usize = file.tensors.iter().map(|t| t.2.len()).sum();
        let needed = settings.filters.saturating_mul(settings.filters);
        if needed > present {
            return Err(f.bad(format!(
                "unet.filters = {} needs more than {needed} parameters but the file holds {present} values",
                settings.filters
            )));
        }
        let mut model = Unet::new(&settings).map_err(|e| f.bad(e))?;
        let a = &file.architecture;
        let crop = match a.get("crop") {
            None | Some(Value::Null) => None,
            Some(c) => {
                let side = |k: usize| {
                    c.get(k)
                        .and_then(Value::as_u64)
                        .and_then(|v| usize::try_from(v).ok())
                        .ok_or_else(|| f.bad("`crop` is not two counts"))
                };
                Some([side(0)?, side(1)?])
            }
        };
        if architecture_json(&model.net.arch, crop) != *a {
            return Err(f.bad("the architecture does not follow from the stored settings"));
        }
        let net = model.net.clone();
        model.crop = crop;
        model.params = read_tensors(&file, path, "", &net.params)?;
        model.state = read_tensors(&file, path, "", &net.state)?;
        model.train_state = match file.state.get("training") {
            Some(Value::Null) | None => None,
            Some(t) => Some(read_train_state(
                &f,
                t,
                model.settings.learning_rate,
                read_tensors(&file, path, "optimizer.m.", &net.params)?,
                read_tensors(&file, path, "optimizer.v.", &net.params)?,
            )?),
        };
        Ok(model)
    }
}
