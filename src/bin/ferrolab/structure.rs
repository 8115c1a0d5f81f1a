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

/// The film over its width and thickness: polar cells coloured by orientation (blue at -90
/// degrees through white at 0 to red at +90, with a colour bar), non-polar grains grey, grain
/// boundaries black (a legend), the top electrode at the top.
fn write_png(path: &Path, film: &Polycrystal, scale: u32) -> Result<(), String> {
    const BOUNDARY: [u8; 3] = [0, 0, 0];
    const NON_POLAR: [u8; 3] = [150, 150, 150];
    let theta = film.cell_orientation_rad();
    let colours = ndarray::Array2::from_shape_fn(film.classes().dim(), |(i, j)| {
        match film.classes()[[i, j]] {
            CellClass::GrainBoundary => BOUNDARY,
            CellClass::NonPolarGrain => NON_POLAR,
            CellClass::Polar => diverging(theta[[i, j]] / std::f64::consts::FRAC_PI_2),
        }
    });
    crate::plot::cell_map_png(
        path,
        &crate::plot::CellMap {
            title: &format!(
                "{} grains, mean diameter {} nm",
                film.grain_count(),
                film.params().grain_diameter_nm
            ),
            colours: &colours,
            extent_nm: (film.params().width_nm(), film.params().thickness_nm()),
            scale,
            legend: &[("grain boundary", BOUNDARY), ("non-polar grain", NON_POLAR)],
            bar: ((-90.0, 90.0), "polar axis angle (degrees)"),
            palette: |t| diverging(2.0 * t - 1.0),
        },
    )
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
