//! CIFAR-10 (Krizhevsky 2009): 32×32 colour photos in ten classes, in the CIFAR binary
//! layout — each record is one label byte and 3,072 pixel bytes (the 1,024 red, then
//! green, then blue values of a 32×32 image, rows top to bottom), raw or gzip.
//!
//! The shared folder `cifar10-jpeg-subset/` holds `data_batch_1.bin.gz` (10,000 training
//! images, 1,000 per class) and `test_batch.bin.gz` (the full 10,000 test images), decoded
//! from JPEG copies of CIFAR-10 (see its README: good for relative claims, not for record
//! numbers), and `batches.meta.txt` with the class names.
//! [`normalize_cifar`] is per-channel and bit-exact with PyTorch's
//! `ToTensor()` + `Normalize(mean, std)` using [`CIFAR10_MEAN`] and [`CIFAR10_STD`].

use std::fs;
use std::path::{Path, PathBuf};

use crate::bounded::{gunzip_at_most, read_regular_file};
use crate::error::DataError;
use crate::locate::{DataLocator, LookedAt};

/// Folder name of the CIFAR-10 subset under a data root.
pub const CIFAR10_DIR: &str = "cifar10-jpeg-subset";
/// Most bytes a CIFAR batch file may hold or inflate to: all 60,000 CIFAR-10 records.
pub const MAX_CIFAR_BYTES: u64 = 60_000 * RECORD as u64;
/// The training batch file in [`CIFAR10_DIR`].
pub const CIFAR10_TRAIN_FILE: &str = "data_batch_1.bin.gz";
/// The test batch file in [`CIFAR10_DIR`].
pub const CIFAR10_TEST_FILE: &str = "test_batch.bin.gz";
/// The class-names file in [`CIFAR10_DIR`] (one name a line).
pub const CIFAR10_META_FILE: &str = "batches.meta.txt";
/// The class names, indexed by label.
pub const CIFAR10_CLASSES: [&str; 10] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];
/// Per-channel mean (R, G, B) of the CIFAR-10 training images, in [0, 1] (the usual values).
pub const CIFAR10_MEAN: [f32; 3] = [0.4914, 0.4822, 0.4465];
/// Per-channel standard deviation (R, G, B), in [0, 1].
pub const CIFAR10_STD: [f32; 3] = [0.2470, 0.2435, 0.2616];
/// Pixel bytes of one image (3 × 32 × 32).
pub const CIFAR_IMAGE_BYTES: usize = 3 * 32 * 32;
const RECORD: usize = 1 + CIFAR_IMAGE_BYTES;

/// CIFAR images with their labels: `images` is `(n, 3, 32, 32)` row-major bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CifarSet {
    /// Number of images.
    pub n: usize,
    /// Pixels 0–255, `(n, 3, 32, 32)`: channel planes R, G, B.
    pub images: Vec<u8>,
    /// Labels 0–9.
    pub labels: Vec<u8>,
}

impl CifarSet {
    /// Parses CIFAR binary records (raw or gzip) held in memory; `name` is used in errors.
    pub fn parse(bytes: &[u8], name: &str) -> Result<CifarSet, DataError> {
        let raw = gunzip_at_most(bytes, name, MAX_CIFAR_BYTES)?;
        if raw.is_empty() || raw.len() % RECORD != 0 {
            return Err(DataError::InvalidContent {
                name: name.to_string(),
                reason: format!(
                    "{} bytes is not a whole number of CIFAR records of {RECORD} bytes (1 label + 3072 pixels); the file is cut short or not a CIFAR batch",
                    raw.len()
                ),
            });
        }
        let n = raw.len() / RECORD;
        let mut images = Vec::with_capacity(n * CIFAR_IMAGE_BYTES);
        let mut labels = Vec::with_capacity(n);
        for (index, record) in raw.chunks_exact(RECORD).enumerate() {
            if record[0] as usize >= CIFAR10_CLASSES.len() {
                return Err(DataError::LabelOutOfRange {
                    name: name.to_string(),
                    index,
                    label: record[0],
                    n_classes: CIFAR10_CLASSES.len(),
                });
            }
            labels.push(record[0]);
            images.extend_from_slice(&record[1..]);
        }
        Ok(CifarSet { n, images, labels })
    }

    /// Reads a CIFAR binary batch file (raw or gzip).
    pub fn load(path: &Path) -> Result<CifarSet, DataError> {
        let bytes = read_regular_file(path, MAX_CIFAR_BYTES)?;
        CifarSet::parse(&bytes, &path.display().to_string())
    }

    /// Labels as `usize` (what losses and confusion matrices take).
    pub fn labels_usize(&self) -> Vec<usize> {
        self.labels.iter().map(|&l| l as usize).collect()
    }

    /// The records back in the CIFAR binary layout (label byte + 3,072 pixels each).
    pub fn to_records(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.n * RECORD);
        for (label, image) in self.labels.iter().zip(self.images.chunks_exact(CIFAR_IMAGE_BYTES)) {
            out.push(*label);
            out.extend_from_slice(image);
        }
        out
    }

    /// The first `count` images (all when fewer).
    pub fn take(&self, count: usize) -> CifarSet {
        let n = count.min(self.n);
        CifarSet {
            n,
            images: self.images[..n * CIFAR_IMAGE_BYTES].to_vec(),
            labels: self.labels[..n].to_vec(),
        }
    }
}

/// Pixels `(n, 3, 32, 32)` to floats `(p / 255 − mean[c]) / std[c]` in f32, the order of
/// PyTorch's `ToTensor()` then `Normalize(CIFAR10_MEAN, CIFAR10_STD)`.
pub fn normalize_cifar(images: &[u8]) -> Vec<f32> {
    assert!(
        images.len() % CIFAR_IMAGE_BYTES == 0,
        "normalize_cifar: {} bytes is not a whole number of 3x32x32 images",
        images.len()
    );
    let plane = CIFAR_IMAGE_BYTES / 3;
    images
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let c = (i / plane) % 3;
            (p as f32 / 255.0 - CIFAR10_MEAN[c]) / CIFAR10_STD[c]
        })
        .collect()
}

/// The class names in a `batches.meta.txt` (one per line, blank lines ignored).
pub fn parse_class_names(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect()
}

/// The first `<root>/cifar10-jpeg-subset/` that holds both batch files; the error lists
/// every place looked at and how to fix it.
pub fn find_cifar10(locator: &DataLocator) -> Result<PathBuf, DataError> {
    let mut looked = Vec::new();
    for root in locator.roots() {
        let dir = root.path.join(CIFAR10_DIR);
        let problem = if !dir.is_dir() {
            Some("no such folder".to_string())
        } else {
            let missing: Vec<&str> = [CIFAR10_TRAIN_FILE, CIFAR10_TEST_FILE]
                .into_iter()
                .filter(|f| !dir.join(f).is_file())
                .collect();
            (!missing.is_empty()).then(|| format!("missing {}", missing.join(", ")))
        };
        match problem {
            None => return Ok(dir),
            Some(problem) => looked.push(LookedAt {
                dir,
                source: root.source,
                problem,
            }),
        }
    }
    Err(DataError::FolderNotFound {
        what: "CIFAR-10".into(),
        folder: CIFAR10_DIR.into(),
        files: vec![CIFAR10_TRAIN_FILE.into(), CIFAR10_TEST_FILE.into()],
        looked,
    })
}

/// CIFAR-10 from the shared subset folder: `(train, test, class names)`. The class names
/// come from `batches.meta.txt` when present (they must be ten), else [`CIFAR10_CLASSES`].
pub fn load_cifar10(locator: &DataLocator) -> Result<(CifarSet, CifarSet, Vec<String>), DataError> {
    let dir = find_cifar10(locator)?;
    let train = CifarSet::load(&dir.join(CIFAR10_TRAIN_FILE))?;
    let test = CifarSet::load(&dir.join(CIFAR10_TEST_FILE))?;
    let meta = dir.join(CIFAR10_META_FILE);
    let names = match fs::read_to_string(&meta) {
        Ok(text) => {
            let names = parse_class_names(&text);
            if names.len() != CIFAR10_CLASSES.len() {
                return Err(DataError::Parse {
                    name: meta.display().to_string(),
                    line: names.len(),
                    reason: format!("expected 10 class names, one a line; found {}", names.len()),
                });
            }
            names
        }
        Err(_) => CIFAR10_CLASSES.iter().map(|s| s.to_string()).collect(),
    };
    Ok((train, test, names))
}
