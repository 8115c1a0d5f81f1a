//! What a configuration key is: its name, type, unit, valid range, default and doc string.

use super::{ConfigError, Setting};
use std::fmt;
use std::ops::Bound;

/// A configuration value as set by a user or read by an engine.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A real number.
    F64(f64),
    /// An integer.
    I64(i64),
    /// A text value (usually one of a fixed set of choices).
    Str(String),
    /// A list of reals (e.g. ARD length scales).
    F64Array(Vec<f64>),
    /// A list of integers (e.g. layer widths).
    I64Array(Vec<i64>),
}

/// The type of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `f64`.
    F64,
    /// `i64`.
    I64,
    /// Text.
    Str,
    /// List of `f64`.
    F64Array,
    /// List of `i64`.
    I64Array,
}

impl Kind {
    /// How the type reads in messages and docs.
    pub fn name(self) -> &'static str {
        match self {
            Kind::F64 => "a real number",
            Kind::I64 => "an integer",
            Kind::Str => "text",
            Kind::F64Array => "a list of real numbers",
            Kind::I64Array => "a list of integers",
        }
    }
}

/// The physically meaningful values of a key (not the sampling range of a paper).
/// For array keys it applies to every element.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Valid {
    /// Reals between two bounds; non-finite values are always rejected.
    Real(Bound<f64>, Bound<f64>),
    /// Integers between two bounds.
    Int(Bound<i64>, Bound<i64>),
    /// One of a fixed set of words.
    OneOf(&'static [&'static str]),
}

/// One configuration key, declared once, on the field of the settings struct that holds it
/// (see [`settings!`](crate::settings)).
#[derive(Clone, Debug)]
pub struct KeySpec {
    /// Dotted name, `<engine>.<what>[_<unit>]`, e.g. `pf.grain_diameter_nm`.
    pub name: &'static str,
    /// Unit of the value ("" for dimensionless or text).
    pub unit: &'static str,
    /// Valid values.
    pub valid: Valid,
    /// Value used when the key is not set: the settings struct's default.
    pub default: Value,
    /// One or two sentences for users, with the source of the default.
    pub doc: &'static str,
    /// Parses a value into the field's type and back: the typed round trip that text options
    /// take (an unlisted word is an error naming the key and the allowed words).
    pub round_trip: fn(&str, Value) -> Result<Value, ConfigError>,
    /// Every value of the field's type when it is a closed set (text options), else empty.
    pub variants: fn() -> Vec<Value>,
}

impl KeySpec {
    /// The key of a field of type `T`: its type comes from `T`, its valid range from `T` when
    /// the type fixes it (text options, flags) or else from `valid`.
    ///
    /// # Panics
    /// When neither gives a range: a declaration error that the registry's tests catch.
    pub fn of<T: Setting>(
        name: &'static str,
        unit: &'static str,
        valid: Option<Valid>,
        default: &T,
        doc: &'static str,
    ) -> Self {
        Self {
            name,
            unit,
            valid: T::implied_valid()
                .or(valid)
                .unwrap_or_else(|| panic!("key {name} declares no valid range")),
            default: default.to_value(),
            doc: doc.trim(),
            round_trip: |key, value| T::from_value(key, value).map(|t| t.to_value()),
            variants: || T::variants().iter().map(Setting::to_value).collect(),
        }
    }

    /// The key's type.
    pub fn kind(&self) -> Kind {
        self.default.kind()
    }

    /// The default as a [`Value`].
    pub fn default_value(&self) -> Value {
        self.default.clone()
    }

    /// A one-paragraph description: type, unit, valid range, default and doc.
    pub fn describe(&self) -> String {
        let unit = if self.unit.is_empty() {
            String::new()
        } else {
            format!(", unit {}", self.unit)
        };
        format!(
            "{}: {}{}, valid {}, default {}. {}",
            self.name,
            self.kind().name(),
            unit,
            self.valid,
            self.default,
            self.doc
        )
    }
}

impl Value {
    /// The value's type.
    pub fn kind(&self) -> Kind {
        match self {
            Value::F64(_) => Kind::F64,
            Value::I64(_) => Kind::I64,
            Value::Str(_) => Kind::Str,
            Value::F64Array(_) => Kind::F64Array,
            Value::I64Array(_) => Kind::I64Array,
        }
    }

    /// The value as JSON: a number, text or a list (how files record settings).
    ///
    /// ```
    /// use ferrolab::config::{Kind, Value};
    /// let v = Value::F64Array(vec![0.5, 2.0]);
    /// assert_eq!(Value::from_json(Kind::F64Array, &v.to_json()), Some(v));
    /// assert_eq!(Value::from_json(Kind::I64, &serde_json::json!("3")), None);
    /// ```
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::F64(x) => serde_json::json!(x),
            Value::I64(x) => serde_json::json!(x),
            Value::Str(x) => serde_json::json!(x),
            Value::F64Array(x) => serde_json::json!(x),
            Value::I64Array(x) => serde_json::json!(x),
        }
    }

    /// A JSON value read as a value of `kind` (None when it is not one; an integer reads as a
    /// real).
    pub fn from_json(kind: Kind, json: &serde_json::Value) -> Option<Value> {
        let items = || json.as_array().map(|a| a.iter());
        match kind {
            Kind::F64 => json.as_f64().map(Value::F64),
            Kind::I64 => json.as_i64().map(Value::I64),
            Kind::Str => json.as_str().map(|s| Value::Str(s.to_owned())),
            Kind::F64Array => items()?
                .map(serde_json::Value::as_f64)
                .collect::<Option<_>>()
                .map(Value::F64Array),
            Kind::I64Array => items()?
                .map(serde_json::Value::as_i64)
                .collect::<Option<_>>()
                .map(Value::I64Array),
        }
    }
}

fn write_list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, items: &[T]) -> fmt::Result {
    write!(f, "[")?;
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            write!(f, ", ")?;
        }
        write!(f, "{v}")?;
    }
    write!(f, "]")
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::F64(v) => write!(f, "{v}"),
            Value::I64(v) => write!(f, "{v}"),
            Value::Str(v) => write!(f, "\"{v}\""),
            Value::F64Array(v) => write_list(f, v),
            Value::I64Array(v) => write_list(f, v),
        }
    }
}

fn write_interval<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    lo: &Bound<T>,
    hi: &Bound<T>,
) -> fmt::Result {
    match lo {
        Bound::Included(v) => write!(f, "[{v}, ")?,
        Bound::Excluded(v) => write!(f, "({v}, ")?,
        Bound::Unbounded => write!(f, "(-inf, ")?,
    }
    match hi {
        Bound::Included(v) => write!(f, "{v}]"),
        Bound::Excluded(v) => write!(f, "{v})"),
        Bound::Unbounded => write!(f, "inf)"),
    }
}

impl fmt::Display for Valid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Valid::Real(lo, hi) => write_interval(f, lo, hi),
            Valid::Int(lo, hi) => write_interval(f, lo, hi),
            Valid::OneOf(words) => {
                write!(f, "one of ")?;
                write_list(
                    f,
                    &words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>(),
                )
            }
        }
    }
}

fn within<T: PartialOrd>(v: &T, lo: &Bound<T>, hi: &Bound<T>) -> bool {
    let above = match lo {
        Bound::Included(b) => v >= b,
        Bound::Excluded(b) => v > b,
        Bound::Unbounded => true,
    };
    let below = match hi {
        Bound::Included(b) => v <= b,
        Bound::Excluded(b) => v < b,
        Bound::Unbounded => true,
    };
    above && below
}

impl Valid {
    /// Whether a real is valid (always false for NaN and infinities).
    pub fn admits_f64(&self, v: f64) -> bool {
        match self {
            Valid::Real(lo, hi) => v.is_finite() && within(&v, lo, hi),
            _ => false,
        }
    }

    /// Whether an integer is valid.
    pub fn admits_i64(&self, v: i64) -> bool {
        match self {
            Valid::Int(lo, hi) => within(&v, lo, hi),
            _ => false,
        }
    }

    /// Whether a word is valid.
    pub fn admits_str(&self, v: &str) -> bool {
        match self {
            Valid::OneOf(words) => words.contains(&v),
            _ => false,
        }
    }
}
