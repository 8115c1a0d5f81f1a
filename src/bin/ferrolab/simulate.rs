//! `ferrolab simulate`: one phase-field P-V loop of a polycrystalline HZO film.

use crate::plot::loop_png;
use crate::settings::config_from;
use crate::structure::write_structure;
use ferrolab::io::atomic::write_atomically;
use ferrolab::io::npy::write_npy;
use ferrolab::loops::features::FEATURE_NAMES;
use ferrolab::phasefield::params::PhaseFieldParams;
use ferrolab::phasefield::polycrystal::Polycrystal;
use ferrolab::phasefield::pv_loop::simulate_loop_on;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// Options of `ferrolab simulate`.
#[derive(clap::Args)]
pub struct Args {
    /// Configuration, e.g. `--set pf.grain_diameter_nm=10 --set pf.landau=stabilized`
    /// (`ferrolab keys pf.` lists the keys and their defaults: paper 000's film and protocol).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Directory for loop.csv, loop.npy (points x [V, P]), loop.png, features.csv and the
    /// structure maps; with --sweep, the dataset path (OUT.npz and OUT.json).
    #[arg(long, default_value = "loop")]
    out: PathBuf,
    /// Simulate a whole dataset over the `sweep.*` keys (paper 000's 10^4 grid by default)
    /// instead of one loop. Killed or interrupted runs resume when started again.
    #[arg(long)]
    sweep: bool,
    /// With --sweep, run shard I of N (structures with index = I mod N); merge the shards with
    /// `ferrolab merge`. `auto`: under mpirun, mpiexec, srun or a Slurm job array, each process
    /// takes the shard of its rank (from the launcher's environment) into OUT.shard-I-of-N,
    /// and rank 0 merges them into OUT, the bytes of a one-machine run.
    #[arg(long, value_name = "I/N|auto", requires = "sweep")]
    shard: Option<String>,
    /// With --shard auto, how long rank 0 waits for the other shards after its own.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 3600,
        requires = "shard"
    )]
    shard_timeout: u64,
}

pub fn run(args: &Args) -> Result<(), String> {
    let cfg = config_from(&args.set)?;
    if args.sweep {
        let timeout = std::time::Duration::from_secs(args.shard_timeout);
        return crate::sweep::run(&cfg, &args.out, args.shard.as_deref(), timeout);
    }
    let params = PhaseFieldParams::from_config(&cfg).map_err(|e| e.to_string())?;
    let film = Polycrystal::generate(&params.structure).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&args.out).map_err(|e| format!("--out {}: {e}", args.out.display()))?;
    write_structure(&film, &args.out, 4)?;

    let total = params.points * (params.precycles + 1);
    let bar = ProgressBar::new(total as u64).with_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} voltage points, {elapsed} elapsed, {eta} left",
        )
        .map_err(|e| e.to_string())?,
    );
    let start = std::time::Instant::now();
    let run = simulate_loop_on(&film, &params, |done, _| {
        bar.set_position(done as u64);
        true
    })
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    let seconds = start.elapsed().as_secs_f64();

    let path = |name: &str| args.out.join(name);
    let table = ndarray::Array2::from_shape_fn((run.voltage.len(), 2), |(k, c)| {
        if c == 0 {
            run.voltage[k]
        } else {
            run.polarization[k]
        }
    });
    write_npy(&path("loop.npy"), &table).map_err(|e| e.to_string())?;
    write_atomically(&path("loop.csv"), |w| {
        writeln!(w, "voltage_V,polarization_C_per_m2")?;
        for (v, p) in run.voltage.iter().zip(&run.polarization) {
            writeln!(w, "{v:.6},{p:.9e}")?;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    let f = run.features;
    write_atomically(&path("features.csv"), |w| {
        let values: Vec<String> = f.to_array().iter().map(f64::to_string).collect();
        writeln!(w, "{}", FEATURE_NAMES.join(","))?;
        writeln!(w, "{}", values.join(","))
    })
    .map_err(|e| e.to_string())?;
    let s = &params.structure;
    let title = format!(
        "D_G {} nm, ν {}, μ_θ {} rad, σ_θ {} rad, seed {}: Ec {:.2} MV/cm, Pr {:.3}, Ps {:.3} C/m²",
        s.grain_diameter_nm,
        s.polar_fraction,
        s.orientation_mean_rad,
        s.orientation_spread_rad,
        s.seed,
        f.coercive_field_mv_per_cm,
        f.remanent_polarization,
        f.saturation_polarization
    );
    loop_png(&path("loop.png"), &run.voltage, &run.polarization, &title)?;
    println!(
        "{} grains, {} x {} cells, {} points x {} steps in {seconds:.2} s",
        film.grain_count(),
        s.cells_thickness,
        s.cells_width,
        params.points,
        params.hold_steps
    );
    println!(
        "Ec = {:.3} MV/cm, Pr = {:.4} C/m^2, Ps = {:.4} C/m^2, area = {:.3} J/m^2, imprint = {:.3} V, offset = {:.4} C/m^2",
        f.coercive_field_mv_per_cm,
        f.remanent_polarization,
        f.saturation_polarization,
        f.area,
        f.imprint_voltage,
        f.offset
    );
    println!(
        "wrote {}/{{loop.csv, loop.npy, loop.png, features.csv, structure.png, classes.npy, grains.npy, orientation_rad.npy}}",
        args.out.display()
    );
    Ok(())
}
