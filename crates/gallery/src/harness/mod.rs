//! The milestone harness: what every run receives and how it ends.

mod context;

pub use context::{MilestoneError, Mode, RunConfig};
