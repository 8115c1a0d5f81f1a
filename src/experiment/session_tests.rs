//! The session on a small simulated sample: a closed loop, cancellation and resume, saving and
//! loading, and bad input.

use super::*;
use crate::nn::NnError;
use crate::nn::im2spec::Im2SpecSettings;
use crate::progress::Progress;
use ndarray::Array2;

/// A 20 x 20 sample with one anomaly, and a tiny ensemble.
fn setup(acquisition: Acquisition) -> (Sample, AeSettings, Im2SpecSettings) {
    let sample = Sample::generate(&SampleSettings {
        rows: 20,
        cols: 20,
        steps: 16,
        split_col: 10,
        anomaly_count: 1,
        anomaly_window_px: 4,
        ..Default::default()
    })
    .unwrap();
    let ae = AeSettings {
        window_px: 4,
        ensemble_size: 2,
        epochs_initial: 3,
        epochs_update: 2,
        exclusion_radius_px: 2.0,
        acquisition,
        ..Default::default()
    };
    let net = Im2SpecSettings {
        filters: 4,
        batch_size: 16,
        ..Default::default()
    };
    (sample, ae, net)
}

/// The sample's noisy spectra at `points`.
fn measure(sample: &Sample, points: &[[usize; 2]]) -> Array2<f64> {
    loops_at(sample.loops.view(), points).unwrap()
}

fn seeded(sample: &Sample, ae: &AeSettings, net: &Im2SpecSettings) -> Session {
    let mut s = Session::new(ae, net, sample.image.view(), &sample.voltage).unwrap();
    let points: Vec<[usize; 2]> = (0..12)
        .map(|k| [2 + (k * 7) % 16, 2 + (k * 5) % 16])
        .collect();
    let surprises = s
        .add_measurements(&points, measure(sample, &points).view())
        .unwrap();
    assert!(surprises.iter().all(Option::is_none), "no model yet");
    s
}

#[test]
fn a_closed_loop_ranks_unmeasured_locations_and_logs_surprises() {
    for acquisition in [
        Acquisition::EnsembleStd,
        Acquisition::LatentNovelty,
        Acquisition::Random,
        Acquisition::Raster,
    ] {
        let (sample, ae, net) = setup(acquisition);
        let mut s = seeded(&sample, &ae, &net);
        s.update(&Progress::new()).unwrap();
        let picks = s.rank(3).unwrap();
        assert_eq!(picks.len(), 3, "{acquisition:?}");
        for (a, p) in picks.iter().enumerate() {
            assert!(
                !s.measurements()
                    .iter()
                    .any(|m| m.location() == [p.row, p.col])
            );
            for q in &picks[..a] {
                let d2 =
                    (p.row as f64 - q.row as f64).powi(2) + (p.col as f64 - q.col as f64).powi(2);
                assert!(d2 >= 4.0, "{acquisition:?}: picks closer than the radius");
            }
        }
        if acquisition == Acquisition::Raster {
            let first = s
                .candidates()
                .into_iter()
                .find(|c| !s.measurements().iter().any(|m| m.location() == *c))
                .unwrap();
            assert_eq!([picks[0].row, picks[0].col], first, "raster order");
        }
        let points: Vec<[usize; 2]> = picks.iter().map(|p| [p.row, p.col]).collect();
        let surprises = s
            .add_measurements(&points, measure(&sample, &points).view())
            .unwrap();
        // The surprise is the error of the prediction made before the measurement.
        let before = s.predict(&points).unwrap();
        for (k, got) in surprises.iter().enumerate() {
            let y = measure(&sample, &points).row(k).to_vec();
            let want = mse(&before.mean.row(k).to_vec(), &y).unwrap();
            assert_eq!(got.unwrap().mse, want);
        }
        s.update(&Progress::new()).unwrap();
        let maps = s.maps().unwrap();
        assert_eq!(maps.score.dim(), (20, 20));
        assert!(maps.score[[0, 0]].is_nan(), "no window fits at the corner");
        assert!(maps.surprise_nrms[[points[0][0], points[0][1]]].is_finite());
        assert!(maps.latent[[10, 10, 0]].is_finite());
    }
}

#[test]
fn a_cancelled_update_resumes_to_the_same_ensemble() {
    let (sample, ae, net) = setup(Acquisition::EnsembleStd);
    let mut whole = seeded(&sample, &ae, &net);
    whole.update(&Progress::new()).unwrap();

    let mut parts = seeded(&sample, &ae, &net);
    let progress = Progress::new();
    progress.request_cancel();
    let err = parts.update(&progress).unwrap_err();
    assert!(
        matches!(err, ExperimentError::Model(NnError::Cancelled { .. })),
        "{err}"
    );
    assert!(
        parts.rank(1).is_err(),
        "no ranking from a half-trained ensemble"
    );
    let dir = std::env::temp_dir().join(format!("ferrolab-session-cancel-{}", std::process::id()));
    parts.save(&dir).unwrap();
    let mut resumed = Session::load(&dir).unwrap();
    resumed.update(&Progress::new()).unwrap();
    let all = whole.candidates();
    assert_eq!(
        whole.predict(&all).unwrap(),
        resumed.predict(&all).unwrap(),
        "resumed and uninterrupted updates differ"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_saved_session_loads_with_the_same_rankings_and_refuses_damage() {
    let (sample, ae, net) = setup(Acquisition::EnsembleStd);
    let mut s = seeded(&sample, &ae, &net);
    s.update(&Progress::new()).unwrap();
    let dir = std::env::temp_dir().join(format!("ferrolab-session-save-{}", std::process::id()));
    s.save(&dir).unwrap();
    s.save(&dir).unwrap(); // a second generation replaces the first
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().all(|f| !f.contains(".g1.")), "{files:?}");
    let again = Session::load(&dir).unwrap();
    assert_eq!(again.rank(5).unwrap(), s.rank(5).unwrap());
    assert_eq!(again.measurements(), s.measurements());

    let spectra = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("spectra."))
        .unwrap();
    let mut bytes = std::fs::read(&spectra).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&spectra, bytes).unwrap();
    let err = Session::load(&dir).unwrap_err().to_string();
    assert!(err.contains("spectra") && err.contains("checksum"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_is_refused_naming_it() {
    let (sample, ae, net) = setup(Acquisition::EnsembleStd);
    let mut s = Session::new(&ae, &net, sample.image.view(), &sample.voltage).unwrap();
    let err = s.update(&Progress::new()).unwrap_err().to_string();
    assert!(err.contains("no measurements"), "{err}");
    let err = s
        .add_measurements(&[[0, 5]], measure(&sample, &[[0, 5]]).view())
        .unwrap_err()
        .to_string();
    assert!(err.contains("location 0 [0, 5]"), "{err}");
    let err = s
        .add_measurements(&[[5, 5]], Array2::zeros((1, 3)).view())
        .unwrap_err()
        .to_string();
    assert!(err.contains("spectra has shape"), "{err}");
    let odd = AeSettings {
        window_px: 5,
        ..ae.clone()
    };
    assert!(Session::new(&odd, &net, sample.image.view(), &sample.voltage).is_err());
    assert!(parse_manifest(b"{\"format\": \"ferrolab.ae_session\"}").is_err());
}

#[test]
fn a_location_is_measured_once() {
    let (sample, ae, net) = setup(Acquisition::EnsembleStd);
    let mut s = seeded(&sample, &ae, &net);
    let before = s.measurements().to_vec();
    let [r, c] = [before[3].row, before[3].col];
    // Already measured (the 4th seed), after a new location that alone would be fine.
    let points = [[9, 9], [r, c]];
    let err = s
        .add_measurements(&points, measure(&sample, &points).view())
        .unwrap_err()
        .to_string();
    let want = format!("rows/cols: location 1 [{r}, {c}] is already measured (measurement 3 ");
    assert!(err.contains(&want), "{err}");
    // Twice in one call, neither measured before.
    let points = [[9, 9], [10, 4], [9, 9]];
    let err = s
        .add_measurements(&points, measure(&sample, &points).view())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("rows/cols: location 2 [9, 9] appears twice in this call (also location 0)"),
        "{err}"
    );
    assert_eq!(s.measurements(), &before[..], "a refused call adds nothing");
    // With a trained ensemble too: refused before any surprise is computed or stored.
    s.update(&Progress::new()).unwrap();
    let err = s
        .add_measurements(&[[r, c]], measure(&sample, &[[r, c]]).view())
        .unwrap_err()
        .to_string();
    assert!(err.contains("is already measured"), "{err}");
    assert_eq!(s.measurements(), &before[..]);
    let fine = s
        .add_measurements(&[[9, 9]], measure(&sample, &[[9, 9]]).view())
        .unwrap();
    assert!(fine[0].is_some() && s.measurements().len() == before.len() + 1);
}

#[test]
fn bootstrap_resamples_fill_whole_batches() {
    let (sample, ae, net) = setup(Acquisition::EnsembleStd);
    let session = seeded(&sample, &ae, &net);
    let batch = net.batch_size;
    // Just above a multiple of the batch: rounded up, never a last batch of a few rows.
    for n in [batch - 3, batch, batch + 1, 3 * batch + 2] {
        let rows = session.resample(0, n);
        let expected = if n > batch {
            n.div_ceil(batch) * batch
        } else {
            n
        };
        assert_eq!(rows.len(), expected, "n = {n}");
        assert_eq!(rows.len().is_multiple_of(batch), n >= batch, "n = {n}");
        assert!(rows.iter().all(|&r| r < n), "n = {n}");
    }
    // Seeded by (seed, member, n): the same rows again, other rows for another member.
    assert_eq!(session.resample(1, 40), session.resample(1, 40));
    assert_ne!(session.resample(0, 40), session.resample(1, 40));
    // One member trains on every row once.
    let single = Session::new(
        &AeSettings {
            ensemble_size: 1,
            ..ae
        },
        &net,
        sample.image.view(),
        &sample.voltage,
    )
    .unwrap();
    assert_eq!(single.resample(0, 40), (0..40).collect::<Vec<_>>());
}
