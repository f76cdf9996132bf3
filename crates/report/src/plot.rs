//! Line and bar charts as SVG: loss curves, accuracy per epoch, gradient norm per
//! time step. Non-finite points (a diverged run's NaN loss) are skipped, breaking the
//! line, so a chart is still written for the run that most needs looking at.

use std::path::Path;

use crate::axis::{Axis, Frame, INK, LABEL_SIZE};
use crate::fs::write_atomic;
use crate::svg::{text_width, Anchor, Svg};
use crate::ReportError;

/// Chart size in pixels: fits an HTML column and a laptop screen.
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 440.0;

/// Series colours (Tableau 10: distinct, and readable on white). Past ten series the
/// colours repeat with a dashed line.
const PALETTE: [&str; 10] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
];

/// Series with at most this many points get a marker on every point.
const MARKER_LIMIT: usize = 40;

/// One named curve of a [`LineChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend entry, e.g. `"train loss"`.
    pub name: String,
    /// `(x, y)` points, drawn in the given order.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series from explicit points.
    pub fn new(name: &str, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.to_string(),
            points,
        }
    }

    /// A series whose x is the index: `ys[i]` is drawn at `x = i` (loss per step).
    pub fn indexed(name: &str, ys: &[f64]) -> Self {
        let points = ys.iter().enumerate().map(|(i, &y)| (i as f64, y)).collect();
        Series::new(name, points)
    }

    /// [`indexed`](Self::indexed) for `f32` values, the precision training loops keep.
    pub fn indexed_f32(name: &str, ys: &[f32]) -> Self {
        let points = ys.iter().enumerate().map(|(i, &y)| (i as f64, f64::from(y))).collect();
        Series::new(name, points)
    }
}

/// A line chart: one or more series against shared axes, with a legend.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Heading above the plot.
    pub title: String,
    /// Horizontal axis title, e.g. `"epoch"`.
    pub x_label: String,
    /// Vertical axis title, e.g. `"cross-entropy"`.
    pub y_label: String,
    /// The curves; an empty list or empty series still gives a (blank) chart.
    pub series: Vec<Series>,
    /// Logarithmic y axis (decade ticks); points with `y <= 0` are then skipped.
    pub log_y: bool,
}

/// A bar chart: one bar per labelled value (accuracy per class, gradient norm per
/// time step).
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Heading above the plot.
    pub title: String,
    /// Horizontal axis title, e.g. `"time step"`.
    pub x_label: String,
    /// Vertical axis title, e.g. `"‖∂L/∂h_t‖"`.
    pub y_label: String,
    /// `(category label, value)`, left to right. Non-finite values leave a gap.
    pub bars: Vec<(String, f64)>,
    /// Logarithmic y axis; bars then rise from the axis floor and values `<= 0` leave
    /// a gap. Use it for quantities spanning decades, like vanishing gradients.
    pub log_y: bool,
}

/// Writes `chart` as an SVG file at `path` (atomically).
pub fn line_chart_svg(path: &Path, chart: &LineChart) -> Result<(), ReportError> {
    write_atomic(path, line_chart_to_string(chart).as_bytes())
}

/// Writes `chart` as an SVG file at `path` (atomically).
pub fn bar_chart_svg(path: &Path, chart: &BarChart) -> Result<(), ReportError> {
    write_atomic(path, bar_chart_to_string(chart).as_bytes())
}

/// Whether a value can be placed on a (log or linear) y axis.
fn plottable(y: f64, log: bool) -> bool {
    y.is_finite() && (!log || y > 0.0)
}

/// `(min, max)` of the values, `(inf, -inf)` if there are none.
fn min_max(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

fn y_axis(min: f64, max: f64, log: bool) -> Axis {
    if log {
        Axis::log(min, max)
    } else {
        Axis::linear(min, max)
    }
}

/// The SVG text of a line chart (what [`line_chart_svg`] writes).
pub fn line_chart_to_string(chart: &LineChart) -> String {
    let log = chart.log_y;
    let valid = |&(x, y): &(f64, f64)| x.is_finite() && plottable(y, log);
    let all = || chart.series.iter().flat_map(|s| s.points.iter().copied()).filter(valid);
    let (x_min, x_max) = min_max(all().map(|(x, _)| x));
    let (y_min, y_max) = min_max(all().map(|(_, y)| y));
    let (x_axis, y_axis) = (Axis::linear(x_min, x_max), y_axis(y_min, y_max, log));
    let frame = Frame::for_chart(WIDTH, HEIGHT, &y_axis);
    let mut svg = Svg::new(WIDTH, HEIGHT);
    let titles = [&chart.title[..], &chart.x_label, &chart.y_label];
    frame.draw(&mut svg, titles, &y_axis, Some(&x_axis));
    if all().next().is_none() {
        let centre = (frame.x(0.5), frame.y(0.5));
        svg.text(centre, "no data", LABEL_SIZE * 1.5, Anchor::Middle, "#999999", 0.0);
    }
    let to_px = |(x, y): (f64, f64)| (frame.x(x_axis.fraction(x)), frame.y(y_axis.fraction(y)));
    for (i, series) in chart.series.iter().enumerate() {
        let (colour, dash) = series_style(i);
        let n_valid = series.points.iter().filter(|p| valid(p)).count();
        // Split at invalid points so a NaN breaks the line instead of bridging it.
        for run in series.points.split(|p| !valid(p)).filter(|r| !r.is_empty()) {
            let pixels: Vec<(f64, f64)> = run.iter().copied().map(to_px).collect();
            if pixels.len() > 1 {
                svg.polyline(&pixels, colour, dash);
            }
            if pixels.len() == 1 || n_valid <= MARKER_LIMIT {
                pixels.iter().for_each(|&p| svg.circle(p, 2.5, colour));
            }
        }
    }
    draw_legend(&mut svg, &frame, &chart.series);
    svg.finish()
}

/// Colour and dash pattern of the `index`-th series.
fn series_style(index: usize) -> (&'static str, &'static str) {
    let dash = if (index / PALETTE.len()) % 2 == 1 { "6 4" } else { "" };
    (PALETTE[index % PALETTE.len()], dash)
}

/// A boxed legend in the top-right corner of the plot area.
fn draw_legend(svg: &mut Svg, frame: &Frame, series: &[Series]) {
    if series.is_empty() {
        return;
    }
    let row = 16.0;
    let widest = series.iter().map(|s| text_width(&s.name, LABEL_SIZE)).fold(0.0, f64::max);
    let (w, h) = (widest + 44.0, row * series.len() as f64 + 8.0);
    let (x0, y0) = (frame.x(1.0) - w - 8.0, frame.top + 8.0);
    svg.rect(x0, y0, w, h, "#ffffff", Some("#bbbbbb"));
    for (i, s) in series.iter().enumerate() {
        let (colour, dash) = series_style(i);
        let y = y0 + 4.0 + row * (i as f64 + 0.5);
        svg.polyline(&[(x0 + 8.0, y), (x0 + 30.0, y)], colour, dash);
        svg.text((x0 + 36.0, y), &s.name, LABEL_SIZE, Anchor::Start, INK, 0.0);
    }
}

/// The SVG text of a bar chart (what [`bar_chart_svg`] writes).
pub fn bar_chart_to_string(chart: &BarChart) -> String {
    let log = chart.log_y;
    let values = || chart.bars.iter().map(|&(_, v)| v).filter(|&v| plottable(v, log));
    let (mut y_min, mut y_max) = min_max(values());
    if !log && values().next().is_some() {
        // Linear bars rise from zero, so zero must be on the axis.
        (y_min, y_max) = (y_min.min(0.0), y_max.max(0.0));
    }
    let y_axis = y_axis(y_min, y_max, log);
    let frame = Frame::for_chart(WIDTH, HEIGHT, &y_axis);
    let mut svg = Svg::new(WIDTH, HEIGHT);
    let titles = [&chart.title[..], &chart.x_label, &chart.y_label];
    frame.draw(&mut svg, titles, &y_axis, None);
    let n = chart.bars.len();
    if values().next().is_none() {
        let centre = (frame.x(0.5), frame.y(0.5));
        svg.text(centre, "no data", LABEL_SIZE * 1.5, Anchor::Middle, "#999999", 0.0);
    }
    if n == 0 {
        return svg.finish();
    }
    let slot = frame.width / n as f64;
    let base = if log { y_axis.low_value() } else { 0.0 };
    let base_px = frame.y(y_axis.fraction(base));
    // Label every k-th bar so that labels never overlap.
    let widest = chart.bars.iter().map(|(l, _)| text_width(l, LABEL_SIZE)).fold(0.0, f64::max);
    let every = ((widest + 6.0) / slot).ceil().max(1.0) as usize;
    for (i, (label, value)) in chart.bars.iter().enumerate() {
        let centre = frame.x((i as f64 + 0.5) / n as f64);
        if plottable(*value, log) {
            let top = frame.y(y_axis.fraction(*value));
            let (y, h) = (top.min(base_px), (top - base_px).abs());
            svg.rect(centre - slot * 0.4, y, slot * 0.8, h, PALETTE[0], None);
        }
        if i % every == 0 {
            let at = (centre, frame.bottom() + 14.0);
            svg.text(at, label, LABEL_SIZE, Anchor::Middle, INK, 0.0);
        }
    }
    if !log && y_axis.low_value() < 0.0 {
        svg.line((frame.x(0.0), base_px), (frame.x(1.0), base_px), INK, 1.0);
    }
    svg.finish()
}
