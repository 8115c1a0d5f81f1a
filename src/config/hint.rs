//! "Did you mean" hints for misspelt keys.

use super::KeySpec;

/// The key of `table` closest to a misspelt one, within three edits.
pub(super) fn closest_key(table: &'static [KeySpec], name: &str) -> Option<&'static str> {
    let len = name.chars().count();
    table
        .iter()
        // Lengths differing by more than three need more than three edits: skipping them keeps
        // the hint of a long unknown key (from C, say) from costing its length times the table.
        .filter(|k| k.name.chars().count().abs_diff(len) <= 3)
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
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
    }

    #[test]
    fn long_unknown_keys_get_no_hint_at_once() {
        let table = crate::keys();
        assert_eq!(closest_key(table, "pf.pionts"), Some("pf.points"));
        let long = "pf.points".repeat(100_000);
        let start = std::time::Instant::now();
        assert_eq!(closest_key(table, &long), None);
        assert!(start.elapsed().as_secs_f64() < 0.5, "{:?}", start.elapsed());
    }
}
