//! A tiny SVG writer: just the elements our charts use, with every piece of text
//! escaped. Coordinates are pixels; numbers print with one decimal at most so that
//! files stay small and diff-friendly.
//!
//! Text is emitted as `<text>` elements with `font-family="sans-serif"`: the viewer
//! (browser, `rsvg-convert`) picks and renders the font, so writing a chart needs no
//! font files. Layout widths are estimated at [`CHAR_WIDTH`] × font size per
//! character, which is close enough for the short labels a chart has.

use std::fmt::Write as _;

/// Average glyph advance of a sans-serif font, as a fraction of the font size.
pub(crate) const CHAR_WIDTH: f64 = 0.6;

/// Escapes `&`, `<`, `>`, `"` and `'` for use in XML/HTML text and attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0 at all.
            c if c.is_control() && !matches!(c, '\n' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// Rounds a coordinate to one decimal for printing.
fn px(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Horizontal text alignment, SVG's `text-anchor`.
#[derive(Clone, Copy)]
pub(crate) enum Anchor {
    Start,
    Middle,
    End,
}

/// An SVG document under construction.
pub(crate) struct Svg {
    body: String,
    width: f64,
    height: f64,
}

impl Svg {
    /// An empty white canvas of `width` × `height` pixels.
    pub(crate) fn new(width: f64, height: f64) -> Self {
        let mut svg = Svg {
            body: String::new(),
            width,
            height,
        };
        svg.rect(0.0, 0.0, width, height, "#ffffff", None);
        svg
    }

    /// A filled rectangle, optionally outlined.
    pub(crate) fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, stroke: Option<&str>) {
        let stroke = stroke.map_or(String::new(), |s| format!(r#" stroke="{s}""#));
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"{stroke}/>"#,
            px(x),
            px(y),
            px(w.max(0.0)),
            px(h.max(0.0))
        );
    }

    /// A straight line.
    pub(crate) fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), stroke: &str, width: f64) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{width}"/>"#,
            px(x1),
            px(y1),
            px(x2),
            px(y2)
        );
    }

    /// An open polyline through `points`; `dash` is an SVG dash pattern or empty.
    pub(crate) fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, dash: &str) {
        let mut coords = String::new();
        for &(x, y) in points {
            let _ = write!(coords, "{},{} ", px(x), px(y));
        }
        let dash = if dash.is_empty() {
            String::new()
        } else {
            format!(r#" stroke-dasharray="{dash}""#)
        };
        let _ = writeln!(
            self.body,
            r#"<polyline points="{}" fill="none" stroke="{stroke}" stroke-width="2" stroke-linejoin="round"{dash}/>"#,
            coords.trim_end()
        );
    }

    /// A filled circle (a marker on a short or broken series).
    pub(crate) fn circle(&mut self, (x, y): (f64, f64), radius: f64, fill: &str) {
        let _ = writeln!(self.body, r#"<circle cx="{}" cy="{}" r="{radius}" fill="{fill}"/>"#, px(x), px(y));
    }

    /// Text whose baseline-centre sits at (`x`, `y`), vertically centred on `y`;
    /// `rotate` turns it about that point (-90 for a y-axis label).
    #[allow(clippy::too_many_arguments)] // one call per label; a style struct would only add noise
    pub(crate) fn text(&mut self, (x, y): (f64, f64), content: &str, size: f64, anchor: Anchor, fill: &str, rotate: f64) {
        let transform = if rotate == 0.0 {
            String::new()
        } else {
            format!(r#" transform="rotate({rotate} {} {})""#, px(x), px(y))
        };
        self.text_element((x, y), content, size, anchor, fill, &transform);
    }

    /// Like [`text`](Self::text), unrotated and bold: a heading inside a chart.
    pub(crate) fn bold_text(&mut self, at: (f64, f64), content: &str, size: f64, anchor: Anchor, fill: &str) {
        self.text_element(at, content, size, anchor, fill, r#" font-weight="bold""#);
    }

    /// One `<text>`; `extra` is a trusted attribute string written by this module.
    fn text_element(&mut self, (x, y): (f64, f64), content: &str, size: f64, anchor: Anchor, fill: &str, extra: &str) {
        let anchor = match anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" dy="0.35em" font-family="sans-serif" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{extra}>{}</text>"#,
            px(x),
            px(y),
            escape(content)
        );
    }

    /// A rounded bar (a pill: corner radius half its height), drawn at `opacity`.
    #[allow(clippy::too_many_arguments)] // geometry plus paint, like `rect`
    pub(crate) fn pill(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str, opacity: f64) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="{}" fill="{fill}" fill-opacity="{opacity}"/>"#,
            px(x),
            px(y),
            px(w.max(0.0)),
            px(h.max(0.0)),
            px(h.max(0.0) / 2.0)
        );
    }

    /// A circle with an outline (a hollow marker when `fill` is white).
    pub(crate) fn ring(&mut self, (x, y): (f64, f64), radius: f64, fill: &str, stroke: &str) {
        let _ = writeln!(
            self.body,
            r#"<circle cx="{}" cy="{}" r="{radius}" fill="{fill}" stroke="{stroke}" stroke-width="2"/>"#,
            px(x),
            px(y)
        );
    }

    /// A `<title>` child: the tooltip (and accessible name) of the enclosing group.
    pub(crate) fn title(&mut self, text: &str) {
        let _ = writeln!(self.body, "<title>{}</title>", escape(text));
    }

    /// Opens a `<g>` with CSS classes (so a page or a test can find it) and a
    /// tooltip; close it with [`end_group`](Self::end_group).
    pub(crate) fn group(&mut self, class: &str, tooltip: &str) {
        let _ = writeln!(self.body, r#"<g class="{}">"#, escape(class));
        self.title(tooltip);
    }

    /// Closes the innermost [`group`](Self::group).
    pub(crate) fn end_group(&mut self) {
        self.body.push_str("</g>\n");
    }

    /// The finished document.
    pub(crate) fn finish(self) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n{}</svg>\n",
            self.body,
            w = px(self.width),
            h = px(self.height)
        )
    }
}

/// Estimated width in pixels of `text` at font `size`.
pub(crate) fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * CHAR_WIDTH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(escape("a\u{0}b"), "ab");
    }

    #[test]
    fn document_is_closed() {
        let mut svg = Svg::new(10.0, 10.0);
        svg.text((1.0, 1.0), "<hi>", 12.0, Anchor::Start, "#000", 0.0);
        let out = svg.finish();
        assert!(out.starts_with("<svg") && out.trim_end().ends_with("</svg>"));
        assert!(out.contains("&lt;hi&gt;"));
    }
}
