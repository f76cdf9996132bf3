//! CIFAR-10 for the `alexnet` milestone: the shared JPEG-derived subset (10,000 train,
//! 10,000 test) for full runs, the embedded 1,500 + 400 subset for quick ones; and the
//! data augmentation of the fourth comparison (random crop from a 4-pixel padded image,
//! horizontal flip), drawn per example from `(seed, epoch, index)` so any number of
//! ranks sees the same augmented batches.

use crate::common::classifier::{cifar_data, ClassificationData, Split};
use crate::MilestoneError;
use descent_data::{cifar_subset, load_cifar10, CifarSet, DataLocator, CIFAR10_CLASSES, CIFAR_IMAGE_BYTES};
use descent_tensor::Rng;

/// The images (kept as bytes for the feature pipeline and the pictures) and their
/// normalised form for the networks.
pub struct CifarData {
    /// Raw training images.
    pub(crate) train: CifarSet,
    /// Raw test images.
    pub(crate) test: CifarSet,
    /// Normalised `(n, 3, 32, 32)` splits.
    pub normalized: ClassificationData,
    /// Class names, by label.
    pub class_names: Vec<String>,
}

/// The full shared subset when `full` (an error naming where it looked when missing), else
/// the embedded one.
pub fn load(locator: &DataLocator, full: bool) -> Result<CifarData, MilestoneError> {
    let (train, test, class_names, source) = if full {
        let (train, test, names) = load_cifar10(locator)?;
        let source = format!(
            "CIFAR-10 {}/{} decoded from JPEG copies (../shared/data/cifar10-jpeg-subset): fine for relative claims, not for record numbers",
            train.n, test.n
        );
        (train, test, names, source)
    } else {
        let (train, test) = cifar_subset();
        let source = format!(
            "CIFAR-10 subset embedded in the binary ({}/{} real images, 10% of each class, from the shared JPEG-derived set)",
            train.n, test.n
        );
        (train, test, CIFAR10_CLASSES.iter().map(|s| s.to_string()).collect(), source)
    };
    let identity = format!(
        "CIFAR-10 {} {}/{}",
        if full { "shared subset" } else { "embedded subset" },
        train.n,
        test.n
    );
    let normalized = cifar_data(&train, &test, identity, source);
    Ok(CifarData {
        train,
        test,
        normalized,
        class_names,
    })
}

/// The first `n` test images as a split (the set watched during training).
pub(crate) fn head(split: &Split, n: usize) -> Split {
    let n = n.min(split.labels.len());
    Split {
        inputs: split.inputs[..n * CIFAR_IMAGE_BYTES].to_vec(),
        labels: split.labels[..n].to_vec(),
    }
}

/// Random 32×32 crop of the image padded by `PAD` zeros (the mean colour, after
/// normalisation) on each side, then a horizontal flip with probability ½: in place, for
/// a batch `(b, 3, 32, 32)` of examples `indices` in `epoch`.
pub(crate) fn augment(inputs: &mut [f32], indices: &[usize], epoch: u64, seed: u64) {
    /// Zeros added on each side before cropping.
    const PAD: usize = 4;
    /// Image side.
    const SIDE: usize = 32;
    let mut copy = vec![0.0f32; CIFAR_IMAGE_BYTES];
    for (image, &index) in inputs.chunks_exact_mut(CIFAR_IMAGE_BYTES).zip(indices) {
        let mut rng = Rng::new(seed ^ (epoch << 40) ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let (dy, dx) = (rng.below(2 * PAD + 1), rng.below(2 * PAD + 1));
        let flip = rng.uniform() < 0.5;
        copy.copy_from_slice(image);
        for c in 0..3 {
            for y in 0..SIDE {
                for x in 0..SIDE {
                    // Output (y, x) reads padded (y + dy, x + dx), i.e. source (y + dy − PAD, ...).
                    let sx = if flip { SIDE - 1 - x } else { x };
                    let (py, px) = ((y + dy) as isize - PAD as isize, (sx + dx) as isize - PAD as isize);
                    let inside = (0..SIDE as isize).contains(&py) && (0..SIDE as isize).contains(&px);
                    image[c * 1024 + y * SIDE + x] = if inside {
                        copy[c * 1024 + py as usize * SIDE + px as usize]
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

/// Normalised `(n, 3, 32, 32)` values back to bytes-like 0–1 intensities for pictures.
pub(crate) fn denormalize(inputs: &[f32]) -> Vec<f32> {
    inputs
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let c = (i / 1024) % 3;
            (v * descent_data::CIFAR10_STD[c] + descent_data::CIFAR10_MEAN[c]).clamp(0.0, 1.0)
        })
        .collect()
}
