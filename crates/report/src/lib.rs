//! # descent-report: what a run measured, in forms people read
//!
//! The gallery re-creates milestones of deep-learning history (the perceptron, LeNet,
//! LSTMs, ...) as programs that train on real data and *measure* each historical
//! claim. This crate turns those measurements into things to read and keep:
//!
//! - [`MilestoneReport`]: the claim, the measured values (in insertion order, headline
//!   first), the verdict, the artifacts. One JSON object per run ([`MilestoneReport::to_json`]),
//!   and a terminal block ([`MilestoneReport::human_summary`]).
//! - Charts as SVG: [`line_chart_svg`] (loss curves, optionally log-scale),
//!   [`bar_chart_svg`] (gradient norm per time step, accuracy per class),
//!   [`confusion_matrix_svg`] (counts in every cell).
//! - Pictures as PNG: [`write_image_grid_png`] (inputs or filters, misclassified ones
//!   framed), [`write_heatmap_png`] (attention maps, weight matrices; viridis).
//! - The tour page: [`TourEntry`] rows (passed, failed, errored, skipped) rendered as
//!   a terminal table ([`summary_table`]) and a static HTML page ([`write_tour_page`]):
//!   the article's timeline drawn as a gantt chart with each event's status
//!   ([`TimelineEvent`], [`article_timeline`], [`timeline_svg`]), the article's
//!   "shocking numbers" beside this tour's measured ones ([`TourFacts`], collected
//!   from milestones that record the [`fact_keys`]), a summary table, and a section
//!   per milestone.
//! - Benchmarks: [`BenchRecord`], one JSON line per measurement in a shape shared with
//!   the comparison scripts.
//!
//! ## A milestone's report, end to end
//!
//! ```
//! use descent_report::{line_chart_svg, LineChart, MilestoneReport, Series};
//!
//! let out = std::env::temp_dir().join("descent-report-doc/perceptron");
//! let losses = [0.9f32, 0.4, 0.1, 0.0];
//! let chart = LineChart {
//!     title: "Perceptron errors per epoch".into(),
//!     x_label: "epoch".into(),
//!     y_label: "misclassified".into(),
//!     series: vec![Series::indexed_f32("train", &losses)],
//!     log_y: false,
//! };
//! line_chart_svg(&out.join("errors.svg"), &chart)?;
//!
//! let mut report = MilestoneReport::new("perceptron", "The Perceptron", 1958,
//!     "learns a linearly separable problem to zero training error");
//! report.measure("train_errors", 0).measure("epochs", 4).artifact("errors.svg");
//! report.passed = true;
//! report.write_json(&out.join("report.json"))?;
//! println!("{}", report.human_summary());
//! # Ok::<(), descent_report::ReportError>(())
//! ```
//!
//! ## The tour page, end to end
//!
//! The caller (the CLI) owns the gallery; this crate owns the article. The caller
//! says which milestones re-create which of the article's events, and fills in what
//! only it can measure; this crate only renders.
//!
//! ```
//! use descent_report::{article_timeline, write_tour_page, Fact, MilestoneReport, TourEntry, TourFacts, TourPage};
//!
//! let out = std::env::temp_dir().join("descent-report-doc/tour");
//! let mut report = MilestoneReport::new("perceptron", "The Perceptron", 1958, "learns iris");
//! report.measure("params", 5);
//! report.passed = true;
//! let entries = vec![TourEntry::ran(report, "perceptron")];
//!
//! let mut timeline = article_timeline();
//! for event in &mut timeline {
//!     // The gallery registry knows which milestone re-creates which event.
//!     if event.key == "perceptron" {
//!         event.milestones.push("perceptron".into());
//!     }
//! }
//! let mut facts = TourFacts::from_entries(&entries);
//! facts.matmul_gflops = Some(Fact::new(183.0, "f32 matmul 1024³, 2 threads"));
//! let page = TourPage { entries: &entries, timeline: &timeline, facts: Some(&facts) };
//! write_tour_page(&out.join("report.html"), &page)?;
//! # Ok::<(), descent_report::ReportError>(())
//! ```
//!
//! ## Invariants
//!
//! - **Layer L0: plain data only.** This crate never sees a `Tensor`; it takes `f32`/`f64`
//!   slices, strings and `serde_json` values, so any crate may depend on it and it
//!   depends on none of ours. It knows the article's events, never the gallery's ids.
//! - **Every file write is atomic** ([`write_atomic`]: temp file in the same directory,
//!   then rename), so a page refreshed mid-run never shows half a chart, and a crashed
//!   run leaves the previous artifact intact.
//! - **Every error names its file** ([`ReportError::path`]).
//! - **Bad numbers do not stop a report.** A diverged run's NaN loss is exactly what
//!   someone needs to see: charts skip non-finite points (breaking the line), images
//!   show them black (heatmaps white), JSON writes them as `null`.
//! - **No made-up figures.** A figure nobody measured prints "not measured"; a
//!   non-finite one is treated the same way.
//! - **Everything from a report is escaped** in SVG and HTML; the page has no scripts,
//!   and its tables (fixed layout, words that may break) never run wider than the window.
//!
//! ## Why the SVG is written by hand
//!
//! `plotters` (with only its SVG backend) can emit text without system fonts, but its
//! log axes print float noise (`0.6000000000000001`) and crowd their ticks, and the
//! confusion matrix and categorical bar labels needed hand-placed text anyway. A
//! ~150-line writer (`svg.rs`: rect, line, polyline, circle, text) with our own
//! 1-2-5 and decade ticks (`axis.rs`) is smaller, deterministic, and looks the
//! same in every chart. Text is emitted as `<text font-family="sans-serif">`: the
//! viewer renders the font, so no font files are needed to write a chart.

#![warn(missing_docs)]

mod axis;
mod bench;
mod colormap;
mod confusion;
mod error;
mod facts;
mod format;
mod fs;
mod html;
mod image;
mod numbers;
mod plot;
mod result;
mod scatter;
mod section;
mod svg;
mod table;
mod timeline;
mod tour;

pub use bench::{append_json_lines, BenchRecord};
pub use colormap::viridis;
pub use confusion::confusion_matrix_svg;
pub use error::ReportError;
pub use facts::{fact_keys, Fact, TourFacts};
pub use format::{format_number, format_seconds, format_value};
pub use fs::write_atomic;
pub use html::{tour_page_html, write_tour_html, write_tour_page, TourPage};
pub use image::{write_heatmap_png, write_image_grid_png, GridOptions, Normalize};
pub use plot::{bar_chart_svg, bar_chart_to_string, line_chart_svg, line_chart_to_string, BarChart, LineChart, Series};
pub use result::MilestoneReport;
pub use scatter::{scatter_chart_svg, scatter_chart_to_string, ScatterChart, ScatterPoint};
pub use table::summary_table;
pub use timeline::{article_timeline, timeline_svg, TimelineEvent};
pub use tour::{TourEntry, TourStatus};
