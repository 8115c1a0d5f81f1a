//! Datasets: a killed or cancelled sweep resumes to identical bytes, shards merge to the bytes
//! of one run, damaged and foreign files are rejected, runaways are recorded.

use ferrolab::config::{Config, Value};
use ferrolab::phasefield::dataset::{Dataset, DatasetError, Shard, merge_shards, run_sweep};
use ferrolab::progress::Progress;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A small sweep: 3^4 = 81 structures of 20 x 16 cells, 20 points x 5 steps.
const SETTINGS: &[(&str, i64)] = &[
    ("sweep.levels", 3),
    ("pf.cells_width", 16),
    ("pf.points", 20),
    ("pf.hold_steps", 5),
];

fn config() -> Config {
    let mut cfg = Config::new();
    for (key, value) in SETTINGS {
        cfg.set(key, Value::I64(*value)).unwrap();
    }
    cfg
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrolab-datasets-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn bytes(base: &Path) -> (Vec<u8>, Vec<u8>) {
    let read = |ext: &str| std::fs::read(base.with_extension(ext)).unwrap();
    (read("npz"), read("json"))
}

#[test]
fn a_sweep_writes_what_it_reads_back() {
    let dir = scratch("roundtrip");
    let out = dir.join("sweep");
    let data = run_sweep(&config(), &out, Shard::WHOLE, &Progress::new()).unwrap();
    assert_eq!(data.len(), 81);
    assert_eq!(data.polarization.dim(), (81, 20));
    // Debug text compares NaN features (no zero crossing) as equal, bit patterns aside.
    let text = |d: &Dataset| format!("{d:?}");
    assert_eq!(
        text(&Dataset::read(&out.with_extension("json")).unwrap()),
        text(&data)
    );
    assert_eq!(
        text(&Dataset::read(&out.with_extension("npz")).unwrap()),
        text(&data)
    );
    assert!(
        !dir.join("sweep.partial").exists(),
        "checkpoints are removed at the end"
    );
    // Every loop is the one the single-loop API gives for its parameters and seed.
    let params = ferrolab::phasefield::params::PhaseFieldParams::from_config(&config()).unwrap();
    let sweep = ferrolab::phasefield::dataset::Sweep::from_config(&config()).unwrap();
    for k in [0, 40, 80] {
        let film = ferrolab::phasefield::polycrystal::Polycrystal::generate(
            &sweep.structure(k).film(&params.structure),
        )
        .unwrap();
        let run =
            ferrolab::phasefield::pv_loop::simulate_loop_on(&film, &params, |_, _| true).unwrap();
        assert_eq!(
            data.polarization.row(k).to_vec(),
            run.polarization,
            "structure {k}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn shards_merge_into_the_bytes_of_one_run() {
    let dir = scratch("shards");
    run_sweep(
        &config(),
        &dir.join("whole"),
        Shard::WHOLE,
        &Progress::new(),
    )
    .unwrap();
    let shards: Vec<Dataset> = (0..3)
        .map(|i| {
            let out = dir.join(format!("part{i}"));
            run_sweep(&config(), &out, Shard::new(i, 3).unwrap(), &Progress::new()).unwrap()
        })
        .collect();
    assert_eq!(shards.iter().map(Dataset::len).sum::<usize>(), 81);
    merge_shards(&shards)
        .unwrap()
        .write(&dir.join("merged"))
        .unwrap();
    assert_eq!(bytes(&dir.join("merged")), bytes(&dir.join("whole")));
    // Missing or repeated shards are refused.
    let err = merge_shards(&shards[..2]).unwrap_err().to_string();
    assert!(err.contains("exactly once"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cancelled_sweep_resumes_to_identical_bytes() {
    let dir = scratch("cancel");
    run_sweep(
        &config(),
        &dir.join("whole"),
        Shard::WHOLE,
        &Progress::new(),
    )
    .unwrap();
    let out = dir.join("resumed");
    let progress = Progress::new();
    let result = std::thread::scope(|s| {
        let run = s.spawn(|| run_sweep(&config(), &out, Shard::WHOLE, &progress));
        while progress.done() < 40 && !run.is_finished() {
            std::thread::yield_now();
        }
        progress.request_cancel();
        run.join().unwrap()
    });
    assert!(
        matches!(result, Err(DatasetError::Cancelled { .. })),
        "{result:?}"
    );
    assert!(dir.join("resumed.partial").exists());
    assert!(!out.with_extension("json").exists());
    let again = Progress::new();
    run_sweep(&config(), &out, Shard::WHOLE, &again).unwrap();
    assert_eq!(bytes(&out), bytes(&dir.join("whole")));
    // A resume with other settings is refused rather than mixing two sweeps.
    let mut other = config();
    other.set("pf.points", Value::I64(40)).unwrap();
    std::fs::create_dir_all(dir.join("resumed.partial")).unwrap();
    std::fs::write(dir.join("resumed.partial/run.json"), "{}").unwrap();
    let err = run_sweep(&other, &out, Shard::WHOLE, &Progress::new()).unwrap_err();
    assert!(err.to_string().contains("another configuration"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_killed_process_resumes_to_identical_bytes() {
    let dir = scratch("kill");
    let settings: Vec<String> = SETTINGS
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain(["sweep.levels=5".to_owned()]) // 625 structures: long enough to kill mid-run
        .collect();
    let sweep = |out: &Path| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferrolab"));
        cmd.args(["simulate", "--sweep", "--out"]).arg(out);
        for s in &settings {
            cmd.args(["--set", s]);
        }
        cmd
    };
    assert!(sweep(&dir.join("whole")).output().unwrap().status.success());
    let out = dir.join("killed");
    let mut child = sweep(&out)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it has checkpointed at least two batches.
    let partial = dir.join("killed.partial");
    let chunks = || std::fs::read_dir(&partial).map(|d| d.count()).unwrap_or(0);
    while chunks() < 3 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(partial.exists(), "killed before it finished");
    assert!(sweep(&out).output().unwrap().status.success());
    assert_eq!(bytes(&out), bytes(&dir.join("whole")));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn damaged_and_foreign_files_are_rejected_with_clear_errors() {
    let dir = scratch("corrupt");
    let out = dir.join("sweep");
    run_sweep(&config(), &out, Shard::WHOLE, &Progress::new()).unwrap();
    let npz = out.with_extension("npz");
    let json = out.with_extension("json");
    let good = std::fs::read(&npz).unwrap();
    let mut damaged = good.clone();
    let at = damaged.len() / 2;
    damaged[at] ^= 0x40;
    std::fs::write(&npz, &damaged).unwrap();
    let err = Dataset::read(&json).unwrap_err().to_string();
    assert!(err.contains("damaged"), "{err}");
    std::fs::write(&npz, &good[..good.len() - 10]).unwrap();
    assert!(
        Dataset::read(&json)
            .unwrap_err()
            .to_string()
            .contains("damaged")
    );
    std::fs::write(&npz, &good).unwrap();
    let text = std::fs::read_to_string(&json).unwrap();
    std::fs::write(&json, text.replace("\"version\": 1", "\"version\": 2")).unwrap();
    let err = Dataset::read(&json).unwrap_err().to_string();
    assert!(err.contains("format version 2 is not supported"), "{err}");
    std::fs::write(&json, "{\"format\": \"something-else\"}").unwrap();
    assert!(
        Dataset::read(&json)
            .unwrap_err()
            .to_string()
            .contains("not a ferrolab-dataset")
    );
    std::fs::write(&json, "not json").unwrap();
    assert!(
        Dataset::read(&json)
            .unwrap_err()
            .to_string()
            .contains("not JSON")
    );
    let err = Dataset::read(&dir.join("missing.json"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing.json"), "{err}");
    for shard in ["\"x\"", "{\"index\": 5, \"count\": 2}"] {
        std::fs::write(
            &json,
            text.replace("\"shard\": null", &format!("\"shard\": {shard}")),
        )
        .unwrap();
        let err = Dataset::read(&json).unwrap_err().to_string();
        assert!(err.contains("is not {\"index\": i, \"count\": n}"), "{err}");
    }
    std::fs::write(&json, [0xff, 0xfe, b'{']).unwrap();
    let err = Dataset::read(&json).unwrap_err();
    assert!(
        matches!(err, ferrolab::io::IoError::Corrupt { .. }),
        "non-UTF-8 metadata is corrupt, not an I/O failure: {err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A dataset declaring 2^61 structures, with an archive whose sound checksum covers an `index`
/// member declaring 2^61 values over no data: an error, not a panic (8 x 2^61 overflows).
#[test]
fn declared_sizes_beyond_the_data_are_corrupt() {
    let dir = scratch("huge");
    let out = dir.join("sweep");
    run_sweep(&config(), &out, Shard::WHOLE, &Progress::new()).unwrap();
    let (npz, json) = (out.with_extension("npz"), out.with_extension("json"));
    let header = "{'descr': '<u8', 'fortran_order': False, 'shape': (2305843009213693952,), }\n";
    let mut index = b"\x93NUMPY\x01\x00".to_vec();
    index.extend_from_slice(&(header.len() as u16).to_le_bytes());
    index.extend_from_slice(header.as_bytes());
    let archive = ferrolab::io::npz::npz_bytes(&[("index", index)]).unwrap();
    std::fs::write(&npz, &archive).unwrap();
    let mut meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    meta["structures"] = (1u64 << 61).into();
    meta["npz_bytes"] = archive.len().into();
    meta["npz_crc32"] = format!("{:08x}", crc32fast::hash(&archive)).into();
    std::fs::write(&json, meta.to_string()).unwrap();
    let err = Dataset::read(&json).unwrap_err().to_string();
    assert!(err.contains("overflows"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn runaway_structures_are_recorded_and_the_sweep_goes_on() {
    let dir = scratch("runaway");
    let mut cfg = config();
    cfg.set("sweep.levels", Value::I64(2)).unwrap();
    cfg.set("pf.v_max", Value::F64(12.0)).unwrap();
    // Only paper 000's coefficients (unbounded below) run away.
    cfg.set("pf.landau", Value::Str("paper".into())).unwrap();
    let data = run_sweep(&cfg, &dir.join("sweep"), Shard::WHOLE, &Progress::new()).unwrap();
    let runaways = data.status.iter().filter(|s| **s == 1).count();
    assert!(
        runaways > 0,
        "12 V should run some structures away: {:?}",
        data.status
    );
    for (r, status) in data.status.iter().enumerate() {
        let row_is_nan = data.polarization.row(r).iter().all(|x| x.is_nan());
        assert_eq!(*status != 0, row_is_nan, "row {r}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
