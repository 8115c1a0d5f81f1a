//! Figures of the command line: P-V loops as PNG (plotters, with an embedded DejaVu font so
//! no system font is needed).

use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font ships inside the dejavu crate; a failure would only lose the labels.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

/// A P-V loop: polarization (C/m²) against voltage (V), with a title line.
pub fn loop_png(
    path: &Path,
    voltage: &[f64],
    polarization: &[f64],
    title: &str,
) -> Result<(), String> {
    register_font();
    let render = || -> Result<(), Box<dyn std::error::Error>> {
        let tmp = path.with_extension("tmp.png");
        {
            let root = BitMapBackend::new(&tmp, (900, 650)).into_drawing_area();
            root.fill(&WHITE)?;
            let (v_lo, v_hi) = range(voltage);
            let (p_lo, p_hi) = range(polarization);
            let pad = 0.08 * (p_hi - p_lo).max(1e-6);
            let mut chart = ChartBuilder::on(&root)
                .caption(title, ("sans-serif", 20))
                .margin(20)
                .x_label_area_size(50)
                .y_label_area_size(80)
                .build_cartesian_2d(v_lo..v_hi, (p_lo - pad)..(p_hi + pad))?;
            chart
                .configure_mesh()
                .x_desc("Voltage (V)")
                .y_desc("Polarization (C/m²)")
                .label_style(("sans-serif", 16))
                .draw()?;
            // Close the cycle back to its first point.
            let closed = voltage
                .iter()
                .zip(polarization)
                .chain(voltage.iter().zip(polarization).take(1))
                .map(|(v, p)| (*v, *p));
            chart.draw_series(LineSeries::new(closed, BLUE.stroke_width(2)))?;
            root.present()?;
        }
        std::fs::rename(&tmp, path)?;
        Ok(())
    };
    render().map_err(|e| format!("{}: {e}", path.display()))
}

fn range(x: &[f64]) -> (f64, f64) {
    let lo = x.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if lo.is_finite() && hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    }
}
