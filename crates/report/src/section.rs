//! One milestone's section of the tour page: its claim, status, measured values,
//! notes, and artifacts (images inline, text files embedded, anything else linked).

use std::fmt::Write as _;
use std::path::Path;

use crate::format::{format_seconds, format_value};
use crate::html::anchor;
use crate::svg::escape;
use crate::{TourEntry, TourStatus};

/// Text artifacts larger than this are cut, so one huge log cannot bloat the page.
const MAX_INLINE_TEXT: usize = 64 * 1024;

pub(crate) fn push_section(out: &mut String, entry: &TourEntry, base_dir: &Path) {
    let report = &entry.report;
    let label = entry.status.label();
    let _ = writeln!(
        out,
        "<section class=\"milestone\" id=\"{}\">\n<h2><span class=\"year\">{}</span> {} \
         <span class=\"status {label}\">{label}</span></h2>",
        anchor(&report.milestone),
        report.year,
        escape(&report.title)
    );
    let _ = writeln!(out, "<p class=\"claim\"><b>Claim:</b> {}</p>", escape(&report.claim));
    let id = escape(&report.milestone);
    match &entry.status {
        TourStatus::Skipped { reason, fix } => {
            let _ = writeln!(
                out,
                "<p class=\"muted\">id <code>{id}</code></p>\n\
                 <p><b>Skipped:</b> {}<br><b>To run it:</b> <code>{}</code></p>",
                escape(reason),
                escape(fix)
            );
        }
        TourStatus::Errored { message } => {
            let _ = writeln!(
                out,
                "<p class=\"muted\">id <code>{id}</code></p>\n<p class=\"ERROR\"><b>Stopped with an error:</b> {}</p>",
                escape(message)
            );
        }
        TourStatus::Passed | TourStatus::Failed => {
            let seconds = format_seconds(report.seconds);
            let _ = writeln!(out, "<p class=\"muted\">id <code>{id}</code>, ran in {seconds}</p>");
        }
    }
    if !report.measured.is_empty() {
        out.push_str(
            "<table class=\"measured\">\n<colgroup><col class=\"c-key\"><col></colgroup>\n\
             <thead><tr><th>measured</th><th class=\"num\">value</th></tr></thead>\n<tbody>\n",
        );
        for (key, value) in &report.measured {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
                escape(key),
                escape(&format_value(value))
            );
        }
        out.push_str("</tbody>\n</table>\n");
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
    fn urls_are_safe() {
        assert_eq!(url_path("run 1/a#b.png"), "run%201/a%23b.png");
    }
}
