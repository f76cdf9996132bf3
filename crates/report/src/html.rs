//! The tour page: one static, self-contained HTML file (inline CSS, no scripts) with a
//! summary table and a section per milestone, its charts and text artifacts inlined.
//! Every string from a report is HTML-escaped: claims and notes are data, not markup.

use std::fmt::Write as _;
use std::path::Path;

use crate::format::{format_seconds, format_value};
use crate::fs::write_atomic;
use crate::svg::escape;
use crate::table::key_measures;
use crate::{ReportError, TourEntry, TourStatus};

/// Text artifacts larger than this are cut, so one huge log cannot bloat the page.
const MAX_INLINE_TEXT: usize = 64 * 1024;

const STYLE: &str = "
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.35em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.PASS { color: #1a7f37; font-weight: bold; }
.FAIL { color: #cf222e; font-weight: bold; }
.SKIPPED { color: #9a6700; font-weight: bold; }
section { border-top: 2px solid #ddd; margin-top: 2.5em; padding-top: 0.5em; }
.claim { font-size: 1.1em; }
figure { display: inline-block; margin: 0.5em 1em 0.5em 0; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #eee; image-rendering: pixelated; }
figcaption, .muted { color: #666; font-size: 0.9em; }
pre { background: #f6f8fa; padding: 0.8em; overflow-x: auto; max-height: 30em; }
code { background: #f6f8fa; padding: 0.1em 0.3em; }
";

/// Writes the tour page for `entries` to `path` (atomically). Artifact paths in the
/// entries are relative to `path`'s directory; text artifacts are read from there.
pub fn write_tour_html(path: &Path, entries: &[TourEntry]) -> Result<(), ReportError> {
    let base = path.parent().unwrap_or(Path::new(""));
    write_atomic(path, tour_html(entries, base).as_bytes())
}

/// The tour page as a string; `base_dir` is where relative artifact paths resolve
/// (the directory the page will live in).
pub fn tour_html(entries: &[TourEntry], base_dir: &Path) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>descent tour</title>\n<style>{STYLE}</style>\n</head>\n<body>");
    out.push_str("<h1>descent: a tour of deep-learning history</h1>\n");
    let count = |label: &str| entries.iter().filter(|e| e.status.label() == label).count();
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} milestones: {} passed, {} failed, {} skipped.</p>",
        entries.len(),
        count("PASS"),
        count("FAIL"),
        count("SKIPPED")
    );
    push_summary(&mut out, entries);
    for entry in entries {
        push_section(&mut out, entry, base_dir);
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The anchor id of a milestone's section: only characters safe in a URL fragment.
fn anchor(milestone: &str) -> String {
    let safe = milestone.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '-'
        }
    });
    format!("m-{}", safe.collect::<String>())
}

fn push_summary(out: &mut String, entries: &[TourEntry]) {
    out.push_str("<table class=\"summary\">\n<tr><th>milestone</th><th>year</th><th>title</th>");
    out.push_str("<th>claim</th><th>key measurements</th><th>result</th><th>time</th></tr>\n");
    for entry in entries {
        let report = &entry.report;
        let label = entry.status.label();
        let (time, detail) = match &entry.status {
            TourStatus::Skipped { reason, .. } => ("-".to_string(), format!("skipped: {reason}")),
            _ => (format_seconds(report.seconds), key_measures(entry)),
        };
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#{}\">{}</a></td><td class=\"num\">{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td class=\"{label}\">{label}</td><td class=\"num\">{time}</td></tr>",
            anchor(&report.milestone),
            escape(&report.milestone),
            report.year,
            escape(&report.title),
            escape(&report.claim),
            escape(&detail),
        );
    }
    out.push_str("</table>\n");
}

fn push_section(out: &mut String, entry: &TourEntry, base_dir: &Path) {
    let report = &entry.report;
    let label = entry.status.label();
    let _ = writeln!(
        out,
        "<section id=\"{}\">\n<h2>{} · {} <span class=\"{label}\">{label}</span></h2>",
        anchor(&report.milestone),
        report.year,
        escape(&report.title)
    );
    let _ = writeln!(out, "<p class=\"claim\"><b>Claim:</b> {}</p>", escape(&report.claim));
    let id = escape(&report.milestone);
    if let TourStatus::Skipped { reason, fix } = &entry.status {
        let _ = writeln!(
            out,
            "<p class=\"muted\">id <code>{id}</code></p>\n\
             <p><b>Skipped:</b> {}<br><b>To run it:</b> <code>{}</code></p>",
            escape(reason),
            escape(fix)
        );
    } else {
        let seconds = format_seconds(report.seconds);
        let _ = writeln!(out, "<p class=\"muted\">id <code>{id}</code>, ran in {seconds}</p>");
    }
    if !report.measured.is_empty() {
        out.push_str("<table class=\"measured\">\n<tr><th>measured</th><th>value</th></tr>\n");
        for (key, value) in &report.measured {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
                escape(key),
                escape(&format_value(value))
            );
        }
        out.push_str("</table>\n");
    }
    if !report.notes.is_empty() {
        out.push_str("<ul class=\"notes\">\n");
        for note in &report.notes {
            let _ = writeln!(out, "<li>{}</li>", escape(note));
        }
        out.push_str("</ul>\n");
    }
    for artifact in &entry.artifacts {
        push_artifact(out, artifact, base_dir);
    }
    out.push_str("</section>\n");
}

/// Images inline as `<img>`, text files as escaped `<pre>`, anything else a link.
fn push_artifact(out: &mut String, artifact: &str, base_dir: &Path) {
    let extension = Path::new(artifact)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let (href, name) = (escape(&url_path(artifact)), escape(artifact));
    match extension.as_str() {
        "png" | "svg" | "jpg" | "jpeg" | "gif" => {
            let _ = writeln!(
                out,
                "<figure><img src=\"{href}\" alt=\"{name}\"><figcaption>{name}</figcaption></figure>"
            );
        }
        "txt" | "log" | "csv" | "json" | "jsonl" | "md" => {
            let body = match std::fs::read(base_dir.join(artifact)) {
                Ok(bytes) => {
                    let cut = bytes.len() > MAX_INLINE_TEXT;
                    let mut text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_INLINE_TEXT)]).into_owned();
                    if cut {
                        text.push_str("\n… (cut; open the file for the rest)");
                    }
                    escape(&text)
                }
                Err(e) => format!("(could not read {name}: {})", escape(&e.to_string())),
            };
            let _ = writeln!(
                out,
                "<details open><summary><a href=\"{href}\">{name}</a></summary><pre>{body}</pre></details>"
            );
        }
        _ => {
            let _ = writeln!(out, "<p><a href=\"{href}\">{name}</a></p>");
        }
    }
}

/// Percent-encodes a relative path for a URL, keeping `/` and unreserved characters,
/// so spaces, `#` and `?` in file names do not break links. Backslashes (Windows)
/// become `/`.
fn url_path(path: &str) -> String {
    let mut out = String::new();
    for byte in path.replace('\\', "/").bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~/".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_anchors_are_safe() {
        assert_eq!(url_path("run 1/a#b.png"), "run%201/a%23b.png");
        assert_eq!(anchor("gpt\"><x"), "m-gpt---x");
    }
}
