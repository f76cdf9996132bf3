//! The article's timeline, drawn as a gantt-style SVG with this tour's verdicts.
//!
//! One row per event (1943 neuron model ... 2024 Sora, then the article's trend of
//! brain-like computing): the year and name on the
//! left, a bar from the event's year to the right edge (what it started is still with
//! us, so the rows stack into a staircase that shows the pace quickening), a marker
//! coloured by how the gallery milestones that re-create it fared, and those
//! milestones as chips on the right. Events no milestone re-creates yet stay grey.
//! Milestones of the tour that no event names get a lane of their own at the bottom,
//! so the chart shows the whole tour.
//!
//! Which milestone re-creates which event is the caller's data
//! ([`TimelineEvent::milestones`]): this crate knows the article's events, never the
//! gallery's ids.

use std::collections::HashSet;

use crate::svg::{text_width, Anchor, Svg};
use crate::{TourEntry, TourStatus};

/// One event of the article's timeline and the gallery milestones that re-create it.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEvent {
    /// A stable name for the event (`"perceptron"`, `"gpt3"`), for a caller that maps
    /// events to milestones by name rather than by year.
    pub key: String,
    /// The year the article gives.
    pub year: u32,
    /// What the article calls it, e.g. `"ImageNet: AlexNet"`.
    pub title: String,
    /// Ids of the milestones (as in [`crate::MilestoneReport::milestone`]) that
    /// re-create this event; empty: not re-created yet (drawn grey).
    pub milestones: Vec<String>,
}

impl TimelineEvent {
    /// An event that no milestone re-creates yet.
    pub fn new(key: &str, year: u32, title: &str) -> Self {
        TimelineEvent {
            key: key.to_string(),
            year,
            title: title.to_string(),
            milestones: Vec::new(),
        }
    }
}

/// The article's timeline (its gantt chart), oldest first, with no milestones
/// attached: the caller fills [`TimelineEvent::milestones`] from the gallery.
pub fn article_timeline() -> Vec<TimelineEvent> {
    [
        ("neuron", 1943, "McCulloch–Pitts neuron"),
        ("perceptron", 1958, "Perceptron"),
        ("backprop", 1986, "Backpropagation"),
        ("lenet", 1989, "LeNet"),
        ("alexnet", 2012, "ImageNet: AlexNet"),
        ("gan", 2014, "GAN"),
        ("transformer", 2017, "Transformer"),
        ("bert-gpt", 2018, "BERT / GPT"),
        ("gpt3", 2020, "GPT-3"),
        ("chatgpt", 2022, "ChatGPT"),
        ("sora", 2024, "Sora"),
        ("brain-like", 2025, "Brain-like computing"),
    ]
    .into_iter()
    .map(|(key, year, title)| TimelineEvent::new(key, year, title))
    .collect()
}

/// How an event or milestone fared, ordered from best to worst so that an event
/// re-created by several milestones shows the worst of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Mark {
    Passed,
    NotRun,
    Skipped,
    Failed,
    Errored,
    /// No milestone re-creates the event (never combined: only for an empty list).
    NotRecreated,
}

impl Mark {
    const ALL: [Mark; 6] = [
        Mark::Passed,
        Mark::Failed,
        Mark::Errored,
        Mark::Skipped,
        Mark::NotRun,
        Mark::NotRecreated,
    ];

    fn of(status: &TourStatus) -> Mark {
        match status {
            TourStatus::Passed => Mark::Passed,
            TourStatus::Failed => Mark::Failed,
            TourStatus::Errored { .. } => Mark::Errored,
            TourStatus::Skipped { .. } => Mark::Skipped,
        }
    }

    /// The CSS class on the event's or milestone's `<g>`.
    pub(crate) fn class(self) -> &'static str {
        match self {
            Mark::Passed => "status-pass",
            Mark::Failed => "status-fail",
            Mark::Errored => "status-error",
            Mark::Skipped => "status-skipped",
            Mark::NotRun => "status-notrun",
            Mark::NotRecreated => "status-none",
        }
    }

    /// Short label on a chip; the legend's words.
    fn label(self) -> &'static str {
        match self {
            Mark::Passed => "PASS",
            Mark::Failed => "FAIL",
            Mark::Errored => "ERROR",
            Mark::Skipped => "SKIPPED",
            Mark::NotRun => "not run",
            Mark::NotRecreated => "not re-created yet",
        }
    }

    fn legend(self) -> &'static str {
        match self {
            Mark::Passed => "passed",
            Mark::Failed => "failed",
            Mark::Errored => "stopped with an error",
            Mark::Skipped => "skipped",
            Mark::NotRun => "not run in this tour",
            Mark::NotRecreated => "not re-created yet",
        }
    }

    /// Marker and bar colour.
    fn colour(self) -> &'static str {
        match self {
            Mark::Passed => "#1a7f37",
            Mark::Failed => "#cf222e",
            Mark::Errored => "#8250df",
            Mark::Skipped => "#bf8700",
            Mark::NotRun => "#8c959f",
            Mark::NotRecreated => "#afb8c1",
        }
    }

    /// Text colour on a chip (the grey ones darker, to stay readable).
    fn ink(self) -> &'static str {
        match self {
            Mark::NotRun | Mark::NotRecreated => "#57606a",
            Mark::Skipped => "#9a6700",
            other => other.colour(),
        }
    }
}

const WIDTH: f64 = 1040.0;
const ROW: f64 = 30.0;
const TOP: f64 = 34.0;
const PLOT_LEFT: f64 = 250.0;
const PLOT_RIGHT: f64 = 730.0;
const CHIPS_LEFT: f64 = 748.0;
const LANE: f64 = 52.0;
const INK: &str = "#24292f";
const MUTED: &str = "#57606a";
const GRID: &str = "#d8dee4";

/// The timeline as a standalone SVG document: `events` (usually [`article_timeline`]
/// with milestones attached) coloured by the statuses in `entries`. A milestone an
/// event names but the tour did not include (`--only`) is drawn as "not run".
pub fn timeline_svg(events: &[TimelineEvent], entries: &[TourEntry]) -> String {
    let mut events: Vec<&TimelineEvent> = events.iter().collect();
    events.sort_by_key(|e| e.year);
    let named: HashSet<&str> = events.iter().flat_map(|e| e.milestones.iter().map(String::as_str)).collect();
    let mut others: Vec<&TourEntry> = entries.iter().filter(|e| !named.contains(e.report.milestone.as_str())).collect();
    others.sort_by_key(|e| e.report.year);

    let years = events.iter().map(|e| e.year).chain(others.iter().map(|e| e.report.year));
    let scale = YearScale::covering(years);
    let rows_bottom = TOP + ROW * events.len() as f64;
    let lane_bottom = if others.is_empty() { rows_bottom } else { rows_bottom + LANE };
    let height = lane_bottom + 24.0 + 40.0;

    let mut svg = Svg::new(WIDTH, height);
    svg.title("The article's timeline of deep learning, with this tour's verdicts");
    for (i, _) in events.iter().enumerate().filter(|(i, _)| i % 2 == 0) {
        svg.rect(0.0, TOP + ROW * i as f64, WIDTH, ROW, "#f6f8fa", None);
    }
    scale.draw_grid(&mut svg, TOP, lane_bottom);
    for (i, event) in events.iter().enumerate() {
        draw_event(&mut svg, &scale, event, entries, TOP + ROW * (i as f64 + 0.5));
    }
    if !others.is_empty() {
        draw_other_lane(&mut svg, &scale, &others, rows_bottom);
    }
    draw_legend(&mut svg, lane_bottom + 24.0 + 20.0);
    svg.finish()
}

/// Maps years to pixels across the plot columns, whole decades at both ends.
struct YearScale {
    first: f64,
    last: f64,
}

impl YearScale {
    /// At least 1940–2030, widened to whole decades around every year given.
    fn covering(years: impl Iterator<Item = u32>) -> YearScale {
        let (mut first, mut last) = (1940u32, 2030u32);
        for year in years {
            first = first.min(year / 10 * 10);
            last = last.max((year / 10 + 1) * 10);
        }
        YearScale {
            first: first as f64,
            last: last as f64,
        }
    }

    fn x(&self, year: u32) -> f64 {
        PLOT_LEFT + (year as f64 - self.first) / (self.last - self.first) * (PLOT_RIGHT - PLOT_LEFT)
    }

    /// A vertical line per decade from `top` to `bottom`, labelled above and below
    /// (every second decade when they would crowd).
    fn draw_grid(&self, svg: &mut Svg, top: f64, bottom: f64) {
        let decades = ((self.last - self.first) / 10.0) as u32;
        let every = if decades > 12 { 2 } else { 1 };
        for k in 0..=decades {
            let year = self.first as u32 + 10 * k;
            let x = self.x(year);
            svg.line((x, top), (x, bottom), GRID, 1.0);
            if k % every == 0 {
                svg.text((x, top - 12.0), &year.to_string(), 11.0, Anchor::Middle, MUTED, 0.0);
                svg.text((x, bottom + 12.0), &year.to_string(), 11.0, Anchor::Middle, MUTED, 0.0);
            }
        }
    }
}

/// How milestone `id` fared: its entry's status, or "not run" if the tour lacks it.
fn mark_of(entries: &[TourEntry], id: &str) -> Mark {
    entries
        .iter()
        .find(|e| e.report.milestone == id)
        .map_or(Mark::NotRun, |e| Mark::of(&e.status))
}

/// A CSS class token from an event key: lowercase ASCII letters, digits and `-`.
fn class_token(key: &str) -> String {
    key.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect()
}

fn draw_event(svg: &mut Svg, scale: &YearScale, event: &TimelineEvent, entries: &[TourEntry], y: f64) {
    let marks: Vec<(&str, Mark)> = event.milestones.iter().map(|id| (id.as_str(), mark_of(entries, id))).collect();
    let overall = marks.iter().map(|&(_, m)| m).max().unwrap_or(Mark::NotRecreated);
    let tooltip = if marks.is_empty() {
        format!("{} {}: not re-created in the gallery yet", event.year, event.title)
    } else {
        let list: Vec<String> = marks.iter().map(|(id, m)| format!("{id} {}", m.label())).collect();
        format!("{} {}: {}", event.year, event.title, list.join(", "))
    };
    let class = format!("event event-{} {}", class_token(&event.key), overall.class());
    svg.group(&class, &tooltip);
    svg.bold_text((14.0, y), &event.year.to_string(), 13.0, Anchor::Start, INK);
    let title = crate::format::truncate(&event.title, 24);
    let title_ink = if marks.is_empty() { MUTED } else { INK };
    svg.text((56.0, y), &title, 13.0, Anchor::Start, title_ink, 0.0);
    let x = scale.x(event.year);
    let bar_opacity = if marks.is_empty() { 0.35 } else { 0.22 };
    svg.pill(x, y - 5.0, PLOT_RIGHT - x, 10.0, overall.colour(), bar_opacity);
    if marks.is_empty() {
        svg.ring((x, y), 6.0, "#ffffff", overall.colour());
    } else {
        svg.ring((x, y), 6.5, overall.colour(), "#ffffff");
    }
    draw_chips(svg, &marks, y);
    svg.end_group();
}

/// The milestones of one event as coloured chips (`lenet PASS`), as many as fit.
fn draw_chips(svg: &mut Svg, marks: &[(&str, Mark)], y: f64) {
    const SIZE: f64 = 11.0;
    if marks.is_empty() {
        svg.text((CHIPS_LEFT + 4.0, y), Mark::NotRecreated.label(), SIZE, Anchor::Start, MUTED, 0.0);
        return;
    }
    let mut x = CHIPS_LEFT;
    for (shown, (id, mark)) in marks.iter().enumerate() {
        let text = format!("{} {}", crate::format::truncate(id, 24), mark.label());
        let width = text_width(&text, SIZE) + 14.0;
        let room_for_more = WIDTH - 8.0 - 60.0;
        if x + width > WIDTH - 8.0 || (shown + 1 < marks.len() && x + width > room_for_more) {
            let more = format!("+{} more", marks.len() - shown);
            svg.text((x + 2.0, y), &more, SIZE, Anchor::Start, MUTED, 0.0);
            return;
        }
        svg.pill(x, y - 9.0, width, 18.0, mark.colour(), 0.14);
        svg.text((x + width / 2.0, y), &text, SIZE, Anchor::Middle, mark.ink(), 0.0);
        x += width + 6.0;
    }
}

/// Milestones the article's chart does not name (1969 XOR, 1997 LSTM, ...): small
/// markers on one lane, labels alternating above and below where neighbours crowd.
fn draw_other_lane(svg: &mut Svg, scale: &YearScale, others: &[&TourEntry], top: f64) {
    let y = top + LANE / 2.0;
    svg.line((0.0, top), (WIDTH, top), GRID, 1.0);
    svg.bold_text((14.0, y), "also in this tour", 12.0, Anchor::Start, MUTED);
    svg.line((PLOT_LEFT, y), (PLOT_RIGHT, y), GRID, 2.0);
    let mut last_label_end = f64::NEG_INFINITY;
    let mut above = true;
    for entry in others {
        let mark = Mark::of(&entry.status);
        let (id, x) = (&entry.report.milestone, scale.x(entry.report.year));
        let label = crate::format::truncate(id, 18);
        let half = text_width(&label, 10.0) / 2.0;
        above = if x - half < last_label_end + 4.0 { !above } else { true };
        last_label_end = last_label_end.max(x + half);
        let tooltip = format!("{} {} ({id}): {}", entry.report.year, entry.report.title, mark.label());
        svg.group(&format!("milestone {}", mark.class()), &tooltip);
        svg.ring((x, y), 5.0, mark.colour(), "#ffffff");
        let label_y = if above { y - 14.0 } else { y + 14.0 };
        svg.text((x, label_y), &label, 10.0, Anchor::Middle, mark.ink(), 0.0);
        svg.end_group();
    }
}

/// One line of coloured dots and their meanings, centred under the chart.
fn draw_legend(svg: &mut Svg, y: f64) {
    const SIZE: f64 = 11.0;
    let widths: Vec<f64> = Mark::ALL.iter().map(|m| text_width(m.legend(), SIZE) + 34.0).collect();
    let mut x = (WIDTH - widths.iter().sum::<f64>()) / 2.0;
    for (mark, width) in Mark::ALL.iter().zip(widths) {
        if *mark == Mark::NotRecreated {
            svg.ring((x + 6.0, y), 5.0, "#ffffff", mark.colour());
        } else {
            svg.ring((x + 6.0, y), 5.5, mark.colour(), "#ffffff");
        }
        svg.text((x + 16.0, y), mark.legend(), SIZE, Anchor::Start, MUTED, 0.0);
        x += width;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_mark_wins() {
        let marks = [Mark::Passed, Mark::Skipped, Mark::Failed];
        assert_eq!(marks.iter().max(), Some(&Mark::Failed));
        assert!(Mark::Passed < Mark::NotRun && Mark::Failed < Mark::Errored);
    }

    #[test]
    fn scale_covers_every_year() {
        let scale = YearScale::covering([1925, 2041].into_iter());
        assert_eq!((scale.first, scale.last), (1920.0, 2050.0));
        assert_eq!(scale.x(1920), PLOT_LEFT);
        assert_eq!(scale.x(2050), PLOT_RIGHT);
        assert_eq!(class_token("BERT/GPT"), "bert-gpt");
    }
}
