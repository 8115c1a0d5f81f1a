//! Test settings exercising every field form of `settings!` and `text_option!`, shared by the
//! tests of the configuration machinery.

use crate::config::settings::Validate;
use crate::config::{ConfigError, KeySpec, Valid};
use std::ops::Bound::{Excluded, Included, Unbounded};
use std::sync::LazyLock;

crate::text_option! {
    /// A test word.
    pub enum Choice {
        /// First.
        A = "a",
        /// Second.
        B = "b",
    }
}

crate::settings! {
    /// Nested test settings.
    pub struct Inner {
        /// A length.
        pub length_nm: f64 = 1.5
            => "t.length_nm", unit "nm", valid Valid::Real(Excluded(0.0), Unbounded);
    }
}

crate::settings! {
    /// Test settings.
    pub struct Outer {
        /// A word,
        /// on two lines.
        pub choice: Choice = Choice::A => "t.choice";
        /// A count.
        pub count: usize = 3 => "t.count", valid Valid::Int(Included(1), Included(10));
        /// A flag.
        pub flag: bool = true => "t.flag";
        /// A window.
        pub window: [f64; 2] = [0.0, 1.0]
            => "t.window", valid Valid::Real(Included(0.0), Included(5.0));
        /// Positive reals.
        pub scales: Vec<f64> = vec![1.0, 2.0]
            => "t.scales", valid Valid::Real(Excluded(0.0), Unbounded);
        /// Positive integers.
        pub widths: Vec<usize> = vec![256] => "t.widths", valid Valid::Int(Included(1), Unbounded);
        /// Keyless.
        pub size: usize = 7;
        /// Nested.
        pub inner: Inner;
    }
}

impl Validate for Inner {
    type Error = ConfigError;
    fn check_together(&self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl Validate for Outer {
    type Error = ConfigError;
    fn check_together(&self) -> Result<(), Self::Error> {
        self.inner.check_together()
    }
}

/// The keys of `Outer` and `Inner`, sorted by name.
pub(crate) fn table() -> &'static [KeySpec] {
    static TABLE: LazyLock<Vec<KeySpec>> = LazyLock::new(|| {
        let mut keys = Outer::keys();
        keys.extend(Inner::keys());
        keys.sort_by_key(|k| k.name);
        keys
    });
    &TABLE
}
