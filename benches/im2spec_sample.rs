//! Paper 003's study on the simulated sample (docs/experiment.md, `im2spec_study`): im2spec
//! trained on the left of a 60 x 60 map (columns <= 42, window 8), judged on the right:
//! held-out MSE (all test locations, and outside the planted anomalies) against the mean-loop
//! baseline and the noise variance, the ROC-AUC of the per-location error for the anomalies,
//! and the |Pearson r| of the error map with the image outside them (models.md 3.6 targets:
//! MSE <= 0.3 x baseline and >= sigma^2, AUC >= 0.9, |r| < 0.3). A plain timed main, not run
//! in CI: `cargo bench --bench im2spec_sample -- [seeds=0-4] [epochs=250] [threads=N]
//! [im2spec.KEY=VALUE ...]`.

use ferrolab::config::{Config, Kind, Value};
use ferrolab::experiment::{Sample, SampleSettings, im2spec_study};
use ferrolab::nn::im2spec::Im2SpecSettings;
use ferrolab::progress::Progress;
use std::time::Instant;

fn main() {
    let (mut seeds, mut cfg, mut epochs) = (0..=4u64, Config::new(), 250usize);
    for arg in std::env::args().skip(1).filter(|a| a.contains('=')) {
        let (k, v) = arg.split_once('=').expect("key=value");
        match k {
            "seeds" => {
                let (a, b) = v.split_once('-').unwrap_or((v, v));
                seeds = a.parse().expect("seed")..=b.parse().expect("seed");
            }
            "epochs" => epochs = v.parse().expect("epochs"),
            "threads" => ferrolab::parallel::set_num_threads(v.parse().expect("threads"))
                .expect("a thread count"),
            _ => {
                let value = match cfg.spec(k).expect("a known key").kind() {
                    Kind::F64 => Value::F64(v.parse().expect("a number")),
                    Kind::I64 => Value::I64(v.parse().expect("an integer")),
                    _ => Value::Str(v.to_owned()),
                };
                cfg.set(k, value).expect("a valid value");
            }
        }
    }
    let settings = Im2SpecSettings {
        epochs,
        ..Im2SpecSettings::from_config(&cfg).expect("im2spec settings")
    };
    println!(
        "seed | test MSE | outside anomalies | baseline | ratio (all) | structure floor / baseline | ratio (outside) | noise var | AUC | |r| error-image | s"
    );
    for seed in seeds {
        let sample = Sample::generate(&SampleSettings {
            seed,
            ..Default::default()
        })
        .expect("sample");
        let started = Instant::now();
        let (_, r) = im2spec_study(&sample, &settings, 8, &Progress::new()).expect("study");
        println!(
            "{seed} | {:.4} | {:.4} | {:.4} | {:.3} | {:.3} | {:.3} | {:.4} | {:.3} | {:.3} | {:.0}",
            r.test_mse,
            r.normal_mse,
            r.baseline_mse,
            r.test_mse / r.baseline_mse,
            r.structure_floor_mse / r.baseline_mse,
            r.normal_mse / r.baseline_mse,
            sample.settings.loop_noise.powi(2),
            r.anomaly_auc,
            r.image_correlation.abs(),
            started.elapsed().as_secs_f64()
        );
    }
}
