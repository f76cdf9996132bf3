//! A real MNIST subset compiled into the binary: the first 6,000 training and the
//! first 1,000 test images, in file order.
//!
//! It lets the early milestones, the examples and the tests run with no data folder
//! and no network, on real digits rather than synthetic ones. The files are made by
//! `tools/make_mnist_subset.py` (deterministic) and described in `fixtures/README.md`.
//! About 1.1 MB of gzip in the binary; parsing them takes a few milliseconds.

use crate::idx::parse_idx;
use crate::mnist::ImageSet;

const TRAIN_IMAGES: &[u8] = include_bytes!("../fixtures/mnist-subset/train-images-idx3-ubyte.gz");
const TRAIN_LABELS: &[u8] = include_bytes!("../fixtures/mnist-subset/train-labels-idx1-ubyte.gz");
const TEST_IMAGES: &[u8] = include_bytes!("../fixtures/mnist-subset/t10k-images-idx3-ubyte.gz");
const TEST_LABELS: &[u8] = include_bytes!("../fixtures/mnist-subset/t10k-labels-idx1-ubyte.gz");

/// Number of training examples in [`mnist_subset`].
pub const MNIST_SUBSET_TRAIN: usize = 6000;
/// Number of test examples in [`mnist_subset`].
pub const MNIST_SUBSET_TEST: usize = 1000;

/// The embedded MNIST subset as `(train, test)`: 6,000 and 1,000 28×28 images.
pub fn mnist_subset() -> (ImageSet, ImageSet) {
    (
        embedded_set(TRAIN_IMAGES, TRAIN_LABELS, "train"),
        embedded_set(TEST_IMAGES, TEST_LABELS, "t10k"),
    )
}

fn embedded_set(images: &[u8], labels: &[u8], prefix: &str) -> ImageSet {
    let images_name = format!("embedded mnist-subset/{prefix}-images-idx3-ubyte.gz");
    let labels_name = format!("embedded mnist-subset/{prefix}-labels-idx1-ubyte.gz");
    // The bytes are compiled in and covered by tests, so a failure is a build defect.
    let parsed = parse_idx(images, &images_name).and_then(|i| {
        let l = parse_idx(labels, &labels_name)?;
        ImageSet::from_idx(i, l, &images_name, &labels_name)
    });
    parsed.expect("embedded MNIST subset parses (tested)")
}
