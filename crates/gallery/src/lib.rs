//! `descent-models`: the gallery — one file per milestone of deep-learning history,
//! each a program that trains on real data and measures the historical claim.
//!
//! Every milestone file opens with the paper, the year, what it introduced, what we
//! test and how to run it, and exposes `run(&RunConfig) -> MilestoneReport`. The
//! [`GALLERY`] table lists them for `descent list`, `run` and `tour`. Reports are
//! plain data (`descent-report`); a run writes its artifacts under `RunConfig::out_dir`.
//! Quick runs use data embedded in the binary where possible, so the tour works offline.
#![warn(missing_docs)]

pub mod bench;
pub mod common;
pub mod embedding;
pub mod harness;
pub mod milestones;
mod registry;
pub mod saved;

pub use descent_report::MilestoneReport;
pub use harness::{execute, MilestoneError, Mode, Phase, Progress, Run, RunConfig, SaveRequest, Silent};
pub use registry::{find, EpochBudget, Milestone, Options, GALLERY};

/// The README's Rust example, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
