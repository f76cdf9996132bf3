//! Scatter plots as SVG: points in a plane coloured by group — sentence embeddings
//! projected onto their first two principal components, coloured by label. Points are
//! small and translucent so a dense cloud still shows where each group lies.

use std::path::Path;

use crate::axis::{Axis, Frame, INK, LABEL_SIZE};
use crate::fs::write_atomic;
use crate::svg::{text_width, Anchor, Svg};
use crate::ReportError;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 520.0;
/// Group colours: the first two are a colour-blind-safe pair (blue, orange).
const COLOURS: [&str; 6] = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];

/// One coloured set of points of a [`ScatterChart`].
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterGroup {
    /// Legend entry, e.g. `"positive"`.
    pub name: String,
    /// `(x, y)` of each point; non-finite points are skipped.
    pub points: Vec<(f64, f64)>,
}

/// A scatter plot of several groups against shared linear axes.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterChart {
    /// Heading above the plot.
    pub title: String,
    /// Horizontal axis title.
    pub x_label: String,
    /// Vertical axis title.
    pub y_label: String,
    /// The groups, drawn in order (later ones on top).
    pub groups: Vec<ScatterGroup>,
}

/// Writes `chart` as an SVG file at `path` (atomically).
pub fn scatter_svg(path: &Path, chart: &ScatterChart) -> Result<(), ReportError> {
    write_atomic(path, scatter_to_string(chart).as_bytes())
}

/// The SVG text of a scatter plot (what [`scatter_svg`] writes).
pub fn scatter_to_string(chart: &ScatterChart) -> String {
    let finite = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite();
    let all = || chart.groups.iter().flat_map(|g| g.points.iter().copied()).filter(finite);
    let range = |values: Vec<f64>| values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let (x_min, x_max) = range(all().map(|p| p.0).collect());
    let (y_min, y_max) = range(all().map(|p| p.1).collect());
    let (x_axis, y_axis) = (Axis::linear(x_min, x_max), Axis::linear(y_min, y_max));
    let frame = Frame::for_chart(WIDTH, HEIGHT, &y_axis);
    let mut svg = Svg::new(WIDTH, HEIGHT);
    frame.draw(&mut svg, [&chart.title[..], &chart.x_label, &chart.y_label], &y_axis, Some(&x_axis));
    if all().next().is_none() {
        svg.text((frame.x(0.5), frame.y(0.5)), "no data", LABEL_SIZE * 1.5, Anchor::Middle, "#999999", 0.0);
    }
    for (i, group) in chart.groups.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        svg.group("points", &group.name);
        for &(x, y) in group.points.iter().filter(|p| finite(p)) {
            svg.pill(frame.x(x_axis.fraction(x)) - 2.5, frame.y(y_axis.fraction(y)) - 2.5, 5.0, 5.0, colour, 0.55);
        }
        svg.end_group();
    }
    // Legend, top right.
    let row = 16.0;
    let widest = chart.groups.iter().map(|g| text_width(&g.name, LABEL_SIZE)).fold(0.0, f64::max);
    let (w, h) = (widest + 34.0, row * chart.groups.len() as f64 + 8.0);
    let (x0, y0) = (frame.x(1.0) - w - 8.0, frame.top + 8.0);
    if !chart.groups.is_empty() {
        svg.rect(x0, y0, w, h, "#ffffff", Some("#bbbbbb"));
    }
    for (i, group) in chart.groups.iter().enumerate() {
        let y = y0 + 4.0 + row * (i as f64 + 0.5);
        svg.circle((x0 + 14.0, y), 4.0, COLOURS[i % COLOURS.len()]);
        svg.text((x0 + 26.0, y), &group.name, LABEL_SIZE, Anchor::Start, INK, 0.0);
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_finite_point_is_drawn_with_its_group_colour() {
        let chart = ScatterChart {
            title: "PCA".into(),
            x_label: "pc 1".into(),
            y_label: "pc 2".into(),
            groups: vec![
                ScatterGroup {
                    name: "negative".into(),
                    points: vec![(0.0, 1.0), (1.0, f64::NAN)],
                },
                ScatterGroup {
                    name: "positive".into(),
                    points: vec![(2.0, 3.0), (-1.0, 0.5)],
                },
            ],
        };
        let svg = scatter_to_string(&chart);
        assert!(svg.starts_with("<svg") && svg.contains("positive") && svg.contains("negative"));
        assert_eq!(svg.matches(COLOURS[0]).count(), 1 + 1, "one point and the legend");
        assert_eq!(svg.matches(COLOURS[1]).count(), 2 + 1);
    }
}
