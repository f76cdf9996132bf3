//! Chart axes: "nice" tick positions (1-2-5 steps, or decades on a log scale), tick
//! labels free of float noise, and the frame (title, grid, ticks, axis labels) that
//! line and bar charts share.

use crate::format::format_number;
use crate::svg::{text_width, Anchor, Svg};

/// Font sizes and colours of the chart furniture.
const TITLE_SIZE: f64 = 15.0;
pub(crate) const LABEL_SIZE: f64 = 11.0;
const AXIS_TITLE_SIZE: f64 = 12.0;
const GRID: &str = "#e3e3e3";
const MINOR_GRID: &str = "#f3f3f3";
pub(crate) const INK: &str = "#222222";

/// One axis: its range (in log10 units when logarithmic) and labelled ticks.
pub(crate) struct Axis {
    log: bool,
    lo: f64,
    hi: f64,
    /// Labelled tick positions, in data units.
    pub(crate) ticks: Vec<(f64, String)>,
    /// Unlabelled grid lines (the 2..9 multiples on a log axis), in data units.
    pub(crate) minor: Vec<f64>,
}

impl Axis {
    /// A linear axis covering `[min, max]`, widened to whole tick steps. A degenerate
    /// or non-finite range becomes a small range around the value (or `[0, 1]`).
    pub(crate) fn linear(min: f64, max: f64) -> Axis {
        let (mut min, mut max) = if min.is_finite() && max.is_finite() && min <= max {
            (min, max)
        } else {
            (0.0, 1.0)
        };
        if max - min <= f64::EPSILON * min.abs().max(max.abs()).max(1.0) {
            let pad = if min == 0.0 { 1.0 } else { min.abs() * 0.1 };
            (min, max) = (min - pad, max + pad);
        }
        let step = nice_step((max - min) / 5.0);
        let (first, last) = ((min / step).floor() as i64, (max / step).ceil() as i64);
        let ticks = (first..=last)
            .map(|k| {
                let value = k as f64 * step;
                (value, tick_label(value, step))
            })
            .collect();
        Axis {
            log: false,
            lo: first as f64 * step,
            hi: last as f64 * step,
            ticks,
            minor: Vec::new(),
        }
    }

    /// A log10 axis covering positive `[min, max]`, widened to whole decades.
    pub(crate) fn log(min: f64, max: f64) -> Axis {
        let ok = min.is_finite() && max.is_finite() && 0.0 < min && min <= max;
        let (min, max) = if ok { (min, max) } else { (1.0, 10.0) };
        let lo = min.log10().floor() as i32;
        let hi = (max.log10().ceil() as i32).max(lo + 1);
        let decades = hi - lo;
        // At most ~8 labelled decades; with few decades also label 2× and 5×.
        let every = (decades + 7) / 8;
        let mut ticks = Vec::new();
        let mut minor = Vec::new();
        for k in lo..=hi {
            let base = 10f64.powi(k);
            if (k - lo) % every == 0 {
                ticks.push((base, decade_label(1, k)));
            }
            if k == hi || decades > 6 {
                continue;
            }
            for m in 2..10 {
                if decades <= 2 && (m == 2 || m == 5) {
                    ticks.push((m as f64 * base, decade_label(m, k)));
                } else {
                    minor.push(m as f64 * base);
                }
            }
        }
        Axis {
            log: true,
            lo: lo as f64,
            hi: hi as f64,
            ticks,
            minor,
        }
    }

    /// Where `value` falls along the axis: 0 at the low end, 1 at the high end.
    pub(crate) fn fraction(&self, value: f64) -> f64 {
        let t = if self.log { value.log10() } else { value };
        (t - self.lo) / (self.hi - self.lo)
    }

    /// The low end of the axis in data units (where bars start on a log axis).
    pub(crate) fn low_value(&self) -> f64 {
        if self.log {
            10f64.powf(self.lo)
        } else {
            self.lo
        }
    }

    /// Width in pixels of the widest tick label.
    fn label_width(&self) -> f64 {
        let widest = self.ticks.iter().map(|(_, l)| text_width(l, LABEL_SIZE));
        widest.fold(0.0, f64::max)
    }
}

/// The smallest of 1, 2, 5 × 10^k that is at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    let nice = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|&m| m * magnitude >= raw * (1.0 - 1e-9))
        .unwrap_or(10.0);
    nice * magnitude
}

/// A linear tick label with as many decimals as the step needs, so `0.1 + 0.2` prints
/// as `0.3`; huge or tiny steps use scientific notation.
fn tick_label(value: f64, step: f64) -> String {
    let value = if value.abs() < step * 1e-6 { 0.0 } else { value };
    if !(1e-4..1e6).contains(&step) {
        return format!("{value:.1e}");
    }
    let decimals = (-step.log10()).ceil().max(0.0) as usize;
    format!("{value:.decimals$}")
}

/// `m × 10^k` as a plain number within a readable range, else as `me{k}`.
fn decade_label(m: i32, k: i32) -> String {
    if (-3..=5).contains(&k) {
        format_number(m as f64 * 10f64.powi(k))
    } else {
        format!("{m}e{k}")
    }
}

/// The plot area inside a chart, in pixels.
pub(crate) struct Frame {
    pub(crate) left: f64,
    pub(crate) top: f64,
    pub(crate) width: f64,
    pub(crate) height: f64,
}

impl Frame {
    /// The plot area of a `width` × `height` chart whose y ticks are `y`: room on the
    /// left for the tick labels and the rotated axis title, on top for the title.
    pub(crate) fn for_chart(width: f64, height: f64, y: &Axis) -> Frame {
        let left = 14.0 + AXIS_TITLE_SIZE + 10.0 + y.label_width() + 8.0;
        let (top, bottom, right) = (40.0, 50.0, 20.0);
        Frame {
            left,
            top,
            width: width - left - right,
            height: height - top - bottom,
        }
    }

    /// Pixel x of an axis fraction.
    pub(crate) fn x(&self, fraction: f64) -> f64 {
        self.left + fraction * self.width
    }

    /// Pixel y of an axis fraction (SVG's y grows downwards).
    pub(crate) fn y(&self, fraction: f64) -> f64 {
        self.top + (1.0 - fraction) * self.height
    }

    /// Pixel y just below the plot area, where x tick labels go.
    pub(crate) fn bottom(&self) -> f64 {
        self.top + self.height
    }

    /// Title, axis titles, y grid and ticks, the x grid and ticks if `x` is given
    /// (bar charts label their categories themselves), and the two axis lines.
    pub(crate) fn draw(&self, svg: &mut Svg, titles: [&str; 3], y: &Axis, x: Option<&Axis>) {
        let [title, x_label, y_label] = titles;
        let (right, bottom) = (self.x(1.0), self.bottom());
        svg.text((self.x(0.5), 20.0), title, TITLE_SIZE, Anchor::Middle, INK, 0.0);
        let x_title_y = bottom + 36.0;
        svg.text((self.x(0.5), x_title_y), x_label, AXIS_TITLE_SIZE, Anchor::Middle, INK, 0.0);
        let y_title = (14.0 + AXIS_TITLE_SIZE / 2.0, self.y(0.5));
        svg.text(y_title, y_label, AXIS_TITLE_SIZE, Anchor::Middle, INK, -90.0);
        for &value in &y.minor {
            let py = self.y(y.fraction(value));
            svg.line((self.left, py), (right, py), MINOR_GRID, 1.0);
        }
        for (value, label) in &y.ticks {
            let py = self.y(y.fraction(*value));
            svg.line((self.left, py), (right, py), GRID, 1.0);
            svg.line((self.left - 5.0, py), (self.left, py), INK, 1.0);
            svg.text((self.left - 8.0, py), label, LABEL_SIZE, Anchor::End, INK, 0.0);
        }
        for (value, label) in x.map_or(&[][..], |x| &x.ticks) {
            let px = self.x(x.map_or(0.0, |x| x.fraction(*value)));
            svg.line((px, self.top), (px, bottom), GRID, 1.0);
            svg.line((px, bottom), (px, bottom + 5.0), INK, 1.0);
            svg.text((px, bottom + 14.0), label, LABEL_SIZE, Anchor::Middle, INK, 0.0);
        }
        svg.line((self.left, self.top), (self.left, bottom), INK, 1.0);
        svg.line((self.left, bottom), (right, bottom), INK, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_numbers() {
        let axis = Axis::linear(0.03, 0.97);
        let labels: Vec<&str> = axis.ticks.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        assert_eq!(axis.fraction(0.0), 0.0);
        assert_eq!(axis.fraction(1.0), 1.0);
    }

    #[test]
    fn degenerate_ranges_still_make_an_axis() {
        for (lo, hi) in [(5.0, 5.0), (0.0, 0.0), (f64::NAN, 1.0), (2.0, 1.0)] {
            let axis = Axis::linear(lo, hi);
            assert!(axis.ticks.len() >= 2, "{lo}..{hi}");
            assert!(axis.hi > axis.lo);
        }
    }

    #[test]
    fn log_ticks_are_decades() {
        let axis = Axis::log(3e-4, 2.5);
        let labels: Vec<&str> = axis.ticks.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["1e-4", "0.001", "0.01", "0.1", "1", "10"]);
        assert!((axis.fraction(1e-2) - 0.4).abs() < 1e-12);
        let narrow = Axis::log(0.2, 0.9);
        assert!(narrow.ticks.iter().any(|(_, l)| l == "0.5"));
        let wide = Axis::log(1e-20, 1.0);
        assert!(wide.ticks.len() <= 11 && wide.ticks[0].1 == "1e-20");
    }
}
