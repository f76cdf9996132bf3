//! What every milestone run receives: mode, seed, output folder, data locations,
//! progress display; and the error a run can end with.

use descent_data::{DataError, DataLocator};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

/// Quick runs take seconds to a few minutes on 2 cores; full runs reproduce the claim
/// at full scale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Small data or few epochs: for the tour, tests and a first look.
    Quick,
    /// The whole experiment.
    Full,
}

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
    /// Milestone-specific variant (e.g. LeNet `1989` or `modern`).
    pub variant: Option<String>,
    /// Continue from the last checkpoint in `out_dir` where the milestone supports it.
    pub resume: bool,
    /// Show progress bars (off in tests and JSON-only output).
    pub progress: bool,
    /// Override of the number of training epochs (where the milestone has epochs).
    pub epochs: Option<usize>,
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
            progress: true,
            epochs: None,
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

    /// `out_dir/name`, creating `out_dir` first.
    pub fn artifact_path(&self, name: &str) -> Result<PathBuf, MilestoneError> {
        std::fs::create_dir_all(&self.out_dir).map_err(|e| MilestoneError::io(&self.out_dir, e))?;
        Ok(self.out_dir.join(name))
    }

    /// A progress bar of `len` steps (hidden when progress is off).
    pub fn progress_bar(&self, len: u64, message: &str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len);
        let style = ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta} {prefix}")
            .expect("static template")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(message.to_string());
        bar
    }
}

/// Why a run could not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum MilestoneError {
    /// Data the run needs is not on this machine; the tour shows it as skipped.
    #[error("{reason}")]
    MissingData {
        /// What is missing and where it was looked for.
        reason: String,
        /// What the user can do (a command or a folder to fill).
        fix: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A data file was present but unusable.
    #[error(transparent)]
    Data(DataError),
    /// Writing an artifact failed.
    #[error(transparent)]
    Report(#[from] descent_report::ReportError),
    /// A checkpoint could not be read or written.
    #[error(transparent)]
    Checkpoint(#[from] descent_nn::CheckpointError),
    /// The run's options do not make sense (unknown variant, ...).
    #[error("{0}")]
    Config(String),
}

impl MilestoneError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> MilestoneError {
        MilestoneError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl From<DataError> for MilestoneError {
    fn from(e: DataError) -> Self {
        match e {
            DataError::NotFound { .. } => MilestoneError::MissingData {
                reason: e.to_string(),
                fix: "descent data fetch all, or pass --data-dir DIR".into(),
            },
            other => MilestoneError::Data(other),
        }
    }
}
