//! Real MNIST and Fashion-MNIST subsets compiled into the binary: the first 6,000
//! training and 1,000 test MNIST digits, and the first 2,500 training and 1,000 test
//! Fashion-MNIST images, in file order.
//!
//! It lets the early milestones, the examples and the tests run with no data folder
//! and no network, on real digits rather than synthetic ones. The files are made by
//! `tools/make_mnist_subset.py` (deterministic) and described in `fixtures/README.md`.
//! About 1.1 MB (MNIST) and 1.5 MB (Fashion-MNIST) of gzip in the binary; parsing
//! them takes a few milliseconds.

use crate::idx::parse_idx;
use crate::mnist::ImageSet;

const TRAIN_IMAGES: &[u8] = include_bytes!("../fixtures/mnist-subset/train-images-idx3-ubyte.gz");
const TRAIN_LABELS: &[u8] = include_bytes!("../fixtures/mnist-subset/train-labels-idx1-ubyte.gz");
const TEST_IMAGES: &[u8] = include_bytes!("../fixtures/mnist-subset/t10k-images-idx3-ubyte.gz");
const TEST_LABELS: &[u8] = include_bytes!("../fixtures/mnist-subset/t10k-labels-idx1-ubyte.gz");

const FASHION_TRAIN_IMAGES: &[u8] = include_bytes!("../fixtures/fashion-mnist-subset/train-images-idx3-ubyte.gz");
const FASHION_TRAIN_LABELS: &[u8] = include_bytes!("../fixtures/fashion-mnist-subset/train-labels-idx1-ubyte.gz");
const FASHION_TEST_IMAGES: &[u8] = include_bytes!("../fixtures/fashion-mnist-subset/t10k-images-idx3-ubyte.gz");
const FASHION_TEST_LABELS: &[u8] = include_bytes!("../fixtures/fashion-mnist-subset/t10k-labels-idx1-ubyte.gz");

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

/// Number of training examples in [`fashion_mnist_subset`].
pub const FASHION_MNIST_SUBSET_TRAIN: usize = 2500;
/// Number of test examples in [`fashion_mnist_subset`].
pub const FASHION_MNIST_SUBSET_TEST: usize = 1000;

/// The embedded Fashion-MNIST subset as `(train, test)`: 2,500 and 1,000 28×28 images
/// (the size of the MNIST subset would not fit the same gzip budget: clothes compress
/// about three times worse than digits).
pub fn fashion_mnist_subset() -> (ImageSet, ImageSet) {
    (
        embedded_fashion_set(FASHION_TRAIN_IMAGES, FASHION_TRAIN_LABELS, "train"),
        embedded_fashion_set(FASHION_TEST_IMAGES, FASHION_TEST_LABELS, "t10k"),
    )
}

fn embedded_set(images: &[u8], labels: &[u8], prefix: &str) -> ImageSet {
    parse_embedded(images, labels, "mnist-subset", prefix)
}

fn embedded_fashion_set(images: &[u8], labels: &[u8], prefix: &str) -> ImageSet {
    parse_embedded(images, labels, "fashion-mnist-subset", prefix)
}

fn parse_embedded(images: &[u8], labels: &[u8], folder: &str, prefix: &str) -> ImageSet {
    let images_name = format!("embedded {folder}/{prefix}-images-idx3-ubyte.gz");
    let labels_name = format!("embedded {folder}/{prefix}-labels-idx1-ubyte.gz");
    // The bytes are compiled in and covered by tests, so a failure is a build defect.
    let parsed = parse_idx(images, &images_name).and_then(|i| {
        let l = parse_idx(labels, &labels_name)?;
        ImageSet::from_idx(i, l, &images_name, &labels_name)
    });
    parsed.expect("embedded image subsets parse (tested)")
}
