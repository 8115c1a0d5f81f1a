//! `--shard auto`: this process's rank and the number of ranks, read from the environment that
//! a cluster launcher (mpirun, mpiexec, srun, a Slurm job array) gives every process it starts.
//! No MPI library is involved: the ranks share nothing but the file system.

/// This process's place among the launched processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rank {
    /// 0..size.
    pub rank: usize,
    /// Number of processes.
    pub size: usize,
    /// The variables it was read from, for messages.
    pub source: &'static str,
}

/// Rank and size variables, in the order they are looked for: a launcher's own variables win
/// over Slurm's, which an mpirun inside a Slurm allocation also inherits.
const PAIRS: [(&str, &str, &str); 4] = [
    (
        "OMPI_COMM_WORLD_RANK",
        "OMPI_COMM_WORLD_SIZE",
        "OMPI_COMM_WORLD_RANK/SIZE (Open MPI)",
    ),
    ("PMI_RANK", "PMI_SIZE", "PMI_RANK/PMI_SIZE (MPICH, Hydra)"),
    ("PMIX_RANK", "PMIX_SIZE", "PMIX_RANK/PMIX_SIZE (PMIx)"),
    (
        "SLURM_PROCID",
        "SLURM_NTASKS",
        "SLURM_PROCID/SLURM_NTASKS (srun)",
    ),
];

const ARRAY: &str = "SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_MIN/MAX (Slurm job array)";

/// Every variable looked for, for the error when none is set.
pub const VARIABLES: &str = "OMPI_COMM_WORLD_RANK/OMPI_COMM_WORLD_SIZE, PMI_RANK/PMI_SIZE, \
     PMIX_RANK/PMIX_SIZE, SLURM_PROCID/SLURM_NTASKS or SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_MIN/\
     SLURM_ARRAY_TASK_MAX";

/// Detect the rank from the process environment.
pub fn detect() -> Result<Rank, String> {
    detect_in(|name| std::env::var(name).ok())
}

/// Detect the rank from the variables `var` returns.
pub fn detect_in(var: impl Fn(&str) -> Option<String>) -> Result<Rank, String> {
    let number = |name: &str| -> Result<Option<usize>, String> {
        match var(name) {
            None => Ok(None),
            Some(text) => text.trim().parse().map(Some).map_err(|_| {
                format!("--shard auto: {name}={text:?} is not a non-negative integer")
            }),
        }
    };
    let checked = |rank: usize, size: usize, source: &'static str| {
        if rank < size {
            Ok(Rank { rank, size, source })
        } else {
            Err(format!(
                "--shard auto: rank {rank} of {size} from {source}: need rank < size"
            ))
        }
    };
    // A job array's task runs alone in its step unless srun starts several.
    let array = number("SLURM_ARRAY_TASK_ID")?;
    let tasks = number("SLURM_NTASKS")?;
    // A rank without its size (srun --mpi=pmix sets PMIX_RANK only) defers to the next pair.
    let mut half = None;
    for (rank_var, size_var, source) in PAIRS {
        let rank = number(rank_var)?;
        if rank_var == "SLURM_PROCID" && array.is_some() && tasks.unwrap_or(1) <= 1 {
            break;
        }
        match (rank, number(size_var)?) {
            (Some(rank), Some(size)) => return checked(rank, size, source),
            (Some(_), None) => {
                half = half.or(Some(format!(
                    "--shard auto: {rank_var} is set but {size_var} is not; use --shard I/N"
                )));
            }
            _ => {}
        }
    }
    if let Some(id) = array {
        let (Some(min), Some(max)) = (
            number("SLURM_ARRAY_TASK_MIN")?,
            number("SLURM_ARRAY_TASK_MAX")?,
        ) else {
            return Err(
                "--shard auto: SLURM_ARRAY_TASK_ID is set but not SLURM_ARRAY_TASK_MIN/MAX".into(),
            );
        };
        let step = number("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
        let size = max.saturating_sub(min) / step + 1;
        let count = number("SLURM_ARRAY_TASK_COUNT")?.unwrap_or(size);
        if id < min || (id - min) % step != 0 || count != size {
            return Err(format!(
                "--shard auto: job array task {id} of {min}-{max}:{step} ({count} tasks): \
                 use an evenly spaced array such as --array=0-{}",
                count.saturating_sub(1)
            ));
        }
        return checked((id - min) / step, size, ARRAY);
    }
    if let Some(err) = half {
        return Err(err);
    }
    Err(format!(
        "--shard auto: no launcher rank in the environment (looked for {VARIABLES}); start \
         ferrolab with mpirun, mpiexec or srun, or use --shard I/N"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    fn rank(pairs: &[(&str, &str)]) -> Result<(usize, usize), String> {
        detect_in(env(pairs)).map(|r| (r.rank, r.size))
    }

    #[test]
    fn each_launcher_is_recognized() {
        let ompi = [("OMPI_COMM_WORLD_RANK", "1"), ("OMPI_COMM_WORLD_SIZE", "2")];
        assert_eq!(rank(&ompi), Ok((1, 2)));
        assert_eq!(rank(&[("PMI_RANK", "3"), ("PMI_SIZE", "4")]), Ok((3, 4)));
        assert_eq!(rank(&[("PMIX_RANK", "0"), ("PMIX_SIZE", "3")]), Ok((0, 3)));
        let srun = [("SLURM_PROCID", "5"), ("SLURM_NTASKS", "8")];
        assert_eq!(rank(&srun), Ok((5, 8)));
        // mpirun inside a Slurm allocation: Open MPI's variables win.
        assert_eq!(rank(&[ompi[0], ompi[1], srun[0], srun[1]]), Ok((1, 2)));
        // srun --mpi=pmix: PMIX_RANK without a size, then Slurm's pair.
        assert_eq!(rank(&[("PMIX_RANK", "5"), srun[0], srun[1]]), Ok((5, 8)));
    }

    #[test]
    fn job_arrays_count_from_their_first_task() {
        let array = |id: &'static str, extra: &[(&'static str, &'static str)]| {
            let mut pairs = vec![
                ("SLURM_ARRAY_TASK_ID", id),
                ("SLURM_ARRAY_TASK_MIN", "1"),
                ("SLURM_ARRAY_TASK_MAX", "7"),
                ("SLURM_PROCID", "0"),
                ("SLURM_NTASKS", "1"),
            ];
            pairs.extend_from_slice(extra);
            rank(&pairs)
        };
        assert_eq!(array("1", &[]), Ok((0, 7)));
        assert_eq!(array("7", &[("SLURM_ARRAY_TASK_COUNT", "7")]), Ok((6, 7)));
        assert_eq!(array("5", &[("SLURM_ARRAY_TASK_STEP", "2")]), Ok((2, 4)));
        // --array=1,3,7: not evenly spaced.
        let err = array("3", &[("SLURM_ARRAY_TASK_COUNT", "3")]).unwrap_err();
        assert!(err.contains("evenly spaced"), "{err}");
    }

    #[test]
    fn missing_or_bad_variables_are_named() {
        let err = rank(&[]).unwrap_err();
        assert!(err.contains("OMPI_COMM_WORLD_RANK") && err.contains("SLURM_PROCID"));
        let err = rank(&[("PMI_RANK", "0")]).unwrap_err();
        assert!(err.contains("PMI_SIZE"), "{err}");
        let err = rank(&[("PMI_RANK", "x"), ("PMI_SIZE", "2")]).unwrap_err();
        assert!(err.contains("PMI_RANK=\"x\""), "{err}");
        let err = rank(&[("PMI_RANK", "2"), ("PMI_SIZE", "2")]).unwrap_err();
        assert!(err.contains("rank < size"), "{err}");
    }
}
