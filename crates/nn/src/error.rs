//! Errors of checkpoint I/O: each names the file and, where it applies, the tensor.

use std::path::PathBuf;

/// What went wrong reading or writing a checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// The file could not be read or written.
    #[error("{path}: {source} (check the path and permissions)")]
    Io {
        /// The checkpoint file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The bytes are not a valid safetensors file (truncated or another format).
    #[error("{path}: not a valid safetensors checkpoint ({reason}); the file may be truncated or from another program")]
    Corrupt {
        /// The checkpoint file.
        path: PathBuf,
        /// Parser message.
        reason: String,
    },
    /// A parameter the model needs is absent.
    #[error("{path}: tensor '{name}' is missing (the checkpoint was saved from a different model)")]
    Missing {
        /// The checkpoint file.
        path: PathBuf,
        /// Parameter name.
        name: String,
    },
    /// A tensor has the wrong shape or dtype.
    #[error("{path}: tensor '{name}' has shape {found:?} ({dtype}), the model expects {expected:?} (f32)")]
    Mismatch {
        /// The checkpoint file.
        path: PathBuf,
        /// Parameter name.
        name: String,
        /// Shape the model needs.
        expected: Vec<usize>,
        /// Shape in the file.
        found: Vec<usize>,
        /// Dtype in the file.
        dtype: String,
    },
    /// The file holds tensors the model does not have.
    #[error("{path}: unexpected tensors {names:?} (the checkpoint was saved from a different model)")]
    Unexpected {
        /// The checkpoint file.
        path: PathBuf,
        /// Names with no matching parameter.
        names: Vec<String>,
    },
}
