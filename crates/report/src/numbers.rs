//! The article's table of "shocking numbers" beside this tour's own figures, as an
//! HTML table with a small log-scale gauge per row showing where our figure sits
//! between the article's "then" and "now".

use std::fmt::Write as _;

use crate::format::{format_number, format_seconds};
use crate::svg::{escape, Anchor, Svg};
use crate::{Fact, TourEntry, TourFacts};

/// Says "not measured" for a figure nobody measured: never a placeholder number.
pub(crate) const NOT_MEASURED: &str = "not measured";

/// One row of the article's table: its words, and its endpoints as numbers (in the
/// unit of our figure) for the gauge; `None` where the article gives no figure.
struct ArticleRow {
    quantity: &'static str,
    article: &'static str,
    range: Option<(f64, f64)>,
}

const PARAMS: ArticleRow = ArticleRow {
    quantity: "Largest model",
    article: "1,000 → 1.8 trillion parameters",
    range: Some((1e3, 1.8e12)),
};
const DATA: ArticleRow = ArticleRow {
    quantity: "Training data",
    article: "1 MB → 10 PB",
    range: Some((1e6, 1e16)),
};
const COMPUTE: ArticleRow = ArticleRow {
    quantity: "Compute",
    article: "0.1 GFLOPS → 600,000 TFLOPS",
    // In GFLOP/s: 0.1, and 600,000 × 1,000.
    range: Some((0.1, 6e8)),
};
const ERROR: ArticleRow = ArticleRow {
    quantity: "Image-recognition error",
    article: "30% → 1%",
    range: Some((30.0, 1.0)),
};
// The brief that asked for this table quotes no cost figure from the article; none is
// made up here.
const COST: ArticleRow = ArticleRow {
    quantity: "Training cost",
    article: "(no figure quoted)",
    range: None,
};

/// The numbers section: a table of the article's figures and ours.
pub(crate) fn push_numbers(out: &mut String, facts: &TourFacts, entries: &[TourEntry]) {
    let cell = |fact: &Option<Fact>, show: fn(f64) -> String| measured_cell(fact, show, entries);
    out.push_str(
        "<table class=\"numbers\">\n<colgroup><col class=\"c-quantity\"><col class=\"c-article\">\
         <col class=\"c-ours\"><col class=\"c-gauge\"></colgroup>\n<thead><tr><th>quantity</th>\
         <th>the article: then → now</th><th>this tour, measured here</th><th>where it sits</th></tr></thead>\n<tbody>\n",
    );

    let params = cell(&facts.largest_model_params, |v| format!("{} parameters", format_count(v)));
    let points = point("this tour", &facts.largest_model_params);
    push_row(out, &PARAMS, &params, &points, growth_caption(&PARAMS, &points));

    let bytes = cell(&facts.largest_data_bytes, format_bytes);
    let examples = cell(&facts.most_examples_seen, format_count);
    let points = point("this tour", &facts.largest_data_bytes);
    let data = two_lines(("bytes read", &bytes), ("examples seen", &examples));
    push_row(out, &DATA, &data, &points, growth_caption(&DATA, &points));

    let gflops = cell(&facts.matmul_gflops, |v| format!("{} GFLOP/s", format_number(round_sig(v, 3))));
    let points = point("this machine", &facts.matmul_gflops);
    push_row(out, &COMPUTE, &gflops, &points, growth_caption(&COMPUTE, &points));

    let mnist = cell(&facts.best_mnist_error_percent, percent);
    let cifar = cell(&facts.best_cifar10_error_percent, percent);
    let error = two_lines(("MNIST", &mnist), ("CIFAR-10", &cifar));
    let mut points = point("MNIST", &facts.best_mnist_error_percent);
    points.extend(point("CIFAR-10", &facts.best_cifar10_error_percent));
    let caption = (!points.is_empty()).then(|| "different test sets from the article's: compare with care".to_string());
    push_row(out, &ERROR, &error, &points, caption);

    let cpu = cell(&facts.cpu_seconds, |v| format!("{} CPU-seconds", format_count(v.round())));
    let wall = cell(&facts.wall_seconds, format_seconds);
    let cost = two_lines(("CPU time", &cpu), ("wall-clock", &wall));
    push_row(out, &COST, &cost, &[], None);
    out.push_str("</tbody>\n</table>\n");
}

/// Two tagged figures in one cell, e.g. MNIST's and CIFAR-10's error.
fn two_lines((tag, first): (&str, &str), (second_tag, second): (&str, &str)) -> String {
    format!("<span class=\"tag\">{tag}</span> {first}<div class=\"also\"><span class=\"tag\">{second_tag}</span> {second}</div>")
}

fn push_row(out: &mut String, row: &ArticleRow, ours: &str, points: &[(String, f64)], caption: Option<String>) {
    let gauge = match row.range {
        Some(range) if !points.is_empty() => gauge_svg(range, points),
        _ => String::new(),
    };
    let caption = caption.map_or(String::new(), |c| format!("<div class=\"gauge-caption\">{c}</div>"));
    let _ = writeln!(
        out,
        "<tr><th scope=\"row\">{}</th><td class=\"article\">{}</td><td class=\"ours\">{ours}</td>\
         <td class=\"gauge\">{gauge}{caption}</td></tr>",
        escape(row.quantity),
        escape(row.article)
    );
}

/// Our figure with its source, or "not measured". A source that is a milestone of
/// this tour links to that milestone's section.
fn measured_cell(fact: &Option<Fact>, show: fn(f64) -> String, entries: &[TourEntry]) -> String {
    let Some(fact) = fact.as_ref().filter(|f| f.value.is_finite()) else {
        return format!("<span class=\"missing\">{NOT_MEASURED}</span>");
    };
    let source = if entries.iter().any(|e| e.report.milestone == fact.source) {
        let anchor = crate::html::anchor(&fact.source);
        format!("<a href=\"#{anchor}\">{}</a>", escape(&fact.source))
    } else {
        escape(&fact.source)
    };
    format!(
        "<strong>{}</strong> <span class=\"source\">{source}</span>",
        escape(&show(fact.value))
    )
}

/// A gauge point for a fact, if it has a positive finite value.
fn point(label: &str, fact: &Option<Fact>) -> Vec<(String, f64)> {
    fact.iter()
        .map(|f| f.value)
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(|v| (label.to_string(), v))
        .collect()
}

/// "×10^3.1 above then · ×10^6.2 below now": how many orders of magnitude our figure
/// lies from each end of the article's range, for a quantity that grew.
fn growth_caption(row: &ArticleRow, points: &[(String, f64)]) -> Option<String> {
    let ((then, now), (_, ours)) = (row.range?, points.first()?);
    let side = |ratio: f64, up: &str, down: &str| {
        let orders = ratio.log10();
        let word = if orders >= 0.0 { up } else { down };
        format!("×10<sup>{:.1}</sup> {word}", orders.abs())
    };
    Some(format!(
        "{} then · {} now",
        side(ours / then, "above", "below"),
        side(now / ours, "below", "above")
    ))
}

/// A small log-scale track from the article's "then" (left) to "now" (right), with a
/// dot per figure of ours; a figure beyond either end sits just past it, hollow.
fn gauge_svg((then, now): (f64, f64), points: &[(String, f64)]) -> String {
    const WIDTH: f64 = 240.0;
    const HEIGHT: f64 = 46.0;
    let (left, right, y) = (14.0, WIDTH - 14.0, 28.0);
    let span = (now / then).log10();
    let mut svg = Svg::new(WIDTH, HEIGHT);
    svg.title("where this tour's figure sits between the article's then and now (log scale)");
    svg.pill(left - 4.0, y - 3.0, right - left + 8.0, 6.0, "#afb8c1", 0.5);
    svg.ring((left, y), 4.0, "#8c959f", "#ffffff");
    svg.ring((right, y), 4.0, "#24292f", "#ffffff");
    svg.text((left, y + 12.0), "then", 9.0, Anchor::Middle, "#57606a", 0.0);
    svg.text((right, y + 12.0), "now", 9.0, Anchor::Middle, "#57606a", 0.0);
    for (i, (label, value)) in points.iter().enumerate() {
        let fraction = (value / then).log10() / span;
        let inside = (0.0..=1.0).contains(&fraction);
        let x = left + fraction.clamp(-0.04, 1.04) * (right - left);
        if inside {
            svg.ring((x, y), 5.5, "#0969da", "#ffffff");
        } else {
            svg.ring((x, y), 5.0, "#ffffff", "#0969da");
        }
        let label_y = if i % 2 == 0 { y - 14.0 } else { y + 12.0 };
        let anchor = if x < 50.0 {
            Anchor::Start
        } else if x > WIDTH - 50.0 {
            Anchor::End
        } else {
            Anchor::Middle
        };
        let label_x = x.clamp(4.0, WIDTH - 4.0);
        svg.text((label_x, label_y), label, 10.0, anchor, "#0969da", 0.0);
    }
    svg.finish()
}

/// A count for a person: `61,706`; from a million on, `1.23 million`, `4.5 billion`.
pub(crate) fn format_count(value: f64) -> String {
    let names = [(1e12, "trillion"), (1e9, "billion"), (1e6, "million")];
    if let Some((unit, name)) = names.iter().find(|(unit, _)| value.abs() >= *unit) {
        return format!("{} {name}", format_number(round_sig(value / unit, 3)));
    }
    if value.fract() != 0.0 {
        return format_number(value);
    }
    let digits = format!("{:.0}", value.abs());
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if value < 0.0 {
        grouped.insert(0, '-');
    }
    grouped
}

/// Bytes in decimal units, as the article writes them: `47 MB`, `1.2 GB`.
pub(crate) fn format_bytes(bytes: f64) -> String {
    let units = [(1e15, "PB"), (1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")];
    match units.iter().find(|(unit, _)| bytes >= *unit) {
        Some((unit, name)) => format!("{} {name}", format_number(round_sig(bytes / unit, 3))),
        None => format!("{} bytes", format_count(bytes)),
    }
}

fn percent(value: f64) -> String {
    format!("{}%", format_number(round_sig(value, 3)))
}

/// `value` rounded to `digits` significant digits (so 47.04 MB reads `47 MB`).
fn round_sig(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let scale = 10f64.powi(digits - 1 - value.abs().log10().floor() as i32);
    (value * scale).round() / scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_bytes_read_naturally() {
        assert_eq!(format_count(61_706.0), "61,706");
        assert_eq!(format_count(1_000.0), "1,000");
        assert_eq!(format_count(999.0), "999");
        assert_eq!(format_count(1_234_567.0), "1.23 million");
        assert_eq!(format_count(1.8e12), "1.8 trillion");
        assert_eq!(format_bytes(47_040_000.0), "47 MB");
        assert_eq!(format_bytes(1e16), "10 PB");
        assert_eq!(format_bytes(512.0), "512 bytes");
        assert_eq!(percent(0.91234), "0.912%");
    }

    #[test]
    fn captions_count_orders_of_magnitude() {
        let points = vec![("x".to_string(), 1e6)];
        let caption = growth_caption(&PARAMS, &points).unwrap();
        assert_eq!(caption, "×10<sup>3.0</sup> above then · ×10<sup>6.3</sup> below now");
        let beyond = growth_caption(&PARAMS, &[("x".to_string(), 1e13)]).unwrap();
        assert_eq!(beyond, "×10<sup>10.0</sup> above then · ×10<sup>0.7</sup> above now");
    }
}
