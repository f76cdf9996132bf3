//! MNIST and Fashion-MNIST: the known files, their checksums, and loading a split.
//!
//! Both sets use the same four file names and the same IDX layout (N×28×28 grey
//! images, N labels 0–9), so one [`ImageSet::load`] serves both; [`Dataset`] says
//! which folder, mirror, checksums and class names apply.

use std::path::Path;

use crate::error::DataError;
use crate::idx::{read_idx, IdxArray};

/// A data set this crate knows how to find, check and fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dataset {
    /// MNIST handwritten digits (LeCun, Cortes, Burges), 60k train + 10k test.
    Mnist,
    /// Fashion-MNIST clothing images (Zalando, 2017), same shapes as MNIST.
    FashionMnist,
}

/// Which half of a data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Split {
    /// The training examples (`train-*` files).
    Train,
    /// The test examples (`t10k-*` files).
    Test,
}

/// One file of a data set and the SHA-256 of its uncompressed content.
///
/// Checksums are of the uncompressed IDX bytes because mirrors recompress the gzip
/// differently; the content is what must match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileSpec {
    /// File name as stored on mirrors and on disk (e.g. `train-images-idx3-ubyte.gz`).
    pub name: String,
    /// Lower-case hex SHA-256 of the uncompressed content.
    pub sha256_uncompressed: String,
}

/// The canonical file names, in the order train images, train labels, test images, test labels.
pub const FILE_NAMES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

// Uncompressed SHA-256 in FILE_NAMES order (shared/data/README.md, "sha256 uncompressed").
const MNIST_SHA256: [&str; 4] = [
    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
];
const FASHION_MNIST_SHA256: [&str; 4] = [
    "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
];

const MNIST_CLASSES: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const FASHION_MNIST_CLASSES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

impl Dataset {
    /// Every known data set, in the order `descent data list` shows them.
    pub const ALL: [Dataset; 2] = [Dataset::Mnist, Dataset::FashionMnist];

    /// The short name used on the command line and as the folder name (`mnist`, `fashion-mnist`).
    pub fn name(self) -> &'static str {
        match self {
            Dataset::Mnist => "mnist",
            Dataset::FashionMnist => "fashion-mnist",
        }
    }

    /// The name for people (`MNIST`, `Fashion-MNIST`).
    pub fn title(self) -> &'static str {
        match self {
            Dataset::Mnist => "MNIST",
            Dataset::FashionMnist => "Fashion-MNIST",
        }
    }

    /// Parses a command-line name (`mnist`, `fashion-mnist`; case-insensitive, `_` for `-`).
    pub fn from_name(name: &str) -> Option<Dataset> {
        let wanted = name.to_ascii_lowercase().replace('_', "-");
        Dataset::ALL.into_iter().find(|d| d.name() == wanted)
    }

    /// The class names, indexed by label.
    pub fn class_names(self) -> &'static [&'static str] {
        match self {
            Dataset::Mnist => &MNIST_CLASSES,
            Dataset::FashionMnist => &FASHION_MNIST_CLASSES,
        }
    }

    /// The four files with their uncompressed checksums (train images, train labels,
    /// test images, test labels).
    pub fn files(self) -> Vec<FileSpec> {
        let sums = match self {
            Dataset::Mnist => &MNIST_SHA256,
            Dataset::FashionMnist => &FASHION_MNIST_SHA256,
        };
        FILE_NAMES
            .iter()
            .zip(sums)
            .map(|(name, sum)| FileSpec {
                name: name.to_string(),
                sha256_uncompressed: sum.to_string(),
            })
            .collect()
    }

    /// The canonical download mirror (a base URL ending in `/`).
    pub fn mirror(self) -> &'static str {
        match self {
            Dataset::Mnist => "https://ossci-datasets.s3.amazonaws.com/mnist/",
            Dataset::FashionMnist => "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        }
    }

    /// The license line to show next to the data.
    pub fn license(self) -> &'static str {
        match self {
            Dataset::Mnist => "CC BY-SA 3.0 (Y. LeCun, C. Cortes, C. J. C. Burges)",
            Dataset::FashionMnist => "MIT (Zalando SE, 2017)",
        }
    }
}

impl Split {
    /// The (images, labels) file names of this split.
    pub fn file_names(self) -> (&'static str, &'static str) {
        match self {
            Split::Train => (FILE_NAMES[0], FILE_NAMES[1]),
            Split::Test => (FILE_NAMES[2], FILE_NAMES[3]),
        }
    }
}

/// Grey images with integer labels, as stored: one byte per pixel, one per label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageSet {
    /// Pixels, 0 = background … 255 = ink; `(n, rows, cols)` row-major.
    pub images: Vec<u8>,
    /// Labels `0..10`, one per image.
    pub labels: Vec<u8>,
    /// Number of examples.
    pub n: usize,
    /// Image height.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
}

/// Height and width of MNIST and Fashion-MNIST images.
pub const IMAGE_SIDE: usize = 28;

/// The number of classes of MNIST and Fashion-MNIST.
pub const N_CLASSES: usize = 10;

impl ImageSet {
    /// Loads one split from a data set folder (e.g. `<root>/mnist`), checking that the
    /// images are [`IMAGE_SIDE`]×[`IMAGE_SIDE`] (MNIST's and Fashion-MNIST's size, which
    /// the models are built for), that there is at least one, that images and labels
    /// agree in count, and that every label is in `0..10`.
    ///
    /// A file may also be present without its `.gz` suffix (already decompressed).
    pub fn load(dir: &Path, split: Split) -> Result<ImageSet, DataError> {
        let (images_name, labels_name) = split.file_names();
        let images_path = existing_variant(dir, images_name);
        let labels_path = existing_variant(dir, labels_name);
        let images = read_idx(&images_path)?;
        let images_name = images_path.display().to_string();
        if images.dims.len() == 3 && images.dims[1..] != [IMAGE_SIDE, IMAGE_SIDE] {
            return Err(DataError::WrongShape {
                name: images_name,
                expected: format!("{IMAGE_SIDE}×{IMAGE_SIDE} images (count, {IMAGE_SIDE}, {IMAGE_SIDE}) as in MNIST"),
                dims: images.dims,
            });
        }
        let labels = read_idx(&labels_path)?;
        ImageSet::from_idx(images, labels, &images_name, &labels_path.display().to_string())
    }

    /// Builds a set from already-parsed IDX arrays; the names are for error messages.
    /// A set of no images, or of images with no pixels, is an error.
    pub fn from_idx(images: IdxArray, labels: IdxArray, images_name: &str, labels_name: &str) -> Result<ImageSet, DataError> {
        if images.dims.len() != 3 {
            return Err(DataError::WrongShape {
                name: images_name.to_string(),
                expected: "3 dimensions (count, rows, cols) for an images file".to_string(),
                dims: images.dims,
            });
        }
        if labels.dims.len() != 1 {
            return Err(DataError::WrongShape {
                name: labels_name.to_string(),
                expected: "1 dimension (count) for a labels file".to_string(),
                dims: labels.dims,
            });
        }
        let (n, rows, cols) = (images.dims[0], images.dims[1], images.dims[2]);
        if n == 0 {
            return Err(DataError::Empty {
                name: images_name.to_string(),
            });
        }
        if rows == 0 || cols == 0 {
            return Err(DataError::WrongShape {
                name: images_name.to_string(),
                expected: "images of at least 1×1 pixels".to_string(),
                dims: images.dims,
            });
        }
        if n != labels.dims[0] {
            return Err(DataError::CountMismatch {
                images: images_name.to_string(),
                n_images: n,
                labels: labels_name.to_string(),
                n_labels: labels.dims[0],
            });
        }
        if let Some(index) = labels.data.iter().position(|&l| l as usize >= N_CLASSES) {
            return Err(DataError::LabelOutOfRange {
                name: labels_name.to_string(),
                index,
                label: labels.data[index],
                n_classes: N_CLASSES,
            });
        }
        Ok(ImageSet {
            images: images.data,
            labels: labels.data,
            n,
            rows,
            cols,
        })
    }

    /// Pixels per image (`rows * cols`).
    pub fn image_len(&self) -> usize {
        self.rows * self.cols
    }

    /// The pixels of image `i`, `(rows, cols)` row-major.
    pub fn image(&self, i: usize) -> &[u8] {
        let len = self.image_len();
        &self.images[i * len..(i + 1) * len]
    }

    /// Labels widened to `usize`, as losses and the batch loader take them.
    pub fn labels_usize(&self) -> Vec<usize> {
        self.labels.iter().map(|&l| l as usize).collect()
    }

    /// The first `n` examples (all of them if there are fewer), for quick runs.
    pub fn take(&self, n: usize) -> ImageSet {
        let n = n.min(self.n);
        ImageSet {
            images: self.images[..n * self.image_len()].to_vec(),
            labels: self.labels[..n].to_vec(),
            n,
            rows: self.rows,
            cols: self.cols,
        }
    }

    /// All pixels normalised with the MNIST mean and std, see [`normalize_mnist`].
    pub fn normalized(&self) -> Vec<f32> {
        normalize_mnist(&self.images)
    }
}

/// `dir/name`, or `dir/name` without `.gz` when only the decompressed file is there.
pub(crate) fn existing_variant(dir: &Path, name: &str) -> std::path::PathBuf {
    let gz = dir.join(name);
    if !gz.exists() {
        if let Some(stem) = name.strip_suffix(".gz") {
            let raw = dir.join(stem);
            if raw.exists() {
                return raw;
            }
        }
    }
    gz
}

/// The MNIST training-set pixel mean after scaling to `[0, 1]` (the value PyTorch examples use).
pub const MNIST_MEAN: f32 = 0.1307;
/// The MNIST training-set pixel standard deviation after scaling to `[0, 1]`.
pub const MNIST_STD: f32 = 0.3081;

/// Normalises pixels exactly as `ToTensor()` then `Normalize((0.1307,), (0.3081,))` do.
///
/// Computed in f32, in this order, for bit-exact parity with PyTorch:
/// `(p as f32) / 255.0`, then `- 0.1307`, then `/ 0.3081`.
pub fn normalize_mnist(pixels: &[u8]) -> Vec<f32> {
    normalize(pixels, MNIST_MEAN, MNIST_STD)
}

/// Normalises pixels as `ToTensor()` then `Normalize((mean,), (std,))`, all in f32:
/// `((p as f32) / 255.0 - mean) / std`, one rounding per operation.
pub fn normalize(pixels: &[u8], mean: f32, std: f32) -> Vec<f32> {
    pixels.iter().map(|&p| ((p as f32) / 255.0 - mean) / std).collect()
}

/// Scales pixels to `[0, 1]` as `ToTensor()` does: `(p as f32) / 255.0`.
pub fn to_unit_range(pixels: &[u8]) -> Vec<f32> {
    pixels.iter().map(|&p| (p as f32) / 255.0).collect()
}
