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
    /// The path is a folder, FIFO, device or socket (refused before it is opened).
    #[error("{path}: is {kind}, not a checkpoint file; give the path of a .safetensors file")]
    NotAFile {
        /// The path given.
        path: PathBuf,
        /// What it is, in words.
        kind: &'static str,
    },
    /// The file is larger than any checkpoint this program reads.
    #[error("{path}: {len} bytes is more than the {limit}-byte limit for checkpoints; is this the right file?")]
    TooLarge {
        /// The checkpoint file.
        path: PathBuf,
        /// Its size.
        len: u64,
        /// The limit.
        limit: u64,
    },
    /// A tensor holds NaN or infinity: the run that saved it diverged or the file is damaged.
    #[error("{path}: tensor '{name}' holds {value} at index {index}; the run that saved it diverged or the file is damaged (retrain, or use an earlier checkpoint)")]
    NonFinite {
        /// The checkpoint file.
        path: PathBuf,
        /// Tensor name.
        name: String,
        /// Position of the first non-finite value.
        index: usize,
        /// That value.
        value: f32,
    },
}
