//! `ferrolab beps`: SHO fits of band-excitation data (NPZ in, NPZ and PNG maps out), and
//! synthetic data to try it on.

use crate::beps_input::{BepsInput, LoopSteps, Source, load};
use crate::plot::{GridMap, grid_map_png};
use ferrolab::beps::{
    SyntheticSpec, fit_loops, fit_spectra, fits_to_arrays, loop_parameters, phase_rotation,
    piezoresponse, rising_first, synthetic_beps,
};
use ferrolab::io::atomic::write_atomically;
use ferrolab::io::npy::to_npy_bytes;
use ferrolab::io::npz::npz_bytes;
use ferrolab::progress::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{Array1, Array2, ArrayD, IxDyn};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Subcommands of `ferrolab beps`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Fit the SHO to every spectrum of band-excitation data: an NPZ with `freq_hz` (n_freq),
    /// `re` and `im` (rows x cols x steps x n_freq, or spectra x n_freq) and optionally
    /// `voltage` (steps); a complex NPY of the same shapes with --freq (and --voltage); or a
    /// USID HDF5 file as pycroscopy/BGlib write (needs the `hdf5` build feature). Writes
    /// OUT/fit.npz (params with the data's leading shape x 4: amplitude, w0 Hz, Q, phase rad;
    /// std_errors, r2, flags, theta, piezoresponse) and, for a map, PNG maps of A, phi, w0 and
    /// Q at --step. With voltages, each pixel's piezoresponse loop is fitted too: loop_params
    /// (rows x cols x 9), loop_r2 and switching (rows x cols x 10: V+, V-, width, imprint, R+,
    /// R-, switchable, area, nucleation biases 1 and 2); a USID file with in- and out-of-field
    /// steps or cycles gives one loop per combination (rows x cols x loops x ...). The loops
    /// are named in OUT/loop_groups.txt (`all`, or e.g. `Field=1, Cycle=0`) and their steps
    /// are loop_steps (loops x steps, indices into the step axis) and loop_voltage in fit.npz,
    /// which `ferrolab::beps::read_fit_loops` reads back as piezoresponse and resonance loops.
    Fit {
        /// Input: .npz, .npy (complex) or .h5/.hdf5 (USID).
        #[arg(long)]
        data: PathBuf,
        /// Frequency of each bin (Hz), an .npy file; for .npy data.
        #[arg(long)]
        freq: Option<PathBuf>,
        /// DC voltage of each step, an .npy file; for .npy data.
        #[arg(long)]
        voltage: Option<PathBuf>,
        /// Path of the main dataset in a USID file with several.
        #[arg(long)]
        dataset: Option<String>,
        /// Output directory.
        #[arg(long, default_value = "beps")]
        out: PathBuf,
        /// Voltage step of the PNG maps.
        #[arg(long, default_value_t = 0)]
        step: usize,
    },
    /// Write a synthetic map with known parameters (`truth`, same layout as the fit's params).
    Synthetic {
        /// Output NPZ.
        #[arg(long, default_value = "beps_synthetic.npz")]
        out: PathBuf,
        /// Grid rows, columns and voltage steps.
        #[arg(long, num_args = 3, value_names = ["ROWS", "COLS", "STEPS"], default_values_t = [60, 60, 96])]
        size: Vec<usize>,
        /// Peak amplitude over noise standard deviation.
        #[arg(long, default_value_t = 20.0)]
        snr: f64,
    },
}

fn npz_write(path: &Path, members: &[(&str, Vec<u8>)]) -> Result<(), String> {
    let bytes = npz_bytes(members).map_err(|e| format!("{}: {e}", path.display()))?;
    write_atomically(path, |w| w.write_all(&bytes)).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn run(command: &Command) -> Result<(), String> {
    match command {
        Command::Synthetic { out, size, snr } => {
            let spec = SyntheticSpec {
                rows: size[0],
                cols: size[1],
                steps: size[2],
                snr: *snr,
                ..Default::default()
            };
            let data = synthetic_beps(&spec).map_err(|e| e.to_string())?;
            let shape = [spec.rows, spec.cols, spec.steps, spec.bins];
            let dyn_shape = |a: &Array2<f64>, last: usize| {
                ArrayD::from_shape_vec(
                    IxDyn(&[shape[0], shape[1], shape[2], last]),
                    a.iter().copied().collect(),
                )
                .expect("sized")
            };
            npz_write(
                out,
                &[
                    ("freq_hz", to_npy_bytes(&Array1::from(data.freq_hz.clone()))),
                    ("voltage", to_npy_bytes(&Array1::from(data.voltage.clone()))),
                    ("re", to_npy_bytes(&dyn_shape(&data.re, spec.bins))),
                    ("im", to_npy_bytes(&dyn_shape(&data.im, spec.bins))),
                    ("truth", to_npy_bytes(&dyn_shape(&data.truth, 4))),
                ],
            )?;
            println!(
                "wrote {} ({} x {} x {} spectra of {} bins, noise std {:.3e})",
                out.display(),
                spec.rows,
                spec.cols,
                spec.steps,
                spec.bins,
                data.noise_std
            );
            Ok(())
        }
        Command::Fit {
            data,
            freq,
            voltage,
            dataset,
            out,
            step,
        } => fit(
            &Source {
                data,
                freq: freq.as_deref(),
                voltage: voltage.as_deref(),
                dataset: dataset.as_deref(),
            },
            out,
            *step,
        ),
    }
}

fn fit(source: &Source, out: &Path, step: usize) -> Result<(), String> {
    let BepsInput {
        freq,
        re,
        im,
        lead,
        loops: groups,
    } = load(source)?;
    let n = re.nrows();
    if let [_, _, steps] = lead[..]
        && step >= steps
    {
        return Err(format!(
            "--step {step}: the data have {steps} voltage steps"
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;

    let progress = Progress::new();
    let started = Instant::now();
    let fits = std::thread::scope(|s| {
        let worker = s.spawn(|| fit_spectra(&freq, re.view(), im.view(), &progress));
        let bar = ProgressBar::new(n as u64).with_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} spectra, {elapsed} elapsed, {eta} left",
            )
            .expect("valid template"),
        );
        while !worker.is_finished() {
            bar.set_position(progress.done());
            std::thread::sleep(Duration::from_millis(100));
        }
        bar.finish_and_clear();
        worker.join().expect("the fit thread does not panic")
    })
    .map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    let (params, errors, r2, flags) = fits_to_arrays(&fits);
    let ok = flags.iter().filter(|f| **f == 0).count();
    let amplitude: Vec<f64> = params.column(0).to_vec();
    let phase: Vec<f64> = params.column(3).to_vec();
    let theta = phase_rotation(&amplitude, &phase);
    let loops = piezoresponse(&amplitude, &phase, theta);
    println!(
        "fitted {n} spectra of {} bins in {seconds:.2} s: {ok} converged; phase offset {theta:.4} rad",
        freq.len()
    );
    let loop_members = match lead[..] {
        [rows, cols, steps] if !groups.is_empty() => {
            fit_pixel_loops(&loops, [rows, cols, steps], &groups, out)?
        }
        _ => Vec::new(),
    };

    let with_last = |v: Vec<f64>, last: Option<usize>| {
        let mut shape = lead.clone();
        shape.extend(last);
        ArrayD::from_shape_vec(IxDyn(&shape), v).expect("sized")
    };
    npz_write(
        &out.join("fit.npz"),
        &[
            (
                "params",
                to_npy_bytes(&with_last(params.iter().copied().collect(), Some(4))),
            ),
            (
                "std_errors",
                to_npy_bytes(&with_last(errors.iter().copied().collect(), Some(4))),
            ),
            ("r2", to_npy_bytes(&with_last(r2, None))),
            (
                "flags",
                to_npy_bytes(&ArrayD::from_shape_vec(IxDyn(&lead), flags).expect("sized")),
            ),
            ("theta", to_npy_bytes(&Array1::from(vec![theta]))),
            ("piezoresponse", to_npy_bytes(&with_last(loops, None))),
        ]
        .into_iter()
        .chain(loop_members)
        .collect::<Vec<_>>(),
    )?;
    if let [rows, cols, steps] = lead[..] {
        if rows != cols {
            println!("maps are drawn for square grids only; fit.npz holds every value");
        } else {
            let names = [
                ("amplitude", 0),
                ("resonance_hz", 1),
                ("quality", 2),
                ("phase_rad", 3),
            ];
            for (name, k) in names {
                let values: Vec<f64> = (0..rows * cols)
                    .map(|p| {
                        // GridMap's second index is its y axis: x = column, y = row.
                        let (r, c) = (p % rows, p / rows);
                        params[[(r * cols + c) * steps + step, k]]
                    })
                    .collect();
                grid_map_png(
                    &out.join(format!("map_{name}.png")),
                    &GridMap {
                        title: &format!("{name} at step {step}"),
                        steps: rows,
                        lo: 0.0,
                        hi: (rows - 1) as f64,
                        values: &values,
                        points: &[],
                        mark: None,
                        colour_range: true,
                        value_name: name,
                        axes: ("column", "row"),
                    },
                )?;
            }
        }
    }
    println!("wrote {}", out.join("fit.npz").display());
    Ok(())
}

/// Fit every pixel's loop of every group; NPZ members loop_params (rows x cols [x groups] x 9),
/// loop_r2 and switching (x 10), loop_steps and loop_voltage (groups x steps per loop), and
/// OUT/loop_groups.txt naming the groups in the same order.
fn fit_pixel_loops(
    response: &[f64],
    [rows, cols, steps]: [usize; 3],
    groups: &[LoopSteps],
    out: &Path,
) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    let started = Instant::now();
    let (mut params, mut r2, mut switching) = (Vec::new(), Vec::new(), Vec::new());
    let mut results = Vec::new();
    for group in groups {
        let order = rising_first(&group.voltage);
        let voltage: Vec<f64> = order.iter().map(|&k| group.voltage[k]).collect();
        let pixels = Array2::from_shape_fn((rows * cols, order.len()), |(p, k)| {
            response[p * steps + group.steps[order[k]]]
        });
        results.push((voltage.clone(), fit_loops(&voltage, pixels.view())));
    }
    // Pixel-major: every group of pixel 0, then pixel 1, ...
    for p in 0..rows * cols {
        for (voltage, fits) in &results {
            let f = &fits[p];
            params.extend(f.params);
            r2.push(f.r2);
            switching.extend(loop_parameters(voltage, f).to_array());
        }
    }
    println!(
        "fitted {} piezoresponse loops ({} per pixel) in {:.2} s",
        rows * cols * groups.len(),
        groups.len(),
        started.elapsed().as_secs_f64()
    );
    let mut shape = vec![rows, cols];
    if groups.len() > 1 {
        shape.push(groups.len());
    }
    // Every group's label, also a lone `all`: the reader of the steps below needs them.
    let labels: String = groups.iter().map(|g| format!("{}\n", g.label)).collect();
    let path = out.join("loop_groups.txt");
    write_atomically(&path, |w| w.write_all(labels.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    // The groups' step indices and voltages, groups x steps (every group of a map has the same
    // number of steps: one per DC value).
    let per_group = groups.first().map_or(0, |g| g.steps.len());
    if groups.iter().any(|g| g.steps.len() != per_group) {
        return Err("loop groups of different lengths cannot be stored as one array".into());
    }
    let loop_steps = Array2::from_shape_fn((groups.len(), per_group), |(g, k)| {
        groups[g].steps[k] as i64
    });
    let loop_voltage =
        Array2::from_shape_fn((groups.len(), per_group), |(g, k)| groups[g].voltage[k]);
    let array = |values: Vec<f64>, last: Option<usize>| {
        let mut dims = shape.clone();
        dims.extend(last);
        to_npy_bytes(&ArrayD::from_shape_vec(IxDyn(&dims), values).expect("sized"))
    };
    Ok(vec![
        ("loop_params", array(params, Some(9))),
        ("loop_r2", array(r2, None)),
        ("switching", array(switching, Some(10))),
        ("loop_steps", to_npy_bytes(&loop_steps)),
        ("loop_voltage", to_npy_bytes(&loop_voltage)),
    ])
}
