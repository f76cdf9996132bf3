//! The crate's one error type: every failure names the file it was about.

use std::path::{Path, PathBuf};

/// Why writing a report artifact failed.
///
/// Every variant carries the path it concerns, because the caller (a gallery run
/// writing a dozen artifacts) needs to know *which* file failed, not just that an
/// `io::Error` happened somewhere.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file system refused: missing or unwritable directory, full disk, ...
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file we tried to create, read or rename into place.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The `image` crate could not encode (or decode) a PNG.
    #[error("cannot encode image {}: {source}", path.display())]
    Image {
        /// The image file concerned.
        path: PathBuf,
        /// What the encoder said.
        #[source]
        source: image::ImageError,
    },
    /// The plotting backend failed while drawing a chart.
    #[error("cannot draw chart {}: {message}", path.display())]
    Plot {
        /// The chart file concerned.
        path: PathBuf,
        /// The backend's description of the failure.
        message: String,
    },
    /// The caller's data does not fit the request (wrong length, zero size, ...).
    #[error("invalid input for {}: {message}", path.display())]
    Invalid {
        /// The artifact that was to be written.
        path: PathBuf,
        /// What was wrong with the input.
        message: String,
    },
    /// A JSON document could not be parsed back into a report.
    #[error("bad JSON in {}: {source}", path.display())]
    Json {
        /// Where the JSON came from (a file, or `<string>` for in-memory text).
        path: PathBuf,
        /// What the parser said.
        #[source]
        source: serde_json::Error,
    },
}

impl ReportError {
    /// An [`ReportError::Io`] for `path`.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// An [`ReportError::Invalid`] for `path`.
    pub(crate) fn invalid(path: &Path, message: impl Into<String>) -> Self {
        ReportError::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    /// The path this error is about.
    pub fn path(&self) -> &Path {
        match self {
            ReportError::Io { path, .. }
            | ReportError::Image { path, .. }
            | ReportError::Plot { path, .. }
            | ReportError::Invalid { path, .. }
            | ReportError::Json { path, .. } => path,
        }
    }
}
