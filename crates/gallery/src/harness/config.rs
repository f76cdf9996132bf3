//! [`RunConfig`]: the settings a user chooses for one milestone run (mode, seed, output
//! folder, data folder, variant, epochs, resume), checked against what the milestone
//! supports before anything runs.

use crate::registry::{Milestone, Options};
use crate::MilestoneError;
use descent_data::DataLocator;
use descent_dist::World;
use std::path::PathBuf;

/// Quick runs take seconds to a few minutes on 2 cores on data embedded in the binary;
/// full runs reproduce the claim at full scale on the real data sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Small data or few epochs: for the tour, tests and a first look.
    Quick,
    /// The whole experiment.
    Full,
}

impl Mode {
    /// `quick` or `full` (checkpoint metadata, messages).
    pub fn name(self) -> &'static str {
        match self {
            Mode::Quick => "quick",
            Mode::Full => "full",
        }
    }
}

/// Milestones whose training runs data-parallel across processes (`--distributed`).
pub const DISTRIBUTED: &[&str] = &["alexnet"];

/// Settings of one milestone run.
#[derive(Clone, Debug)]
pub struct RunConfig {
    /// Quick or full.
    pub mode: Mode,
    /// Seed of every random choice in the run.
    pub seed: u64,
    /// Where artifacts (plots, images, checkpoints, report.json) go.
    pub out_dir: PathBuf,
    /// `--data-dir`, searched before `$DESCENT_DATA` and `./data`.
    pub data_dir: Option<PathBuf>,
    /// Milestone-specific variant (e.g. LeNet `1989`); `None` is the milestone's default.
    pub variant: Option<String>,
    /// Continue from the checkpoint in `out_dir` (only where the milestone supports it).
    pub resume: bool,
    /// Override of the number of training epochs (only where the milestone has epochs).
    pub epochs: Option<usize>,
    /// The processes training together (`--distributed` under mpirun); one process by
    /// default. Only rank 0 writes the output folder.
    pub world: World,
}

impl RunConfig {
    /// Defaults for a milestone: quick mode, seed 0, output in `runs/<id>`.
    pub fn new(id: &str) -> RunConfig {
        RunConfig {
            mode: Mode::Quick,
            seed: 0,
            out_dir: PathBuf::from("runs").join(id),
            data_dir: None,
            variant: None,
            resume: false,
            epochs: None,
            world: World::local(),
        }
    }

    /// True in full mode.
    pub fn full(&self) -> bool {
        self.mode == Mode::Full
    }

    /// The data locator for this run (`--data-dir`, `$DESCENT_DATA`, `./data`).
    pub fn locator(&self) -> DataLocator {
        DataLocator::new(self.data_dir.clone())
    }

    /// Errors for flags the milestone does not support, an unknown variant, or an epoch
    /// budget below the floor where its claim is tested at all.
    pub fn check_against(&self, milestone: &Milestone) -> Result<(), MilestoneError> {
        let id = milestone.id;
        let Options { variants, resume, epochs } = milestone.options;
        if let Some(v) = &self.variant {
            if variants.is_empty() {
                return Err(MilestoneError::Config(format!("{id} has no variants; drop --variant {v}")));
            }
            if !variants.contains(&v.as_str()) {
                return Err(MilestoneError::Config(format!(
                    "unknown {id} variant '{v}'; use one of: {}",
                    variants.join(", ")
                )));
            }
        }
        if self.world.is_distributed() && !DISTRIBUTED.contains(&id) {
            return Err(MilestoneError::Config(format!(
                "{id} does not train across processes; run it without --distributed (supported: {})",
                DISTRIBUTED.join(", ")
            )));
        }
        if self.resume && !resume {
            return Err(MilestoneError::Config(format!(
                "{id} does not save resumable checkpoints; run it without --resume"
            )));
        }
        if let Some(n) = self.epochs {
            let Some(budget) = epochs else {
                return Err(MilestoneError::Config(format!(
                    "{id} has no epochs to set; run it without --epochs (--full runs the whole experiment)"
                )));
            };
            if n < budget.min {
                return Err(MilestoneError::Config(format!(
                    "--epochs {n} is too small to test {id}'s claim: it needs at least {}",
                    budget.min
                )));
            }
            if n > budget.max {
                return Err(MilestoneError::Config(format!(
                    "--epochs {n} is more than {id} allows ({}); pick a smaller number",
                    budget.max
                )));
            }
        }
        Ok(())
    }
}
