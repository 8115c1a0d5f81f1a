//! Running a sweep: structures in parallel on the library's worker pool, batch by batch, each
//! finished batch checkpointed; resuming, cancelling, sharding and merging.

use super::checkpoint::{Checkpoints, StructureResult};
use super::{DatasetError, Sweep};
use crate::config::Config;
use crate::io::dataset::{Dataset, dataset_files};
use crate::keys;
use crate::phasefield::error::PhaseFieldError;
use crate::phasefield::params::PhaseFieldParams;
use crate::phasefield::polycrystal::Polycrystal;
use crate::phasefield::pv_loop::simulate_loop_on;
use crate::progress::Progress;
use ndarray::Array2;
use rayon::prelude::*;
use std::path::Path;

/// Structures per checkpoint. Results do not depend on it (nor on the thread count).
const BATCH: usize = 16;

/// Which part of a sweep a run takes: structures whose index is ≡ `index` (mod `count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, 0..count.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Shard {
    /// The whole sweep.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// A checked shard.
    pub fn new(index: usize, count: usize) -> Result<Self, DatasetError> {
        if count == 0 || index >= count {
            return Err(DatasetError::Invalid(format!(
                "shard {index} of {count}: need 0 <= index < count"
            )));
        }
        Ok(Self { index, count })
    }
}

/// Every key's value, as JSON, by name.
fn config_json(cfg: &Config) -> serde_json::Map<String, serde_json::Value> {
    keys()
        .iter()
        .map(|k| {
            let value = cfg.get(k.name).expect("registry key").to_json();
            (k.name.to_owned(), value)
        })
        .collect()
}

/// One structure's loop, or None if the run was cancelled meanwhile.
fn simulate_one(
    sweep: &Sweep,
    params: &PhaseFieldParams,
    index: usize,
    progress: &Progress,
) -> Option<StructureResult> {
    let spec = sweep.structure(index);
    let film_params = spec.film(&params.structure);
    let run = Polycrystal::generate(&film_params)
        .and_then(|film| simulate_loop_on(&film, params, |_, _| !progress.is_cancelled()));
    let failed = |status| StructureResult {
        status,
        features: [f64::NAN; 8],
        polarization: vec![f64::NAN; params.points],
    };
    let result = match run {
        Ok(run) => StructureResult {
            status: 0,
            features: run.features.to_array(),
            polarization: run.polarization,
        },
        Err(PhaseFieldError::Cancelled) => return None,
        Err(PhaseFieldError::Runaway { .. }) => failed(1),
        Err(_) => failed(2),
    };
    progress.advance(1);
    Some(result)
}

/// Run (or resume) the sweep of `cfg` (its `sweep.*` and `pf.*` keys), or one shard of it,
/// writing `out.npz` and `out.json` (see [`super::format`]) and checkpoints in `out.partial/`
/// while it runs. A killed or cancelled run resumes from its checkpoints when started again
/// with the same settings, and the finished files are byte-identical to an uninterrupted run;
/// shards merge (with [`merge_shards`]) into the bytes of a single run. A structure whose
/// polarization runs away is recorded with status 1 and the sweep goes on. `progress` counts
/// structures (its stage is left to the caller) and stops the run when cancelled.
pub fn run_sweep(
    cfg: &Config,
    out: &Path,
    shard: Shard,
    progress: &Progress,
) -> Result<Dataset, DatasetError> {
    let shard = Shard::new(shard.index, shard.count)?;
    let params = PhaseFieldParams::from_config(cfg)?;
    let sweep = Sweep::from_config(cfg)?;
    sweep.check_memory(shard, params.points)?;
    let indices: Vec<usize> = (shard.index..sweep.len()).step_by(shard.count).collect();
    progress.set_total(indices.len());
    progress.set_done(0);

    let config = config_json(cfg);
    let shard_meta = (shard.count > 1).then_some((shard.index, shard.count));
    let fingerprint = serde_json::to_string_pretty(&serde_json::json!({
        "config": config,
        "shard": shard_meta,
    }))
    .expect("JSON of plain values");
    let (npz_path, _) = dataset_files(out);
    let checkpoints = Checkpoints::open(
        &npz_path.with_extension("partial"),
        &fingerprint,
        params.points,
    )?;

    let mut results: Vec<StructureResult> = Vec::with_capacity(indices.len());
    for (chunk, batch) in indices.chunks(BATCH).enumerate() {
        if let Some(saved) = checkpoints.load(chunk, batch.len()) {
            progress.advance(batch.len());
            results.extend(saved);
            continue;
        }
        let computed: Vec<Option<StructureResult>> = crate::parallel::install(|| {
            batch
                .par_iter()
                .map(|&k| simulate_one(&sweep, &params, k, progress))
                .collect()
        })
        .map_err(|e| DatasetError::Invalid(e.to_string()))?;
        let Some(computed) = computed.into_iter().collect::<Option<Vec<_>>>() else {
            return Err(DatasetError::Cancelled {
                done: usize::try_from(progress.done()).unwrap_or(usize::MAX),
                total: indices.len(),
            });
        };
        checkpoints.save(chunk, &computed)?;
        results.extend(computed);
    }

    let data = assemble(&sweep, &params, &indices, &results, config, shard_meta);
    data.write(out)?;
    checkpoints.finish()?;
    Ok(data)
}

fn assemble(
    sweep: &Sweep,
    params: &PhaseFieldParams,
    indices: &[usize],
    results: &[StructureResult],
    config: serde_json::Map<String, serde_json::Value>,
    shard: Option<(usize, usize)>,
) -> Dataset {
    let n = indices.len();
    let specs: Vec<_> = indices.iter().map(|&k| sweep.structure(k)).collect();
    Dataset {
        index: indices.iter().map(|&k| k as u64).collect(),
        parameters: Array2::from_shape_fn((n, 4), |(r, c)| specs[r].parameters[c]),
        seed: specs.iter().map(|s| s.seed).collect(),
        status: results.iter().map(|r| r.status).collect(),
        voltage: params.voltages(),
        polarization: Array2::from_shape_fn((n, params.points), |(r, c)| {
            results[r].polarization[c]
        }),
        features: Array2::from_shape_fn((n, 8), |(r, c)| results[r].features[c]),
        sweep_structures: sweep.len(),
        shard,
        config,
    }
}

/// Merge the shards of one sweep into the dataset a single run would have written.
///
/// ```no_run
/// use ferrolab::phasefield::dataset::{Dataset, merge_shards};
/// let shards = ["part0.json", "part1.json"].map(|p| Dataset::read(p.as_ref())).into_iter()
///     .collect::<Result<Vec<_>, _>>()?;
/// merge_shards(&shards)?.write("sweep".as_ref())?;
/// # Ok::<(), ferrolab::phasefield::dataset::DatasetError>(())
/// ```
pub fn merge_shards(shards: &[Dataset]) -> Result<Dataset, DatasetError> {
    let first = shards
        .first()
        .ok_or_else(|| DatasetError::Invalid("no shard to merge".into()))?;
    let count = shards.len();
    let mut seen = vec![false; count];
    for s in shards {
        let Some((index, of)) = s.shard else {
            return Err(DatasetError::Invalid(
                "a complete dataset is not a shard".into(),
            ));
        };
        if of != count || index >= count || std::mem::replace(&mut seen[index], true) {
            return Err(DatasetError::Invalid(format!(
                "shard {index} of {of}: need each of the {count} shards exactly once"
            )));
        }
        if s.config != first.config
            || s.voltage != first.voltage
            || s.sweep_structures != first.sweep_structures
        {
            return Err(DatasetError::Invalid(format!(
                "shard {index} comes from another sweep (configuration differs)"
            )));
        }
    }
    let total = first.sweep_structures;
    let mut rows: Vec<(usize, &Dataset, usize)> = shards
        .iter()
        .flat_map(|s| {
            s.index
                .iter()
                .enumerate()
                .map(move |(r, &k)| (k as usize, s, r))
        })
        .collect();
    rows.sort_by_key(|(k, _, _)| *k);
    if rows.len() != total || rows.iter().enumerate().any(|(i, (k, _, _))| i != *k) {
        return Err(DatasetError::Invalid(format!(
            "the shards hold {} structures, not each of the sweep's {total} once",
            rows.len()
        )));
    }
    let points = first.voltage.len();
    Ok(Dataset {
        index: (0..total as u64).collect(),
        parameters: Array2::from_shape_fn((total, 4), |(i, c)| {
            rows[i].1.parameters[(rows[i].2, c)]
        }),
        seed: rows.iter().map(|(_, s, r)| s.seed[*r]).collect(),
        status: rows.iter().map(|(_, s, r)| s.status[*r]).collect(),
        voltage: first.voltage.clone(),
        polarization: Array2::from_shape_fn((total, points), |(i, c)| {
            rows[i].1.polarization[(rows[i].2, c)]
        }),
        features: Array2::from_shape_fn((total, 8), |(i, c)| rows[i].1.features[(rows[i].2, c)]),
        sweep_structures: total,
        shard: None,
        config: first.config.clone(),
    })
}
