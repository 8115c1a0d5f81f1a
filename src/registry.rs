//! The crate's one list of configuration keys, gathered from every engine's settings structs
//! (each key is declared once, on its field; see [`settings!`](crate::settings)). The C key
//! listing, `ferrolab keys` and the docs all show this list. It lives at the crate root so
//! that [`config`](crate::config) depends on no engine.

use crate::config::{Config, KeySpec, Kind};
use std::sync::LazyLock;

/// Each engine's settings, in the order their keys are gathered.
const SETTINGS: &[fn() -> Vec<KeySpec>] = &[
    crate::phasefield::polycrystal::PolycrystalParams::keys,
    crate::phasefield::params::PhaseFieldParams::keys,
    crate::phasefield::elastic::ElasticParams::keys,
    crate::phasefield::dataset::SweepSettings::keys,
    crate::gp::GpParams::keys,
    crate::nn::VaeSettings::keys,
    crate::nn::lstm_vae::LstmVaeSettings::keys,
    crate::nn::im2spec::Im2SpecSettings::keys,
    crate::nn::im2spec::Spec2ImSettings::keys,
    crate::nn::rvae::RvaeSettings::keys,
    crate::nn::unet::UnetSettings::keys,
    crate::experiment::AeSettings::keys,
    crate::design::DesignSettings::keys,
    crate::analysis::NmfSettings::keys,
    crate::analysis::DictionarySettings::keys,
    crate::analysis::KMeansSettings::keys,
    crate::analysis::GmmSettings::keys,
    crate::analysis::KdeSettings::keys,
    crate::analysis::TsneSettings::keys,
    crate::analysis::MdsSettings::keys,
    crate::analysis::IsomapSettings::keys,
    crate::experiment::SampleSettings::keys,
];

static ALL: LazyLock<Vec<KeySpec>> = LazyLock::new(|| {
    let mut keys: Vec<KeySpec> = SETTINGS.iter().flat_map(|keys| keys()).collect();
    keys.sort_by_key(|k| k.name);
    keys
});

/// Every known key, sorted by name.
///
/// ```
/// let keys = ferrolab::keys();
/// assert!(keys.windows(2).all(|w| w[0].name < w[1].name));
/// ```
pub fn keys() -> &'static [KeySpec] {
    &ALL
}

/// The key called `name`, if any engine declares it.
///
/// ```
/// assert!(ferrolab::find_key("no.such_key").is_none());
/// assert_eq!(ferrolab::find_key("pf.points").unwrap().unit, "");
/// ```
pub fn find_key(name: &str) -> Option<&'static KeySpec> {
    keys()
        .binary_search_by(|k| k.name.cmp(name))
        .ok()
        .map(|i| &keys()[i])
}

/// The key reference as Markdown: one table per engine prefix (`pf`, `sweep`, `gp`, ...) with
/// each key's type, unit, valid values, default and doc. `docs/keys.md` is this text (a test
/// keeps it so); `ferrolab keys --markdown` prints it.
///
/// ```
/// let md = ferrolab::keys_markdown();
/// assert!(md.contains("| `pf.points` | integer |"));
/// ```
pub fn keys_markdown() -> String {
    let mut out = String::from(
        "# Configuration keys\n\nGenerated from the settings structs that declare them \
         (`ferrolab keys --markdown`); do not edit. Set them with `--set KEY=VALUE` on the \
         command line, `ferrolab_config_set_*` in C, or `Config::set` in Rust.\n",
    );
    let mut prefix = "";
    for k in keys() {
        let this = k.name.split('.').next().unwrap_or_default();
        if this != prefix {
            prefix = this;
            out.push_str(&format!(
                "\n## `{prefix}.*`\n\n| key | type | unit | valid | default | meaning |\n|---|---|---|---|---|---|\n"
            ));
        }
        let kind = match k.kind() {
            Kind::F64 => "real",
            Kind::I64 => "integer",
            Kind::Str => "text",
            Kind::F64Array => "list of reals",
            Kind::I64Array => "list of integers",
        };
        let cell = |text: String| text.replace('|', "\\|");
        out.push_str(&format!(
            "| `{}` | {kind} | {} | {} | {} | {} |\n",
            k.name,
            cell(k.unit.to_owned()),
            cell(k.valid.to_string()),
            cell(k.default.to_string()),
            cell(k.doc.to_owned()),
        ));
    }
    out
}

impl Config {
    /// Every key of the crate at its default.
    ///
    /// ```
    /// let cfg = ferrolab::config::Config::new();
    /// assert_eq!(cfg.i64("pf.points")?, 400);
    /// # Ok::<(), ferrolab::config::ConfigError>(())
    /// ```
    pub fn new() -> Self {
        Config::over(keys())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Valid, Value};
    use std::collections::BTreeSet;

    /// `docs/keys.md` is the generated reference; regenerate it with
    /// `FERROLAB_REGEN_DOCS=1 cargo test --release --lib registry`.
    #[test]
    fn docs_keys_md_is_up_to_date() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/keys.md");
        let fresh = keys_markdown();
        if std::env::var_os("FERROLAB_REGEN_DOCS").is_some() {
            std::fs::write(path, &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == fresh,
            "docs/keys.md differs from the key list; regenerate it with \
             FERROLAB_REGEN_DOCS=1 cargo test --release --lib registry"
        );
    }

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
            assert!(
                crate::config::check_value(k, &k.default).is_ok(),
                "default of {} is outside {}",
                k.name,
                k.valid
            );
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
            assert_eq!(
                (k.round_trip)(k.name, k.default.clone()),
                Ok(k.default.clone()),
                "{}: the default does not round-trip through its field",
                k.name
            );
        }
    }

    /// Every text option: each listed word round-trips through its enum, every variant is
    /// listed, and an unlisted word is an error naming the key and every allowed word.
    #[test]
    fn every_text_option_round_trips_and_lists_every_variant() {
        let mut text_keys = 0;
        for k in keys() {
            let Valid::OneOf(words) = k.valid else {
                continue;
            };
            text_keys += 1;
            let listed: BTreeSet<&str> = words.iter().copied().collect();
            assert_eq!(
                listed.len(),
                words.len(),
                "{}: a word is listed twice",
                k.name
            );
            for word in words {
                let value = Value::Str((*word).to_owned());
                assert_eq!((k.round_trip)(k.name, value.clone()), Ok(value));
                let mut cfg = Config::new();
                assert!(cfg.set(k.name, Value::Str((*word).to_owned())).is_ok());
            }
            let variants: BTreeSet<String> = (k.variants)()
                .into_iter()
                .map(|v| match v {
                    Value::Str(w) => w,
                    other => panic!("{}: variant {other} is not text", k.name),
                })
                .collect();
            let listed: BTreeSet<String> = listed.into_iter().map(str::to_owned).collect();
            assert_eq!(
                variants, listed,
                "{}: variants and listed words differ",
                k.name
            );
            let unlisted = Value::Str("no-such-word".into());
            for err in [
                (k.round_trip)(k.name, unlisted.clone()).unwrap_err(),
                Config::new().set(k.name, unlisted).unwrap_err(),
            ] {
                let err = err.to_string();
                assert!(err.contains(k.name), "{err}");
                assert!(err.contains("no-such-word"), "{err}");
                for word in words {
                    assert!(err.contains(&format!("\"{word}\"")), "{err} lacks {word}");
                }
            }
        }
        assert!(text_keys >= 14, "only {text_keys} text keys found");
    }

    /// Integer-coded options (pf.elastic) list every variant in their range too.
    #[test]
    fn integer_options_cover_their_range() {
        for k in keys() {
            let variants = (k.variants)();
            if variants.is_empty() || matches!(k.valid, Valid::OneOf(_)) {
                continue;
            }
            for v in &variants {
                assert!(crate::config::check_value(k, v).is_ok(), "{}: {v}", k.name);
                assert_eq!((k.round_trip)(k.name, v.clone()), Ok(v.clone()));
            }
            let Valid::Int(std::ops::Bound::Included(lo), std::ops::Bound::Included(hi)) = k.valid
            else {
                panic!("{}: an integer option needs a closed range", k.name);
            };
            assert_eq!(variants.len() as i64, hi - lo + 1, "{}", k.name);
        }
    }
}
