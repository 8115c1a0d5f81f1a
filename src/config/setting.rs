//! The Rust types a configuration key can hold, and how each maps to a [`Value`].
//!
//! A settings field of type `T: Setting` is read from and written to a key without any code at
//! the field: integers stay integers in range, flags are the integers 0 and 1, text options are
//! enums declared with [`text_option!`](crate::text_option) and lists are `Vec`s.

use super::{ConfigError, Kind, Valid, Value};
use std::ops::Bound::Included;

/// A type a configuration key can hold.
pub trait Setting: Sized {
    /// The valid values the type itself fixes (text options, flags), if any.
    fn implied_valid() -> Option<Valid> {
        None
    }

    /// The value as stored in a [`Config`](super::Config).
    fn to_value(&self) -> Value;

    /// The typed value of `key`, or an error naming it.
    fn from_value(key: &str, value: Value) -> Result<Self, ConfigError>;

    /// Every value of a closed set (text options), else empty.
    fn variants() -> Vec<Self> {
        Vec::new()
    }
}

fn wrong_type(key: &str, expected: Kind, given: &Value) -> ConfigError {
    ConfigError::WrongType {
        key: key.to_owned(),
        expected: expected.name(),
        given: given.kind().name(),
    }
}

fn out_of_range(key: &str, value: impl ToString, valid: impl ToString) -> ConfigError {
    ConfigError::OutOfRange {
        key: key.to_owned(),
        value: value.to_string(),
        valid: valid.to_string(),
    }
}

impl Setting for f64 {
    fn to_value(&self) -> Value {
        Value::F64(*self)
    }

    fn from_value(key: &str, value: Value) -> Result<Self, ConfigError> {
        match value {
            Value::F64(x) => Ok(x),
            other => Err(wrong_type(key, Kind::F64, &other)),
        }
    }
}

/// Integers that a key stores as `i64`: counts, sizes and seeds.
macro_rules! integer_setting {
    ($($t:ty),*) => {$(
        impl Setting for $t {
            fn to_value(&self) -> Value {
                Value::I64(i64::try_from(*self).unwrap_or(i64::MAX))
            }

            fn from_value(key: &str, value: Value) -> Result<Self, ConfigError> {
                match value {
                    Value::I64(x) => <$t>::try_from(x)
                        .map_err(|_| out_of_range(key, x, concat!("of ", stringify!($t)))),
                    other => Err(wrong_type(key, Kind::I64, &other)),
                }
            }
        }
    )*};
}
integer_setting!(i64, u64, usize);

/// A flag: the integer 1 (on) or 0 (off).
impl Setting for bool {
    fn implied_valid() -> Option<Valid> {
        Some(Valid::Int(Included(0), Included(1)))
    }

    fn to_value(&self) -> Value {
        Value::I64(i64::from(*self))
    }

    fn from_value(key: &str, value: Value) -> Result<Self, ConfigError> {
        match value {
            Value::I64(0) => Ok(false),
            Value::I64(1) => Ok(true),
            Value::I64(x) => Err(out_of_range(key, x, "[0, 1]")),
            other => Err(wrong_type(key, Kind::I64, &other)),
        }
    }
}

impl Setting for Vec<f64> {
    fn to_value(&self) -> Value {
        Value::F64Array(self.clone())
    }

    fn from_value(key: &str, value: Value) -> Result<Self, ConfigError> {
        match value {
            Value::F64Array(x) => Ok(x),
            other => Err(wrong_type(key, Kind::F64Array, &other)),
        }
    }
}

impl Setting for Vec<usize> {
    fn to_value(&self) -> Value {
        Value::I64Array(
            self.iter()
                .map(|&x| i64::try_from(x).unwrap_or(i64::MAX))
                .collect(),
        )
    }

    fn from_value(key: &str, value: Value) -> Result<Self, ConfigError> {
        match value {
            Value::I64Array(xs) => xs
                .into_iter()
                .map(|x| usize::try_from(x).map_err(|_| out_of_range(key, x, "of usize")))
                .collect(),
            other => Err(wrong_type(key, Kind::I64Array, &other)),
        }
    }
}

/// A `[min, max]` window of reals, stored as a two-element list.
impl Setting for [f64; 2] {
    fn to_value(&self) -> Value {
        Value::F64Array(self.to_vec())
    }

    fn from_value(key: &str, value: Value) -> Result<Self, ConfigError> {
        match value {
            Value::F64Array(v) if v.len() == 2 && v[0] <= v[1] => Ok([v[0], v[1]]),
            Value::F64Array(v) => Err(ConfigError::NotAWindow {
                key: key.to_owned(),
                value: format!("{v:?}"),
            }),
            other => Err(wrong_type(key, Kind::F64Array, &other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_refuse_values_their_type_cannot_hold() {
        assert_eq!(usize::from_value("t.n", Value::I64(3)), Ok(3));
        let err = usize::from_value("t.n", Value::I64(-1)).unwrap_err();
        assert!(err.to_string().contains("t.n"), "{err}");
        assert!(u64::from_value("t.n", Value::F64(1.0)).is_err());
    }

    #[test]
    fn flags_are_zero_or_one() {
        assert_eq!(bool::from_value("t.f", Value::I64(1)), Ok(true));
        assert_eq!(bool::from_value("t.f", Value::I64(0)), Ok(false));
        assert!(bool::from_value("t.f", Value::I64(2)).is_err());
        assert_eq!(true.to_value(), Value::I64(1));
    }

    #[test]
    fn windows_are_ordered_pairs() {
        let ok = <[f64; 2]>::from_value("t.w", Value::F64Array(vec![1.0, 2.0]));
        assert_eq!(ok, Ok([1.0, 2.0]));
        for bad in [vec![2.0, 1.0], vec![1.0], vec![1.0, 2.0, 3.0]] {
            let err = <[f64; 2]>::from_value("t.w", Value::F64Array(bad)).unwrap_err();
            assert!(err.to_string().contains("t.w"), "{err}");
            assert!(err.to_string().contains("[min, max]"), "{err}");
        }
    }
}
