//! im2spec / spec2im files, in the project's network file format ([`crate::io::network`],
//! kinds `im2spec` and `spec2im`). Tensors: the weights and the norms' running statistics under
//! the PyTorch peer's names, and with a training state Adam's moments under `optimizer.m.` /
//! `optimizer.v.`. Metadata: the architecture, every setting by key, and the training state
//! (its history without wall-clock seconds, so a resumed run writes the same bytes).

use super::super::error::NnError;
use super::super::layout::ParamLayout;
use super::super::state_file::{
    Fields, HistoryFields, read_tensors, read_train_state, settings_json, stored_config,
    train_state_json,
};
use super::super::train::{TrainSettings, TrainState};
use super::architecture::{Direction, EncoderDecoderArchitecture};
use super::keys::{Im2SpecSettings, Spec2ImSettings};
use super::model::{EncoderDecoder, model_name};
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

fn architecture_json(a: &EncoderDecoderArchitecture) -> Value {
    json!({
        "patch": a.patch,
        "spectrum_len": a.spectrum_len,
        "latent": a.latent,
        "filters": a.filters,
    })
}

/// Writes a model's file atomically: the weights `params`, the running statistics `state`
/// and, if given, the training state.
pub(super) fn write(
    path: &Path,
    net: &Network,
    training: &TrainSettings,
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
    let a = &net.arch;
    let settings = match a.direction {
        Direction::ImageToSpectrum => {
            Im2SpecSettings::from_parts(a.latent, a.filters, training).to_values()
        }
        Direction::SpectrumToImage => {
            Spec2ImSettings::from_parts(a.latent, a.filters, training).to_values()
        }
    };
    let file = NetworkFile {
        kind: model_name(a.direction).into(),
        version: VERSION,
        architecture: architecture_json(a),
        settings: settings_json(settings),
        scaling: Value::Null,
        state: json!({ "training": training_json }),
        tensors,
    };
    Ok(network::write(path, &file)?)
}

impl EncoderDecoder {
    /// Writes the model (and, once it has trained, everything a continued run needs) to
    /// `path`, atomically.
    ///
    /// ```
    /// use ferrolab::nn::im2spec::{EncoderDecoder, Spec2ImSettings};
    /// let s = Spec2ImSettings { latent: 2, filters: 4, ..Default::default() };
    /// let model = EncoderDecoder::spec2im(&s, 16, [4, 4])?;
    /// let path = std::env::temp_dir().join(format!("ferrolab-spec2im-doc-{}.safetensors", std::process::id()));
    /// model.save(&path)?;
    /// let again = EncoderDecoder::load(&path)?;
    /// assert_eq!(again.parameter_count(), model.parameter_count());
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), ferrolab::nn::NnError>(())
    /// ```
    pub fn save(&self, path: &Path) -> Result<(), NnError> {
        write(
            path,
            &self.net,
            &self.training,
            &self.params,
            &self.state,
            self.train_state.as_ref(),
        )
    }

    /// Reads a model written by [`EncoderDecoder::save`] (or a checkpoint) of either
    /// direction, checking format, checksum, shapes and values; the settings are checked as if
    /// given as keys.
    pub fn load(path: &Path) -> Result<Self, NnError> {
        let f = Fields { path };
        let file = match network::read(path, "im2spec", VERSION) {
            Ok(file) => file,
            Err(first) => network::read(path, "spec2im", VERSION).map_err(|_| first)?,
        };
        let a = &file.architecture;
        let patch = [index(&f, a, 0)?, index(&f, a, 1)?];
        let spectrum_len = f.usize(a, "spectrum_len")?;
        let present: usize = file.tensors.iter().map(|t| t.2.len()).sum();
        let mut model = if file.kind == "im2spec" {
            let cfg = stored_config(&f, &file.settings, &Im2SpecSettings::keys())?;
            let s = Im2SpecSettings::from_config(&cfg).map_err(|e| f.bad(e))?;
            check_size(&f, s.filters, patch, spectrum_len, present)?;
            Self::im2spec(&s, patch, spectrum_len)
        } else {
            let cfg = stored_config(&f, &file.settings, &Spec2ImSettings::keys())?;
            let s = Spec2ImSettings::from_config(&cfg).map_err(|e| f.bad(e))?;
            check_size(&f, s.filters, patch, spectrum_len, present)?;
            Self::spec2im(&s, spectrum_len, patch)
        }
        .map_err(|e| f.bad(e))?;
        if architecture_json(&model.net.arch) != *a {
            return Err(f.bad("the architecture does not follow from the stored settings"));
        }
        let net = model.net.clone();
        model.params = read_tensors(&file, path, "", &net.params)?;
        model.state = read_tensors(&file, path, "", &net.state)?;
        model.train_state = match file.state.get("training") {
            Some(Value::Null) | None => None,
            Some(t) => Some(read_train_state(
                &f,
                t,
                model.training.learning_rate,
                read_tensors(&file, path, "optimizer.m.", &net.params)?,
                read_tensors(&file, path, "optimizer.v.", &net.params)?,
            )?),
        };
        Ok(model)
    }
}

/// Side `k` of the stored patch.
fn index(f: &Fields, a: &Value, k: usize) -> Result<usize, NnError> {
    a.get("patch")
        .and_then(|p| p.get(k))
        .and_then(Value::as_u64)
        .and_then(|v| usize::try_from(v).ok())
        .ok_or_else(|| f.bad("`patch` missing or not two counts"))
}

/// Refuses, before anything is allocated, an architecture whose dense layers alone need more
/// values than the file holds.
fn check_size(
    f: &Fields,
    filters: usize,
    patch: [usize; 2],
    spectrum_len: usize,
    present: usize,
) -> Result<(), NnError> {
    let area = patch[0].checked_mul(patch[1]);
    let needed = area
        .and_then(|a| a.max(spectrum_len).checked_mul(filters))
        .ok_or_else(|| f.bad("patch and filters overflow"))?;
    if needed > present {
        return Err(f.bad(format!(
            "the architecture needs at least {needed} parameters but the file holds {present} values"
        )));
    }
    Ok(())
}
