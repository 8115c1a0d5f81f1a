//! Configuration: one registry of typed, documented, range-checked keys shared by every
//! engine, the CLI and the C surface (`ferrolab_config_*`).
//!
//! A [`Config`] starts with every key at its default; setting a key checks its type and its
//! physically valid range and names the key in any error. Engines read their keys through the
//! typed getters when they turn a `Config` into their own checked parameters.
//!
//! ```
//! use ferrolab::config::{Config, Value};
//! let mut cfg = Config::new();
//! cfg.set("pf.grain_diameter_nm", Value::F64(10.0))?;
//! assert_eq!(cfg.f64("pf.grain_diameter_nm")?, 10.0);
//! assert!(cfg.set("pf.grain_diameter_nm", Value::F64(-1.0)).is_err());
//! assert!(cfg.set("pf.grain_diametre_nm", Value::F64(10.0)).is_err());
//! # Ok::<(), ferrolab::config::ConfigError>(())
//! ```

mod error;
#[cfg(test)]
mod fixture;
mod hint;
mod setting;
pub mod settings;
mod spec;
mod text_option;

pub use error::ConfigError;
pub use setting::Setting;
pub use settings::Checked;
pub use spec::{KeySpec, Kind, Valid, Value};
pub use text_option::UnknownWord;
#[doc(hidden)]
pub use text_option::parse_word;

use std::collections::BTreeMap;

/// A set of configuration values: the defaults of every key, with some overridden.
#[derive(Clone, Debug)]
pub struct Config {
    table: &'static [KeySpec],
    overrides: BTreeMap<&'static str, Value>,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// Every key of `table` (sorted by name) at its default. [`Config::new`] is this over the
    /// crate's key list ([`crate::keys`]), which the crate root assembles so that this module
    /// depends on no engine.
    ///
    /// ```
    /// let cfg = ferrolab::config::Config::over(ferrolab::keys());
    /// assert_eq!(cfg.overrides().count(), 0);
    /// ```
    pub fn over(table: &'static [KeySpec]) -> Self {
        Self {
            table,
            overrides: BTreeMap::new(),
        }
    }

    /// The keys this config holds, sorted by name.
    pub fn table(&self) -> &'static [KeySpec] {
        self.table
    }

    /// The key's specification, or an error naming the key (with a "did you mean" hint).
    pub fn spec(&self, key: &str) -> Result<&'static KeySpec, ConfigError> {
        match self.table.binary_search_by(|k| k.name.cmp(key)) {
            Ok(i) => Ok(&self.table[i]),
            Err(_) => Err(ConfigError::UnknownKey {
                key: key.to_owned(),
                hint: hint::closest_key(self.table, key)
                    .map(|k| format!(" (did you mean \"{k}\"?)"))
                    .unwrap_or_default(),
            }),
        }
    }

    /// Set `key` to `value` after checking its type and range. Nothing changes on error.
    pub fn set(&mut self, key: &str, value: Value) -> Result<(), ConfigError> {
        let spec = self.spec(key)?;
        check_value(spec, &value)?;
        self.overrides.insert(spec.name, value);
        Ok(())
    }

    /// Put `key` back to its default.
    ///
    /// ```
    /// use ferrolab::config::{Config, Value};
    /// let mut cfg = Config::new();
    /// cfg.set("pf.seed", Value::I64(5))?;
    /// cfg.reset("pf.seed")?;
    /// assert_eq!(cfg.get("pf.seed")?, ferrolab::find_key("pf.seed").unwrap().default_value());
    /// # Ok::<(), ferrolab::config::ConfigError>(())
    /// ```
    pub fn reset(&mut self, key: &str) -> Result<(), ConfigError> {
        let spec = self.spec(key)?;
        self.overrides.remove(spec.name);
        Ok(())
    }

    /// The current value of `key` (its default unless set).
    pub fn get(&self, key: &str) -> Result<Value, ConfigError> {
        let spec = self.spec(key)?;
        Ok(self
            .overrides
            .get(spec.name)
            .cloned()
            .unwrap_or_else(|| spec.default_value()))
    }

    /// The keys set away from their defaults, with their values, sorted by name.
    ///
    /// ```
    /// let cfg = ferrolab::config::Config::new();
    /// assert_eq!(cfg.overrides().count(), 0);
    /// ```
    pub fn overrides(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.overrides.iter().map(|(k, v)| (*k, v))
    }

    fn typed<T>(
        &self,
        key: &str,
        wanted: Kind,
        pick: impl FnOnce(Value) -> Option<T>,
    ) -> Result<T, ConfigError> {
        let value = self.get(key)?;
        let expected = value.kind().name();
        pick(value).ok_or_else(|| ConfigError::WrongType {
            key: key.to_owned(),
            expected,
            given: wanted.name(),
        })
    }

    /// A real-valued key.
    pub fn f64(&self, key: &str) -> Result<f64, ConfigError> {
        self.typed(key, Kind::F64, |v| match v {
            Value::F64(x) => Some(x),
            _ => None,
        })
    }

    /// An integer key.
    ///
    /// ```
    /// let cfg = ferrolab::config::Config::new();
    /// assert!(cfg.i64("pf.seed").is_ok());
    /// assert!(cfg.i64("pf.grain_diameter_nm").is_err()); // a real, not an integer
    /// ```
    pub fn i64(&self, key: &str) -> Result<i64, ConfigError> {
        self.typed(key, Kind::I64, |v| match v {
            Value::I64(x) => Some(x),
            _ => None,
        })
    }

    /// A text key.
    pub fn str(&self, key: &str) -> Result<String, ConfigError> {
        self.typed(key, Kind::Str, |v| match v {
            Value::Str(x) => Some(x),
            _ => None,
        })
    }

    /// A list-of-reals key.
    pub fn f64_array(&self, key: &str) -> Result<Vec<f64>, ConfigError> {
        self.typed(key, Kind::F64Array, |v| match v {
            Value::F64Array(x) => Some(x),
            _ => None,
        })
    }

    /// A list-of-integers key.
    pub fn i64_array(&self, key: &str) -> Result<Vec<i64>, ConfigError> {
        self.typed(key, Kind::I64Array, |v| match v {
            Value::I64Array(x) => Some(x),
            _ => None,
        })
    }
}

/// Type and range check of a value against its key.
///
/// ```
/// let spec = ferrolab::find_key("pf.points").unwrap();
/// assert!(ferrolab::config::check_value(spec, &ferrolab::config::Value::I64(2)).is_err());
/// ```
pub fn check_value(spec: &KeySpec, value: &Value) -> Result<(), ConfigError> {
    let key = || spec.name.to_owned();
    if value.kind() != spec.kind() {
        return Err(ConfigError::WrongType {
            key: key(),
            expected: spec.kind().name(),
            given: value.kind().name(),
        });
    }
    let out_of_range = |v: String| ConfigError::OutOfRange {
        key: key(),
        value: v,
        valid: spec.valid.to_string(),
    };
    let check_f64 = |x: f64| {
        if !x.is_finite() {
            Err(ConfigError::NonFinite {
                key: key(),
                value: x,
            })
        } else if !spec.valid.admits_f64(x) {
            Err(out_of_range(x.to_string()))
        } else {
            Ok(())
        }
    };
    let check_i64 = |x: i64| {
        if spec.valid.admits_i64(x) {
            Ok(())
        } else {
            Err(out_of_range(x.to_string()))
        }
    };
    let non_empty = |n: usize| {
        if n == 0 {
            Err(ConfigError::EmptyArray { key: key() })
        } else {
            Ok(())
        }
    };
    match value {
        Value::F64(x) => check_f64(*x),
        Value::I64(x) => check_i64(*x),
        Value::Str(s) if spec.valid.admits_str(s) => Ok(()),
        Value::Str(s) => Err(out_of_range(format!("\"{s}\""))),
        Value::F64Array(xs) => {
            non_empty(xs.len())?;
            xs.iter().try_for_each(|x| check_f64(*x))
        }
        Value::I64Array(xs) => {
            non_empty(xs.len())?;
            xs.iter().try_for_each(|x| check_i64(*x))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn config() -> Config {
        Config::over(fixture::table())
    }

    #[test]
    fn defaults_then_overrides() {
        let mut cfg = config();
        assert_eq!(cfg.f64("t.length_nm").unwrap(), 1.5);
        assert_eq!(cfg.f64_array("t.scales").unwrap(), [1.0, 2.0]);
        cfg.set("t.length_nm", Value::F64(2.0)).unwrap();
        cfg.set("t.choice", Value::Str("b".into())).unwrap();
        cfg.set("t.widths", Value::I64Array(vec![128, 64])).unwrap();
        assert_eq!(cfg.f64("t.length_nm").unwrap(), 2.0);
        assert_eq!(cfg.str("t.choice").unwrap(), "b");
        assert_eq!(cfg.i64_array("t.widths").unwrap(), [128, 64]);
        assert_eq!(cfg.overrides().count(), 3);
        cfg.reset("t.length_nm").unwrap();
        assert_eq!(cfg.f64("t.length_nm").unwrap(), 1.5);
    }

    #[test]
    fn bad_values_are_rejected_and_leave_the_config_unchanged() {
        let mut cfg = config();
        let cases = [
            (
                "t.length_nm",
                Value::F64(0.0),
                "outside its valid range (0, inf)",
            ),
            ("t.length_nm", Value::F64(f64::NAN), "not finite"),
            (
                "t.length_nm",
                Value::I64(2),
                "holds a real number, not an integer",
            ),
            ("t.count", Value::I64(11), "outside its valid range [1, 10]"),
            ("t.choice", Value::Str("c".into()), "one of [\"a\", \"b\"]"),
            (
                "t.scales",
                Value::F64Array(vec![1.0, -1.0]),
                "value -1 is outside",
            ),
            ("t.scales", Value::F64Array(vec![]), "at least one element"),
            ("t.widths", Value::I64Array(vec![0]), "value 0 is outside"),
            (
                "t.nope",
                Value::F64(1.0),
                "unknown configuration key \"t.nope\"",
            ),
        ];
        for (key, value, fragment) in cases {
            let err = cfg.set(key, value).unwrap_err().to_string();
            assert!(err.contains(fragment), "{err}");
            if key != "t.nope" {
                assert!(err.contains(key), "{err} does not name the key");
            }
        }
        assert_eq!(cfg.overrides().count(), 0);
    }

    #[test]
    fn wrong_getter_names_both_types() {
        let cfg = config();
        let err = cfg.i64("t.length_nm").unwrap_err().to_string();
        assert_eq!(
            err,
            "configuration key \"t.length_nm\" holds a real number, not an integer"
        );
    }

    #[test]
    fn describe_lists_type_unit_range_default_and_doc() {
        assert_eq!(
            config().spec("t.length_nm").unwrap().describe(),
            "t.length_nm: a real number, unit nm, valid (0, inf), default 1.5. A length."
        );
    }

    #[test]
    fn misspelt_global_key_gets_a_hint() {
        let cfg = Config::new();
        let err = cfg.f64("pf.grain_diametre_nm").unwrap_err().to_string();
        assert!(
            err.contains("did you mean \"pf.grain_diameter_nm\"?"),
            "{err}"
        );
    }
}
