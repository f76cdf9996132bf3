//! `descent-models`: the gallery — one file per milestone of deep-learning history,
//! each a program that trains on real data and measures the historical claim.
//!
//! Every milestone file opens with the paper, the year, what it introduced, what we
//! test and how to run it, and exposes `run(&RunConfig) -> MilestoneReport`. The
//! [`GALLERY`] table lists them for `descent list`, `run` and `tour`. Reports are
//! plain data (`descent-report`); a run writes its artifacts under `RunConfig::out_dir`.
//! Quick runs use data embedded in the binary where possible, so the tour works offline.
#![warn(missing_docs)]

pub mod backprop;
pub mod bench;
pub mod classifier;
mod context;
pub mod generate;
pub mod gpt_poetry;
pub mod lenet;
pub mod lm;
pub mod lstm;
pub mod mcculloch_pitts;
pub mod mnist_data;
pub mod perceptron;
pub mod poetry;
mod registry;
pub mod saved;
pub mod translation;
pub mod translation_data;
pub mod xor;

pub use context::{MilestoneError, Mode, RunConfig};
pub use registry::{find, Milestone, GALLERY};
