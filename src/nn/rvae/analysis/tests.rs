//! Each analysis against an analytic value or a construction with a known answer.

use super::*;
use crate::nn::rvae::RvaeSettings;
use crate::rng::Xoshiro256;
use ndarray::array;

fn normal_pdf(x: f64, mean: f64, sd: f64) -> f64 {
    (-0.5 * ((x - mean) / sd).powi(2)).exp() / (sd * (2.0 * PI).sqrt())
}

fn encoding(angle: Vec<f64>, content: Array2<f64>) -> RvaeEncoding {
    let n = angle.len();
    let k = content.ncols();
    RvaeEncoding {
        angle: Array1::from(angle),
        angle_sd: Array1::ones(n),
        offsets: Array2::from_shape_fn((n, 2), |(i, j)| (i * 2 + j) as f64),
        offsets_sd: Array2::ones((n, 2)),
        content,
        content_sd: Array2::ones((n, k)),
    }
}

#[test]
fn frame_densities_are_scott_kernel_sums() {
    // Frame 0 holds {0, 1}: variance (ddof 1) 1/2, Scott factor 2^(-1/5), so the kernel sd
    // is sqrt(1/2) 2^(-1/5); frame 1 holds {1, 2, 4}: variance 7/3, factor 3^(-1/5).
    let values = [0.0, 1.0, 1.0, 2.0, 4.0];
    let frames = [0, 0, 1, 1, 1];
    let (axis, f) = frame_densities(&values, &frames, 9, false).unwrap();
    assert_eq!(axis.to_vec(), [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]);
    let h0 = 0.5f64.sqrt() * 2f64.powf(-0.2);
    let h1 = (7.0f64 / 3.0).sqrt() * 3f64.powf(-0.2);
    for (g, x) in axis.iter().enumerate() {
        let want0 = (normal_pdf(*x, 0.0, h0) + normal_pdf(*x, 1.0, h0)) / 2.0;
        let want1 =
            (normal_pdf(*x, 1.0, h1) + normal_pdf(*x, 2.0, h1) + normal_pdf(*x, 4.0, h1)) / 3.0;
        assert!(
            (f[[g, 0]] - want0).abs() < 1e-12,
            "{g}: {} vs {want0}",
            f[[g, 0]]
        );
        assert!(
            (f[[g, 1]] - want1).abs() < 1e-12,
            "{g}: {} vs {want1}",
            f[[g, 1]]
        );
    }
}

#[test]
fn angles_are_wrapped_before_the_densities() {
    // 4 rad wraps to 4 - 2 pi; the axis then starts there and ends at 1.
    let values = [4.0, 0.5, 1.0, -0.5];
    let (axis, _) = frame_densities(&values, &[0, 0, 1, 1], 5, true).unwrap();
    assert!((axis[0] - (4.0 - 2.0 * PI)).abs() < 1e-12);
    assert_eq!(axis[4], 1.0);
    // Unwrapped, the same values span [-0.5, 4].
    let (raw, _) = frame_densities(&values, &[0, 0, 1, 1], 5, false).unwrap();
    assert_eq!((raw[0], raw[4]), (-0.5, 4.0));
}

#[test]
fn kde_nmf_gives_equal_frames_equal_loadings() {
    // Frames of two kinds, a (values near 0) and b (near 3), in the order a a b a b: the
    // density matrix has rank 2, so two components reconstruct it and frames of one kind load
    // identically.
    let a = [0.0, 0.3, -0.2, 0.1];
    let b = [3.0, 2.6, 3.4, 3.1];
    let kinds = [0, 0, 1, 0, 1];
    let mut values = Vec::new();
    let mut frames = Vec::new();
    for (t, kind) in kinds.iter().enumerate() {
        values.extend(if *kind == 0 { a } else { b });
        frames.extend([t; 4]);
    }
    let r = frame_kde_nmf(&values, &frames, 100, 2, false).unwrap();
    let rebuilt = r.components.dot(&r.loadings.t());
    let err = (&rebuilt - &r.densities).mapv(|v| v * v).sum().sqrt();
    assert!(
        err < 1e-3 * r.densities.mapv(|v| v * v).sum().sqrt(),
        "{err}"
    );
    let close =
        |s: usize, t: usize| (0..2).all(|j| (r.loadings[[s, j]] - r.loadings[[t, j]]).abs() < 1e-3);
    assert!(close(0, 1) && close(0, 3) && close(2, 4));
    assert!(!close(0, 2));
    assert!(
        r.components
            .iter()
            .chain(r.loadings.iter())
            .all(|v| *v >= 0.0)
    );
}

#[test]
fn frame_densities_refuse_bad_input() {
    assert!(frame_densities(&[0.0, 1.0], &[0], 10, false).is_err());
    assert!(frame_densities(&[0.0, f64::NAN], &[0, 0], 10, false).is_err());
    assert!(frame_densities(&[1.0, 1.0], &[0, 0], 10, false).is_err());
    // Frame 1 is empty.
    assert!(frame_densities(&[0.0, 1.0, 2.0, 3.0], &[0, 0, 2, 2], 10, false).is_err());
    assert!(frame_densities(&[0.0, 1.0], &[0, 0], 1, false).is_err());
}

#[test]
fn decode_grid_decodes_the_grid_cells() {
    let s = RvaeSettings {
        filters: 2,
        hidden: 8,
        content_latents: 3,
        ..Default::default()
    };
    let model = Rvae::new(&s, [5, 4]).unwrap();
    let g = decode_grid(&model, [2, 0], [(-1.0, 1.0), (0.0, 3.0)], 3).unwrap();
    assert_eq!(g.first.to_vec(), [-1.0, 0.0, 1.0]);
    assert_eq!(g.second.to_vec(), [0.0, 1.5, 3.0]);
    // Cell (i, j) = (2, 1): latent 2 at 1.0, latent 0 at 1.5, latent 1 at 0.
    let one = model
        .decode_content(array![[1.5, 0.0, 1.0]].view())
        .unwrap();
    assert_eq!(g.images.row(2 * 3 + 1), one.row(0));
    assert!(decode_grid(&model, [0, 0], [(-1.0, 1.0); 2], 3).is_err());
    assert!(decode_grid(&model, [0, 3], [(-1.0, 1.0); 2], 3).is_err());
    assert!(decode_grid(&model, [0, 1], [(1.0, 1.0); 2], 3).is_err());
}

#[test]
fn contrast_mask_and_histogram_nmf_separate_physical_from_unphysical_images() {
    // A 4 x 4 grid of 16-pixel images: the left two columns binary (0/1, maximum 1: physical),
    // the right two an intermediate grey (0.5 with a small ripple: unphysical).
    let d = 4;
    let images = Array2::from_shape_fn((d * d, 16), |(k, p)| {
        if k % d < 2 {
            f64::from(u8::from((p + k) % 3 == 0))
        } else {
            0.5 + 0.01 * ((p % 4) as f64 - 1.5)
        }
    });
    let contrast = max_contrast(images.view(), d).unwrap();
    for ((i, j), v) in contrast.indexed_iter() {
        let want = if j < 2 { 1.0 } else { 0.515 };
        assert!((v - want).abs() < 1e-12, "({i}, {j})");
    }
    let mask = physical_mask(&contrast, (0.95, 1.05));
    assert_eq!(mask.iter().filter(|m| **m).count(), 8);
    assert!(mask.column(0).iter().all(|m| *m) && !mask.column(3).iter().any(|m| *m));
    let hist = intensity_histograms(images.view(), 10, (0.0, 1.0)).unwrap();
    // Every row sums to 1; a grey image sits in bin 4 (0.485, 0.495) or 5 (the rest).
    for row in hist.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12);
    }
    assert_eq!(hist[[2, 4]] + hist[[2, 5]], 1.0);
    let f = image_nmf(hist.view(), 2).unwrap();
    let class: Vec<usize> = f
        .loadings
        .rows()
        .into_iter()
        .map(|r| usize::from(r[1] > r[0]))
        .collect();
    let truth: Vec<usize> = (0..d * d).map(|k| usize::from(k % d < 2)).collect();
    assert_eq!(purity(&class, &truth).unwrap(), 1.0);
    assert!(max_contrast(images.view(), 3).is_err());
}

#[test]
fn image_nmf_clips_negatives_and_recovers_two_parts() {
    // Images are non-negative mixtures of two disjoint parts (left half, right half) plus
    // small negative noise that is clipped: the components are the two halves.
    let mut rng = Xoshiro256::seed_from_u64(3);
    let images = Array2::from_shape_fn((20, 8), |(i, p)| {
        let w = if p < 4 {
            i as f64 / 19.0
        } else {
            1.0 - i as f64 / 19.0
        };
        w - 0.01 * rng.uniform()
    });
    let f = image_nmf(images.view(), 2).unwrap();
    for c in f.components.rows() {
        let left: f64 = c.iter().take(4).sum();
        let right: f64 = c.iter().skip(4).sum();
        assert!(left.min(right) < 0.05 * left.max(right), "{c}");
    }
}

#[test]
fn purity_of_known_labellings() {
    assert_eq!(purity(&[0, 0, 1, 1, 2], &[0, 1, 1, 1, 2]).unwrap(), 0.8);
    // Renaming clusters changes nothing; one cluster gives the largest class's share.
    assert_eq!(purity(&[5, 5, 9, 9, 1], &[0, 1, 1, 1, 2]).unwrap(), 0.8);
    assert_eq!(purity(&[0; 5], &[0, 1, 1, 1, 2]).unwrap(), 0.6);
    assert_eq!(purity(&[0, 1, 2, 3, 4], &[0, 1, 1, 1, 2]).unwrap(), 1.0);
    assert!(purity(&[0], &[0, 1]).is_err());
    assert!(purity(&[], &[]).is_err());
}

#[test]
fn gmm_on_angle_features_finds_three_variants_across_the_wrap() {
    // Three variants at angles 0, pi/2 and pi (sd 0.05 rad), each angle shifted by a random
    // multiple of 2 pi as the unbounded encoder may give it, with one content latent.
    let mut rng = Xoshiro256::seed_from_u64(11);
    let mut truth = Vec::new();
    let mut angle = Vec::new();
    let mut content = Vec::new();
    for i in 0..150 {
        let v = i % 3;
        truth.push(v);
        let turns = rng.below(3) as f64 - 1.0;
        angle.push(v as f64 * PI / 2.0 + 0.05 * rng.normal() + 2.0 * PI * turns);
        content.push(0.1 * rng.normal());
    }
    let enc = encoding(angle, Array2::from_shape_vec((150, 1), content).unwrap());
    let features = angle_content_features(&enc);
    assert_eq!(features.dim(), (150, 3));
    let classes = gmm_classes(features.view(), 3, 3, 0).unwrap();
    assert_eq!(purity(classes.as_slice().unwrap(), &truth).unwrap(), 1.0);
    // The raw means keep the 2 pi shifts apart, so they do worse.
    let raw = gmm_classes(latent_means(&enc).view(), 3, 3, 0).unwrap();
    assert!(purity(raw.as_slice().unwrap(), &truth).unwrap() < 1.0);
}

#[test]
fn latent_maps_fill_every_grid_centre() {
    // Windows of 4 px at every pixel of a 10 x 10 image: centres 2..=8 in both axes.
    let image = vec![0.0f32; 100];
    let w = crate::stem::grid_windows(&image, 10, 10, 4, 1).unwrap();
    let n = w.len();
    assert_eq!(n, 49);
    let angle: Vec<f64> = w
        .centres
        .iter()
        .map(|(r, c)| (100 * r + c) as f64)
        .collect();
    let content = Array2::from_shape_fn((n, 2), |(i, j)| (i * 10 + j) as f64);
    let enc = encoding(angle, content);
    let m = latent_maps((10, 10), &w.centres, &enc).unwrap();
    for r in 0..10 {
        for c in 0..10 {
            let inside = (2..=8).contains(&r) && (2..=8).contains(&c);
            assert_eq!(m.angle[[r, c]].is_nan(), !inside, "({r}, {c})");
            if inside {
                assert_eq!(m.angle[[r, c]], (100 * r + c) as f64);
                let i = (r - 2) * 7 + (c - 2);
                assert_eq!(m.content[[1, r, c]], (i * 10 + 1) as f64);
                assert_eq!(m.offsets[[0, r, c]], (i * 2) as f64);
            }
        }
    }
    assert!(latent_maps((8, 10), &w.centres, &enc).is_err());
    assert!(latent_maps((10, 10), &w.centres[1..], &enc).is_err());
}
