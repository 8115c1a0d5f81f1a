//! `ferrolab structure`: generate a polycrystalline film and write its maps.

use crate::settings::config_from;
use ferrolab::io::npy::write_npy;
use ferrolab::phasefield::polycrystal::{CellClass, Polycrystal, PolycrystalParams};
use std::path::{Path, PathBuf};

/// Options of `ferrolab structure`.
#[derive(clap::Args)]
pub struct Args {
    /// Configuration, e.g. `--set pf.grain_diameter_nm=10 --set pf.seed=3` (see `ferrolab keys pf.`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Directory for structure.png, classes.npy (0 polar, 1 non-polar grain, 2 grain boundary),
    /// grains.npy and orientation_rad.npy.
    #[arg(long, default_value = "structure")]
    out: PathBuf,
    /// Pixels per cell edge in the PNG.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    scale: u32,
}

pub fn run(args: &Args) -> Result<(), String> {
    let cfg = config_from(&args.set)?;
    let params = PolycrystalParams::from_config(&cfg).map_err(|e| e.to_string())?;
    let film = Polycrystal::generate(&params).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&args.out).map_err(|e| format!("--out {}: {e}", args.out.display()))?;
    write_structure(&film, &args.out, args.scale)?;
    let (polar, non_polar, boundary) = film.class_fractions();
    println!(
        "{} grains ({} polar), boundary width {:.2} nm; cells: {:.1}% polar, {:.1}% non-polar grain, {:.1}% grain boundary",
        film.grain_count(),
        film.grain_polar().iter().filter(|p| **p).count(),
        film.gb_width_nm(),
        100.0 * polar,
        100.0 * non_polar,
        100.0 * boundary
    );
    println!(
        "wrote {}/{{structure.png, classes.npy, grains.npy, orientation_rad.npy}}",
        args.out.display()
    );
    Ok(())
}

/// Write the maps of a film into `dir`: classes.npy (0 polar, 1 non-polar grain, 2 grain
/// boundary), grains.npy, orientation_rad.npy and structure.png.
pub fn write_structure(film: &Polycrystal, dir: &Path, scale: u32) -> Result<(), String> {
    write_npy(&dir.join("classes.npy"), &film.classes().mapv(|c| c as u8))
        .map_err(|e| e.to_string())?;
    write_npy(&dir.join("grains.npy"), film.grain_of_cell()).map_err(|e| e.to_string())?;
    write_npy(
        &dir.join("orientation_rad.npy"),
        &film.cell_orientation_rad(),
    )
    .map_err(|e| e.to_string())?;
    write_png(&dir.join("structure.png"), film, scale)
}

/// Polar cells coloured by orientation (blue at -pi/2 through white at 0 to red at +pi/2),
/// non-polar grains grey, grain boundaries black; the top electrode at the top of the image.
fn write_png(path: &Path, film: &Polycrystal, scale: u32) -> Result<(), String> {
    let classes = film.classes();
    let theta = film.cell_orientation_rad();
    let (n1, n2) = classes.dim();
    let s = scale as usize;
    let (width, height) = (n2 * s, n1 * s);
    let mut rgb = vec![0u8; width * height * 3];
    for ((i, j), class) in classes.indexed_iter() {
        let colour = match class {
            CellClass::GrainBoundary => [0, 0, 0],
            CellClass::NonPolarGrain => [150, 150, 150],
            CellClass::Polar => diverging(theta[[i, j]] / std::f64::consts::FRAC_PI_2),
        };
        for dy in 0..s {
            let row = (n1 - 1 - i) * s + dy;
            for dx in 0..s {
                let at = (row * width + j * s + dx) * 3;
                rgb[at..at + 3].copy_from_slice(&colour);
            }
        }
    }
    crate::plot::write_rgb_png(path, (width as u32, height as u32), &rgb)
}

/// Blue (t = -1) to white (0) to red (+1).
fn diverging(t: f64) -> [u8; 3] {
    let t = t.clamp(-1.0, 1.0);
    let fade = |x: f64| (255.0 * (1.0 - x.abs())).round() as u8;
    if t < 0.0 {
        [fade(t), fade(t), 255]
    } else {
        [255, fade(t), fade(t)]
    }
}
