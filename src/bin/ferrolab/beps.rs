//! `ferrolab beps`: SHO fits of band-excitation data (NPZ in, NPZ and PNG maps out), and
//! synthetic data to try it on.

use crate::plot::{GridMap, grid_map_png};
use ferrolab::beps::{
    FitProgress, SyntheticSpec, fit_loops, fit_spectra, fits_to_arrays, loop_parameters,
    phase_rotation, piezoresponse, synthetic_beps,
};
use ferrolab::io::atomic::write_atomically;
use ferrolab::io::npy::to_npy_bytes;
use ferrolab::io::npz::{npz_bytes, read_npz};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{Array1, Array2, ArrayD, IxDyn};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Subcommands of `ferrolab beps`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Fit the SHO to every spectrum of an NPZ file with `freq_hz` (n_freq), `re` and `im`
    /// (rows x cols x steps x n_freq, or spectra x n_freq); writes OUT/fit.npz (params with
    /// the data's leading shape x 4: amplitude, w0 Hz, Q, phase rad; std_errors, r2, flags,
    /// theta, piezoresponse) and, for a 4-D map, PNG maps of A, phi, w0 and Q at --step. With
    /// a `voltage` array (steps) in a 4-D map, each pixel's piezoresponse loop is fitted too:
    /// loop_params (rows x cols x 9), loop_r2 and switching (rows x cols x 10: V+, V-, width,
    /// imprint, R+, R-, switchable, area, nucleation biases 1 and 2).
    Fit {
        /// Input NPZ.
        #[arg(long)]
        data: PathBuf,
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
            let data = synthetic_beps(&spec);
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
        Command::Fit { data, out, step } => fit(data, out, *step),
    }
}

fn fit(data: &Path, out: &Path, step: usize) -> Result<(), String> {
    let bad = |e: String| format!("{}: {e}", data.display());
    let bytes = std::fs::read(data).map_err(|e| bad(e.to_string()))?;
    let members = read_npz(&bytes).map_err(bad)?;
    let get = |name: &str| {
        members.get(name).ok_or_else(|| {
            bad(format!(
                "no `{name}` array (found {:?})",
                members.keys().collect::<Vec<_>>()
            ))
        })
    };
    let freq = get("freq_hz")?.to_vec::<f64>().map_err(bad)?;
    let (re_a, im_a) = (get("re")?, get("im")?);
    if re_a.shape != im_a.shape || re_a.shape.last() != Some(&freq.len()) {
        return Err(bad(format!(
            "re {:?} and im {:?} must have the same shape, ending in n_freq = {}",
            re_a.shape,
            im_a.shape,
            freq.len()
        )));
    }
    let lead: Vec<usize> = re_a.shape[..re_a.shape.len() - 1].to_vec();
    let n: usize = lead.iter().product();
    let re = Array2::from_shape_vec((n, freq.len()), re_a.to_vec::<f64>().map_err(bad)?)
        .map_err(|e| bad(e.to_string()))?;
    let im = Array2::from_shape_vec((n, freq.len()), im_a.to_vec::<f64>().map_err(bad)?)
        .map_err(|e| bad(e.to_string()))?;
    if let [_, _, steps] = lead[..]
        && step >= steps
    {
        return Err(format!(
            "--step {step}: the data have {steps} voltage steps"
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;

    let progress = FitProgress::default();
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
            bar.set_position(progress.counts().0 as u64);
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
    let mut loop_members = Vec::new();
    if let ([rows, cols, steps], Some(v)) = (&lead[..], members.get("voltage")) {
        let voltage = v.to_vec::<f64>().map_err(bad)?;
        if voltage.len() != *steps {
            return Err(bad(format!(
                "voltage has {} values, the map {steps} steps",
                voltage.len()
            )));
        }
        // The loop function's branch 1 is the first half of the points: start every loop at
        // its most negative voltage so branch 1 is the rising sweep.
        let start = (0..*steps)
            .min_by(|a, b| voltage[*a].total_cmp(&voltage[*b]))
            .unwrap_or(0);
        let voltage: Vec<f64> = (0..*steps).map(|k| voltage[(start + k) % steps]).collect();
        let pixels = Array2::from_shape_fn((rows * cols, *steps), |(p, k)| {
            loops[p * steps + (start + k) % steps]
        });
        let started = Instant::now();
        let fits = fit_loops(&voltage, pixels.view());
        let grid = |last: usize, values: Vec<f64>| {
            ArrayD::from_shape_vec(IxDyn(&[*rows, *cols, last]), values).expect("sized")
        };
        let loop_params: Vec<f64> = fits.iter().flat_map(|f| f.params).collect();
        let loop_r2: Vec<f64> = fits.iter().map(|f| f.r2).collect();
        let switching: Vec<f64> = fits
            .iter()
            .flat_map(|f| {
                let s = loop_parameters(&voltage, f);
                [
                    s.v_plus,
                    s.v_minus,
                    s.width,
                    s.imprint,
                    s.r_plus,
                    s.r_minus,
                    s.switchable,
                    s.area,
                    s.nucleation_1,
                    s.nucleation_2,
                ]
            })
            .collect();
        println!(
            "fitted {} piezoresponse loops in {:.2} s",
            fits.len(),
            started.elapsed().as_secs_f64()
        );
        loop_members.push(("loop_params", to_npy_bytes(&grid(9, loop_params))));
        loop_members.push((
            "loop_r2",
            to_npy_bytes(&ArrayD::from_shape_vec(IxDyn(&[*rows, *cols]), loop_r2).expect("sized")),
        ));
        loop_members.push(("switching", to_npy_bytes(&grid(10, switching))));
    }

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
        if step >= steps {
            return Err(format!(
                "--step {step}: the data have {steps} voltage steps"
            ));
        }
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
                        axes: ("column", "row"),
                    },
                )?;
            }
        }
    }
    println!("wrote {}", out.join("fit.npz").display());
    Ok(())
}
