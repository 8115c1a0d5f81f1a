//! Saving and loading fitted GPs: the training data, the options and every output's fitted
//! hyper-parameters, as a checked JSON record ([`crate::io::record`]: magic, format version,
//! length, CRC-32), written atomically. Loading refactors the kernel matrices from the stored
//! hyper-parameters, which reproduces the saved model exactly.

use super::GpError;
use super::kernel::{Kernel, KernelKind};
use super::model::GaussianProcess;
use super::params::GpParams;
use crate::io::record::{read_record, write_record};
use ndarray::Array2;
use serde_json::{Value, json};
use std::path::Path;

const MAGIC: &[u8; 8] = b"FLGPMODL";
/// Format version written; readers accept exactly this version.
pub const VERSION: u32 = 1;

fn matrix_json(a: &Array2<f64>) -> Value {
    json!(a.rows().into_iter().map(|r| r.to_vec()).collect::<Vec<_>>())
}

fn matrix_from(v: &Value, what: &str) -> Result<Array2<f64>, String> {
    let rows: Vec<Vec<f64>> =
        serde_json::from_value(v.clone()).map_err(|e| format!("{what}: {e}"))?;
    let cols = rows.first().map_or(0, Vec::len);
    if rows.iter().any(|r| r.len() != cols) {
        return Err(format!("{what}: ragged rows"));
    }
    Ok(Array2::from_shape_fn((rows.len(), cols), |(i, j)| {
        rows[i][j]
    }))
}

impl GaussianProcess {
    /// Write the model to `path` (atomically).
    ///
    /// ```
    /// use ferrolab::gp::{GaussianProcess, GpParams};
    /// let x = ndarray::array![[0.0], [1.0], [2.0]];
    /// let y = ndarray::array![[0.0], [1.0], [0.5]];
    /// let gp = GaussianProcess::fit(x.view(), y.view(), &GpParams::default())?;
    /// let path = std::env::temp_dir().join("ferrolab-gp-doc.bin");
    /// gp.save(&path)?;
    /// let back = GaussianProcess::load(&path)?;
    /// assert_eq!(back.predict(x.view())?.0, gp.predict(x.view())?.0);
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), ferrolab::gp::GpError>(())
    /// ```
    pub fn save(&self, path: &Path) -> Result<(), GpError> {
        let (x, y, p) = self.training();
        let outputs: Vec<Value> = self
            .outputs()
            .iter()
            .map(|o| {
                json!({
                    "kernel": o.kernel.kind.as_str(),
                    "signal_variance": o.kernel.signal_variance,
                    "length_scales": o.kernel.length_scales,
                    "noise_variance": o.noise_variance,
                })
            })
            .collect();
        let body = json!({
            "x": matrix_json(x),
            "y": matrix_json(y),
            "options": {
                "jitter": p.jitter,
                "normalize_y": p.normalize_y,
                "predict_latent": p.predict_latent,
                "seed": p.seed,
            },
            "outputs": outputs,
        });
        Ok(write_record(path, MAGIC, VERSION, &body)?)
    }

    /// Read a model written by [`GaussianProcess::save`], checking its format, version and
    /// checksum.
    pub fn load(path: &Path) -> Result<Self, GpError> {
        let bad = |reason: String| GpError::Corrupt(format!("{}: {reason}", path.display()));
        let body = read_record(path, MAGIC, VERSION, "GP model")?;
        let x = matrix_from(&body["x"], "x").map_err(bad)?;
        let y = matrix_from(&body["y"], "y").map_err(bad)?;
        // Every option must be present with its type: a default in place of a damaged value
        // would silently change predictions.
        let options = &body["options"];
        let option = |name: &str| {
            let value = &options[name];
            (!value.is_null())
                .then_some(value)
                .ok_or_else(|| bad(format!("option {name} missing")))
        };
        let mistyped = |name: &str| bad(format!("option {name} has the wrong type"));
        let flag = |name: &str| option(name)?.as_bool().ok_or_else(|| mistyped(name));
        let params = GpParams {
            jitter: option("jitter")?
                .as_f64()
                .ok_or_else(|| mistyped("jitter"))?,
            normalize_y: flag("normalize_y")?,
            predict_latent: flag("predict_latent")?,
            seed: option("seed")?.as_u64().ok_or_else(|| mistyped("seed"))?,
            ..GpParams::default()
        };
        let fitted = body["outputs"]
            .as_array()
            .ok_or_else(|| bad("outputs missing".into()))?
            .iter()
            .map(|o| {
                let kind = o["kernel"]
                    .as_str()
                    .unwrap_or_default()
                    .parse::<KernelKind>()
                    .map_err(|e| bad(format!("kernel: {e}")))?;
                let length_scales: Vec<f64> = serde_json::from_value(o["length_scales"].clone())
                    .map_err(|e| bad(e.to_string()))?;
                let kernel = Kernel {
                    kind,
                    signal_variance: o["signal_variance"]
                        .as_f64()
                        .ok_or_else(|| bad("signal_variance".into()))?,
                    length_scales,
                };
                Ok((
                    kernel,
                    o["noise_variance"]
                        .as_f64()
                        .ok_or_else(|| bad("noise_variance".into()))?,
                ))
            })
            .collect::<Result<Vec<_>, GpError>>()?;
        let finite = x.iter().chain(y.iter()).all(|v| v.is_finite());
        if fitted.is_empty()
            || fitted.len() != y.ncols()
            || x.nrows() != y.nrows()
            || x.is_empty()
            || !finite
        {
            return Err(bad("inconsistent shapes or non-finite data".into()));
        }
        // Hyper-parameters outside the keys' ranges can only come from a damaged file.
        GaussianProcess::refit(x, y, params, &fitted).map_err(|e| match e {
            GpError::Config(e) => bad(format!("stored hyper-parameters: {e}")),
            other => other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_and_foreign_files_are_rejected() {
        let x = ndarray::array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]];
        let y = ndarray::array![[0.0, 1.0], [1.0, 0.2], [0.5, 0.3]];
        let gp = GaussianProcess::fit(x.view(), y.view(), &GpParams::default()).unwrap();
        let path = std::env::temp_dir().join(format!("ferrolab-gp-{}.bin", std::process::id()));
        gp.save(&path).unwrap();
        let back = GaussianProcess::load(&path).unwrap();
        let (m1, s1) = gp.predict(x.view()).unwrap();
        let (m2, s2) = back.predict(x.view()).unwrap();
        assert_eq!((m1, s1), (m2, s2));
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(
            GaussianProcess::load(&path)
                .err()
                .unwrap()
                .to_string()
                .contains("checksum")
        );
        std::fs::write(&path, b"hello world, not a model").unwrap();
        assert!(
            GaussianProcess::load(&path)
                .err()
                .unwrap()
                .to_string()
                .contains("not a ferrolab GP model")
        );
        std::fs::remove_file(&path).unwrap();
    }

    /// A file whose checksum is sound but whose hyper-parameters are outside their keys'
    /// ranges, or whose options are missing or mistyped (written by hand here), is refused as
    /// corrupt, naming the key or option.
    #[test]
    fn hyper_parameters_outside_their_ranges_are_corrupt() {
        let x = ndarray::array![[0.0], [1.0], [2.0]];
        let y = ndarray::array![[0.0], [1.0], [0.5]];
        let gp = GaussianProcess::fit(x.view(), y.view(), &GpParams::default()).unwrap();
        let path = std::env::temp_dir().join(format!("ferrolab-gp-neg-{}.bin", std::process::id()));
        gp.save(&path).unwrap();
        let mut body = read_record(&path, MAGIC, VERSION, "GP model").unwrap();
        body["outputs"][0]["length_scales"] = json!([-1.0]);
        write_record(&path, MAGIC, VERSION, &body).unwrap();
        let err = GaussianProcess::load(&path).err().unwrap();
        assert!(matches!(err, GpError::Corrupt(_)), "{err:?}");
        assert!(err.to_string().contains("gp.length_scale"), "{err}");
        for (option, value, fragment) in [
            ("jitter", json!("1e-10"), "option jitter has the wrong type"),
            ("jitter", json!(-1.0), "gp.jitter"),
            ("seed", serde_json::Value::Null, "option seed missing"),
        ] {
            let mut body = read_record(&path, MAGIC, VERSION, "GP model").unwrap();
            body["outputs"][0]["length_scales"] = json!([1.0]);
            body["options"][option] = value;
            write_record(&path, MAGIC, VERSION, &body).unwrap();
            let err = GaussianProcess::load(&path).err().unwrap();
            assert!(matches!(err, GpError::Corrupt(_)), "{err:?}");
            assert!(err.to_string().contains(fragment), "{err}");
        }
        std::fs::remove_file(&path).unwrap();
    }
}
