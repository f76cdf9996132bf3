//! What `descent data list` shows: each known data set, where it is, and whether
//! every file's uncompressed content has the expected SHA-256.
//!
//! Verifying means decompressing and hashing about 100 MB per data set; the files are
//! hashed on parallel threads, so a full check waits only for the largest file.

use std::path::PathBuf;
use std::thread;

use crate::checksum::sha256_uncompressed;
use crate::error::DataError;
use crate::locate::{DataLocator, LookedAt};
use crate::mnist::{existing_variant, Dataset};

/// The state of one file of a data set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileState {
    /// Not present in the data set folder.
    Missing,
    /// Present, and its uncompressed SHA-256 is the expected one.
    Ok,
    /// Present, but its content differs from the expected one.
    BadChecksum {
        /// The hex digest found.
        actual: String,
    },
    /// Present but unreadable (permissions, corrupt gzip).
    Unreadable {
        /// What went wrong.
        reason: String,
    },
}

/// One file of a data set and its state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileStatus {
    /// The canonical file name.
    pub name: String,
    /// Where it was found (the `.gz` or the decompressed variant), if anywhere.
    pub path: Option<PathBuf>,
    /// What the check found.
    pub state: FileState,
}

/// The state of one data set, for `descent data list`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetStatus {
    /// Which data set.
    pub dataset: Dataset,
    /// The folder checked: the first `<root>/<name>` that exists, if any.
    pub dir: Option<PathBuf>,
    /// Each of the four files, in canonical order (empty when no folder exists).
    pub files: Vec<FileStatus>,
    /// When the data set was not found complete: every folder searched, in order, with
    /// what each lacks (empty when a complete folder was found).
    pub looked: Vec<LookedAt>,
}

impl DatasetStatus {
    /// True when all four files are present and verified.
    pub fn is_ready(&self) -> bool {
        !self.files.is_empty() && self.files.iter().all(|f| f.state == FileState::Ok)
    }

    /// One word for a table: `ok`, `missing`, `incomplete` or `corrupt`.
    pub fn summary(&self) -> &'static str {
        let any = |pred: fn(&FileState) -> bool| self.files.iter().any(|f| pred(&f.state));
        if self.is_ready() {
            "ok"
        } else if any(|s| matches!(s, FileState::BadChecksum { .. } | FileState::Unreadable { .. })) {
            "corrupt"
        } else if any(|s| *s == FileState::Ok) {
            "incomplete"
        } else {
            "missing"
        }
    }
}

/// Checks every known data set (see [`Dataset::ALL`]) against `locator`.
pub fn status(locator: &DataLocator) -> Vec<DatasetStatus> {
    Dataset::ALL.iter().map(|&d| dataset_status(locator, d)).collect()
}

/// Checks one data set: finds its folder, then verifies each file's checksum.
pub fn dataset_status(locator: &DataLocator, dataset: Dataset) -> DatasetStatus {
    // A complete folder if there is one, else the first folder that exists at all,
    // so a half-finished download shows which files it lacks.
    let (dir, looked) = match locator.find(dataset) {
        Ok(dir) => (Some(dir), Vec::new()),
        Err(DataError::NotFound { looked, .. }) => {
            let first_existing = looked.iter().map(|l| l.dir.clone()).find(|d| d.is_dir());
            (first_existing, looked)
        }
        Err(_) => (None, Vec::new()),
    };
    let files = match &dir {
        None => Vec::new(),
        Some(dir) => {
            let specs = dataset.files();
            thread::scope(|scope| {
                let handles: Vec<_> = specs
                    .iter()
                    .map(|spec| {
                        let path = existing_variant(dir, &spec.name);
                        scope.spawn(move || check_file(path, &spec.name, &spec.sha256_uncompressed))
                    })
                    .collect();
                handles
                    .into_iter()
                    .zip(&specs)
                    .map(|(h, spec)| {
                        h.join().unwrap_or_else(|_| FileStatus {
                            name: spec.name.clone(),
                            path: None,
                            state: FileState::Unreadable {
                                reason: "the checking thread panicked".to_string(),
                            },
                        })
                    })
                    .collect()
            })
        }
    };
    DatasetStatus {
        dataset,
        dir,
        files,
        looked,
    }
}

fn check_file(path: PathBuf, name: &str, expected: &str) -> FileStatus {
    if !path.is_file() {
        return FileStatus {
            name: name.to_string(),
            path: None,
            state: FileState::Missing,
        };
    }
    let state = match sha256_uncompressed(&path) {
        Ok(sum) if sum == expected => FileState::Ok,
        Ok(actual) => FileState::BadChecksum { actual },
        Err(e) => FileState::Unreadable { reason: e.to_string() },
    };
    FileStatus {
        name: name.to_string(),
        path: Some(path),
        state,
    }
}
