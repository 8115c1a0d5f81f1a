//! The one table of configuration keys: every engine declares its keys in its own module and
//! they are gathered here, so the C surface, the CLI and the docs all list the same keys.

use super::spec::KeySpec;
use std::sync::LazyLock;

/// Each engine's key table, in the order they are listed.
const TABLES: &[&[KeySpec]] = &[
    crate::phasefield::polycrystal::KEYS,
    crate::phasefield::params::KEYS,
    crate::phasefield::elastic::KEYS,
    crate::phasefield::dataset::KEYS,
    crate::gp::KEYS,
    crate::nn::KEYS,
    crate::design::KEYS,
    crate::analysis::KEYS,
];

static ALL: LazyLock<Vec<KeySpec>> = LazyLock::new(|| {
    let mut keys: Vec<KeySpec> = TABLES.iter().flat_map(|t| t.iter().copied()).collect();
    keys.sort_by_key(|k| k.name);
    keys
});

/// Every known key, sorted by name.
///
/// ```
/// let keys = ferrolab::config::keys();
/// assert!(keys.windows(2).all(|w| w[0].name < w[1].name));
/// ```
pub fn keys() -> &'static [KeySpec] {
    &ALL
}

/// The key called `name`, if any engine declares it.
///
/// ```
/// assert!(ferrolab::config::find_key("no.such_key").is_none());
/// ```
pub fn find_key(name: &str) -> Option<&'static KeySpec> {
    keys()
        .binary_search_by(|k| k.name.cmp(name))
        .ok()
        .map(|i| &keys()[i])
}

/// The known key closest to a misspelt one, for "did you mean" hints.
pub(super) fn closest_key(name: &str) -> Option<&'static str> {
    keys()
        .iter()
        .map(|k| (edit_distance(name, k.name), k.name))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::super::spec::{DefaultValue, Kind, Valid};
    use super::*;

    #[test]
    fn names_are_unique_and_well_formed() {
        for w in keys().windows(2) {
            assert_ne!(w[0].name, w[1].name, "duplicate key");
        }
        for k in keys() {
            assert!(k.name.contains('.'), "{} lacks an engine prefix", k.name);
            assert!(
                k.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_'),
                "{} is not lower_snake",
                k.name
            );
            assert!(!k.doc.is_empty(), "{} has no doc", k.name);
        }
    }

    #[test]
    fn every_default_is_valid_and_typed_like_its_range() {
        for k in keys() {
            let ok = match (k.default, k.valid) {
                (DefaultValue::F64(v), valid) => valid.admits_f64(v),
                (DefaultValue::I64(v), valid) => valid.admits_i64(v),
                (DefaultValue::Str(v), valid) => valid.admits_str(v),
                (DefaultValue::F64Array(v), valid) => {
                    !v.is_empty() && v.iter().all(|x| valid.admits_f64(*x))
                }
                (DefaultValue::I64Array(v), valid) => {
                    !v.is_empty() && v.iter().all(|x| valid.admits_i64(*x))
                }
            };
            assert!(ok, "default of {} is outside {}", k.name, k.valid);
            let range_kind_matches = matches!(
                (k.kind(), k.valid),
                (Kind::F64 | Kind::F64Array, Valid::Real(..))
                    | (Kind::I64 | Kind::I64Array, Valid::Int(..))
                    | (Kind::Str, Valid::OneOf(_))
            );
            assert!(
                range_kind_matches,
                "{}: range does not fit its type",
                k.name
            );
        }
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }
}
