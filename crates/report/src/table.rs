//! The fixed-width terminal table printed at the end of `descent tour`.

use std::fmt::Write as _;

use crate::format::{format_seconds, format_value, truncate};
use crate::{TourEntry, TourStatus};

/// How many measured values the table (and the HTML summary) shows per milestone:
/// the first ones inserted, which by convention are the headline numbers.
pub(crate) const KEY_MEASURES: usize = 3;

/// Column caps, so one long title cannot push the table past a terminal's width.
const MAX_ID: usize = 22;
const MAX_TITLE: usize = 30;
const MAX_DETAIL: usize = 60;

/// The first [`KEY_MEASURES`] measured values as `key=value` pairs.
pub(crate) fn key_measures(entry: &TourEntry) -> String {
    entry
        .report
        .measured
        .iter()
        .take(KEY_MEASURES)
        .map(|(key, value)| format!("{key}={}", format_value(value)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A fixed-width table, one row per entry, then a totals line:
///
/// ```text
/// milestone   year  title           result   time  key measurements
/// ----------  ----  --------------  -------  ----  ----------------------------
/// perceptron  1958  The Perceptron  PASS    0.42s  train_accuracy=1 epochs=7
/// lenet5      1998  LeNet-5         SKIPPED     -  MNIST missing (fix: descent fetch mnist)
///
/// 1 passed, 0 failed, 0 errored, 1 skipped in 0.42s
/// ```
///
/// Long cells are cut with `…`; widths count characters, not bytes.
pub fn summary_table(entries: &[TourEntry]) -> String {
    let header = ["milestone", "year", "title", "result", "time", "key measurements"];
    let mut rows: Vec<[String; 6]> = Vec::with_capacity(entries.len());
    for entry in entries {
        let report = &entry.report;
        let (time, detail) = match &entry.status {
            TourStatus::Skipped { reason, fix } => ("-".to_string(), format!("{reason} (fix: {fix})")),
            TourStatus::Errored { message } => ("-".to_string(), format!("error: {message}")),
            TourStatus::Passed | TourStatus::Failed => (format_seconds(report.seconds), key_measures(entry)),
        };
        rows.push([
            truncate(&report.milestone, MAX_ID),
            report.year.to_string(),
            truncate(&report.title, MAX_TITLE),
            entry.status.label().to_string(),
            time,
            truncate(&detail, MAX_DETAIL),
        ]);
    }
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    push_row(&mut out, &header.map(String::from), &widths);
    push_row(&mut out, &widths.map(|w| "-".repeat(w)), &widths);
    for row in &rows {
        push_row(&mut out, row, &widths);
    }
    out.push('\n');
    out.push_str(&totals_line(entries));
    out.push('\n');
    out
}

/// One line; the year and time columns are right-aligned, the rest left-aligned, and
/// the last column is not padded (no trailing spaces).
fn push_row(out: &mut String, cells: &[String; 6], widths: &[usize; 6]) {
    let mut line = String::new();
    for (i, (cell, &width)) in cells.iter().zip(widths).enumerate() {
        if i > 0 {
            line.push_str("  ");
        }
        // `{:>w$}` pads by chars, which matches how the widths were measured.
        match i {
            1 | 4 => {
                let _ = write!(line, "{cell:>width$}");
            }
            5 => line.push_str(cell),
            _ => {
                let _ = write!(line, "{cell:<width$}");
            }
        }
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// `"2 passed, 1 failed, 0 errored, 1 skipped"`: every status, even at zero, so that
/// a reader (or a script) finds the same words every time.
pub(crate) fn status_counts(entries: &[TourEntry]) -> String {
    let count = |label: &str| entries.iter().filter(|e| e.status.label() == label).count();
    format!(
        "{} passed, {} failed, {} errored, {} skipped",
        count("PASS"),
        count("FAIL"),
        count("ERROR"),
        count("SKIPPED")
    )
}

/// Wall-clock seconds of the milestones that ran to a verdict.
pub(crate) fn total_seconds(entries: &[TourEntry]) -> f64 {
    entries
        .iter()
        .filter(|e| e.status.ran())
        .map(|e| e.report.seconds)
        .filter(|s| s.is_finite())
        // fold from +0.0: `sum` of nothing is -0.0, which printed as "-0.00s".
        .fold(0.0, |total, s| total + s)
}

fn totals_line(entries: &[TourEntry]) -> String {
    format!("{} in {}", status_counts(entries), format_seconds(total_seconds(entries)))
}
