//! The tour page: one static, self-contained HTML file (inline CSS from `tour.css`,
//! inline SVG, no scripts): a header with the counts, the article's timeline with
//! this tour's verdicts, the article's numbers beside ours, a summary table, and a
//! section per milestone. Every string from a report is HTML-escaped: claims and
//! notes are data, not markup.

use std::fmt::Write as _;
use std::path::Path;

use crate::format::{format_seconds, format_value, truncate};
use crate::fs::write_atomic;
use crate::numbers::push_numbers;
use crate::section::push_section;
use crate::svg::escape;
use crate::table::{status_counts, total_seconds, KEY_MEASURES};
use crate::timeline::timeline_svg;
use crate::{ReportError, TimelineEvent, TourEntry, TourFacts, TourStatus};

/// The page's style sheet, inlined into every page.
pub(crate) const STYLE: &str = include_str!("tour.css");

/// A measured value longer than this is cut in the summary table (whole in its
/// tooltip and in the milestone's section).
const MAX_SUMMARY_VALUE: usize = 32;

/// Everything the tour page shows. Build it with a struct literal or [`TourPage::new`]
/// and the fields you have:
///
/// ```
/// use descent_report::{article_timeline, TourFacts, TourPage};
///
/// let entries = Vec::new(); // one TourEntry per milestone
/// let mut timeline = article_timeline();
/// for event in &mut timeline {
///     if event.year == 1958 {
///         event.milestones.push("perceptron".into());
///     }
/// }
/// let facts = TourFacts::from_entries(&entries);
/// let page = TourPage { entries: &entries, timeline: &timeline, facts: Some(&facts) };
/// # let _ = page;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TourPage<'a> {
    /// One row per milestone, in the order to show them (usually historical).
    pub entries: &'a [TourEntry],
    /// The timeline's events with the milestones that re-create them (usually
    /// [`crate::article_timeline`] with milestones attached); empty: no timeline.
    pub timeline: &'a [TimelineEvent],
    /// Our figures for the article's numbers; `None`: no numbers section.
    pub facts: Option<&'a TourFacts>,
}

impl<'a> TourPage<'a> {
    /// A page of just the summary and the milestone sections.
    pub fn new(entries: &'a [TourEntry]) -> Self {
        TourPage {
            entries,
            timeline: &[],
            facts: None,
        }
    }
}

/// Writes the tour page to `path` (atomically). Artifact paths in the entries are
/// relative to `path`'s directory; text artifacts are read from there.
pub fn write_tour_page(path: &Path, page: &TourPage) -> Result<(), ReportError> {
    let base = path.parent().unwrap_or(Path::new(""));
    write_atomic(path, tour_page_html(page, base).as_bytes())
}

/// The page without timeline and numbers: [`write_tour_page`] with
/// [`TourPage::new`]`(entries)`.
pub fn write_tour_html(path: &Path, entries: &[TourEntry]) -> Result<(), ReportError> {
    write_tour_page(path, &TourPage::new(entries))
}

/// The tour page as a string; `base_dir` is where relative artifact paths resolve
/// (the directory the page will live in).
pub fn tour_page_html(page: &TourPage, base_dir: &Path) -> String {
    let entries = page.entries;
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>descent tour</title>\n<style>{STYLE}</style>\n</head>\n<body>");
    push_header(&mut out, page);
    if !page.timeline.is_empty() {
        out.push_str(
            "<section class=\"panel\" id=\"timeline\">\n<h2>The timeline</h2>\n<p>The article's chart of \
             deep-learning history. Each row is an event; its colour says how the gallery milestones that \
             re-create it fared in this tour (named on the right). Grey events are not re-created yet. \
             Hover a row for details.</p>\n<figure class=\"chart\">\n",
        );
        out.push_str(&timeline_svg(page.timeline, entries));
        out.push_str("</figure>\n</section>\n");
    }
    if let Some(facts) = page.facts {
        out.push_str(
            "<section class=\"panel\" id=\"numbers\">\n<h2>The numbers</h2>\n<p>The article's \
             \u{201c}shocking numbers\u{201d} beside this tour's own: each figure on the right was measured \
             by this tour on this machine, with where it came from, or says \u{201c}not measured\u{201d}. \
             The gauges place ours on a log scale between the article's then and now.</p>\n",
        );
        push_numbers(&mut out, facts, entries);
        out.push_str("</section>\n");
    }
    out.push_str("<section class=\"panel\" id=\"milestones\">\n<h2>Every milestone</h2>\n");
    push_summary(&mut out, entries);
    out.push_str("</section>\n");
    for entry in entries {
        push_section(&mut out, entry, base_dir);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn push_header(out: &mut String, page: &TourPage) {
    let entries = page.entries;
    out.push_str(
        "<header class=\"hero\">\n<h1>descent <span>· a tour of deep-learning history</span></h1>\n\
         <p class=\"lede\">Each milestone is a program that trained on real data and measured a \
         historical claim. This page is what one tour measured, on this machine.</p>\n<div class=\"counts\">",
    );
    for (label, word) in [("PASS", "passed"), ("FAIL", "failed"), ("ERROR", "errored"), ("SKIPPED", "skipped")] {
        let count = entries.iter().filter(|e| e.status.label() == label).count();
        if count > 0 {
            let _ = write!(out, "<span class=\"status {label}\">{count} {word}</span>");
        }
    }
    let _ = writeln!(
        out,
        "<span class=\"muted\" title=\"{}\">{} milestones, {} of training and testing</span></div>",
        status_counts(entries),
        entries.len(),
        format_seconds(total_seconds(entries))
    );
    out.push_str("<nav class=\"toc\">");
    if !page.timeline.is_empty() {
        out.push_str("<a href=\"#timeline\">The timeline</a>");
    }
    if page.facts.is_some() {
        out.push_str("<a href=\"#numbers\">The numbers</a>");
    }
    out.push_str("<a href=\"#milestones\">Every milestone</a></nav>\n</header>\n");
}

/// The anchor id of a milestone's section: only characters safe in a URL fragment.
pub(crate) fn anchor(milestone: &str) -> String {
    let safe = milestone.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '-'
        }
    });
    format!("m-{}", safe.collect::<String>())
}

/// The summary: year, title with its claim (clamped to three lines, whole in the
/// tooltip), the key measurements as chips, the result, the time.
fn push_summary(out: &mut String, entries: &[TourEntry]) {
    out.push_str(
        "<table class=\"summary\">\n<colgroup><col class=\"c-year\"><col class=\"c-milestone\">\
         <col class=\"c-measures\"><col class=\"c-result\"><col class=\"c-time\"></colgroup>\n<thead><tr>\
         <th class=\"num\">year</th><th>milestone and claim</th><th>key measurements</th><th>result</th>\
         <th class=\"num time\">time</th></tr></thead>\n<tbody>\n",
    );
    for entry in entries {
        let report = &entry.report;
        let label = entry.status.label();
        let (time, detail) = match &entry.status {
            TourStatus::Skipped { reason, fix } => (
                "-".to_string(),
                format!(
                    "<div class=\"why\" title=\"{r}\">skipped: {r}</div><code>{}</code>",
                    escape(fix),
                    r = escape(reason)
                ),
            ),
            TourStatus::Errored { message } => (
                "-".to_string(),
                format!(
                    "<div class=\"why ERROR\" title=\"{}\">error: {}</div>",
                    escape(message),
                    escape(&truncate(message, 160))
                ),
            ),
            TourStatus::Passed | TourStatus::Failed => (format_seconds(report.seconds), measure_chips(entry)),
        };
        let claim = escape(&report.claim);
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td><a class=\"title\" href=\"#{}\">{}</a> <code class=\"id\">{}</code>\
             <div class=\"claim\" title=\"{claim}\">{claim}</div></td><td class=\"measures\">{detail}</td>\
             <td><span class=\"status {label}\">{label}</span></td><td class=\"num time\">{time}</td></tr>",
            report.year,
            anchor(&report.milestone),
            escape(&report.title),
            escape(&report.milestone),
        );
    }
    out.push_str("</tbody>\n</table>\n");
}

/// The first measured values as `key value` chips; a long value is cut, whole in
/// the chip's tooltip.
fn measure_chips(entry: &TourEntry) -> String {
    let mut out = String::new();
    for (key, value) in entry.report.measured.iter().take(KEY_MEASURES) {
        let value = format_value(value);
        let _ = write!(
            out,
            "<span class=\"kv\" title=\"{} = {}\"><span class=\"k\">{}</span> {}</span>",
            escape(key),
            escape(&value),
            escape(key),
            escape(&truncate(&value, MAX_SUMMARY_VALUE))
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_safe() {
        assert_eq!(anchor("gpt\"><x"), "m-gpt---x");
    }
}
