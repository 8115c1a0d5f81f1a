//! Figures of the command line: P-V loops as PNG (plotters, with an embedded DejaVu font so
//! no system font is needed).

use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
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
    render_png(path, (900, 650), |root| {
        let mut chart = pv_chart(root, title, 20, range(voltage), range(polarization))?;
        // Close the cycle back to its first point.
        let closed = voltage
            .iter()
            .zip(polarization)
            .chain(voltage.iter().zip(polarization).take(1))
            .map(|(v, p)| (*v, *p));
        chart.draw_series(LineSeries::new(closed, BLUE.stroke_width(2)))?;
        Ok(())
    })
}

type Chart<'a, 'b> = ChartContext<
    'a,
    BitMapBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Axes of a P-V plot: voltage (V) across, polarization (C/m²) up, its range padded by 8 %.
fn pv_chart<'a, 'b>(
    root: &'a DrawingArea<BitMapBackend<'b>, plotters::coord::Shift>,
    title: &str,
    caption_size: u32,
    (v_lo, v_hi): (f64, f64),
    (p_lo, p_hi): (f64, f64),
) -> Result<Chart<'a, 'b>, Box<dyn std::error::Error>> {
    let pad = 0.08 * (p_hi - p_lo).max(1e-6);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", caption_size))
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
    Ok(chart)
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

/// Colour of `t` in [0, 1] on a perceptually ordered dark-blue -> teal -> yellow ramp
/// (anchors of matplotlib's viridis).
fn ramp(t: f64) -> RGBColor {
    const ANCHORS: [(u8, u8, u8); 5] = [
        (68, 1, 84),
        (59, 82, 139),
        (33, 145, 140),
        (94, 201, 98),
        (253, 231, 37),
    ];
    let x = t.clamp(0.0, 1.0) * (ANCHORS.len() - 1) as f64;
    let i = (x.floor() as usize).min(ANCHORS.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + f * (f64::from(b) - f64::from(a))).round() as u8;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Render into `path`: drawn in memory, then written atomically like every other output.
fn render_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(
        &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    ) -> Result<(), Box<dyn std::error::Error>>,
) -> Result<(), String> {
    register_font();
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    (|| -> Result<(), Box<dyn std::error::Error>> {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
        Ok(())
    })()
    .map_err(|e| format!("{}: {e}", path.display()))?;
    write_rgb_png(path, size, &rgb)
}

/// Encode 8-bit RGB pixels (rows top to bottom) as a PNG and write it atomically; errors name
/// the file.
pub fn write_rgb_png(path: &Path, (width, height): (u32, u32), rgb: &[u8]) -> Result<(), String> {
    let named = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| named(&e))?;
        writer.write_image_data(rgb).map_err(|e| named(&e))?;
    }
    ferrolab::io::atomic::write_atomically(path, |w| w.write_all(&bytes)).map_err(|e| named(&e))
}

/// Width in pixels of the colour bar beside every colour-coded plot.
const COLOUR_BAR_WIDTH: u32 = 130;

/// A vertical colour bar of the ramp over `[lo, hi]`, labelled `label`, filling `area`.
fn colour_bar(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    range: (f64, f64),
    label: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    palette_bar(area, range, label, ramp)
}

/// A vertical colour bar of `palette` (over t in [0, 1]) spanning `[lo, hi]`.
fn palette_bar(
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    (lo, hi): (f64, f64),
    label: &str,
    palette: impl Fn(f64) -> RGBColor,
) -> Result<(), Box<dyn std::error::Error>> {
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let mut chart = ChartBuilder::on(area)
        .margin_top(50)
        .margin_bottom(60)
        .margin_right(10)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..1.0, lo..hi)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_desc(label)
        .label_style(("sans-serif", 14))
        .draw()?;
    const BANDS: usize = 128;
    chart.draw_series((0..BANDS).map(|k| {
        let at = |k: usize| lo + (hi - lo) * k as f64 / BANDS as f64;
        Rectangle::new(
            [(0.0, at(k)), (1.0, at(k + 1))],
            palette((k as f64 + 0.5) / BANDS as f64).filled(),
        )
    }))?;
    Ok(())
}

/// A film's cells over its width and thickness in nm (row 0 at the bottom), with a legend of
/// the cell classes and a colour bar of the polar cells' orientation.
pub struct CellMap<'a> {
    /// Title.
    pub title: &'a str,
    /// The colour of each cell, rows along the thickness.
    pub colours: &'a ndarray::Array2<[u8; 3]>,
    /// Width and thickness of the film, nm.
    pub extent_nm: (f64, f64),
    /// Pixels per cell edge.
    pub scale: u32,
    /// Classes drawn in a fixed colour, with their names.
    pub legend: &'a [(&'a str, [u8; 3])],
    /// The colour bar's range and label.
    pub bar: ((f64, f64), &'a str),
    /// The colour of the polar cells, over t in [0, 1] of the bar's range.
    pub palette: fn(f64) -> [u8; 3],
}

/// Draw a [`CellMap`].
pub fn cell_map_png(path: &Path, m: &CellMap) -> Result<(), String> {
    let (rows, cols) = m.colours.dim();
    let rgb = |c: [u8; 3]| RGBColor(c[0], c[1], c[2]);
    let plot_w = (cols as u32 * m.scale).max(400) + 90;
    let plot_h = (rows as u32 * m.scale).max(80) + 150;
    render_png(path, (plot_w + COLOUR_BAR_WIDTH, plot_h), |root| {
        let (root, bar) = root.split_horizontally(plot_w);
        let (range, label) = m.bar;
        palette_bar(&bar, range, label, |t| rgb((m.palette)(t)))?;
        let (w, t) = m.extent_nm;
        let mut chart = ChartBuilder::on(&root)
            .caption(m.title, ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..w, 0.0..t)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("width (nm)")
            .y_desc("thickness (nm)")
            .label_style(("sans-serif", 13))
            .draw()?;
        let (dx, dy) = (w / cols as f64, t / rows as f64);
        chart.draw_series(m.colours.indexed_iter().map(|((i, j), c)| {
            let (x, y) = (j as f64 * dx, i as f64 * dy);
            Rectangle::new([(x, y), (x + dx, y + dy)], rgb(*c).filled())
        }))?;
        for (name, colour) in m.legend {
            let colour = rgb(*colour);
            chart
                .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
                .label(*name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 13))
            .draw()?;
        Ok(())
    })
}

/// Training curves: each named series of per-epoch values, on a logarithmic loss axis when the
/// losses span a decade or more (early epochs would otherwise flatten the rest into one line).
pub fn curves_png(path: &Path, title: &str, series: &[(&str, Vec<f64>)]) -> Result<(), String> {
    let epochs = series.iter().map(|(_, v)| v.len()).max().unwrap_or(1);
    let x: Vec<f64> = (1..=epochs).map(|e| e as f64).collect();
    let all: Vec<f64> = series.iter().flat_map(|s| s.1.iter().copied()).collect();
    let (lo, hi) = range(&all);
    if spans_decades(&all) {
        let descs = ("Epoch", "Loss per loop (log scale)");
        let y = (lo / 1.25..hi * 1.25).log_scale();
        render_png(path, (900, 600), |root| {
            series_chart(root, title, descs, &x, series, y)
        })
    } else {
        series_png(path, title, ("Epoch", "Loss per loop"), &x, series)
    }
}

/// Whether positive values span at least a factor of ten: the rule for a logarithmic axis.
fn spans_decades(values: &[f64]) -> bool {
    let (lo, hi) = range(values);
    values.iter().all(|v| v.is_finite() && *v > 0.0) && hi >= 10.0 * lo
}

/// A scatter of 2-D points, coloured by `values` on a ramp when given (with a colour bar).
pub fn scatter_png(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    points: &[(f64, f64)],
    values: Option<(&str, &[f64])>,
) -> Result<(), String> {
    render_png(path, (800 + COLOUR_BAR_WIDTH, 700), |root| {
        let (root, bar) = root.split_horizontally(800);
        let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
        let ys: Vec<f64> = points.iter().map(|p| p.1).collect();
        let ((x_lo, x_hi), (y_lo, y_hi)) = (range(&xs), range(&ys));
        let (pad_x, pad_y) = (0.05 * (x_hi - x_lo), 0.05 * (y_hi - y_lo));
        if let Some((name, v)) = values {
            colour_bar(&bar, range(v), name)?;
        }
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (x_lo - pad_x)..(x_hi + pad_x),
                (y_lo - pad_y)..(y_hi + pad_y),
            )?;
        chart
            .configure_mesh()
            .x_desc(axes.0)
            .y_desc(axes.1)
            .label_style(("sans-serif", 16))
            .draw()?;
        let colour = |i: usize| match values {
            Some((_, v)) => {
                let (lo, hi) = range(v);
                ramp((v[i] - lo) / (hi - lo))
            }
            None => RGBColor(31, 119, 180),
        };
        chart.draw_series(
            points
                .iter()
                .enumerate()
                .map(|(i, p)| Circle::new(*p, 3, colour(i).mix(0.8).filled())),
        )?;
        Ok(())
    })
}

/// A map of `values` on a square grid over `[lo, hi]^2` (`steps` per axis, the second
/// coordinate fastest), NaN in grey, with optional points and one marked point on top.
pub struct GridMap<'a> {
    /// Title.
    pub title: &'a str,
    /// Points per axis.
    pub steps: usize,
    /// Grid extent.
    pub lo: f64,
    /// Grid extent.
    pub hi: f64,
    /// steps^2 values.
    pub values: &'a [f64],
    /// Points drawn on top (e.g. the dataset's latent means).
    pub points: &'a [(f64, f64)],
    /// A point marked with a red cross (e.g. the chosen design).
    pub mark: Option<(f64, f64)>,
    /// Draw a colour bar (off for yes/no maps).
    pub colour_range: bool,
    /// What the colour shows, the colour bar's label.
    pub value_name: &'a str,
    /// Axis labels (x, y).
    pub axes: (&'a str, &'a str),
}

/// Draw a [`GridMap`].
pub fn grid_map_png(path: &Path, m: &GridMap) -> Result<(), String> {
    render_png(path, (800 + COLOUR_BAR_WIDTH, 760), |root| {
        let (root, bar) = root.split_horizontally(800);
        let finite: Vec<f64> = m.values.iter().copied().filter(|v| v.is_finite()).collect();
        let (lo_v, hi_v) = range(&finite);
        if m.colour_range {
            colour_bar(&bar, (lo_v, hi_v), m.value_name)?;
        }
        let mut chart = ChartBuilder::on(&root)
            .caption(m.title, ("sans-serif", 18))
            .margin(20)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(m.lo..m.hi, m.lo..m.hi)?;
        chart
            .configure_mesh()
            .x_desc(m.axes.0)
            .y_desc(m.axes.1)
            .label_style(("sans-serif", 16))
            .draw()?;
        let step = (m.hi - m.lo) / (m.steps - 1) as f64;
        chart.draw_series((0..m.steps * m.steps).map(|i| {
            let (a, b) = (i / m.steps, i % m.steps);
            let (x, y) = (m.lo + a as f64 * step, m.lo + b as f64 * step);
            let v = m.values[i];
            let colour = if v.is_finite() {
                ramp((v - lo_v) / (hi_v - lo_v))
            } else {
                RGBColor(200, 200, 200)
            };
            Rectangle::new(
                [
                    (x - step / 2.0, y - step / 2.0),
                    (x + step / 2.0, y + step / 2.0),
                ],
                colour.filled(),
            )
        }))?;
        chart.draw_series(
            m.points
                .iter()
                .map(|p| Circle::new(*p, 2, WHITE.mix(0.6).filled())),
        )?;
        if let Some(p) = m.mark {
            chart.draw_series(std::iter::once(Cross::new(p, 10, RED.stroke_width(4))))?;
        }
        Ok(())
    })
}

/// Loops on a `side x side` panel grid (paper 000's decoded manifold): panel (row r, column c)
/// shows loop `c * side + (side - 1 - r)` so that z1 grows to the right and z2 upwards.
pub fn small_multiples_png(
    path: &Path,
    title: &str,
    voltage: &[f64],
    loops: &ndarray::Array2<f64>,
    side: usize,
) -> Result<(), String> {
    render_png(path, (1000, 1040), |root| {
        let root = root.titled(title, ("sans-serif", 22))?;
        let (p_lo, p_hi) = range(&loops.iter().copied().collect::<Vec<_>>());
        let (v_lo, v_hi) = range(voltage);
        for (k, area) in root.split_evenly((side, side)).iter().enumerate() {
            let (r, c) = (k / side, k % side);
            let row = c * side + (side - 1 - r);
            let mut chart = ChartBuilder::on(area)
                .margin(3)
                .build_cartesian_2d(v_lo..v_hi, p_lo..p_hi)?;
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(0)
                .y_labels(0)
                .draw()?;
            let pts = voltage.iter().zip(loops.row(row)).map(|(v, p)| (*v, *p));
            chart.draw_series(LineSeries::new(pts, BLUE.stroke_width(1)))?;
        }
        Ok(())
    })
}

/// Bars with optional error bars: `groups` of named values (e.g. one group per parameter).
pub fn bars_png(
    path: &Path,
    title: &str,
    y_desc: &str,
    labels: &[String],
    values: &[f64],
    errors: Option<&[f64]>,
    y_range: (f64, f64),
) -> Result<(), String> {
    render_png(path, (900, 600), |root| {
        let n = labels.len();
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(70)
            // A segmented range a..b has b - a + 1 segments.
            .build_cartesian_2d((0..n.max(1) - 1).into_segmented(), y_range.0..y_range.1)?;
        chart
            .configure_mesh()
            .y_desc(y_desc)
            // One label per bar (plotters would otherwise skip some).
            .x_labels(n.max(1))
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .label_style(("sans-serif", 14))
            .draw()?;
        chart.draw_series(values.iter().enumerate().map(|(i, v)| {
            let colour = Palette99::pick(i).to_rgba();
            Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), *v),
                ],
                colour.filled(),
            )
        }))?;
        if let Some(errors) = errors {
            chart.draw_series(values.iter().zip(errors).enumerate().map(|(i, (v, e))| {
                ErrorBar::new_vertical(
                    SegmentValue::CenterOf(i),
                    v - e,
                    *v,
                    v + e,
                    BLACK.stroke_width(2),
                    12,
                )
            }))?;
        }
        Ok(())
    })
}

/// Several loops over one voltage axis: `grey` ones thin, `highlight` ones thick and coloured.
pub fn loops_png(
    path: &Path,
    title: &str,
    voltage: &[f64],
    grey: &[Vec<f64>],
    highlight: &[(&str, Vec<f64>)],
) -> Result<(), String> {
    render_png(path, (900, 650), |root| {
        let all: Vec<f64> = grey
            .iter()
            .flatten()
            .chain(highlight.iter().flat_map(|h| h.1.iter()))
            .copied()
            .filter(|v| v.is_finite())
            .collect();
        let mut chart = pv_chart(root, title, 18, range(voltage), range(&all))?;
        for g in grey {
            let pts = voltage.iter().zip(g).map(|(v, p)| (*v, *p));
            chart.draw_series(LineSeries::new(pts, BLACK.mix(0.35).stroke_width(1)))?;
        }
        for (k, (name, h)) in highlight.iter().enumerate() {
            let colour = Palette99::pick(k).to_rgba();
            let pts = voltage.iter().zip(h).map(|(v, p)| (*v, *p));
            chart
                .draw_series(LineSeries::new(pts, colour.stroke_width(3)))?
                .label(*name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
        }
        if !highlight.is_empty() {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .label_font(("sans-serif", 15))
                .draw()?;
        }
        Ok(())
    })
}

/// Named curves over one x axis with axis labels (e.g. spectra and their reconstructions).
pub fn series_png(
    path: &Path,
    title: &str,
    descs: (&str, &str),
    x: &[f64],
    series: &[(&str, Vec<f64>)],
) -> Result<(), String> {
    let all: Vec<f64> = series.iter().flat_map(|s| s.1.iter().copied()).collect();
    let (lo, hi) = range(&all);
    let pad = 0.08 * (hi - lo);
    render_png(path, (900, 600), |root| {
        series_chart(root, title, descs, x, series, (lo - pad)..(hi + pad))
    })
}

/// Draws named curves on a y axis of any scale (linear range or `log_scale()`).
fn series_chart<Y>(
    root: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
    title: &str,
    (x_desc, y_desc): (&str, &str),
    x: &[f64],
    series: &[(&str, Vec<f64>)],
    y_axis: Y,
) -> Result<(), Box<dyn std::error::Error>>
where
    Y: AsRangedCoord<Value = f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let (x_lo, x_hi) = range(x);
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(x_lo..x_hi, y_axis)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(("sans-serif", 16))
        .draw()?;
    for (k, (name, values)) in series.iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        chart
            .draw_series(LineSeries::new(
                x.iter().zip(values).map(|(a, b)| (*a, *b)),
                color.stroke_width(2),
            ))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 16))
        .draw()?;
    Ok(())
}

/// One heat map of a panel grid: a title and `rows x cols` values (NaN drawn grey).
pub struct MapPanel {
    pub title: String,
    pub values: ndarray::Array2<f64>,
}

/// Heat maps in a grid of `columns` panels per row (row 0 at the top of each map). With
/// `shared`, one colour scale (and bar, labelled `shared.1`) for all panels, so they compare
/// by colour; without, each panel spans its own range.
pub fn map_panels_png(
    path: &Path,
    title: &str,
    panels: &[MapPanel],
    columns: usize,
    shared: Option<&str>,
) -> Result<(), String> {
    let columns = columns.clamp(1, panels.len().max(1));
    let grid_rows = panels.len().div_ceil(columns).max(1);
    // Many channels per row: small panels, so that the figure stays a few megapixels.
    let side = if columns > 6 { 110u32 } else { 300 };
    let width = side * columns as u32
        + if shared.is_some() {
            COLOUR_BAR_WIDTH
        } else {
            0
        };
    let height = 50 + (side + 24) * grid_rows as u32;
    let all: Vec<f64> = panels
        .iter()
        .flat_map(|p| p.values.iter().copied())
        .filter(|v| v.is_finite())
        .collect();
    let global = range(&all);
    render_png(path, (width, height), |root| {
        let root = root.titled(title, ("sans-serif", 20))?;
        let (maps, bar) = root.split_horizontally(side * columns as u32);
        if let Some(label) = shared {
            colour_bar(&bar, global, label)?;
        }
        for (area, panel) in maps.split_evenly((grid_rows, columns)).iter().zip(panels) {
            let area = area.titled(
                &panel.title,
                ("sans-serif", if side < 200 { 11 } else { 15 }),
            )?;
            let (rows, cols) = panel.values.dim();
            let own: Vec<f64> = panel
                .values
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .collect();
            let (lo, hi) = if shared.is_some() {
                global
            } else {
                range(&own)
            };
            let (w, h) = area.dim_in_pixel();
            let cell = (f64::from(w.min(h)) - 8.0) / rows.max(cols).max(1) as f64;
            for ((r, c), v) in panel.values.indexed_iter() {
                let colour = if v.is_finite() {
                    ramp((v - lo) / (hi - lo))
                } else {
                    RGBColor(200, 200, 200)
                };
                let (x0, y0) = (4.0 + c as f64 * cell, r as f64 * cell);
                area.draw(&Rectangle::new(
                    [
                        (x0 as i32, y0 as i32),
                        ((x0 + cell).ceil() as i32, (y0 + cell).ceil() as i32),
                    ],
                    colour.filled(),
                ))?;
            }
        }
        Ok(())
    })
}

/// Panels of curves over one x axis, each curve coloured along the ramp in order (a sweep).
pub fn curve_panels_png(
    path: &Path,
    title: &str,
    descs: (&str, &str),
    x: &[f64],
    panels: &[(String, Vec<Vec<f64>>)],
    columns: usize,
) -> Result<(), String> {
    let columns = columns.clamp(1, panels.len().max(1));
    let grid_rows = panels.len().div_ceil(columns).max(1);
    let size = (330 * columns as u32, 60 + 280 * grid_rows as u32);
    render_png(path, size, |root| {
        let root = root.titled(title, ("sans-serif", 20))?;
        for (area, (name, curves)) in root.split_evenly((grid_rows, columns)).iter().zip(panels) {
            let all: Vec<f64> = curves.iter().flatten().copied().collect();
            let (lo, hi) = range(&all);
            let pad = 0.08 * (hi - lo);
            let mut chart = ChartBuilder::on(area)
                .caption(name, ("sans-serif", 14))
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(45)
                .build_cartesian_2d(range(x).0..range(x).1, (lo - pad)..(hi + pad))?;
            chart
                .configure_mesh()
                .x_desc(descs.0)
                .y_desc(descs.1)
                .label_style(("sans-serif", 11))
                .draw()?;
            let n = curves.len().max(2) - 1;
            for (k, c) in curves.iter().enumerate() {
                chart.draw_series(LineSeries::new(
                    x.iter().zip(c).map(|(a, b)| (*a, *b)),
                    ramp(k as f64 / n as f64).stroke_width(2),
                ))?;
            }
        }
        Ok(())
    })
}

/// Stacked plots sharing the x axis (e.g. loss, beta, lambda and active channels against
/// epoch): `(y label, x, y, log scale)` per panel.
pub fn stacked_png(
    path: &Path,
    title: &str,
    x_desc: &str,
    panels: &[(&str, Vec<f64>, Vec<f64>, bool)],
) -> Result<(), String> {
    let all_x: Vec<f64> = panels.iter().flat_map(|p| p.1.iter().copied()).collect();
    let (x_lo, x_hi) = range(&all_x);
    render_png(path, (900, 60 + 220 * panels.len() as u32), |root| {
        let root = root.titled(title, ("sans-serif", 20))?;
        for (area, (name, x, y, log)) in root.split_evenly((panels.len(), 1)).iter().zip(panels) {
            let (lo, hi) = range(y);
            let points = x.iter().zip(y).map(|(a, b)| (*a, *b));
            let mut builder = ChartBuilder::on(area);
            builder
                .margin(8)
                .x_label_area_size(35)
                .y_label_area_size(80);
            if *log && spans_decades(y) {
                let mut chart =
                    builder.build_cartesian_2d(x_lo..x_hi, (lo / 1.25..hi * 1.25).log_scale())?;
                chart.configure_mesh().x_desc(x_desc).y_desc(*name).draw()?;
                chart.draw_series(LineSeries::new(points, BLUE.stroke_width(2)))?;
            } else {
                let pad = 0.08 * (hi - lo);
                let mut chart = builder.build_cartesian_2d(x_lo..x_hi, (lo - pad)..(hi + pad))?;
                // Small values (lambda ~ 1e-5) read only in scientific notation.
                let small = hi.abs().max(lo.abs()) < 1e-2;
                let label = |v: &f64| {
                    if small {
                        format!("{v:.2e}")
                    } else {
                        format!("{v}")
                    }
                };
                chart
                    .configure_mesh()
                    .x_desc(x_desc)
                    .y_desc(*name)
                    .y_label_formatter(&label)
                    .draw()?;
                chart.draw_series(LineSeries::new(points.clone(), BLUE.stroke_width(2)))?;
                if x.len() < 100 {
                    chart.draw_series(points.map(|p| Circle::new(p, 3, BLUE.filled())))?;
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_axis_turns_logarithmic_at_one_decade() {
        assert!(spans_decades(&[100.0, 30.0, 10.0]));
        assert!(!spans_decades(&[100.0, 30.0, 10.5]));
        assert!(
            !spans_decades(&[100.0, -1.0]),
            "a log axis needs positive losses"
        );
        assert!(!spans_decades(&[100.0, f64::NAN, 1.0]));
    }

    #[test]
    fn training_curves_draw_on_either_axis() {
        let dir = std::env::temp_dir().join(format!("ferrolab-curves-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let decaying: Vec<f64> = (0..40).map(|e| 500.0 * 0.8f64.powi(e) + 1.0).collect();
        let flat: Vec<f64> = (0..40).map(|e| 5.0 - 0.01 * e as f64).collect();
        for (name, values) in [("log.png", decaying), ("linear.png", flat)] {
            let path = dir.join(name);
            curves_png(&path, "loss", &[("train", values)]).unwrap();
            assert!(std::fs::metadata(&path).unwrap().len() > 1000);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
