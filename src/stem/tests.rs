//! Tests of the stem module: the window rule, and each generator's truth against its image.

use super::*;
use crate::limits::TooLarge;
use std::f64::consts::{PI, TAU};

/// An h x w image whose pixel (r, c) holds 1000 r + c (exact in f32 at these sizes).
fn ramp(h: usize, w: usize) -> Vec<f32> {
    (0..h * w)
        .map(|p| (1000 * (p / w) + p % w) as f32)
        .collect()
}

/// The value of `ramp` at (r, c).
fn at(r: usize, c: usize) -> f32 {
    (1000 * r + c) as f32
}

fn message<T: std::fmt::Debug>(r: Result<T, StemError>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn even_and_odd_windows_follow_the_rule() {
    let image = ramp(20, 20);
    // Even n = 4 at (5, 6): rows [3, 7), cols [4, 8).
    let w = windows_at(&image, 20, 20, &[(5.0, 6.0)], 4).unwrap();
    let win = w.window(0).unwrap();
    assert_eq!((win[0], win[3], win[15]), (at(3, 4), at(3, 7), at(6, 7)));
    // Odd n = 5 at (5, 6): rows [3, 8), cols [4, 9).
    let w = windows_at(&image, 20, 20, &[(5.0, 6.0)], 5).unwrap();
    let win = w.window(0).unwrap();
    assert_eq!((win[0], win[24]), (at(3, 4), at(7, 8)));
    // n = 1 is the pixel itself.
    let w = windows_at(&image, 20, 20, &[(7.0, 2.0)], 1).unwrap();
    assert_eq!(w.windows, vec![at(7, 2)]);
    // Rounding: half to even (NumPy's around), and -0.4 rounds to row 0.
    let centres = [(2.5, 3.5), (4.49, 4.51), (-0.4, 0.0)];
    let w = windows_at(&image, 20, 20, &centres, 1).unwrap();
    assert_eq!(w.centres, vec![(2, 4), (4, 5), (0, 0)]);
    assert_eq!(w.kept, vec![0, 1, 2]);
}

#[test]
fn windows_leaving_the_image_are_dropped_at_both_edges() {
    let image = ramp(10, 12);
    // n = 4 fits for centres 2..=8 (rows) and 2..=10 (columns).
    let rows: Vec<(f64, f64)> = (0..10).map(|r| (r as f64, 5.0)).collect();
    let w = windows_at(&image, 10, 12, &rows, 4).unwrap();
    assert_eq!(w.kept, (2..=8).collect::<Vec<_>>());
    let cols: Vec<(f64, f64)> = (0..12).map(|c| (5.0, c as f64)).collect();
    let w = windows_at(&image, 10, 12, &cols, 4).unwrap();
    assert_eq!(w.kept, (2..=10).collect::<Vec<_>>());
    // n = 3: centres 1..=8.
    let w = windows_at(&image, 10, 12, &rows, 3).unwrap();
    assert_eq!(w.kept, (1..=8).collect::<Vec<_>>());
    // Far outside, negative, huge: dropped, no error.
    let far = [(-50.0, 5.0), (5.0, 1e300), (1e20, -1e20)];
    assert!(windows_at(&image, 10, 12, &far, 3).unwrap().is_empty());
    // The whole image as one window.
    let w = windows_at(&image, 10, 12, &[(5.0, 6.0)], 10).unwrap();
    assert_eq!(w.window(0).unwrap()[..10], image[1..11]);
}

#[test]
fn windows_holding_nan_are_dropped_and_kept_indexes_the_rest() {
    let mut image = ramp(12, 12);
    image[5 * 12 + 5] = f32::NAN;
    let centres = [(3.0, 3.0), (5.0, 6.0), (8.0, 8.0), (7.0, 7.0), (9.0, 9.0)];
    // n = 4 covers rows [r-2, r+2): (5, 6) and (7, 7) hold (5, 5); (3, 3) holds rows 1..5 only.
    let w = windows_at(&image, 12, 12, &centres, 4).unwrap();
    assert_eq!(w.kept, vec![0, 2, 4]);
    assert_eq!(w.centres, vec![(3, 3), (8, 8), (9, 9)]);
    assert!(w.windows.iter().all(|v| !v.is_nan()));
    assert_eq!(w.window(1).unwrap()[0], at(6, 6));
    // Infinite values are kept (only NaN marks missing data).
    let mut image = ramp(12, 12);
    image[0] = f32::INFINITY;
    assert_eq!(
        windows_at(&image, 12, 12, &[(2.0, 2.0)], 4).unwrap().len(),
        1
    );
}

#[test]
fn stack_windows_carry_their_frame() {
    let (t, h, w) = (3, 8, 9);
    let stack: Vec<f32> = (0..t * h * w).map(|p| p as f32).collect();
    let centres = vec![
        vec![(4.0, 4.0), (0.0, 0.0)],
        vec![],
        vec![(1.0, 1.0), (6.0, 7.0)],
    ];
    let out = stack_windows_at(&stack, t, h, w, &centres, 2).unwrap();
    assert_eq!(out.frames, vec![0, 2, 2]);
    assert_eq!(out.kept, vec![0, 0, 1]);
    // Window (frame 2, centre (6, 7)) starts at row 5, col 6 of frame 2.
    assert_eq!(out.window(2).unwrap()[0], (2 * h * w + 5 * w + 6) as f32);
    assert_eq!(out.window(0).unwrap()[0], (3 * w + 3) as f32);
    // A NaN in frame 1 does not touch frames 0 and 2.
    let mut stack = stack;
    stack[h * w + 4 * w + 4] = f32::NAN;
    let same = vec![vec![(4.0, 4.0)]; 3];
    let out = stack_windows_at(&stack, t, h, w, &same, 2).unwrap();
    assert_eq!(out.frames, vec![0, 2]);
}

#[test]
fn grid_windows_are_windows_at_the_grid_centres() {
    let (h, w, n, step) = (23, 17, 6, 4);
    let mut image = ramp(h, w);
    let (gr, gc) = grid_shape(h, w, n, step).unwrap();
    assert_eq!((gr, gc), (5, 3));
    let centres: Vec<(f64, f64)> = (0..gr)
        .flat_map(|i| (0..gc).map(move |j| ((3 + 4 * i) as f64, (3 + 4 * j) as f64)))
        .collect();
    assert_eq!(
        grid_windows(&image, h, w, n, step).unwrap(),
        windows_at(&image, h, w, &centres, n).unwrap()
    );
    // The last window reaches the last row that fits: rows [16, 22) of 23.
    let g = grid_windows(&image, h, w, n, step).unwrap();
    assert_eq!(g.centres[g.len() - 1], (19, 11));
    image[0] = f32::NAN;
    let g = grid_windows(&image, h, w, n, step).unwrap();
    assert_eq!((g.len(), g.kept[0]), (14, 1));
    // Every pixel with step 1 and n = 1.
    assert_eq!(grid_windows(&image, h, w, 1, 1).unwrap().len(), h * w - 1);
    // Stacks: the same grid per frame.
    let stack: Vec<f32> = [ramp(h, w), ramp(h, w)].concat();
    let s = stack_grid_windows(&stack, 2, h, w, n, step).unwrap();
    assert_eq!(s.len(), 30);
    assert_eq!((s.frames[15], s.kept[15], s.centres[15]), (1, 0, (3, 3)));
    assert_eq!(s.windows[..15 * 36], s.windows[15 * 36..]);
}

#[test]
fn random_windows_are_seeded_per_frame_and_cover_every_valid_centre() {
    let (h, w, n) = (16, 20, 5);
    let stack: Vec<f32> = [ramp(h, w), ramp(h, w), ramp(h, w)].concat();
    let a = random_windows(&stack, 3, h, w, 2000, n, 11).unwrap();
    assert_eq!(a, random_windows(&stack, 3, h, w, 2000, n, 11).unwrap());
    assert_ne!(
        a.centres,
        random_windows(&stack, 3, h, w, 2000, n, 12)
            .unwrap()
            .centres
    );
    // Frames 0 and 1 of a two-frame stack draw what they draw in three.
    let b = random_windows(&stack[..2 * h * w], 2, h, w, 2000, n, 11).unwrap();
    assert_eq!(b.centres[..], a.centres[..4000]);
    // Centres span exactly rows 2..=13 and columns 2..=17, each about equally often.
    let (rows, cols): (Vec<usize>, Vec<usize>) = a.centres.iter().copied().unzip();
    assert_eq!(
        (rows.iter().min(), rows.iter().max()),
        (Some(&2), Some(&13))
    );
    assert_eq!(
        (cols.iter().min(), cols.iter().max()),
        (Some(&2), Some(&17))
    );
    for r in 2..=13 {
        let count = rows.iter().filter(|&&x| x == r).count();
        assert!((400..600).contains(&count), "row {r}: {count} of 6000");
    }
    // Each window holds the frame's pixels around its centre.
    for k in [0, 2500, 5999] {
        let (r, c) = a.centres[k];
        assert_eq!(a.window(k).unwrap()[0], at(r - 2, c - 2));
        assert_eq!(a.kept[k], k % 2000);
    }
}

#[test]
fn bad_window_arguments_are_named() {
    let image = vec![0f32; 30];
    let e = message(windows_at(&image, 5, 5, &[], 2));
    assert_eq!(e, "image: 30 values: expected h x w = 5 x 5");
    assert!(message(windows_at(&image, 5, 6, &[], 0)).starts_with("n = 0"));
    assert!(message(windows_at(&image, 5, 6, &[], 6)).starts_with("n = 6"));
    assert!(message(windows_at(&image, 0, 6, &[], 1)).starts_with("h x w = 0 x 6"));
    let e = message(windows_at(&image, 5, 6, &[(1.0, 1.0), (f64::NAN, 2.0)], 2));
    assert!(e.starts_with("centres[1] = (NaN, 2)"), "{e}");
    assert!(
        message(stack_windows_at(&image, 2, 3, 5, &[vec![]], 2))
            .starts_with("centres_per_frame: 1 lists")
    );
    let e = message(stack_windows_at(
        &image,
        2,
        3,
        5,
        &[vec![], vec![(0.0, f64::INFINITY)]],
        2,
    ));
    assert!(e.starts_with("centres_per_frame[1][0]"), "{e}");
    assert!(message(stack_windows_at(&image, 0, 3, 5, &[], 2)).starts_with("t = 0"));
    assert!(message(grid_windows(&image, 5, 6, 2, 0)).starts_with("step = 0"));
    let e = message(random_windows(&image, 2, 5, 6, 3, 2, 0));
    assert_eq!(e, "stack: 30 values: expected t x h x w = 2 x 5 x 6");
    // An absurd request is refused before allocating.
    let big = random_windows(&image, 1, 5, 6, usize::MAX / 2, 2, 0);
    assert!(
        matches!(big, Err(StemError::TooLarge(TooLarge { .. }))),
        "{big:?}"
    );
}

/// The local maximum reached by climbing from the pixel nearest `(row, col)`, refined to
/// sub-pixel precision by a parabola through the logarithms of it and its four neighbours
/// (exact for a lone Gaussian): `(row, col, height)`. `None` at the image's edge.
fn peak(image: &[f32], h: usize, w: usize, (row, col): (f64, f64)) -> Option<(f64, f64, f64)> {
    let v = |r: usize, c: usize| f64::from(image[r * w + c]);
    let (mut r, mut c) = (row.round() as usize, col.round() as usize);
    loop {
        if r == 0 || c == 0 || r + 1 >= h || c + 1 >= w {
            return None;
        }
        let mut best = (r, c);
        for (dr, dc) in [
            (0, 1),
            (2, 1),
            (1, 0),
            (1, 2),
            (0, 0),
            (0, 2),
            (2, 0),
            (2, 2),
        ] {
            let (rr, cc) = (r + dr - 1, c + dc - 1);
            if v(rr, cc) > v(best.0, best.1) {
                best = (rr, cc);
            }
        }
        if best == (r, c) {
            break;
        }
        (r, c) = best;
    }
    let l = |r: usize, c: usize| v(r, c).max(1e-300).ln();
    // Vertex offset and log-height gain of the parabola through (-1, m), (0, z), (1, p).
    let vertex = |m: f64, z: f64, p: f64| {
        let curvature = m - 2.0 * z + p;
        (
            0.5 * (m - p) / curvature,
            -(m - p).powi(2) / (8.0 * curvature),
        )
    };
    let (dr, gr) = vertex(l(r - 1, c), l(r, c), l(r + 1, c));
    let (dc, gc) = vertex(l(r, c - 1), l(r, c), l(r, c + 1));
    Some((r as f64 + dr, c as f64 + dc, (l(r, c) + gr + gc).exp()))
}

#[test]
fn rotated_lattice_atoms_sit_where_the_truth_says() {
    let s = rotated_lattice(&RotatedLatticeSettings {
        noise: 0.0,
        seed: 4,
        ..Default::default()
    })
    .unwrap();
    let (h, w) = (s.height, s.width);
    let mut errors = Vec::new();
    for atom in &s.atoms {
        let p = atom.row.round() as usize * w + atom.col.round() as usize;
        if s.border_distance[p] < 4.0 {
            continue; // the neighbouring region's lattice is cut off there
        }
        let Some(found) = peak(&s.image, h, w, (atom.row, atom.col)) else {
            continue;
        };
        errors.push((found.0 - atom.row).hypot(found.1 - atom.col));
    }
    errors.sort_by(f64::total_cmp);
    assert!(errors.len() > 250, "{} atoms checked", errors.len());
    let worst = errors[errors.len() - 1];
    assert!(worst < 0.5, "worst peak {worst} px from its atom");
    assert!(
        errors[errors.len() / 2] < 0.1,
        "median {}",
        errors[errors.len() / 2]
    );
}

#[test]
fn rotated_lattice_angle_and_variant_are_readable_from_the_image() {
    let angles = vec![0.3, 2.0, 4.0, 5.9];
    let s = rotated_lattice(&RotatedLatticeSettings {
        noise: 0.0,
        angles: Some(angles.clone()),
        seed: 9,
        ..Default::default()
    })
    .unwrap();
    let (h, w) = (s.height, s.width);
    assert_eq!(s.region_angle, angles);
    let interior = |a: &LatticeAtom| {
        s.border_distance[a.row.round() as usize * w + a.col.round() as usize] > 6.0
    };
    let mains: Vec<&LatticeAtom> = s
        .atoms
        .iter()
        .filter(|a| a.site == 0 && interior(a))
        .collect();
    let mut per_region = vec![Vec::new(); 4];
    let mut heights = [Vec::new(), Vec::new()];
    for main in mains {
        // The satellite along e1 of the same lattice point: 4 px away, in the same region.
        let Some(sat) = s.atoms.iter().find(|a| {
            a.site == 1
                && a.region == main.region
                && ((a.row - main.row).hypot(a.col - main.col) - 4.0).abs() < 1e-6
        }) else {
            continue;
        };
        let (Some(p0), Some(p1)) = (
            peak(&s.image, h, w, (main.row, main.col)),
            peak(&s.image, h, w, (sat.row, sat.col)),
        ) else {
            continue;
        };
        // Measured direction main -> satellite, counter-clockwise with y up.
        let measured = (-(p1.0 - p0.0)).atan2(p1.1 - p0.1);
        per_region[main.region].push(measured);
        heights[usize::from(s.region_variant[main.region])].push(p0.2);
    }
    for (k, measured) in per_region.iter().enumerate() {
        assert!(
            measured.len() >= 10,
            "region {k}: {} motifs",
            measured.len()
        );
        for m in measured {
            let error = crate::analysis::wrap(m - angles[k], TAU).abs();
            assert!(
                error < 2f64.to_radians(),
                "region {k}: {m} vs {}",
                angles[k]
            );
        }
    }
    // Main atoms peak at 1 in variant 0 and 0.5 in variant 1 (plus neighbours' tails).
    for (variant, target) in [(0, 1.0), (1, 0.5)] {
        assert!(heights[variant].len() > 20);
        for v in &heights[variant] {
            assert!((v - target).abs() < 0.03, "variant {variant}: {v}");
        }
    }
}

#[test]
fn rotated_lattice_pixel_truth_is_consistent() {
    let s = rotated_lattice(&RotatedLatticeSettings {
        seed: 1,
        ..Default::default()
    })
    .unwrap();
    let (h, w) = (s.height, s.width);
    for r in 0..h {
        for c in 0..w {
            let p = r * w + c;
            let k = s.region[p];
            let d2 = |q: (f64, f64)| (q.0 - r as f64).powi(2) + (q.1 - c as f64).powi(2);
            assert!(s.seeds.iter().all(|q| d2(*q) >= d2(s.seeds[k])));
            assert_eq!(
                (s.angle[p], s.variant[p]),
                (s.region_angle[k], (k % 2) as u8)
            );
            assert!(s.border_distance[p] >= 0.0);
            // Neighbours across a border are within a pixel of it; pixels far from any
            // border have neighbours of the same region.
            for (rr, cc) in [(r + 1, c), (r, c + 1)] {
                if rr < h && cc < w {
                    let q = rr * w + cc;
                    if s.region[q] != k {
                        assert!(s.border_distance[p] <= 1.0 && s.border_distance[q] <= 1.0);
                    } else if s.border_distance[p] > 1.0 {
                        assert_eq!(s.region[q], k);
                    }
                }
            }
        }
    }
    for region in 0..4 {
        assert!(s.region.iter().filter(|&&k| k == region).count() > 1000);
    }
    assert!(s.atoms.iter().all(
        |a| s.region[a.row.round() as usize * w + a.col.round() as usize] == a.region
            || s.border_distance[a.row.round() as usize * w + a.col.round() as usize] < 1.0
    ));
    // Deterministic by seed.
    let again = rotated_lattice(&RotatedLatticeSettings {
        seed: 1,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(s, again);
    let other = rotated_lattice(&RotatedLatticeSettings::default()).unwrap();
    assert_ne!(s.image, other.image);
    // Noise of the stated size: the difference to the noise-free image.
    let clean = rotated_lattice(&RotatedLatticeSettings {
        seed: 1,
        noise: 0.0,
        ..Default::default()
    })
    .unwrap();
    let n = (h * w) as f64;
    let var = s
        .image
        .iter()
        .zip(&clean.image)
        .map(|(a, b)| f64::from(a - b).powi(2))
        .sum::<f64>()
        / n;
    assert!((var.sqrt() - 0.02).abs() < 0.001, "noise sd {}", var.sqrt());
}

#[test]
fn bad_rotated_lattice_settings_are_named() {
    let bad = |s: RotatedLatticeSettings| message(rotated_lattice(&s));
    let d = RotatedLatticeSettings::default;
    assert!(bad(RotatedLatticeSettings { regions: 0, ..d() }).starts_with("settings.regions = 0"));
    assert!(
        bad(RotatedLatticeSettings {
            period_px: 1.0,
            ..d()
        })
        .starts_with("settings.period_px = 1")
    );
    assert!(
        bad(RotatedLatticeSettings {
            noise: f64::NAN,
            ..d()
        })
        .starts_with("settings.noise = NaN")
    );
    assert!(
        bad(RotatedLatticeSettings { height: 1, ..d() }).starts_with("settings.height x width")
    );
    let e = bad(RotatedLatticeSettings {
        angles: Some(vec![0.0; 3]),
        ..d()
    });
    assert!(e.starts_with("settings.angles: 3 angles"), "{e}");
    let e = bad(RotatedLatticeSettings {
        angles: Some(vec![0.0, 1.0, f64::INFINITY, 0.0]),
        ..d()
    });
    assert!(e.starts_with("settings.angles[2] = inf"), "{e}");
    let huge = rotated_lattice(&RotatedLatticeSettings {
        height: 1 << 31,
        width: 1 << 31,
        ..d()
    });
    assert!(matches!(huge, Err(StemError::TooLarge(_))));
}

#[test]
fn displacement_lattice_has_the_stated_sites_variants_and_scale() {
    let s = displacement_lattice(&DisplacementLatticeSettings {
        noise: 0.0,
        seed: 3,
        ..DisplacementLatticeSettings::small()
    })
    .unwrap();
    assert_eq!(s.b_centres.len(), 225);
    assert_eq!(s.image.iter().copied().fold(f32::MIN, f32::max), 1.0);
    // The three variants in the film, the substrate in the bottom three rows of B-sites.
    let count = |k: u8| s.b_variant.iter().filter(|&&v| v == k).count();
    assert!(count(0) > 10 && count(1) > 10 && count(2) > 10);
    assert_eq!(count(SUBSTRATE), 3 * 15);
    for k in 0..s.b_centres.len() {
        let substrate = s.b_cells[k].0 > s.substrate_top;
        assert_eq!(s.b_variant[k] == SUBSTRATE, substrate);
        assert_eq!(s.b_angle[k].is_nan(), substrate);
        if !substrate {
            let t = PI / 4.0 + f64::from(s.b_variant[k]) * PI / 2.0;
            assert!((s.b_angle[k] - t).abs() < 1e-12);
        }
    }
    // Stripe domains: neighbouring film B-sites along the walls share their variant.
    // One cell up and one right: along a 45 degree wall (y up).
    let along = (-13.0, 13.0);
    assert!((s.wall_angle - PI / 4.0).abs() < 1e-12);
    let mut same = 0;
    let mut pairs = 0;
    for i in 0..s.b_cells.len() {
        let next = (s.b_cells[i].0 + along.0, s.b_cells[i].1 + along.1);
        let Some(j) = s
            .b_cells
            .iter()
            .position(|c| (c.0 - next.0).hypot(c.1 - next.1) < 0.5)
        else {
            continue;
        };
        if s.b_variant[i] != SUBSTRATE && s.b_variant[j] != SUBSTRATE {
            pairs += 1;
            same += usize::from(s.b_variant[i] == s.b_variant[j]);
        }
    }
    // Such neighbours lie on the same line parallel to the walls, so in the same stripe.
    assert!(pairs > 100 && same == pairs, "{same} of {pairs}");
    // A-site peak heights follow the chemistry gradient: 1 + 0.3 tanh((x - x0) / 25), scaled.
    for (p, height) in s.a_centres.iter().zip(&s.a_height) {
        let x0 = 95.5;
        assert!((height - (1.0 + 0.3 * ((p.1 - x0) / 25.0).tanh())).abs() < 1e-12);
        // The fitted peak height is the site's height over the scale (other sites are
        // more than 5 widths away).
        if let Some((_, _, v)) = peak(&s.image, 192, 192, *p) {
            assert!((v * s.scale / height - 1.0).abs() < 1e-3, "{v} at {p:?}");
        }
    }
}

#[test]
fn displacement_direction_is_recovered_from_the_image_centroid() {
    for noise in [0.0, 0.05] {
        let s = displacement_lattice(&DisplacementLatticeSettings {
            noise,
            seed: 8,
            ..DisplacementLatticeSettings::small()
        })
        .unwrap();
        let (h, w, a) = (s.height, s.width, 13.0);
        let radius = 0.3 * a;
        let mut per_variant = [Vec::new(), Vec::new(), Vec::new()];
        let mut substrate_shift: (f64, f64, f64, f64) = (0.0, 0.0, 0.0, 0.0);
        for k in 0..s.b_cells.len() {
            let cell = s.b_cells[k];
            if cell.0 < a || cell.1 < a || cell.0 > (h - 13) as f64 || cell.1 > (w - 13) as f64 {
                continue;
            }
            // Intensity-weighted centroid within 0.3 a of the undisplaced cell centre.
            let (mut sum, mut sr, mut sc) = (0.0, 0.0, 0.0);
            for r in (cell.0 - radius).ceil() as usize..=(cell.0 + radius).floor() as usize {
                for c in (cell.1 - radius).ceil() as usize..=(cell.1 + radius).floor() as usize {
                    let (dr, dc) = (r as f64 - cell.0, c as f64 - cell.1);
                    if dr.hypot(dc) <= radius {
                        let v = f64::from(s.image[r * w + c]);
                        sum += v;
                        sr += v * dr;
                        sc += v * dc;
                    }
                }
            }
            let (dr, dc) = (sr / sum, sc / sum);
            if s.b_variant[k] == SUBSTRATE {
                let (n, r, c, worst) = substrate_shift;
                substrate_shift = (n + 1.0, r + dr, c + dc, worst.max(dr.hypot(dc)));
            } else {
                let angle = (-dr).atan2(dc);
                let error = crate::analysis::wrap(angle - s.b_angle[k], TAU);
                per_variant[usize::from(s.b_variant[k])].push(error);
            }
        }
        for (k, errors) in per_variant.iter().enumerate() {
            assert!(errors.len() > 8, "variant {k}: {} sites", errors.len());
            let mean = crate::analysis::circular_mean(errors, TAU).unwrap();
            let worst = errors.iter().map(|e| e.abs()).fold(0.0, f64::max);
            if noise == 0.0 {
                assert!(
                    worst < 3f64.to_radians(),
                    "variant {k}: worst {}",
                    worst.to_degrees()
                );
            } else {
                assert!(
                    mean.abs() < 3f64.to_radians(),
                    "variant {k}: mean {}",
                    mean.to_degrees()
                );
            }
        }
        // Undisplaced substrate B-sites show no shift (with noise: none on average).
        let (n, r, c, worst) = substrate_shift;
        assert!(n > 10.0);
        if noise == 0.0 {
            assert!(worst < 0.01, "substrate shift {worst}");
        } else {
            assert!(
                (r / n).hypot(c / n) < 0.1,
                "mean substrate shift {}",
                (r / n).hypot(c / n)
            );
        }
    }
}

#[test]
fn displacement_lattice_at_the_paper_size_and_by_seed() {
    let s = displacement_lattice(&DisplacementLatticeSettings::default()).unwrap();
    assert_eq!((s.height, s.width, s.b_centres.len()), (1024, 1024, 1600));
    assert!(s.walls.len() >= 4, "{} walls", s.walls.len());
    // Windows of 48 px on the B-sites: all but those within 24 px of an edge.
    let w = windows_at(&s.image, 1024, 1024, &s.b_centres, 48).unwrap();
    assert_eq!(w.len(), 38 * 38);
    // Noise: the image minus its noise-free copy has the stated spread.
    let clean = displacement_lattice(&DisplacementLatticeSettings {
        noise: 0.0,
        ..Default::default()
    })
    .unwrap();
    let var = s
        .image
        .iter()
        .zip(&clean.image)
        .map(|(a, b)| f64::from(a - b).powi(2))
        .sum::<f64>()
        / s.image.len() as f64;
    assert!((var.sqrt() - 0.05).abs() < 0.001);
    let small = DisplacementLatticeSettings::small;
    // Debug text, as NaN (the substrate's angle) is not equal to itself.
    assert_eq!(
        format!("{:?}", displacement_lattice(&small()).unwrap()),
        format!("{:?}", displacement_lattice(&small()).unwrap())
    );
    let other = displacement_lattice(&DisplacementLatticeSettings { seed: 1, ..small() }).unwrap();
    assert_ne!(
        other.b_variant,
        displacement_lattice(&small()).unwrap().b_variant
    );
}

#[test]
fn bad_displacement_settings_are_named() {
    let bad = |s: DisplacementLatticeSettings| message(displacement_lattice(&s));
    let d = DisplacementLatticeSettings::small;
    assert!(
        bad(DisplacementLatticeSettings {
            cell_px: 2.0,
            ..d()
        })
        .starts_with("settings.cell_px = 2")
    );
    assert!(
        bad(DisplacementLatticeSettings {
            a_sigma: 0.0,
            ..d()
        })
        .starts_with("settings.a_sigma = 0")
    );
    assert!(
        bad(DisplacementLatticeSettings {
            b_sigma_along: 0.7,
            ..d()
        })
        .starts_with("settings.b_sigma_along = 0.7")
    );
    assert!(
        bad(DisplacementLatticeSettings { noise: -0.1, ..d() })
            .starts_with("settings.noise = -0.1")
    );
    assert!(
        bad(DisplacementLatticeSettings {
            chemistry_amplitude: 1.0,
            ..d()
        })
        .starts_with("settings.chemistry_amplitude = 1")
    );
    assert!(
        bad(DisplacementLatticeSettings {
            domain_cells: (5.0, 3.0),
            ..d()
        })
        .starts_with("settings.domain_cells = (5, 3)")
    );
    assert!(
        bad(DisplacementLatticeSettings {
            chemistry_x0_px: Some(f64::NAN),
            ..d()
        })
        .starts_with("settings.chemistry_x0_px")
    );
    // No substrate, or all substrate, are allowed.
    let none = displacement_lattice(&DisplacementLatticeSettings {
        substrate_cells: 0,
        ..d()
    })
    .unwrap();
    assert!(none.b_variant.iter().all(|&v| v != SUBSTRATE) && none.substrate_top == f64::INFINITY);
    let all = displacement_lattice(&DisplacementLatticeSettings {
        substrate_cells: 99,
        ..d()
    })
    .unwrap();
    assert!(all.b_variant.iter().all(|&v| v == SUBSTRATE));
}

#[test]
fn wall_stack_bias_law_is_hysteretic() {
    let s = wall_stack(&WallStackSettings::default()).unwrap();
    let t = s.frames;
    assert_eq!((t, s.images.len()), (60, 60 * 128 * 128));
    assert_eq!(
        (s.bias[0], s.bias[15], s.bias[30], s.bias[45]),
        (0.0, 1.0, 0.0, -1.0)
    );
    for f in 0..t {
        let p = 0.5 * (1.0 + ((s.bias[f] - s.branch[f] * 0.3) / 0.1).tanh());
        assert!((s.plus_fraction[f] - p).abs() < 1e-15);
    }
    // Same bias, opposite branches: frames f (rising) and 30 - f (falling) for f in 0..15.
    for f in 0..15 {
        assert!((s.bias[f] - s.bias[30 - f]).abs() < 1e-12);
        assert_eq!((s.branch[f], s.branch[30 - f]), (1.0, -1.0));
        assert!(s.plus_fraction[30 - f] > s.plus_fraction[f]);
    }
    assert!(s.plus_fraction[0] < 0.01 && s.plus_fraction[30] > 0.99);
    // Monotonic along each branch (frames 15 and 45, the turning points, arrive rising and
    // falling).
    for f in (0..15).chain(46..59) {
        assert!(s.plus_fraction[f + 1] >= s.plus_fraction[f]);
    }
    for f in 16..45 {
        assert!(s.plus_fraction[f + 1] <= s.plus_fraction[f]);
    }
}

#[test]
fn wall_stack_images_show_the_stated_walls() {
    let s = wall_stack(&WallStackSettings {
        seed: 2,
        ..Default::default()
    })
    .unwrap();
    let (h, w) = (s.height, s.width);
    let mut measured_plus = Vec::new();
    for f in 0..s.frames {
        let frame = s.frame(f).unwrap();
        let on = |r: i64, c: i64| {
            r >= 0
                && c >= 0
                && (r as usize) < h
                && (c as usize) < w
                && frame[r as usize * w + c as usize] == 1.0
        };
        // Local orientation from the image alone: a +45 degree wall (y up) runs along
        // (row, col) = (-1, +1), a -45 degree one along (+1, +1).
        let (mut plus, mut minus) = (0usize, 0usize);
        for r in 0..h as i64 {
            for c in 0..w as i64 {
                if on(r, c) {
                    let p = usize::from(on(r - 1, c + 1)) + usize::from(on(r + 1, c - 1));
                    let m = usize::from(on(r - 1, c - 1)) + usize::from(on(r + 1, c + 1));
                    if p > m {
                        plus += 1;
                    } else if m > p {
                        minus += 1;
                    }
                }
            }
        }
        measured_plus.push(plus as f64 / (plus + minus) as f64);
        // Every wall's own pixels lie along its stated angle: the principal axis of the
        // pixels within half a width of it (and no other wall) in its columns.
        for (k, wall) in s.walls[f].iter().enumerate() {
            let (mut n, mut sx, mut sy, mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            for r in 0..h {
                for c in 0..w {
                    let mine = |v: &Wall| {
                        (c < s.plus_columns[f]) == v.plus
                            && v.distance((r as f64, c as f64), h, w).abs() < 1.0
                    };
                    if !mine(wall) {
                        continue;
                    }
                    assert_eq!(frame[r * w + c], 1.0);
                    if s.walls[f]
                        .iter()
                        .enumerate()
                        .any(|(j, v)| j != k && mine(v))
                    {
                        continue;
                    }
                    let (x, y) = (c as f64, -(r as f64));
                    n += 1.0;
                    sx += x;
                    sy += y;
                    sxx += x * x;
                    syy += y * y;
                    sxy += x * y;
                }
            }
            if n < 60.0 {
                continue;
            }
            let (vxx, vyy, vxy) = (
                sxx / n - (sx / n).powi(2),
                syy / n - (sy / n).powi(2),
                sxy / n - sx * sy / (n * n),
            );
            let axis = 0.5 * (2.0 * vxy).atan2(vxx - vyy);
            let error = crate::analysis::wrap(axis - wall.angle, PI).abs();
            assert!(
                error < 1.5f64.to_radians(),
                "frame {f} wall {k}: {axis} vs {} ({n} px)",
                wall.angle
            );
            assert!((wall.angle.abs() - PI / 4.0).abs() <= 3f64.to_radians() + 1e-12);
        }
        // Every lit pixel belongs to a wall of its column's family.
        for r in 0..h {
            for c in 0..w {
                let covered = s.walls[f].iter().any(|v| {
                    (c < s.plus_columns[f]) == v.plus
                        && v.distance((r as f64, c as f64), h, w).abs() < 1.0
                });
                assert_eq!(
                    frame[r * w + c] == 1.0,
                    covered,
                    "frame {f} pixel ({r}, {c})"
                );
            }
        }
    }
    // The image's share of +45 degree wall pixels follows p(t).
    let r = crate::analysis::pearson(
        ndarray::ArrayView1::from(&measured_plus),
        ndarray::ArrayView1::from(&s.plus_fraction),
    )
    .unwrap();
    assert!(r > 0.98, "Pearson {r}");
}

#[test]
fn window_truth_matches_the_pixels_of_the_window() {
    let s = wall_stack(&WallStackSettings {
        seed: 6,
        ..Default::default()
    })
    .unwrap();
    let (h, w) = (s.height, s.width);
    for n in [8usize, 12, 13] {
        let windows = random_windows(&s.images, s.frames, h, w, 50, n, 3).unwrap();
        let truth = s.window_truths(&windows).unwrap();
        let mut one_wall = 0;
        let mut offsets = Vec::new();
        for (k, t) in truth.iter().enumerate() {
            let win = windows.window(k).unwrap();
            let lit = win.iter().filter(|&&v| v == 1.0).count();
            assert_eq!(t.wall_count == 0, lit == 0);
            assert_eq!(t.wall.is_some(), t.wall_count > 0);
            if t.wall_count != 1 || lit < 8 {
                continue;
            }
            one_wall += 1;
            // The lit pixels' centroid lies on the wall: its signed distance from the window's
            // centre along the wall's normal is the truth's distance.
            let (f, (cr, cc)) = (windows.frames[k], windows.centres[k]);
            let wall = s.walls[f][t.wall.unwrap()];
            assert_eq!(t.angle, Some(wall.angle));
            let (r0, c0) = (cr - n / 2, cc - n / 2);
            let (mut sr, mut sc) = (0.0, 0.0);
            for (i, v) in win.iter().enumerate() {
                if *v == 1.0 {
                    sr += (r0 + i / n) as f64;
                    sc += (c0 + i % n) as f64;
                }
            }
            let centroid = (sr / lit as f64, sc / lit as f64);
            let g = (
                r0 as f64 + (n as f64 - 1.0) / 2.0,
                c0 as f64 + (n as f64 - 1.0) / 2.0,
            );
            let normal = (-wall.angle.cos(), -wall.angle.sin()); // (row, col) of (-sin, cos) in (x, y)
            let from_pixels = (g.0 - centroid.0) * normal.0 + (g.1 - centroid.1) * normal.1;
            let d = t.distance.unwrap();
            assert!(
                (from_pixels - d).abs() < 0.5,
                "n {n} window {k}: {from_pixels} vs {d}"
            );
            offsets.push((from_pixels - d).abs());
        }
        assert!(one_wall > 300, "n = {n}: {one_wall} one-wall windows");
        let mean = offsets.iter().sum::<f64>() / offsets.len() as f64;
        assert!(mean < 0.2, "n = {n}: mean offset {mean}");
    }
    assert!(message(s.window_truth(60, (64, 64), 8)).starts_with("frame = 60"));
    assert!(message(s.window_truth(0, (64, 64), 0)).starts_with("n = 0"));
    assert!(
        message(s.window_truth(0, (124, 64), 12)).starts_with("centre = (124, 64) with n = 12")
    );
}

#[test]
fn wall_stack_is_deterministic_and_checks_its_settings() {
    let small = || WallStackSettings {
        frames: 6,
        height: 40,
        width: 50,
        ..Default::default()
    };
    assert_eq!(wall_stack(&small()).unwrap(), wall_stack(&small()).unwrap());
    assert_ne!(
        wall_stack(&small()).unwrap().images,
        wall_stack(&WallStackSettings { seed: 1, ..small() })
            .unwrap()
            .images
    );
    let bad = |s: WallStackSettings| message(wall_stack(&s));
    assert!(
        bad(WallStackSettings {
            frames: 0,
            ..small()
        })
        .starts_with("settings.frames = 0")
    );
    assert!(
        bad(WallStackSettings {
            angle_jitter_deg: 45.0,
            ..small()
        })
        .starts_with("settings.angle_jitter_deg = 45")
    );
    assert!(
        bad(WallStackSettings {
            spacing_px: (0.5, 5.0),
            ..small()
        })
        .starts_with("settings.spacing_px = (0.5, 5)")
    );
    assert!(
        bad(WallStackSettings {
            wall_width_px: 0.0,
            ..small()
        })
        .starts_with("settings.wall_width_px = 0")
    );
    assert!(
        bad(WallStackSettings {
            wall_width_px: 40.0,
            ..small()
        })
        .starts_with("settings.wall_width_px = 40: must be narrower than the 40 x 50 frame")
    );
    assert!(
        bad(WallStackSettings {
            switch_width: f64::NAN,
            ..small()
        })
        .starts_with("settings.switch_width = NaN")
    );
    let huge = wall_stack(&WallStackSettings {
        frames: 1 << 20,
        height: 1 << 12,
        width: 1 << 12,
        ..small()
    });
    assert!(matches!(huge, Err(StemError::TooLarge(_))));
}
