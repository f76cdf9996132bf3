//! `descent-gallery`: the history of deep learning, measured — one module per milestone
//! of the article, each a program that trains on real data and tests the historical
//! claim, plus the anchor benchmark workloads.
//!
//! Every milestone (`milestones/<id>/`, see ARCHITECTURE.md for its skeleton) opens
//! with the paper, the year, what it introduced, what we test and how to run it, and
//! exposes `run(&mut Run) -> Result<(), MilestoneError>`. The [`GALLERY`] table lists
//! them for `descent list`, `run` and `tour`; [`execute`] runs one and returns its
//! [`MilestoneReport`]. Quick runs use data embedded in the binary, so the tour works
//! offline. The trained models they save are read back through `descent_models::saved`.
#![warn(missing_docs)]

pub mod bench;
pub mod common;
pub mod harness;
pub mod milestones;
mod registry;

pub use descent_report::MilestoneReport;
pub use harness::{execute, MilestoneError, Mode, Phase, Progress, Run, RunConfig, RunSettings, Silent, Training};
pub use registry::{find, EpochBudget, Milestone, Options, GALLERY};

/// The README's Rust example, compiled and run by `cargo test --doc`.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
