//! `ferrolab im2spec|spec2im train|predict`: paper 003's encoder-decoders on a structure image
//! and a spectra cube (NPY), or on the simulated sample, with the paper's split, error maps and
//! latent maps.

use crate::plot::{MapPanel, curve_panels_png, curves_png, map_panels_png, small_multiples_png};
use crate::settings::config_from;
use ferrolab::experiment::{
    ErrorMaps, PairedData, Sample, decoded_manifold, extract_patches, latent_classes, loops_at,
    mean_loop_baseline_mse, ssim,
};
use ferrolab::io::npy::{parse_npy, to_npy_bytes};
use ferrolab::nn::im2spec::{Direction, EncoderDecoder, Im2SpecSettings, Spec2ImSettings};
use ferrolab::progress::Progress;
use ndarray::{Array2, Array3, ArrayView2, Axis};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Subcommands of `ferrolab im2spec` and `ferrolab spec2im`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Train on the locations left of the split column and test on the rest (paper 003's
    /// split). Writes OUT/model.safetensors, history.csv, training.png, errors.npz and
    /// error_maps.png (test side: normalised RMS, MSE and loop-area error for im2spec, 1 - SSIM
    /// and normalised RMS for spec2im), latent_maps.png, latent_classes.png and class_centroids.png (Gaussian-mixture classes of the
    /// latents, 8, and their decoded centres), manifold.png (im2spec with 2 latents: the decoded
    /// latent grid) and summary.txt. A killed run resumes
    /// from OUT/checkpoint.safetensors when started again with the same arguments.
    Train {
        #[command(flatten)]
        input: MapInput,
        /// Patch side in pixels (even). Paper 003: 8.
        #[arg(long, default_value_t = 8)]
        window: usize,
        /// Last column of the training side (default: 70 % of the columns; the simulated
        /// sample: its sample.split_col).
        #[arg(long)]
        split_col: Option<usize>,
        /// Output directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Settings as key=value (`ferrolab keys im2spec.`, `spec2im.`, `sample.`).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Predict at every location where a window fits with a trained model: OUT.npz with
    /// `predicted` (rows x cols x values, NaN where no window fits), `latent` (rows x cols x
    /// latent) and, for im2spec with --spectra, the `nrms`, `mse` and `area` error maps.
    Predict {
        /// A model file from `train`.
        #[arg(long)]
        model: PathBuf,
        #[command(flatten)]
        input: MapInput,
        /// Output .npz file.
        #[arg(long)]
        out: PathBuf,
        /// Settings as key=value (`sample.*` for --sample).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
}

/// A structure image and spectra over the same locations.
#[derive(clap::Args)]
pub struct MapInput {
    /// Structure image, rows x cols (.npy).
    #[arg(long)]
    image: Option<PathBuf>,
    /// Spectra, rows x cols x points (.npy).
    #[arg(long)]
    spectra: Option<PathBuf>,
    /// Voltage of each spectrum point (.npy vector; default 0, 1, 2, ...), for loop areas.
    #[arg(long)]
    voltage: Option<PathBuf>,
    /// The simulated sample of the `sample.*` keys instead of files.
    #[arg(long)]
    sample: bool,
}

/// The map a command works on.
struct Map {
    image: Array2<f64>,
    spectra: Option<Array3<f64>>,
    voltage: Vec<f64>,
    split_col: Option<usize>,
}

fn read_array(path: &Path, what: &str) -> Result<(Vec<usize>, Vec<f64>), String> {
    let bytes = ferrolab::io::read_file(path).map_err(|e| format!("{what}: {e}"))?;
    let npy = parse_npy(&bytes).map_err(|e| format!("{what} {}: {e}", path.display()))?;
    let values = npy
        .to_f64()
        .map_err(|e| format!("{what} {}: {e}", path.display()))?;
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(format!(
            "{what} {}: element {i} is not finite",
            path.display()
        ));
    }
    Ok((npy.shape, values))
}

fn read_map(input: &MapInput, set: &[String]) -> Result<Map, String> {
    if input.sample {
        if input.image.is_some() || input.spectra.is_some() {
            return Err("give either --sample or --image/--spectra".into());
        }
        let sample = Sample::from_config(&config_from(set)?).map_err(|e| e.to_string())?;
        return Ok(Map {
            image: sample.image,
            spectra: Some(sample.loops),
            voltage: sample.voltage,
            split_col: Some(sample.settings.split_col),
        });
    }
    let image_path = input
        .image
        .as_ref()
        .ok_or("--image (or --sample) is required")?;
    let (shape, values) = read_array(image_path, "--image")?;
    let [rows, cols] = shape[..] else {
        return Err(format!("--image has shape {shape:?}: rows x cols expected"));
    };
    let image = Array2::from_shape_vec((rows, cols), values).map_err(|e| e.to_string())?;
    let spectra = match &input.spectra {
        None => None,
        Some(p) => {
            let (shape, values) = read_array(p, "--spectra")?;
            match shape[..] {
                [r, c, n] if (r, c) == (rows, cols) => {
                    Some(Array3::from_shape_vec((r, c, n), values).map_err(|e| e.to_string())?)
                }
                _ => {
                    return Err(format!(
                        "--spectra has shape {shape:?}: {rows} x {cols} x points expected (the image's)"
                    ));
                }
            }
        }
    };
    let points = spectra.as_ref().map_or(0, |s| s.dim().2);
    let voltage = match &input.voltage {
        Some(p) => {
            let (shape, v) = read_array(p, "--voltage")?;
            if spectra.is_some() && v.len() != points {
                return Err(format!(
                    "--voltage has shape {shape:?}; the spectra have {points} points"
                ));
            }
            v
        }
        None => (0..points).map(|k| k as f64).collect(),
    };
    Ok(Map {
        image,
        spectra,
        voltage,
        split_col: None,
    })
}

/// Runs `ferrolab im2spec` (`direction` ImageToSpectrum) or `ferrolab spec2im`.
pub fn run(command: &Command, direction: Direction) -> Result<(), String> {
    match command {
        Command::Train {
            input,
            window,
            split_col,
            out,
            set,
        } => train(input, *window, *split_col, out.as_deref(), set, direction),
        Command::Predict {
            model,
            input,
            out,
            set,
        } => predict(model, input, out, set, direction),
    }
}

fn name(direction: Direction) -> &'static str {
    match direction {
        Direction::ImageToSpectrum => "im2spec",
        Direction::SpectrumToImage => "spec2im",
    }
}

/// (inputs, targets) of the rows `rows` of `data` for `direction`.
fn pairs(data: &PairedData, rows: &[usize], direction: Direction) -> (Array2<f64>, Array2<f64>) {
    let (p, s) = (
        data.patches.select(Axis(0), rows),
        data.spectra.select(Axis(0), rows),
    );
    match direction {
        Direction::ImageToSpectrum => (p, s),
        Direction::SpectrumToImage => (s, p),
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    ferrolab::io::atomic::write_atomically(path, |w| w.write_all(bytes))
        .map_err(|e| format!("{}: {e}", path.display()))
}

fn train(
    input: &MapInput,
    window: usize,
    split_col: Option<usize>,
    out: Option<&Path>,
    set: &[String],
    direction: Direction,
) -> Result<(), String> {
    let map = read_map(input, set)?;
    let spectra = map
        .spectra
        .as_ref()
        .ok_or("--spectra is required for training")?;
    let cols = map.image.ncols();
    let split = split_col
        .or(map.split_col)
        .unwrap_or((cols * 7 / 10).max(1) - 1);
    let data = PairedData::new(map.image.view(), spectra.view(), window, split)
        .map_err(|e| e.to_string())?;
    let cfg = config_from(set)?;
    let points = spectra.dim().2;
    let mut model = match direction {
        Direction::ImageToSpectrum => {
            let s = Im2SpecSettings::from_config(&cfg).map_err(|e| e.to_string())?;
            EncoderDecoder::im2spec(&s, [window, window], points)
        }
        Direction::SpectrumToImage => {
            let s = Spec2ImSettings::from_config(&cfg).map_err(|e| e.to_string())?;
            EncoderDecoder::spec2im(&s, points, [window, window])
        }
    }
    .map_err(|e| e.to_string())?;
    let out = out.map_or_else(|| PathBuf::from(name(direction)), Path::to_path_buf);
    std::fs::create_dir_all(&out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let checkpoint = out.join("checkpoint.safetensors");
    model
        .set_checkpoint(Some(checkpoint.clone()))
        .map_err(|e| e.to_string())?;
    let (train_x, train_y) = pairs(&data, &data.split.train, direction);
    let epochs = model.training().epochs;
    println!(
        "{}: training on {} locations (columns <= {split}), testing on {}; {} parameters, {epochs} epochs",
        name(direction),
        data.split.train.len(),
        data.split.test.len(),
        model.parameter_count()
    );
    let progress = Progress::new();
    let bar = indicatif::ProgressBar::new(epochs as u64);
    let done = std::sync::atomic::AtomicBool::new(false);
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                bar.set_position(progress.done());
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        });
        let r = model.train(train_x.view(), train_y.view(), &progress);
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        r
    });
    bar.finish_and_clear();
    result.map_err(|e| e.to_string())?;
    model
        .save(&out.join("model.safetensors"))
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&checkpoint);
    let mut csv = String::from("epoch,mse\n");
    for r in model.history() {
        let _ = writeln!(csv, "{},{}", r.epoch, r.train.reconstruction);
    }
    write_file(&out.join("history.csv"), csv.as_bytes())?;
    let losses: Vec<f64> = model
        .history()
        .iter()
        .map(|r| r.train.reconstruction)
        .collect();
    curves_png(
        &out.join("training.png"),
        &format!("{} training loss (MSE)", name(direction)),
        &[("train", losses)],
    )?;

    let (test_x, test_y) = pairs(&data, &data.split.test, direction);
    let pred = model.predict(test_x.view()).map_err(|e| e.to_string())?;
    let centres: Vec<[usize; 2]> = data.split.test.iter().map(|&k| data.centres[k]).collect();
    let shape = map.image.dim();
    let mut summary = format!(
        "{}: {} training, {} test locations, window {window}, split column {split}\n",
        name(direction),
        data.split.train.len(),
        data.split.test.len()
    );
    let test_mse = (&pred - &test_y).mapv(|v| v * v).mean().unwrap_or(f64::NAN);
    let baseline =
        mean_loop_baseline_mse(train_y.view(), test_y.view()).map_err(|e| e.to_string())?;
    let _ = writeln!(
        summary,
        "test MSE {test_mse:.5}; the training mean's {baseline:.5} (ratio {:.3})",
        test_mse / baseline
    );
    let panels = match direction {
        Direction::ImageToSpectrum => {
            let maps = ErrorMaps::new(pred.view(), test_y.view(), &centres, &map.voltage, shape)
                .map_err(|e| e.to_string())?;
            let npz = ferrolab::io::npz::npz_bytes(&[
                ("nrms", to_npy_bytes(&maps.nrms)),
                ("mse", to_npy_bytes(&maps.mse)),
                ("area", to_npy_bytes(&maps.area)),
            ])
            .map_err(|e| e.to_string())?;
            write_file(&out.join("errors.npz"), &npz)?;
            vec![
                MapPanel {
                    title: "normalised RMS".into(),
                    values: maps.nrms,
                },
                MapPanel {
                    title: "MSE".into(),
                    values: maps.mse,
                },
                MapPanel {
                    title: "|loop area error|".into(),
                    values: maps.area,
                },
            ]
        }
        Direction::SpectrumToImage => {
            let mut one_minus_ssim = Array2::from_elem(shape, f64::NAN);
            let mut nrms = Array2::from_elem(shape, f64::NAN);
            let range = {
                let (lo, hi) = map
                    .image
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                        (a.min(*v), b.max(*v))
                    });
                (hi - lo).max(f64::MIN_POSITIVE)
            };
            for ((p, y), c) in pred.rows().into_iter().zip(test_y.rows()).zip(&centres) {
                let (p, y) = (p.to_vec(), y.to_vec());
                let a = ArrayView2::from_shape((window, window), &p).expect("a patch");
                let b = ArrayView2::from_shape((window, window), &y).expect("a patch");
                one_minus_ssim[[c[0], c[1]]] =
                    1.0 - ssim(a, b, range).map_err(|e| e.to_string())?;
                nrms[[c[0], c[1]]] =
                    ferrolab::experiment::nrms(&p, &y).map_err(|e| e.to_string())?;
            }
            let npz = ferrolab::io::npz::npz_bytes(&[
                ("one_minus_ssim", to_npy_bytes(&one_minus_ssim)),
                ("nrms", to_npy_bytes(&nrms)),
            ])
            .map_err(|e| e.to_string())?;
            write_file(&out.join("errors.npz"), &npz)?;
            let mut v: Vec<f64> = one_minus_ssim
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .collect();
            v.sort_by(f64::total_cmp);
            let _ = writeln!(
                summary,
                "median 1 - SSIM on the test side {:.4}",
                v[v.len() / 2]
            );
            vec![
                MapPanel {
                    title: "1 - SSIM".into(),
                    values: one_minus_ssim,
                },
                MapPanel {
                    title: "normalised RMS".into(),
                    values: nrms,
                },
            ]
        }
    };
    map_panels_png(
        &out.join("error_maps.png"),
        &format!(
            "{}: errors on the test side (columns > {split})",
            name(direction)
        ),
        &panels,
        panels.len(),
        None,
    )?;
    let (all_x, _) = pairs(
        &data,
        &(0..data.centres.len()).collect::<Vec<_>>(),
        direction,
    );
    let z = model.encode(all_x.view()).map_err(|e| e.to_string())?;
    let latent_panels: Vec<MapPanel> = (0..z.ncols().min(4))
        .map(|j| {
            let mut m = Array2::from_elem(shape, f64::NAN);
            for (c, v) in data.centres.iter().zip(z.column(j)) {
                m[[c[0], c[1]]] = *v;
            }
            MapPanel {
                title: format!("latent {}", j + 1),
                values: m,
            }
        })
        .collect();
    map_panels_png(
        &out.join("latent_maps.png"),
        &format!("{} latent maps", name(direction)),
        &latent_panels,
        latent_panels.len(),
        None,
    )?;
    latent_figures(&out, &model, &all_x, &data.centres, &map, direction)?;
    write_file(&out.join("summary.txt"), summary.as_bytes())?;
    print!("{summary}");
    println!("wrote the model and figures in {}", out.display());
    Ok(())
}

/// Paper 003 Figs. 5-7: the Gaussian-mixture classes of the latents as a map beside the
/// decoded class centroids (loops for im2spec, patches for spec2im), and for 2 latents the
/// decoded manifold (16 x 16 loops, im2spec).
fn latent_figures(
    out: &Path,
    model: &EncoderDecoder,
    inputs: &Array2<f64>,
    centres: &[[usize; 2]],
    map: &Map,
    direction: Direction,
) -> Result<(), String> {
    let classes = 8.min(inputs.nrows());
    let near = match direction {
        Direction::ImageToSpectrum => 100,
        Direction::SpectrumToImage => 10,
    };
    let c = latent_classes(model, inputs.view(), classes, near, 0).map_err(|e| e.to_string())?;
    let mut class_map = Array2::from_elem(map.image.dim(), f64::NAN);
    for (p, l) in centres.iter().zip(&c.labels) {
        class_map[[p[0], p[1]]] = *l as f64 + 1.0;
    }
    map_panels_png(
        &out.join("latent_classes.png"),
        &format!(
            "{}: Gaussian-mixture classes of the latents (1-{classes})",
            name(direction)
        ),
        &[MapPanel {
            title: "class".into(),
            values: class_map,
        }],
        1,
        None,
    )?;
    match direction {
        Direction::ImageToSpectrum => {
            let curves: Vec<Vec<f64>> = c.decoded.rows().into_iter().map(|r| r.to_vec()).collect();
            curve_panels_png(
                &out.join("class_centroids.png"),
                "Class centroids, decoded",
                ("Voltage", "Response"),
                &map.voltage,
                &[("decoded centroids".to_owned(), curves)],
                1,
            )?;
            let z = model.encode(inputs.view()).map_err(|e| e.to_string())?;
            if z.ncols() == 2 {
                let (_, loops) =
                    decoded_manifold(model, z.view(), 16).map_err(|e| e.to_string())?;
                small_multiples_png(
                    &out.join("manifold.png"),
                    "Decoded latent manifold (z1 along columns, z2 down the rows)",
                    &map.voltage,
                    &loops,
                    16,
                )?;
            }
        }
        Direction::SpectrumToImage => {
            let w = model.architecture().patch;
            let panels: Vec<MapPanel> = c
                .decoded
                .rows()
                .into_iter()
                .enumerate()
                .map(|(k, r)| MapPanel {
                    title: format!("class {}", k + 1),
                    values: Array2::from_shape_vec((w[0], w[1]), r.to_vec()).expect("a patch"),
                })
                .collect();
            map_panels_png(
                &out.join("class_centroids.png"),
                "Decoded class centroids",
                &panels,
                4,
                None,
            )?;
        }
    }
    Ok(())
}

fn predict(
    model_path: &Path,
    input: &MapInput,
    out: &Path,
    set: &[String],
    direction: Direction,
) -> Result<(), String> {
    let model = EncoderDecoder::load(model_path).map_err(|e| e.to_string())?;
    let arch = model.architecture().clone();
    if arch.direction != direction {
        return Err(format!(
            "--model {} is a {} model; use `ferrolab {}`",
            model_path.display(),
            name(arch.direction),
            name(arch.direction)
        ));
    }
    let map = read_map(input, set)?;
    let window = arch.patch[0];
    let spectra = match (&map.spectra, direction) {
        (Some(s), _) => s.clone(),
        (None, Direction::ImageToSpectrum) => {
            let (r, c) = map.image.dim();
            Array3::zeros((r, c, arch.spectrum_len))
        }
        (None, Direction::SpectrumToImage) => return Err("--spectra is required".into()),
    };
    if spectra.dim().2 != arch.spectrum_len {
        return Err(format!(
            "the spectra have {} points; the model takes {}",
            spectra.dim().2,
            arch.spectrum_len
        ));
    }
    let windows = extract_patches(map.image.view(), window).map_err(|e| e.to_string())?;
    let n = windows.centres.len();
    let patches = windows
        .patches
        .into_shape_with_order((n, window * window))
        .map_err(|e| e.to_string())?;
    let measured = loops_at(spectra.view(), &windows.centres).map_err(|e| e.to_string())?;
    let (x, y) = match direction {
        Direction::ImageToSpectrum => (patches, measured),
        Direction::SpectrumToImage => (measured, patches),
    };
    let centres = windows.centres;
    let pred = model.predict(x.view()).map_err(|e| e.to_string())?;
    let z = model.encode(x.view()).map_err(|e| e.to_string())?;
    let (r, c) = map.image.dim();
    let mut predicted = Array3::from_elem((r, c, pred.ncols()), f64::NAN);
    let mut latent = Array3::from_elem((r, c, z.ncols()), f64::NAN);
    for (k, p) in centres.iter().enumerate() {
        predicted
            .slice_mut(ndarray::s![p[0], p[1], ..])
            .assign(&pred.row(k));
        latent
            .slice_mut(ndarray::s![p[0], p[1], ..])
            .assign(&z.row(k));
    }
    let mut members = vec![
        ("predicted", to_npy_bytes(&predicted)),
        ("latent", to_npy_bytes(&latent)),
    ];
    if direction == Direction::ImageToSpectrum && map.spectra.is_some() {
        let maps = ErrorMaps::new(pred.view(), y.view(), &centres, &map.voltage, (r, c))
            .map_err(|e| e.to_string())?;
        members.push(("nrms", to_npy_bytes(&maps.nrms)));
        members.push(("mse", to_npy_bytes(&maps.mse)));
        members.push(("area", to_npy_bytes(&maps.area)));
    }
    let npz = ferrolab::io::npz::npz_bytes(&members).map_err(|e| e.to_string())?;
    write_file(out, &npz)?;
    println!("predicted {n} locations; wrote {}", out.display());
    Ok(())
}
