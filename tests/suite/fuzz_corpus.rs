//! Every committed fuzz input (`fuzz/seeds/`, the minimised corpus `fuzz/corpus/` and the past
//! crashes `fuzz/regressions/`) replayed through the fuzz targets' own bodies in the ordinary
//! build: none may panic. Live fuzzing is a bench (fuzz/README.md).

use crate::targets;

use std::path::Path;

#[test]
fn committed_fuzz_inputs_are_refused_or_read_without_panics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut panicked = Vec::new();
    let mut replayed = 0;
    for (target, body) in targets::TARGETS {
        for kind in ["seeds", "corpus", "regressions"] {
            let Ok(entries) = std::fs::read_dir(root.join(kind).join(target)) else {
                continue;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                if std::panic::catch_unwind(|| body(&bytes)).is_err() {
                    panicked.push(path);
                }
                replayed += 1;
            }
        }
    }
    let _ = std::fs::remove_dir_all(targets::scratch_dir());
    assert!(panicked.is_empty(), "panics on {panicked:?}");
    assert!(
        replayed > 0,
        "no fuzz inputs found under {}",
        root.display()
    );
}
