//! [`MilestoneError`]: why a run could not produce a verdict.

use descent_data::DataError;
use std::path::{Path, PathBuf};

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
    /// A model could not be built, saved or read back (boxed: it is large and rare).
    #[error(transparent)]
    Model(Box<descent_models::ModelError>),
    /// A rank of a distributed run failed (every rank stops at the same step).
    #[error(transparent)]
    Distributed(#[from] descent_dist::DistError),
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

impl From<descent_models::ModelError> for MilestoneError {
    fn from(e: descent_models::ModelError) -> Self {
        MilestoneError::Model(Box::new(e))
    }
}

impl From<DataError> for MilestoneError {
    fn from(e: DataError) -> Self {
        match e {
            DataError::NotFound { .. } => MilestoneError::MissingData {
                reason: e.to_string(),
                fix: "descent data fetch all, or pass --data-dir DIR".into(),
            },
            DataError::FolderNotFound { .. } => MilestoneError::MissingData {
                reason: e.to_string(),
                fix: "set DESCENT_DATA (or pass --data-dir) to a folder holding the shared data sets".into(),
            },
            other => MilestoneError::Data(other),
        }
    }
}
