//! `DataError`: everything that can go wrong while finding, reading or fetching data.
//!
//! Each message says what was wrong, in which file, and what to do about it, because
//! the person reading it is usually at a terminal with a half-set-up data folder.

use std::io;
use std::path::PathBuf;

use crate::locate::{LookedAt, Sought};

/// The error type of `descent-data`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// A file could not be opened, read or written.
    #[error("cannot access {}: {source}. Check that the path exists and that you may read (or write) it.", .path.display())]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },

    /// A file starts like gzip but does not decompress.
    #[error("{name}: the gzip stream is corrupt or cut short ({source}). Delete the file and fetch it again (`descent data fetch`).")]
    Gzip {
        /// The file (or embedded blob) name.
        name: String,
        /// What the decompressor said.
        source: io::Error,
    },

    /// The first bytes are not an IDX magic number.
    #[error("{name}: not an IDX file (it starts with bytes {found:02x?}; IDX starts with 00 00, a type byte and a dimension count). Check that this is the right file and not, say, an HTML error page saved by a failed download.")]
    BadMagic {
        /// The file name.
        name: String,
        /// Up to the first four bytes found.
        found: Vec<u8>,
    },

    /// The IDX element type is one this crate does not read.
    #[error("{name}: IDX element type 0x{type_byte:02x} is not supported; only unsigned bytes (0x08), the type of MNIST and Fashion-MNIST, are.")]
    UnsupportedType {
        /// The file name.
        name: String,
        /// The third byte of the magic number.
        type_byte: u8,
    },

    /// The file ends before the header or the data it declares.
    #[error("{name}: truncated: the header declares {expected} bytes in all, but there are only {actual}. The file is incomplete; delete it and fetch it again.")]
    Truncated {
        /// The file name.
        name: String,
        /// Bytes the header calls for (header included).
        expected: u64,
        /// Bytes present.
        actual: u64,
    },

    /// The file holds more bytes than its header declares.
    #[error("{name}: {extra} unexpected bytes after the data that the header (dims {dims:?}) declares. The file is damaged or not what its name says; fetch it again.")]
    TrailingBytes {
        /// The file name.
        name: String,
        /// The dimensions from the header.
        dims: Vec<usize>,
        /// How many bytes follow the declared data.
        extra: u64,
    },

    /// The header declares more data than the file can hold or than is read at all.
    #[error("{name}: the IDX header declares dims {dims:?}, {declared} bytes of data, more than the {limit} bytes this file can hold. The file is damaged or not a data set; delete it and fetch it again.")]
    IdxTooLarge {
        /// The file name.
        name: String,
        /// The dimensions from the header.
        dims: Vec<usize>,
        /// Data bytes the header declares.
        declared: u64,
        /// The most this file may hold (the compressed size's ceiling, or 1 GiB).
        limit: u64,
    },

    /// A data set file holds no examples.
    #[error("{name}: the file holds 0 examples, so there is nothing to train or test on. Fetch the data set again.")]
    Empty {
        /// The file name.
        name: String,
    },

    /// The header is well-formed but its dimensions are unusable here.
    #[error("{name}: expected {expected}, but the IDX header says dims {dims:?}. Check that the images and labels files are not swapped.")]
    WrongShape {
        /// The file name.
        name: String,
        /// What was expected, in words.
        expected: String,
        /// The dimensions found.
        dims: Vec<usize>,
    },

    /// An images file and its labels file disagree on the number of examples.
    #[error("{images} holds {n_images} images but {labels} holds {n_labels} labels. The two files come from different sets or one is damaged; fetch both again.")]
    CountMismatch {
        /// The images file.
        images: String,
        /// How many images it holds.
        n_images: usize,
        /// The labels file.
        labels: String,
        /// How many labels it holds.
        n_labels: usize,
    },

    /// A label is outside `0..n_classes`.
    #[error("{name}: label {label} at index {index} is outside 0..{n_classes}. The file is damaged or belongs to another data set; fetch it again.")]
    LabelOutOfRange {
        /// The labels file.
        name: String,
        /// Position of the first bad label.
        index: usize,
        /// Its value.
        label: u8,
        /// How many classes there are.
        n_classes: usize,
    },

    /// A data set was not found in any of the places searched.
    #[error("{}", crate::locate::not_found_message(.dataset, .looked))]
    NotFound {
        /// The data set (or text file) asked for.
        dataset: Sought,
        /// Every place looked at, in search order, with why it did not do.
        looked: Vec<LookedAt>,
    },

    /// A data folder (other than MNIST's) was not found in any of the places searched.
    #[error("{}", crate::locate::folder_not_found_message(.what, .folder, .files, .looked))]
    FolderNotFound {
        /// The data set, for people (`CIFAR-10`).
        what: String,
        /// The folder name under a data root (`cifar10-jpeg-subset`).
        folder: String,
        /// The files it must hold.
        files: Vec<String>,
        /// Every place looked at, in search order, with why it did not do.
        looked: Vec<LookedAt>,
    },

    /// A download failed (no network, HTTP error status, connection cut).
    #[error("could not download {url}: {reason}. If this machine has no network, get {file} and the other files of its set elsewhere and put them in {}, or set DESCENT_DATA to a folder that holds the set's folder (`descent data list` shows where it looks).", .dest_dir.display())]
    Download {
        /// The URL asked for.
        url: String,
        /// The file name that was being fetched.
        file: String,
        /// What went wrong, in words.
        reason: String,
        /// The folder the file was meant for.
        dest_dir: PathBuf,
    },

    /// A downloaded (or present) file does not have the expected content.
    #[error("{name}: SHA-256 of the uncompressed content is {actual}, expected {expected}. The file is corrupt or from another version of the data set; it was not kept. Try again, or use another mirror.")]
    Checksum {
        /// The file name (or URL).
        name: String,
        /// The hex digest expected.
        expected: String,
        /// The hex digest found.
        actual: String,
    },

    /// A file holds, or decompresses to, more than a reader accepts: not the file it
    /// should be, or a gzip bomb.
    #[error("{name}: holds or decompresses to more than {limit} bytes, more than this reader accepts; it is not the right file, or it is damaged. Check the path, or fetch the file again.")]
    TooLarge {
        /// The file (or embedded blob) name.
        name: String,
        /// The limit in bytes.
        limit: u64,
    },

    /// Too many lines of a text data file are malformed for it to be the file it should be.
    #[error("{name}: {bad} of {total} lines are malformed (first: line {line}: {reason}); expected lines of {expected}. This is not the right file, or it is damaged.")]
    Malformed {
        /// The file name.
        name: String,
        /// Malformed lines.
        bad: usize,
        /// Non-blank lines after any header.
        total: usize,
        /// 1-based number of the first malformed line.
        line: usize,
        /// What was wrong with it.
        reason: String,
        /// The expected format, in words.
        expected: String,
    },

    /// A text data file (CSV, TSV) could not be parsed.
    #[error("{name} line {line}: {reason}")]
    Parse {
        /// The file name.
        name: String,
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        reason: String,
    },

    /// A file's content is not what the data set holds (an undecodable image, a
    /// question list of the wrong form).
    #[error("{name}: {reason}")]
    InvalidContent {
        /// The file name.
        name: String,
        /// What was wrong, and what to do.
        reason: String,
    },

    /// A pretrained model folder was not found in any of the places searched.
    #[error("{message}")]
    ModelNotFound {
        /// Every place looked at, and the ways to fix it (several lines).
        message: String,
    },
}

impl DataError {
    /// Shorthand for an [`DataError::Io`] about `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        DataError::Io { path: path.into(), source }
    }
}
