//! The USID HDF5 reader on a file written by pyUSID/h5py (tests/fixtures/usid/, with the
//! script that wrote it): layout, values, and SHO and loop fits against the parameters the
//! script stored.
#![cfg(feature = "hdf5")]

use ferrolab::beps::{
    fit_loops, fit_spectra, loop_function, phase_rotation, piezoresponse, rising_first,
};
use ferrolab::io::usid::read_usid_beps;
use ferrolab::progress::Progress;
use hdf5_metno as hdf5;
use ndarray::Array2;
use std::path::{Path, PathBuf};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/usid/beps_small.h5")
}

fn truth(name: &str) -> Vec<f64> {
    let file = hdf5::File::open(fixture()).unwrap();
    file.dataset(name).unwrap().read_raw::<f64>().unwrap()
}

#[test]
fn reads_the_bglib_layout() {
    let data = read_usid_beps(&fixture(), None).unwrap();
    assert_eq!(data.dataset, "/Measurement_000/Channel_000/Raw_Data");
    let names = |dims: &[ferrolab::io::usid::UsidDim]| {
        dims.iter()
            .map(|d| (d.label.clone(), d.size))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&data.positions),
        [("X".to_string(), 4), ("Y".to_string(), 3)]
    );
    // Labelled Frequency, DC_Offset, Field in the file; Field varies faster than DC_Offset.
    assert_eq!(
        names(&data.steps),
        [("Field".to_string(), 2), ("DC_Offset".to_string(), 16)]
    );
    assert_eq!(data.grid(), Some((3, 4)));
    assert_eq!(data.re.dim(), (12 * 32, 24));
    for (k, f) in data.freq_hz.iter().enumerate() {
        let expected = 290e3 + 20e3 * k as f64 / 23.0;
        assert!((f - expected).abs() < 0.02, "bin {k}: {f} Hz");
    }
    let dc = &data.steps[1].values;
    assert_eq!((dc[0], dc[4], dc[12]), (0.0, 8.0, -8.0));
    let groups = data.loop_groups().unwrap();
    let labels: Vec<&str> = groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(labels, ["Field=1", "Field=0"]);
    assert_eq!(groups[0].steps[..3], [0, 2, 4]);
    assert_eq!(groups[1].steps[..3], [1, 3, 5]);
}

#[test]
fn sho_and_loop_fits_recover_the_stored_parameters() {
    let data = read_usid_beps(&fixture(), None).unwrap();
    let fits = fit_spectra(
        &data.freq_hz,
        data.re.view(),
        data.im.view(),
        &Progress::new(),
    )
    .unwrap();
    let sho = truth("/Truth/SHO");
    for (s, fit) in fits.iter().enumerate() {
        let t = &sho[4 * s..4 * s + 4];
        // Noise-free spectra stored as complex64: only rounding separates fit and truth.
        assert!((fit.amplitude - t[0]).abs() < 1e-5 * t[0], "spectrum {s}");
        assert!((fit.frequency - t[1]).abs() < 0.05, "spectrum {s}");
        assert!((fit.quality - t[2]).abs() < 1e-4 * t[2], "spectrum {s}");
        let dphi = (fit.phase - t[3]).sin().abs();
        assert!(dphi < 1e-5, "spectrum {s}: phase {} vs {}", fit.phase, t[3]);
    }

    // Out-of-field loops (Field = 1) of every position against the stored loop parameters.
    let amplitude: Vec<f64> = fits.iter().map(|f| f.amplitude).collect();
    let phase: Vec<f64> = fits.iter().map(|f| f.phase).collect();
    let theta = phase_rotation(&amplitude, &phase);
    assert!(((theta - 0.3).sin()).abs() < 1e-6, "theta {theta}");
    let response = piezoresponse(&amplitude, &phase, theta);
    // The stored loops are positive where the phase is 0 (before the offset of 0.3 rad).
    let sign = (theta - 0.3).cos().signum();
    let group = &data.loop_groups().unwrap()[0];
    let order = rising_first(&group.voltage);
    let voltage: Vec<f64> = order.iter().map(|&k| group.voltage[k]).collect();
    let steps = data.n_steps();
    let loops = Array2::from_shape_fn((data.n_positions(), order.len()), |(p, k)| {
        sign * response[p * steps + group.steps[order[k]]]
    });
    let loop_truth = truth("/Truth/Loop");
    for (p, fit) in fit_loops(&voltage, loops.view()).iter().enumerate() {
        let params: [f64; 9] = loop_truth[9 * p..9 * p + 9].try_into().unwrap();
        let expected = loop_function(&voltage, &params);
        let fitted = loop_function(&voltage, &fit.params);
        for (k, (a, b)) in fitted.iter().zip(&expected).enumerate() {
            assert!(
                (a - b).abs() < 2e-3 * params[1],
                "position {p} point {k}: {a} vs {b}"
            );
        }
        assert!(fit.r2 > 0.9999, "position {p}: R^2 {}", fit.r2);
    }
}

#[test]
fn other_files_get_errors_that_say_why() {
    let dir = std::env::temp_dir().join(format!("ferrolab-usid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    let text = dir.join("notes.h5");
    std::fs::write(&text, "not HDF5").unwrap();
    let e = read_usid_beps(&text, None).unwrap_err().to_string();
    assert!(
        e.contains("notes.h5") && e.contains("cannot open as HDF5"),
        "{e}"
    );

    // An HDF5 file with a plain dataset and no USID attributes.
    let plain = dir.join("plain.h5");
    let file = hdf5::File::create(&plain).unwrap();
    file.new_dataset::<f64>()
        .shape((2, 2))
        .create("data")
        .unwrap();
    drop(file);
    let e = read_usid_beps(&plain, None).unwrap_err().to_string();
    assert!(e.contains("no USID main dataset"), "{e}");
    let e = read_usid_beps(&plain, Some("/data"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/data") && e.contains("not complex"), "{e}");
    let e = read_usid_beps(&fixture(), Some("/Measurement_000/Nothing"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no dataset /Measurement_000/Nothing"), "{e}");
    // A dataset that is not a USID main dataset.
    let e = read_usid_beps(&fixture(), Some("/Truth/SHO"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/Truth/SHO") && e.contains("2-D"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
