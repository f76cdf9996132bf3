//! The CLIP milestone's images: CIFAR-10 photos, Fashion-MNIST clothes and MNIST digits
//! in one format — 32×32 RGB, normalised as the image encoder expects
//! ([`clip_pixels`]) — with labels numbered as [`CLASSES`](super::captions::CLASSES).
//! Greyscale 28×28 images are centred on a black 32×32 canvas and repeated over the
//! three channels.

use super::captions::Domain;
use crate::MilestoneError;
use descent_data::{cifar_subset, fashion_mnist_subset, mnist_subset, CifarSet, DataLocator, Dataset, ImageSet};
use descent_models::clip::{clip_pixels, CLIP_IMAGE_SIDE};

/// Values of one prepared image (3 × 32 × 32).
pub(crate) const IMAGE_LEN: usize = 3 * CLIP_IMAGE_SIDE * CLIP_IMAGE_SIDE;

/// Prepared images and their classes.
#[derive(Clone, Debug, Default)]
pub(crate) struct ImageBank {
    /// (n, 3, 32, 32), normalised.
    pub(crate) images: Vec<f32>,
    /// Class of each image (0..30).
    pub(crate) labels: Vec<usize>,
}

impl ImageBank {
    /// Number of images.
    pub(crate) fn len(&self) -> usize {
        self.labels.len()
    }

    /// The values of images `indices`, concatenated (a batch).
    pub(crate) fn gather(&self, indices: &[usize]) -> Vec<f32> {
        let mut out = Vec::with_capacity(indices.len() * IMAGE_LEN);
        for &i in indices {
            out.extend_from_slice(&self.images[i * IMAGE_LEN..(i + 1) * IMAGE_LEN]);
        }
        out
    }

    /// Appends `other`'s images and labels.
    fn append(&mut self, other: ImageBank) {
        self.images.extend(other.images);
        self.labels.extend(other.labels);
    }
}

/// Train and test images of every domain present.
pub(crate) struct ClipData {
    /// Training images.
    pub(crate) train: ImageBank,
    /// Test images.
    pub(crate) test: ImageBank,
    /// The domains with images.
    pub(crate) domains: Vec<Domain>,
    /// Which data, without paths (compared on resume).
    pub(crate) identity: String,
    /// For the report.
    pub(crate) source: String,
}

/// How many images of each domain a run uses (at most).
#[derive(Clone, Copy, Debug)]
pub struct DataSizes {
    /// Training images per domain.
    pub train: usize,
    /// Test images per domain.
    pub test: usize,
}

/// A greyscale 28×28 image centred on a black 32×32 canvas, on three channels.
fn grey28_to_rgb32(pixels: &[u8]) -> Vec<u8> {
    let side = CLIP_IMAGE_SIDE;
    let mut plane = vec![0u8; side * side];
    for y in 0..28 {
        plane[(y + 2) * side + 2..(y + 2) * side + 30].copy_from_slice(&pixels[y * 28..(y + 1) * 28]);
    }
    plane.repeat(3)
}

/// The first `count` images of a 28×28 greyscale set, prepared, labels shifted to the
/// domain's classes.
fn from_grey(set: &ImageSet, count: usize, domain: Domain) -> ImageBank {
    let n = count.min(set.n);
    let mut bank = ImageBank::default();
    for i in 0..n {
        bank.images.extend(clip_pixels(&grey28_to_rgb32(set.image(i))));
        bank.labels.push(domain.first_class() + set.labels[i] as usize);
    }
    bank
}

/// One domain's `(train, test)` and a description.
type Loaded = (ImageBank, ImageBank, String);

/// The first `count` CIFAR-10 photos, prepared (already 32×32 RGB, channel planes).
fn from_cifar(set: &CifarSet, count: usize) -> ImageBank {
    let n = count.min(set.n);
    ImageBank {
        images: clip_pixels(&set.images[..n * IMAGE_LEN]),
        labels: set.labels[..n].iter().map(|&l| Domain::Photo.first_class() + l as usize).collect(),
    }
}

/// One domain: the full files from the data folder (`full`), else the subset embedded
/// in the binary (MNIST 6,000/1,000, Fashion-MNIST 2,500/1,000, CIFAR-10 1,500/400).
fn load_domain(locator: &DataLocator, full: bool, domain: Domain, sizes: DataSizes) -> Result<Loaded, MilestoneError> {
    let (train, test, origin) = match domain {
        Domain::Photo => {
            let (train, test) = if full {
                let (train, test, _) = descent_data::load_cifar10(locator)?;
                (train, test)
            } else {
                cifar_subset()
            };
            let origin = if full { "" } else { " embedded subset" };
            let text = format!(
                "{}{origin} {}/{}",
                domain.dataset(),
                sizes.train.min(train.n),
                sizes.test.min(test.n)
            );
            return Ok((from_cifar(&train, sizes.train), from_cifar(&test, sizes.test), text));
        }
        Domain::Clothing if full => {
            let l = |split| locator.load(Dataset::FashionMnist, split);
            (l(descent_data::Split::Train)?, l(descent_data::Split::Test)?, "")
        }
        Domain::Digit if full => {
            let l = |split| locator.load(Dataset::Mnist, split);
            (l(descent_data::Split::Train)?, l(descent_data::Split::Test)?, "")
        }
        Domain::Clothing => {
            let (train, test) = fashion_mnist_subset();
            (train, test, " embedded subset")
        }
        Domain::Digit => {
            let (train, test) = mnist_subset();
            (train, test, " embedded subset")
        }
    };
    let text = format!(
        "{}{origin} {}/{}",
        domain.dataset(),
        sizes.train.min(train.n),
        sizes.test.min(test.n)
    );
    Ok((from_grey(&train, sizes.train, domain), from_grey(&test, sizes.test, domain), text))
}

/// Loads the three domains: the full files (`full`) or the subsets embedded in the binary.
pub(crate) fn load(locator: &DataLocator, full: bool, sizes: DataSizes) -> Result<ClipData, MilestoneError> {
    let mut data = ClipData {
        train: ImageBank::default(),
        test: ImageBank::default(),
        domains: Vec::new(),
        identity: String::new(),
        source: String::new(),
    };
    let mut parts = Vec::new();
    for domain in Domain::ALL {
        let (train, test, text) = load_domain(locator, full, domain, sizes)?;
        data.train.append(train);
        data.test.append(test);
        data.domains.push(domain);
        parts.push(text);
    }
    data.identity = parts.join(", ");
    data.source = format!("{} (first images of each official split)", parts.join(", "));
    Ok(data)
}
