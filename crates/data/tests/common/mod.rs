//! Helpers shared by the integration tests: scratch folders and tiny IDX fixtures.
// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use descent_data::encode_idx;
use flate2::write::GzEncoder;
use flate2::Compression;

/// A fresh folder under the system temp dir, removed when dropped.
pub struct ScratchDir {
    pub path: PathBuf,
}

impl ScratchDir {
    pub fn new(tag: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("descent-data-test-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        ScratchDir { path }
    }

    /// The names of the files in the folder, sorted (hidden temporaries included).
    pub fn file_names(&self, sub: &str) -> Vec<String> {
        let dir = self.path.join(sub);
        let mut names: Vec<String> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        names
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Gzip-compresses `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Raw IDX images `(n, rows, cols)` with a simple pattern.
pub fn tiny_images(n: usize, rows: usize, cols: usize) -> Vec<u8> {
    let data: Vec<u8> = (0..n * rows * cols).map(|i| (i * 7 % 256) as u8).collect();
    encode_idx(&[n, rows, cols], &data)
}

/// Raw IDX labels `0, 1, 2, ...` modulo 10.
pub fn tiny_labels(n: usize) -> Vec<u8> {
    let data: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    encode_idx(&[n], &data)
}

/// Writes `bytes` to `dir/name`, creating `dir`.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Writes a complete, tiny, valid data set folder (all four canonical files, gzip).
pub fn write_tiny_dataset(dir: &Path) {
    let (n_train, n_test) = (12, 5);
    write_file(dir, "train-images-idx3-ubyte.gz", &gzip(&tiny_images(n_train, 28, 28)));
    write_file(dir, "train-labels-idx1-ubyte.gz", &gzip(&tiny_labels(n_train)));
    write_file(dir, "t10k-images-idx3-ubyte.gz", &gzip(&tiny_images(n_test, 28, 28)));
    write_file(dir, "t10k-labels-idx1-ubyte.gz", &gzip(&tiny_labels(n_test)));
}
