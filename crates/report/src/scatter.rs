//! Scatter charts as SVG: points in two dimensions, one colour per group, some points
//! drawn large and labelled (an embedding space projected to 2-D, with the class
//! prompts marked among the images).

use std::path::Path;

use crate::axis::{Axis, Frame, LABEL_SIZE};
use crate::fs::write_atomic;
use crate::svg::{Anchor, Svg};
use crate::ReportError;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 560.0;

/// Group colours: Tableau 20, so up to twenty groups stay distinct; more repeat.
const PALETTE: [&str; 20] = [
    "#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896", "#9467bd", "#c5b0d5", "#8c564b", "#c49c94",
    "#e377c2", "#f7b6d2", "#7f7f7f", "#c7c7c7", "#bcbd22", "#dbdb8d", "#17becf", "#9edae5",
];

/// One point of a [`ScatterChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterPoint {
    /// Position.
    pub x: f64,
    /// Position.
    pub y: f64,
    /// Colour group (an index into the palette, e.g. the class).
    pub group: usize,
    /// Drawn large with this label beside it; `None`: a small dot.
    pub label: Option<String>,
}

/// A titled scatter plot.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterChart {
    /// Title above the plot.
    pub title: String,
    /// Horizontal axis title.
    pub x_label: String,
    /// Vertical axis title.
    pub y_label: String,
    /// The points; non-finite ones are skipped.
    pub points: Vec<ScatterPoint>,
}

/// The colour of group `group`.
fn colour(group: usize) -> &'static str {
    PALETTE[group % PALETTE.len()]
}

/// The SVG text of a scatter chart (what [`scatter_chart_svg`] writes).
pub fn scatter_chart_to_string(chart: &ScatterChart) -> String {
    let valid: Vec<&ScatterPoint> = chart.points.iter().filter(|p| p.x.is_finite() && p.y.is_finite()).collect();
    let fold = |f: fn(&ScatterPoint) -> f64| {
        valid
            .iter()
            .map(|p| f(p))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let (x_min, x_max) = fold(|p| p.x);
    let (y_min, y_max) = fold(|p| p.y);
    let (x_axis, y_axis) = (Axis::linear(x_min, x_max), Axis::linear(y_min, y_max));
    let frame = Frame::for_chart(WIDTH, HEIGHT, &y_axis);
    let mut svg = Svg::new(WIDTH, HEIGHT);
    frame.draw(&mut svg, [&chart.title[..], &chart.x_label, &chart.y_label], &y_axis, Some(&x_axis));
    if valid.is_empty() {
        let centre = (frame.x(0.5), frame.y(0.5));
        svg.text(centre, "no data", LABEL_SIZE * 1.5, Anchor::Middle, "#999999", 0.0);
        return svg.finish();
    }
    let at = |p: &ScatterPoint| (frame.x(x_axis.fraction(p.x)), frame.y(y_axis.fraction(p.y)));
    // Dots first, so the labelled markers stay on top.
    for p in valid.iter().filter(|p| p.label.is_none()) {
        svg.circle(at(p), 2.5, colour(p.group));
    }
    for p in valid.iter().filter(|p| p.label.is_some()) {
        let (x, y) = at(p);
        svg.ring((x, y), 6.0, colour(p.group), "#222222");
        let label = p.label.as_deref().unwrap_or("");
        svg.text((x + 9.0, y), label, LABEL_SIZE, Anchor::Start, "#222222", 0.0);
    }
    svg.finish()
}

/// Writes `chart` as an SVG file at `path` (atomically).
pub fn scatter_chart_svg(path: &Path, chart: &ScatterChart) -> Result<(), ReportError> {
    write_atomic(path, scatter_chart_to_string(chart).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_points_are_drawn_and_escaped() {
        let chart = ScatterChart {
            title: "embeddings".into(),
            x_label: "PC 1".into(),
            y_label: "PC 2".into(),
            points: vec![
                ScatterPoint {
                    x: 0.0,
                    y: 1.0,
                    group: 0,
                    label: None,
                },
                ScatterPoint {
                    x: 1.0,
                    y: f64::NAN,
                    group: 1,
                    label: None,
                },
                ScatterPoint {
                    x: 2.0,
                    y: -1.0,
                    group: 2,
                    label: Some("一只猫 <cat>".into()),
                },
            ],
        };
        let svg = scatter_chart_to_string(&chart);
        assert_eq!(svg.matches("<circle").count(), 2, "the NaN point is skipped");
        assert!(svg.contains("一只猫 &lt;cat&gt;"));
    }
}
