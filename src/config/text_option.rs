//! Text options: enums whose variants are the words a configuration key admits.
//!
//! [`text_option!`](crate::text_option) declares the enum and its words in one place and derives
//! everything else from that list: `as_str` and `FromStr` (exhaustive, no catch-all arm),
//! `Display`, the list of words a key admits and the [`Setting`](super::Setting) impl. An
//! option added to the enum is admitted by its key at once; a word not in the list is an error
//! naming the key and every allowed word.

/// Why a word is not one of an option's variants.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("\"{word}\" is not one of {allowed:?}")]
pub struct UnknownWord {
    /// The word given.
    pub word: String,
    /// The words the option admits.
    pub allowed: &'static [&'static str],
}

/// Declare a text option: an enum, each variant with the word that names it.
///
/// ```
/// ferrolab::text_option! {
///     /// How a mixture's covariances are shaped.
///     pub enum Shape {
///         /// One full matrix per component.
///         Full = "full",
///         /// Diagonal matrices.
///         Diagonal = "diag",
///     }
/// }
/// assert_eq!(Shape::WORDS, ["full", "diag"]);
/// assert_eq!("diag".parse::<Shape>(), Ok(Shape::Diagonal));
/// assert_eq!(Shape::Full.as_str(), "full");
/// let err = "tied".parse::<Shape>().unwrap_err();
/// assert_eq!(err.to_string(), "\"tied\" is not one of [\"full\", \"diag\"]");
/// ```
#[macro_export]
macro_rules! text_option {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $variant:ident = $word:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $(
                $(#[doc = $doc])*
                $variant,
            )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The word of every variant, in declaration order.
            pub const WORDS: &'static [&'static str] = &[$($word),+];

            /// The word that names this variant in configuration keys and files.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::config::UnknownWord;

            fn from_str(word: &str) -> Result<Self, Self::Err> {
                match word {
                    $($word => Ok(Self::$variant),)+
                    _ => Err($crate::config::UnknownWord {
                        word: word.to_owned(),
                        allowed: Self::WORDS,
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::config::Setting for $name {
            fn implied_valid() -> Option<$crate::config::Valid> {
                Some($crate::config::Valid::OneOf(Self::WORDS))
            }

            fn to_value(&self) -> $crate::config::Value {
                $crate::config::Value::Str(self.as_str().to_owned())
            }

            fn from_value(
                key: &str,
                value: $crate::config::Value,
            ) -> Result<Self, $crate::config::ConfigError> {
                $crate::config::parse_word(key, value)
            }

            fn variants() -> Vec<Self> {
                Self::ALL.to_vec()
            }
        }
    };
}

/// The variant named by a text key's value, or an error naming the key and the allowed words.
#[doc(hidden)]
pub fn parse_word<T>(key: &str, value: super::Value) -> Result<T, super::ConfigError>
where
    T: std::str::FromStr<Err = UnknownWord>,
{
    match value {
        super::Value::Str(word) => {
            word.parse()
                .map_err(|e: UnknownWord| super::ConfigError::OutOfRange {
                    key: key.to_owned(),
                    value: format!("\"{}\"", e.word),
                    valid: super::Valid::OneOf(e.allowed).to_string(),
                })
        }
        other => Err(super::ConfigError::WrongType {
            key: key.to_owned(),
            expected: super::Kind::Str.name(),
            given: other.kind().name(),
        }),
    }
}
