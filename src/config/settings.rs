//! Settings structs: one declaration per setting.
//!
//! An engine declares its parameter struct with [`settings!`](crate::settings); each field that
//! a configuration key sets carries the key's name, unit, valid range, default and doc in its
//! declaration, and nothing else in the crate repeats them. The macro derives:
//! - `Default`, from the declared defaults;
//! - `keys()`, the fields' [`KeySpec`](super::KeySpec)s (the crate root gathers every
//!   engine's into the one key list that `ferrolab keys`, the C key listing and the docs show);
//! - `read_keys(&Config)`, reading every key into its typed field (text options into their
//!   enums, exhaustively), nested settings from their own keys, other fields at their default;
//! - `check_keys(&self)`, every keyed field against its key's range (for settings built in
//!   code rather than read from a config), naming the key;
//! - `to_values(&self)`, the keyed fields as `(key, value)` pairs (hashing, saving);
//! - `validate(&self)` = `check_keys` then [`Validate::check_together`]; `checked(self)`, the
//!   same giving [`Checked`] settings; `from_config(&Config)` = `read_keys` then
//!   `check_together` (the config checked the ranges when the keys were set).
//!
//! Engines write only the checks that span fields, in their [`Validate`] impl.
//!
//! Field forms (a `///` doc comment on a keyed field is the key's doc):
//! - `pub n_init: usize = 1 => "kmeans.n_init", unit "runs", valid Valid::Int(..);` a key;
//!   `unit` may be left out (dimensionless), `valid` too when the type fixes it (text
//!   options, flags);
//! - `pub n_clusters: usize = 8;` a setting no key sets (sizes the data fix, say);
//! - `pub structure: PolycrystalParams;` nested settings with keys of their own.

use super::ConfigError;
use std::ops::Deref;

/// The checks of a settings struct that span fields (each field's range is its key's, checked
/// by the generated `check_keys`).
pub trait Validate {
    /// The engine's error, which a [`ConfigError`] converts into.
    type Error: From<ConfigError>;

    /// Check the fields against each other (and nested settings' `check_together`).
    fn check_together(&self) -> Result<(), Self::Error>;
}

/// Settings whose values were checked once, on construction, by the engine's `validate`;
/// fitted code takes these and never re-checks (the pattern of linfa's `ParamGuard`).
#[derive(Clone, Debug, PartialEq)]
pub struct Checked<T>(T);

impl<T> Checked<T> {
    /// Wrap settings that `validate` accepted; only the generated `checked` calls this.
    #[doc(hidden)]
    pub fn accepted(settings: T) -> Self {
        Self(settings)
    }

    /// The settings themselves.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Checked<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// Declare a settings struct; see the [module docs](crate::config::settings).
///
/// ```
/// use ferrolab::config::{Config, Valid, Value};
/// use std::ops::Bound::Included;
///
/// ferrolab::settings! {
///     /// Settings of a toy engine.
///     pub struct ToySettings {
///         /// Iterations to run.
///         pub iterations: usize = 10
///             => "toy.iterations", unit "steps", valid Valid::Int(Included(1), Included(100));
///         /// Whether to print progress.
///         pub verbose: bool = false => "toy.verbose";
///         /// The data's width (no key: the data fix it).
///         pub width: usize = 0;
///     }
/// }
/// impl ferrolab::config::settings::Validate for ToySettings {
///     type Error = ferrolab::config::ConfigError;
///     fn check_together(&self) -> Result<(), Self::Error> {
///         Ok(())
///     }
/// }
/// let keys = ToySettings::keys();
/// assert_eq!(keys[0].name, "toy.iterations");
/// assert_eq!(keys[0].doc, "Iterations to run.");
/// assert_eq!(keys[1].default, Value::I64(0));
/// let toy = ToySettings { iterations: 500, ..ToySettings::default() };
/// assert!(toy.check_keys().unwrap_err().to_string().contains("toy.iterations"));
/// ```
#[macro_export]
macro_rules! settings {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $fvis:vis $field:ident : $ty:ty $(= $default:expr)?
                    $(=> $key:expr $(, unit $unit:literal)? $(, valid $valid:expr)?)?
                ;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        $vis struct $name {
            $(
                $(#[doc = $doc])*
                $fvis $field: $ty,
            )*
        }

        impl ::core::default::Default for $name {
            fn default() -> Self {
                Self {
                    $($field: $crate::__setting_default!($ty $(, $default)?),)*
                }
            }
        }

        #[allow(dead_code, unused_variables, clippy::vec_init_then_push)]
        impl $name {
            /// The configuration keys these settings read, with their defaults.
            pub fn keys() -> Vec<$crate::config::KeySpec> {
                let defaults = <Self as ::core::default::Default>::default();
                let mut keys = Vec::new();
                $($crate::__setting_key!(
                    keys, defaults, $field, $ty, [$($doc)*],
                    [$($key $(, unit $unit)? $(, valid $valid)?)?]
                );)*
                keys
            }

            /// Every setting read from `cfg` and checked together (the keys' ranges were
            /// checked when they were set).
            pub fn from_config(
                cfg: &$crate::config::Config,
            ) -> Result<Self, <Self as $crate::config::settings::Validate>::Error> {
                let settings = Self::read_keys(cfg)?;
                $crate::config::settings::Validate::check_together(&settings)?;
                Ok(settings)
            }

            /// Check every field against its key's range, then the fields together.
            pub fn validate(
                &self,
            ) -> Result<(), <Self as $crate::config::settings::Validate>::Error> {
                self.check_keys()?;
                $crate::config::settings::Validate::check_together(self)
            }

            /// These settings, checked once ([`validate`](Self::validate)).
            pub fn checked(
                self,
            ) -> Result<
                $crate::config::Checked<Self>,
                <Self as $crate::config::settings::Validate>::Error,
            > {
                self.validate()?;
                Ok($crate::config::Checked::accepted(self))
            }

            /// Every setting read from `cfg` as it is: keyed fields from their keys, nested
            /// settings from theirs, the rest at their defaults; nothing checked together.
            pub fn read_keys(
                cfg: &$crate::config::Config,
            ) -> Result<Self, $crate::config::ConfigError> {
                Ok(Self {
                    $($field: $crate::__setting_read!(
                        cfg, $ty, [$($default)?], [$($key)?]
                    ),)*
                })
            }

            /// Check every keyed field (and nested settings) against its key's range, naming
            /// the key.
            pub fn check_keys(&self) -> Result<(), $crate::config::ConfigError> {
                let keys = Self::keys();
                let mut keys = keys.iter();
                $($crate::__setting_check!(
                    self.$field, keys, [$($default)?], [$($key)?]
                );)*
                Ok(())
            }

            /// The keyed fields as `(key, value)` pairs, in declaration order (nested settings
            /// first expanded in place).
            pub fn to_values(&self) -> Vec<(&'static str, $crate::config::Value)> {
                let mut values = Vec::new();
                $($crate::__setting_values!(
                    values, self.$field, [$($default)?], [$($key)?]
                );)*
                values
            }
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __setting_default {
    ($ty:ty) => {
        <$ty as ::core::default::Default>::default()
    };
    ($ty:ty, $default:expr) => {
        $default
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __setting_key {
    ($keys:ident, $defaults:ident, $field:ident, $ty:ty, [$($doc:literal)*], []) => {};
    (
        $keys:ident, $defaults:ident, $field:ident, $ty:ty, [$($doc:literal)*],
        [$key:expr $(, unit $unit:literal)? $(, valid $valid:expr)?]
    ) => {
        $keys.push($crate::config::KeySpec::of::<$ty>(
            $key,
            $crate::__setting_unit!($($unit)?),
            $crate::__setting_valid!($($valid)?),
            &$defaults.$field,
            concat!($($doc),*),
        ))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __setting_unit {
    () => {
        ""
    };
    ($unit:literal) => {
        $unit
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __setting_valid {
    () => {
        None
    };
    ($valid:expr) => {
        Some($valid)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __setting_read {
    ($cfg:ident, $ty:ty, [], []) => {
        <$ty>::read_keys($cfg)?
    };
    ($cfg:ident, $ty:ty, [$default:expr], []) => {
        $default
    };
    ($cfg:ident, $ty:ty, [$($default:expr)?], [$key:expr]) => {
        <$ty as $crate::config::Setting>::from_value($key, $cfg.get($key)?)?
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __setting_check {
    ($value:expr, $keys:ident, [], []) => {
        $value.check_keys()?
    };
    ($value:expr, $keys:ident, [$default:expr], []) => {};
    ($value:expr, $keys:ident, [$($default:expr)?], [$key:expr]) => {
        $crate::config::check_value(
            $keys.next().expect("one spec per keyed field"),
            &$crate::config::Setting::to_value(&$value),
        )?
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __setting_values {
    ($values:ident, $value:expr, [], []) => {
        $values.extend($value.to_values())
    };
    ($values:ident, $value:expr, [$default:expr], []) => {};
    ($values:ident, $value:expr, [$($default:expr)?], [$key:expr]) => {
        $values.push(($key, $crate::config::Setting::to_value(&$value)))
    };
}

#[cfg(test)]
mod tests {
    use crate::config::fixture::{Choice, Inner, Outer, table};
    use crate::config::{Config, Valid, Value};
    use std::ops::Bound::Included;

    #[test]
    fn keys_carry_the_declaration() {
        let keys = Outer::keys();
        let names: Vec<_> = keys.iter().map(|k| k.name).collect();
        assert_eq!(
            names,
            [
                "t.choice", "t.count", "t.flag", "t.window", "t.scales", "t.widths"
            ]
        );
        assert_eq!(keys[0].doc, "A word, on two lines.");
        assert_eq!(keys[0].valid, Valid::OneOf(&["a", "b"]));
        assert_eq!(keys[0].default, Value::Str("a".into()));
        assert_eq!(keys[2].valid, Valid::Int(Included(0), Included(1)));
        assert_eq!(keys[2].default, Value::I64(1));
        assert_eq!(Inner::keys()[0].unit, "nm");
    }

    #[test]
    fn from_config_reads_keys_nested_and_defaults() {
        let mut cfg = Config::over(table());
        cfg.set("t.choice", Value::Str("b".into())).unwrap();
        cfg.set("t.length_nm", Value::F64(2.5)).unwrap();
        cfg.set("t.window", Value::F64Array(vec![1.0, 2.0]))
            .unwrap();
        let s = Outer::from_config(&cfg).unwrap();
        assert_eq!(s.choice, Choice::B);
        assert_eq!(s.inner.length_nm, 2.5);
        assert_eq!(
            (s.count, s.flag, s.size, s.window),
            (3, true, 7, [1.0, 2.0])
        );
        assert_eq!(
            Outer::from_config(&Config::over(table())).unwrap(),
            Outer::default()
        );
        cfg.set("t.window", Value::F64Array(vec![2.0, 1.0]))
            .unwrap();
        let err = Outer::from_config(&cfg).unwrap_err().to_string();
        assert!(
            err.contains("t.window") && err.contains("min <= max"),
            "{err}"
        );
    }

    #[test]
    fn check_keys_names_the_key_of_a_bad_field() {
        assert!(Outer::default().check_keys().is_ok());
        let bad = Outer {
            count: 11,
            ..Outer::default()
        };
        assert!(
            bad.check_keys()
                .unwrap_err()
                .to_string()
                .contains("t.count")
        );
        let mut bad = Outer::default();
        bad.inner.length_nm = -1.0;
        let err = bad.check_keys().unwrap_err().to_string();
        assert!(err.contains("t.length_nm"), "{err}");
    }

    #[test]
    fn to_values_lists_keyed_and_nested_fields() {
        let values = Outer::default().to_values();
        let names: Vec<_> = values.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            [
                "t.choice",
                "t.count",
                "t.flag",
                "t.window",
                "t.scales",
                "t.widths",
                "t.length_nm"
            ]
        );
    }
}
