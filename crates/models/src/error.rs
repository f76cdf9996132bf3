//! [`ModelError`]: why a model could not be built, saved, read back or asked something.

use crate::bert::ModelFolderError;
use descent_nn::CheckpointError;
use std::path::{Path, PathBuf};

/// Why a model could not be built, saved, read back or used; every message is one line
/// that says what was wrong and, where it is not obvious, what to do.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Sizes or settings that do not fit together (zero layers, heads that do not divide
    /// the width, more parameters than this program loads).
    #[error("{0}")]
    Invalid(String),
    /// A model file that cannot be used as asked (not a descent model, an older format,
    /// another kind, a config that disagrees with its weights).
    #[error("{}: {reason}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// Reading or writing the safetensors container failed (already names the file).
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// A sentence-transformers folder that cannot be used (already names the file).
    #[error(transparent)]
    Folder(#[from] ModelFolderError),
    /// Input the model cannot read: a prompt, caption or question with nothing it knows.
    #[error("{0}")]
    Input(String),
}

impl ModelError {
    /// [`ModelError::Invalid`] from anything printable, kept on one line (reasons often
    /// quote a file's content).
    pub fn invalid(reason: impl Into<String>) -> ModelError {
        ModelError::Invalid(descent_text::single_line(&reason.into()))
    }

    /// [`ModelError::File`] for `path`, its reason kept on one line.
    pub fn file(path: &Path, reason: impl Into<String>) -> ModelError {
        ModelError::File {
            path: path.to_path_buf(),
            reason: descent_text::single_line(&reason.into()),
        }
    }

    /// The same error with `path` named, where it does not name a file yet.
    pub fn in_file(self, path: &Path) -> ModelError {
        match self {
            ModelError::Invalid(reason) | ModelError::Input(reason) => ModelError::file(path, reason),
            other => other,
        }
    }
}

impl From<descent_text::TokenizerError> for ModelError {
    fn from(e: descent_text::TokenizerError) -> Self {
        ModelError::Input(e.to_string())
    }
}
