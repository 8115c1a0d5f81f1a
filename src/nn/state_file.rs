//! What every model's network file shares beyond its tensors: reading JSON fields with errors
//! that name the file, and the training state (history, random-stream position, optimiser
//! step, data checksum) as JSON. The optimiser moments are tensors, written by each model
//! under `optimizer.m.<name>` / `optimizer.v.<name>`.

use super::adam::Adam;
use super::error::NnError;
use super::layout::ParamLayout;
use super::train::{EpochRecord, LossParts, TrainState};
use crate::config::{Config, KeySpec, Value as ConfigValue};
use crate::io::network::NetworkFile;
use crate::rng::Xoshiro256;
use serde_json::{Map, Value, json};
use std::path::Path;

/// Which optional history fields a model's files carry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HistoryFields {
    /// Lambda and the L1 term (models with an activity penalty).
    pub l1: bool,
    /// Seconds per epoch. Files that must come out byte-identical after a resume leave them
    /// out: wall-clock time is not a property of the model.
    pub seconds: bool,
}

/// Reads JSON fields, naming the file in every error.
pub(crate) struct Fields<'a> {
    pub path: &'a Path,
}

impl Fields<'_> {
    pub fn bad(&self, what: impl std::fmt::Display) -> NnError {
        NnError::Corrupt(format!("{}: {what}", self.path.display()))
    }

    pub fn usize(&self, v: &Value, key: &str) -> Result<usize, NnError> {
        v.get(key)
            .and_then(Value::as_u64)
            .and_then(|x| usize::try_from(x).ok())
            .ok_or_else(|| self.bad(format!("`{key}` missing or not a count")))
    }

    pub fn u64(&self, v: &Value, key: &str) -> Result<u64, NnError> {
        v.get(key)
            .and_then(Value::as_u64)
            .ok_or_else(|| self.bad(format!("`{key}` missing or not a count")))
    }

    pub fn f64(&self, v: &Value, key: &str) -> Result<f64, NnError> {
        v.get(key)
            .and_then(Value::as_f64)
            .filter(|x| x.is_finite())
            .ok_or_else(|| self.bad(format!("`{key}` missing or not a finite number")))
    }

    pub fn word<'v>(&self, v: &'v Value, key: &str) -> Result<&'v str, NnError> {
        v.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| self.bad(format!("`{key}` missing or not text")))
    }

    /// `[total, reconstruction, kl]` or `[total, reconstruction, kl, l1]`.
    fn parts(&self, v: &Value) -> Result<LossParts, NnError> {
        let a: Vec<f64> = serde_json::from_value(v.clone())
            .map_err(|e| self.bad(format!("history entry: {e}")))?;
        match a[..] {
            [total, reconstruction, kl] => Ok(LossParts {
                total,
                reconstruction,
                kl,
                l1: 0.0,
            }),
            [total, reconstruction, kl, l1] => Ok(LossParts {
                total,
                reconstruction,
                kl,
                l1,
            }),
            _ => Err(self.bad("history entry: 3 or 4 loss parts expected")),
        }
    }

    /// A random stream stored as four decimal words.
    pub fn rng(&self, v: &Value, key: &str) -> Result<Xoshiro256, NnError> {
        let words: Vec<String> = serde_json::from_value(v.get(key).cloned().unwrap_or_default())
            .map_err(|e| self.bad(format!("`{key}`: {e}")))?;
        let mut state = [0u64; 4];
        if words.len() != 4 {
            return Err(self.bad(format!("`{key}` must hold four words")));
        }
        for (s, w) in state.iter_mut().zip(&words) {
            *s = w
                .parse()
                .map_err(|_| self.bad(format!("`{key}` word is not a u64")))?;
        }
        Xoshiro256::from_state(state).ok_or_else(|| self.bad(format!("`{key}` is all zero")))
    }
}

/// A random stream as JSON (decimal words: JSON numbers lose bits above 2^53).
pub(crate) fn rng_json(rng: &Xoshiro256) -> Value {
    json!(rng.state().iter().map(u64::to_string).collect::<Vec<_>>())
}

fn parts_json(p: &LossParts, fields: HistoryFields) -> Value {
    if fields.l1 {
        json!([p.total, p.reconstruction, p.kl, p.l1])
    } else {
        json!([p.total, p.reconstruction, p.kl])
    }
}

/// The training state without the optimiser moments.
pub(crate) fn train_state_json(s: &TrainState, fields: HistoryFields) -> Value {
    let history: Vec<Value> = s
        .history
        .iter()
        .map(|r| {
            let mut entry = json!({
                "epoch": r.epoch,
                "beta": r.beta,
                "train": parts_json(&r.train, fields),
                "validation": r.validation.as_ref().map(|v| parts_json(v, fields)),
            });
            if fields.l1 {
                entry["lambda"] = json!(r.lambda);
            }
            if fields.seconds {
                entry["seconds"] = json!(r.seconds);
            }
            entry
        })
        .collect();
    json!({
        "epochs_done": s.epochs_done,
        "adam_step": s.adam.step,
        "rng": rng_json(&s.rng),
        "data_crc": s.data_crc,
        "history": history,
    })
}

/// The training state of `st` with Adam's moments `m` and `v` (read by the caller from the
/// file's tensors) and learning rate `learning_rate`.
pub(crate) fn read_train_state(
    f: &Fields,
    st: &Value,
    learning_rate: f64,
    m: Vec<f32>,
    v: Vec<f32>,
) -> Result<TrainState, NnError> {
    let mut history = Vec::new();
    for h in st
        .get("history")
        .and_then(Value::as_array)
        .ok_or_else(|| f.bad("`history` missing"))?
    {
        history.push(EpochRecord {
            epoch: f.usize(h, "epoch")?,
            beta: f.f64(h, "beta")?,
            lambda: if h.get("lambda").is_some() {
                f.f64(h, "lambda")?
            } else {
                0.0
            },
            train: f.parts(h.get("train").unwrap_or(&Value::Null))?,
            validation: match h.get("validation") {
                Some(v) if !v.is_null() => Some(f.parts(v)?),
                _ => None,
            },
            seconds: if h.get("seconds").is_some() {
                f.f64(h, "seconds")?
            } else {
                f64::NAN
            },
        });
    }
    let epochs_done = f.usize(st, "epochs_done")?;
    if history.len() != epochs_done {
        return Err(f.bad("history length differs from epochs_done"));
    }
    let mut adam = Adam::new(m.len(), learning_rate);
    adam.m = m;
    adam.v = v;
    adam.step = f.u64(st, "adam_step")?;
    Ok(TrainState {
        adam,
        rng: f.rng(st, "rng")?,
        epochs_done,
        history,
        data_crc: u32::try_from(f.u64(st, "data_crc")?)
            .map_err(|_| f.bad("`data_crc` is not a CRC-32"))?,
    })
}

/// Settings as a JSON object keyed by their configuration keys.
pub(crate) fn settings_json(values: Vec<(&'static str, ConfigValue)>) -> Value {
    Value::Object(
        values
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_json()))
            .collect(),
    )
}

/// The settings stored by key in `v` set into a configuration, through each key's checks;
/// every key of `keys` must be there.
pub(crate) fn stored_config(f: &Fields, v: &Value, keys: &[KeySpec]) -> Result<Config, NnError> {
    let stored: &Map<String, Value> = v
        .as_object()
        .ok_or_else(|| f.bad("`settings` is not an object"))?;
    let mut cfg = Config::new();
    for spec in keys {
        let Some(json) = stored.get(spec.name) else {
            return Err(f.bad(format!("setting `{}` missing", spec.name)));
        };
        let value = ConfigValue::from_json(spec.kind(), json).ok_or_else(|| {
            f.bad(format!(
                "setting `{}` is not {}",
                spec.name,
                spec.kind().name()
            ))
        })?;
        cfg.set(spec.name, value).map_err(|e| f.bad(e))?;
    }
    Ok(cfg)
}

/// The tensors of `layout`, each stored under `prefix` + its name, as one flat vector.
pub(crate) fn read_tensors(
    file: &NetworkFile,
    path: &Path,
    prefix: &str,
    layout: &ParamLayout,
) -> Result<Vec<f32>, NnError> {
    let mut flat = Vec::with_capacity(layout.total());
    for t in layout.tensors() {
        flat.extend_from_slice(file.tensor(path, &format!("{prefix}{}", t.name), &t.shape)?);
    }
    Ok(flat)
}
