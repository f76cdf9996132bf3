//! The milestone harness: what every run receives and how it ends.
//!
//! - [`RunConfig`] and [`Mode`]: the user's settings, checked against the milestone's
//!   declared [`Options`](crate::Options) (unsupported flags and budgets below the floor
//!   are errors, not silently ignored).
//! - [`Run`]: the context a milestone's `run` function receives — report (claim, title,
//!   year from the registry), measurements, notes, artifacts, the metric [`History`],
//!   progress ([`Progress`], [`Phase`]; drawn by the CLI, never printed here), saved
//!   models in the one format of `descent_models::saved` with the run's provenance,
//!   history and ([`Training`]) optimizer state for an exact resume, and the
//!   output-folder lock ([`OutputLock`]).
//! - [`RunSettings`]: every milestone's `Settings` has `quick()` and `full()`;
//!   [`Run::settings`] picks one and applies `--epochs`.
//! - [`execute`]: start, run, finish; the report also lands in `<out>/report.json`.

mod checkpoint;
mod config;
mod cpu;
mod error;
mod history;
mod lock;
mod progress;
mod run;
mod settings;

pub use checkpoint::Training;
pub use config::{Mode, RunConfig};
pub use cpu::process_cpu_seconds;
pub use error::MilestoneError;
pub use history::History;
pub use lock::OutputLock;
pub use progress::{Phase, Progress, Silent};
pub use run::{execute, Run};
pub use settings::RunSettings;
