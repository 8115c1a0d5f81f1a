//! `--set key=value` options, parsed by each key's type from the registry.

use ferrolab::config::{Config, Kind, Value};

/// Parse `key=value` pairs into a config; lists are comma-separated, optionally in brackets
/// (`vae.hidden=256,128` or `vae.hidden=[256,128]`).
pub fn config_from(pairs: &[String]) -> Result<Config, String> {
    let mut cfg = Config::new();
    for pair in pairs {
        let (key, text) = pair
            .split_once('=')
            .ok_or_else(|| format!("--set {pair}: expected key=value"))?;
        let spec = cfg.spec(key).map_err(|e| e.to_string())?;
        let bad = |e: &dyn std::fmt::Display| format!("--set {pair}: {} ({e})", spec.kind().name());
        let list = text.trim().trim_start_matches('[').trim_end_matches(']');
        let reals = || -> Result<Vec<f64>, String> {
            list.split(',')
                .map(|t| t.trim().parse::<f64>().map_err(|e| bad(&e)))
                .collect()
        };
        let ints = || -> Result<Vec<i64>, String> {
            list.split(',')
                .map(|t| t.trim().parse::<i64>().map_err(|e| bad(&e)))
                .collect()
        };
        let value = match spec.kind() {
            Kind::F64 => Value::F64(text.trim().parse().map_err(|e| bad(&e))?),
            Kind::I64 => Value::I64(text.trim().parse().map_err(|e| bad(&e))?),
            Kind::Str => Value::Str(text.to_owned()),
            Kind::F64Array => Value::F64Array(reals()?),
            Kind::I64Array => Value::I64Array(ints()?),
        };
        cfg.set(key, value).map_err(|e| e.to_string())?;
    }
    Ok(cfg)
}
