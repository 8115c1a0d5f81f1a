//! Tests of the segmentation and atom frames and of the tools on maps: the tools against
//! scikit-image, scikit-learn and SciPy (`tests/oracles/segmentation_reference.py` writes the
//! JSON read here), the generators' masks against their geometry, the noise levels, the Otsu
//! baseline and the atom extractor on ideal maps.

use super::*;
use serde_json::Value;
use std::sync::LazyLock;

static REFERENCE: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracles/segmentation_reference.json"
    )))
    .unwrap()
});

fn floats(v: &Value) -> Vec<f64> {
    serde_json::from_value(v.clone()).unwrap()
}

fn f32s(v: &Value) -> Vec<f32> {
    floats(v).iter().map(|&x| x as f32).collect()
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::from_value(v.clone()).unwrap()
}

#[test]
fn otsu_matches_scikit_image() {
    let cases = REFERENCE["otsu"].as_array().unwrap();
    assert_eq!(cases.len(), 15);
    for case in cases {
        let values = f32s(&case["values"]);
        let bins = case["bins"].as_u64().unwrap() as usize;
        let expected = case["threshold"].as_f64().unwrap() as f32;
        let t = otsu_threshold(&values, bins).unwrap();
        assert_eq!(t, expected, "{} with {bins} bins", case["name"]);
    }
}

#[test]
fn otsu_rejects_bad_input() {
    let msg = |r: Result<f32, StemError>| r.unwrap_err().to_string();
    assert!(msg(otsu_threshold(&[], 256)).starts_with("values.len() = 0"));
    assert!(msg(otsu_threshold(&[1.0, f32::NAN], 256)).starts_with("values[1] = NaN"));
    assert!(msg(otsu_threshold(&[1.0, 2.0], 0)).starts_with("bins = 0"));
    // One bin: its centre.
    assert_eq!(otsu_threshold(&[1.0, 3.0], 1).unwrap(), 2.0);
    let e = otsu_wall_baseline(&[0.0; 6], 2, 2, 0.0).unwrap_err();
    assert!(e.to_string().starts_with("image.len() = 6"));
    let e = otsu_wall_baseline(&[0.0; 4], 2, 2, -1.0).unwrap_err();
    assert!(e.to_string().starts_with("smooth_sigma_px = -1"));
    // A blur too wide for memory is refused, not attempted.
    for sigma in [1e300, 1e17] {
        let e = otsu_wall_baseline(&[0.0; 4], 2, 2, sigma).unwrap_err();
        assert!(matches!(e, StemError::TooLarge(_)), "{e}");
        let d = Degradation {
            blur_sigma_px: sigma,
            ..Degradation::NONE
        };
        let e = degrade(
            &[0.0; 4],
            2,
            2,
            &d,
            &mut crate::rng::Xoshiro256::seed_from_u64(0),
        )
        .unwrap_err();
        assert!(matches!(e, StemError::TooLarge(_)), "{e}");
    }
}

#[test]
fn scores_match_scikit_learn() {
    for case in REFERENCE["scores"].as_array().unwrap() {
        let truth = bytes(&case["truth"]);
        let predicted = bytes(&case["predicted"]);
        let s = class_scores(&truth, &predicted, 3).unwrap();
        let confusion: Vec<u64> = serde_json::from_value(case["confusion"].clone()).unwrap();
        assert_eq!(s.confusion, confusion);
        let absent = case["class_2_absent"].as_bool().unwrap();
        for (name, ours, theirs) in [
            ("iou", &s.iou, floats(&case["jaccard"])),
            ("dice", &s.dice, floats(&case["f1"])),
        ] {
            for k in 0..3 {
                if absent && k == 2 {
                    // sklearn's zero_division = 0; ours is NaN.
                    assert!(ours[k].is_nan() && theirs[k] == 0.0, "{name}[{k}]");
                } else {
                    assert!((ours[k] - theirs[k]).abs() < 1e-12, "{name}[{k}]");
                }
            }
        }
    }
    let e = class_scores(&[0, 1], &[0], 2).unwrap_err();
    assert!(e.to_string().starts_with("predicted.len() = 1"));
    let e = class_scores(&[0, 3], &[0, 1], 3).unwrap_err();
    assert!(e.to_string().starts_with("truth[1] = 3"));
    assert!(confusion_matrix(&[], &[], 0).is_err());
}

#[test]
fn components_and_centres_match_scipy() {
    let c = &REFERENCE["components"];
    let (h, w) = (
        c["height"].as_u64().unwrap() as usize,
        c["width"].as_u64().unwrap() as usize,
    );
    let map = f32s(&c["map"]);
    let mask: Vec<bool> = map.iter().map(|&p| p > 0.5).collect();
    // Channel 0 background (unused), channel 1 the map.
    let mut maps = vec![0f32; h * w];
    maps.extend(&map);
    for (name, connectivity) in [("four", Connectivity::Four), ("eight", Connectivity::Eight)] {
        let expected = &c[name];
        let (labels, n) = label_components(&mask, h, w, connectivity).unwrap();
        let scipy_labels: Vec<u32> = serde_json::from_value(expected["labels"].clone()).unwrap();
        assert_eq!(n as u64, expected["n"].as_u64().unwrap(), "{name}");
        assert_eq!(labels, scipy_labels, "{name}");
        for (weighting, key) in [
            (CentreWeighting::Probability, "centre_probability"),
            (CentreWeighting::Binary, "centre_binary"),
        ] {
            let settings = AtomFinderSettings {
                connectivity,
                weighting,
                ..Default::default()
            };
            let atoms = find_atoms(&maps, 2, h, w, &settings).unwrap();
            let centres: Vec<Vec<f64>> = serde_json::from_value(expected[key].clone()).unwrap();
            assert_eq!(atoms.len(), centres.len(), "{name} {key}");
            for (a, e) in atoms.iter().zip(&centres) {
                assert!((a.row - e[0]).abs() < 1e-9 && (a.col - e[1]).abs() < 1e-9);
                assert_eq!(a.class, 1);
            }
        }
        // A minimum size drops the small components.
        let pixels: Vec<usize> = serde_json::from_value(expected["pixels"].clone()).unwrap();
        let settings = AtomFinderSettings {
            connectivity,
            min_pixels: 3,
            ..Default::default()
        };
        let kept = find_atoms(&maps, 2, h, w, &settings).unwrap().len();
        assert_eq!(kept, pixels.iter().filter(|&&p| p >= 3).count());
        assert!(kept < n);
    }
}

#[test]
fn atom_finder_and_matcher_edge_cases() {
    // Background last (AtomAI's order), an atom on the edge dropped by edge_px.
    let (h, w) = (8, 8);
    let mut maps = vec![0f32; 2 * h * w];
    maps[h * w - 1] = 0.9; // channel 0, pixel (7, 7)
    maps[3 * w + 4] = 0.9; // channel 0, pixel (3, 4)
    let settings = AtomFinderSettings {
        background: Some(1),
        edge_px: 1.5,
        ..Default::default()
    };
    let atoms = find_atoms(&maps, 2, h, w, &settings).unwrap();
    assert_eq!(
        atoms,
        vec![Atom {
            row: 3.0,
            col: 4.0,
            class: 0
        }]
    );
    let e = find_atoms(
        &maps,
        2,
        h,
        w,
        &AtomFinderSettings {
            background: Some(2),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("settings.background = Some(2)"));
    assert!(find_atoms(&maps, 3, h, w, &AtomFinderSettings::default()).is_err());
    // Exactly at the threshold is not above it.
    let flat = vec![0.5f32; 2 * 4];
    assert!(
        find_atoms(&flat, 2, 2, 2, &AtomFinderSettings::default())
            .unwrap()
            .is_empty()
    );
    // Matching: empty lists, a NaN, a negative radius.
    let m = match_atoms(&[], &[], 1.0).unwrap();
    assert!(m.pairs.is_empty() && m.per_class.is_empty());
    let nan = Atom {
        row: f64::NAN,
        col: 0.0,
        class: 0,
    };
    assert!(
        match_atoms(&[nan], &[], 1.0)
            .unwrap_err()
            .to_string()
            .starts_with("found[0] = (NaN, 0)")
    );
    assert!(match_atoms(&[], &[], -1.0).is_err());
    // Greedy by distance: the closer pair wins, the other found atom is left over.
    let truth = [Atom {
        row: 0.0,
        col: 0.0,
        class: 0,
    }];
    let found = [
        Atom {
            row: 0.0,
            col: 0.8,
            class: 0,
        },
        Atom {
            row: 0.3,
            col: 0.0,
            class: 0,
        },
    ];
    let m = match_atoms(&found, &truth, 1.0).unwrap();
    assert_eq!(m.pairs, vec![(1, 0, 0.3)]);
    assert_eq!(m.per_class[0].precision, 0.5);
    // argmax: ties go to the first class; NaN refused.
    assert_eq!(
        argmax_classes(&[0.5, 0.5, 0.5, 0.5], 2, 1, 2).unwrap(),
        vec![0, 0]
    );
    assert!(argmax_classes(&[f32::NAN, 0.5], 2, 1, 1).is_err());
}

/// Whether `(r, c)` lies within `wall_width / 2` of a wall of its column's family.
fn near_listed_wall(s: &SegmentationFrames, t: usize, r: usize, c: usize) -> bool {
    let plus = c < s.layout.plus_columns[t];
    s.layout.walls[t].iter().any(|wall| {
        wall.plus == plus
            && wall.distance((r as f64, c as f64), s.height, s.width).abs()
                < s.layout.wall_width_px / 2.0
    })
}

#[test]
fn segmentation_masks_follow_the_geometry() {
    let s = segmentation_frames(&SegmentationFramesSettings::small()).unwrap();
    let (h, w) = (s.height, s.width);
    let mut overlaps = 0;
    for t in 0..s.frames {
        let mask = s.mask(t).unwrap();
        for r in 0..h {
            for c in 0..w {
                let in_spot = s.contaminants[t]
                    .iter()
                    .any(|spot| spot.contains((r as f64, c as f64)));
                let near_wall = near_listed_wall(&s, t, r, c);
                let expected = if in_spot {
                    CONTAMINANT
                } else if near_wall {
                    WALL
                } else {
                    DOMAIN
                };
                assert_eq!(mask[r * w + c], expected, "frame {t} pixel ({r}, {c})");
                overlaps += usize::from(in_spot && near_wall);
            }
        }
        // Spots lie in the frame, with the drawn sizes.
        for spot in &s.contaminants[t] {
            assert!((0.0..=(h - 1) as f64).contains(&spot.centre.0));
            assert!((2.0..=6.0).contains(&spot.semi_axes.0));
            assert!(
                spot.semi_axes.1 <= spot.semi_axes.0
                    && spot.semi_axes.1 * 1.6 >= spot.semi_axes.0 - 1e-9
            );
        }
    }
    // Some spots cover walls (contaminant wins there).
    assert!(overlaps > 0);

    // Class fractions.
    let fraction =
        |class| s.masks.iter().filter(|&&m| m == class).count() as f64 / s.masks.len() as f64;
    let (domain, wall, spot) = (fraction(DOMAIN), fraction(WALL), fraction(CONTAMINANT));
    println!("class fractions: domain {domain:.3}, wall {wall:.3}, contaminant {spot:.3}");
    assert!((0.65..0.92).contains(&domain));
    assert!((0.06..0.25).contains(&wall));
    assert!((0.002..0.05).contains(&spot));

    // Both domain variants, variant 1 brighter on average in the clean frames' domain pixels.
    let mean = |variant: u8| {
        let v: Vec<f64> = (0..s.masks.len())
            .filter(|&p| s.masks[p] == DOMAIN && s.variants[p] == variant)
            .map(|p| f64::from(s.clean[p]))
            .collect();
        (
            v.len() as f64 / s.masks.len() as f64,
            v.iter().sum::<f64>() / v.len() as f64,
        )
    };
    let ((share0, mean0), (share1, mean1)) = (mean(0), mean(1));
    assert!(share0 > 0.2 && share1 > 0.2);
    assert!((mean1 - mean0 - 0.06).abs() < 0.02, "{mean0} {mean1}");
    // Walls are darkest on their centre lines: a wall pixel's clean value is below every
    // domain pixel's, up to the illumination gain, in every frame.
    for t in 0..s.frames {
        let frame = &s.clean[t * h * w..(t + 1) * h * w];
        let mask = s.mask(t).unwrap();
        let darkest_domain = (0..h * w)
            .filter(|&p| mask[p] == DOMAIN)
            .map(|p| frame[p])
            .fold(f32::INFINITY, f32::min);
        let wall_mean = (0..h * w)
            .filter(|&p| mask[p] == WALL)
            .map(|p| frame[p])
            .sum::<f32>()
            / mask.iter().filter(|&&m| m == WALL).count() as f32;
        assert!(wall_mean < darkest_domain, "frame {t}");
    }
}

#[test]
fn segmentation_frames_are_deterministic_and_follow_the_bias() {
    let settings = SegmentationFramesSettings {
        frames: 4,
        height: 64,
        width: 64,
        ..Default::default()
    };
    let a = segmentation_frames(&settings).unwrap();
    let b = segmentation_frames(&settings).unwrap();
    assert_eq!(a, b);
    let c = segmentation_frames(&SegmentationFramesSettings {
        seed: 1,
        ..settings.clone()
    })
    .unwrap();
    assert_ne!(a.images, c.images);
    assert_ne!(a.masks, c.masks);
    // The walls are the wall stack's with the same settings and seed.
    let stack = wall_stack(&WallStackSettings {
        frames: 4,
        height: 64,
        width: 64,
        wall_width_px: 3.0,
        spacing_px: (12.0, 32.0),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(a.layout, stack);
    // The level changes only the degraded images.
    let low = segmentation_frames(&SegmentationFramesSettings {
        degradation: Degradation::low(),
        ..settings.clone()
    })
    .unwrap();
    assert_eq!((&low.clean, &low.masks), (&a.clean, &a.masks));
    assert_ne!(low.images, a.images);
    // Bad settings name themselves.
    let bad = |s: SegmentationFramesSettings| segmentation_frames(&s).unwrap_err().to_string();
    assert!(
        bad(SegmentationFramesSettings {
            frames: 0,
            ..settings.clone()
        })
        .starts_with("settings.frames = 0")
    );
    assert!(
        bad(SegmentationFramesSettings {
            contaminants: (3, 1),
            ..settings.clone()
        })
        .starts_with("settings.contaminants = (3, 1)")
    );
    assert!(
        bad(SegmentationFramesSettings {
            illumination: 2.0,
            ..settings.clone()
        })
        .starts_with("settings.illumination = 2")
    );
    assert!(
        bad(SegmentationFramesSettings {
            degradation: Degradation {
                noise_sd: -0.1,
                ..Degradation::low()
            },
            ..settings.clone()
        })
        .starts_with("settings.degradation.noise_sd = -0.1")
    );
    assert!(
        bad(SegmentationFramesSettings {
            contaminant_aspect: (0.5, 1.0),
            ..settings.clone()
        })
        .starts_with("settings.contaminant_aspect")
    );
    let huge = SegmentationFramesSettings {
        frames: 1 << 20,
        height: 1 << 12,
        width: 1 << 12,
        ..settings
    };
    assert!(matches!(
        segmentation_frames(&huge),
        Err(StemError::TooLarge(_))
    ));
}

/// Wall contrast over the noise: (mean domain - mean wall) of the raw frames over the
/// standard deviation of raw - clean.
fn snr(s: &SegmentationFrames) -> f64 {
    let mean = |class| {
        let v: Vec<f64> = (0..s.masks.len())
            .filter(|&p| s.masks[p] == class)
            .map(|p| f64::from(s.images[p]))
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let n = s.images.len() as f64;
    let residual: Vec<f64> = s
        .images
        .iter()
        .zip(&s.clean)
        .map(|(a, b)| f64::from(a - b))
        .collect();
    let m = residual.iter().sum::<f64>() / n;
    let sd = (residual.iter().map(|r| (r - m).powi(2)).sum::<f64>() / n).sqrt();
    (mean(DOMAIN) - mean(WALL)) / sd
}

/// The Otsu baseline's wall IoU over all frames (confusion counts summed over frames).
fn otsu_wall_iou(s: &SegmentationFrames, smooth: f64) -> f64 {
    let mut predicted = Vec::with_capacity(s.masks.len());
    for t in 0..s.frames {
        predicted.extend(
            otsu_wall_baseline(s.image(t).unwrap(), s.height, s.width, smooth)
                .unwrap()
                .0,
        );
    }
    class_scores(&s.masks, &predicted, 3).unwrap().iou[usize::from(WALL)]
}

#[test]
fn noise_levels_order_and_otsu_baseline() {
    let mut snrs = Vec::new();
    let mut ious = Vec::new();
    println!("level      blur  shot  read   SNR   Otsu wall IoU (raw, smoothed 1 px)");
    for (name, d) in Degradation::levels() {
        let s = segmentation_frames(&SegmentationFramesSettings {
            degradation: d,
            ..SegmentationFramesSettings::small()
        })
        .unwrap();
        let (raw, smooth) = (otsu_wall_iou(&s, 0.0), otsu_wall_iou(&s, 1.0));
        let ratio = snr(&s);
        println!(
            "{name:<10} {:.1}   {:.2}  {:.2}  {ratio:5.2}  {raw:.3}  {smooth:.3}",
            d.blur_sigma_px, d.shot_sd, d.noise_sd
        );
        snrs.push(ratio);
        ious.push((raw, smooth));
    }
    assert!(snrs.windows(2).all(|p| p[0] > p[1]), "{snrs:?}");
    assert!(ious.windows(2).all(|p| p[0].0 > p[1].0), "{ious:?}");
    assert!(ious[0].0 > 0.5 && ious[3].0 < 0.4, "{ious:?}");
}

#[test]
fn atom_masks_follow_the_sites() {
    let s = atom_frames(&AtomFramesSettings::small()).unwrap();
    let (h, w, r) = (s.height, s.width, s.mask_radius_px);
    assert_eq!(s.sites[0].iter().filter(|a| a.class == A_SITE).count(), 225);
    assert_eq!(s.sites[0].iter().filter(|a| a.class == B_SITE).count(), 225);
    for t in 0..s.frames {
        let mask = s.mask(t).unwrap();
        let lattice = &s.lattices[t];
        assert_eq!(
            s.sites[t].len(),
            lattice.a_centres.len() + lattice.b_centres.len()
        );
        for (p, &m) in mask.iter().enumerate() {
            let point = ((p / w) as f64, (p % w) as f64);
            let nearest = s.sites[t]
                .iter()
                .map(|a| ((a.row - point.0).hypot(a.col - point.1), a.class))
                .min_by(|x, y| x.0.total_cmp(&y.0))
                .unwrap();
            let expected = if nearest.0 < r { nearest.1 } else { BACKGROUND };
            assert_eq!(m, expected, "image {t} pixel {point:?}");
        }
    }
    // Different images differ (seeds derive_seed(seed, t)); the same settings repeat.
    assert_ne!(s.lattices[0].walls, s.lattices[1].walls);
    // (The lattices hold NaN angles, so compare the rest.)
    let again = atom_frames(&AtomFramesSettings::small()).unwrap();
    assert_eq!(
        (&s.images, &s.masks, &s.sites),
        (&again.images, &again.masks, &again.sites)
    );
    let e = atom_frames(&AtomFramesSettings {
        mask_radius_px: 7.0,
        ..AtomFramesSettings::small()
    })
    .unwrap_err();
    assert!(e.to_string().starts_with("settings.mask_radius_px = 7"));
    assert!(s.ideal_maps(2).is_err());
    assert_eq!(h, 192);
}

#[test]
fn atom_extractor_recovers_every_site_from_ideal_maps() {
    let s = atom_frames(&AtomFramesSettings {
        degradation: Degradation::NONE,
        ..AtomFramesSettings::small()
    })
    .unwrap();
    let (h, w, r) = (s.height, s.width, s.mask_radius_px);
    // Sites whose whole disk lies in the image.
    let interior = |a: &Atom| {
        a.row >= r && a.col >= r && a.row <= (h - 1) as f64 - r && a.col <= (w - 1) as f64 - r
    };
    println!("weighting     sites     recall A, B  precision A, B  max error px (interior)");
    for weighting in [
        CentreWeighting::Excess,
        CentreWeighting::Probability,
        CentreWeighting::Binary,
    ] {
        let settings = AtomFinderSettings {
            weighting,
            ..Default::default()
        };
        for t in 0..s.frames {
            let maps = s.ideal_maps(t).unwrap();
            let found = find_atoms(&maps, 3, h, w, &settings).unwrap();
            let all = match_atoms(&found, &s.sites[t], 1.0).unwrap();
            let inner_truth: Vec<Atom> = s.sites[t].iter().copied().filter(interior).collect();
            let inner_found: Vec<Atom> = found.iter().copied().filter(interior).collect();
            let inner = match_atoms(&inner_found, &inner_truth, 1.0).unwrap();
            let worst = inner.pairs.iter().map(|p| p.2).fold(0.0, f64::max);
            for (label, m) in [("all", &all), ("interior", &inner)] {
                println!(
                    "{weighting:?} {label:<8} recall {:.4}, {:.4}  precision {:.4}, {:.4}  {worst:.3}",
                    m.per_class[1].recall,
                    m.per_class[2].recall,
                    m.per_class[1].precision,
                    m.per_class[2].precision
                );
            }
            for class in [A_SITE, B_SITE] {
                let c = inner.per_class[usize::from(class)];
                assert_eq!(
                    (c.recall, c.precision),
                    (1.0, 1.0),
                    "{weighting:?} class {class}"
                );
            }
            if weighting == CentreWeighting::Excess {
                assert!(worst < 0.1, "{worst}");
            }
            // Sites on the border (a clipped disk, or drawn just outside) may be missed: the
            // B-sites of the first row and column.
            assert!(
                all.per_class[1..]
                    .iter()
                    .all(|c| c.precision > 0.85 && c.recall > 0.85)
            );
        }
    }
}
