//! Mini-batches over examples held in memory, with a seeded shuffle per epoch.
//!
//! The order of epoch `e` depends only on `(seed, e)`: each epoch draws its own
//! permutation from `Rng::new(epoch_seed(seed, e))`. So epoch 7 comes out the same
//! whether or not epochs 0–6 were run first (a resumed run sees the data a fresh one
//! would), and the same seed always gives the same batches. The last batch is kept
//! even when it is smaller than `batch_size`, so every example is seen once per epoch.

use descent_tensor::Rng;

/// One mini-batch, copied out of the data set.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    /// The examples' features, `(len, feature_shape...)` row-major.
    pub inputs: Vec<f32>,
    /// One label per example.
    pub labels: Vec<usize>,
    /// Number of examples in this batch (`batch_size`, or fewer for the last one).
    pub len: usize,
    /// The shape of `inputs`: `[len, feature_shape...]`.
    pub shape: Vec<usize>,
}

/// Cuts a data set held in memory into mini-batches, optionally shuffled per epoch.
#[derive(Clone, Debug)]
pub struct BatchLoader<'a> {
    inputs: &'a [f32],   // (n, feature_shape...)
    labels: &'a [usize], // (n,)
    feature_shape: Vec<usize>,
    example_len: usize,
    batch_size: usize,
    seed: Option<u64>,
}

impl<'a> BatchLoader<'a> {
    /// A loader in file order (no shuffle) over `labels.len()` examples.
    ///
    /// `inputs` holds the examples back to back, each of `feature_shape` (e.g.
    /// `[1, 28, 28]`). Panics, naming the sizes, if `inputs` does not hold exactly
    /// one example per label or `batch_size` is 0: these are programming errors.
    pub fn new(inputs: &'a [f32], feature_shape: &[usize], labels: &'a [usize], batch_size: usize) -> Self {
        let example_len: usize = feature_shape.iter().product();
        assert!(batch_size > 0, "BatchLoader: batch_size must be at least 1");
        assert_eq!(
            inputs.len(),
            labels.len() * example_len,
            "BatchLoader: {} inputs is not {} labels x {} features (shape {:?})",
            inputs.len(),
            labels.len(),
            example_len,
            feature_shape
        );
        BatchLoader {
            inputs,
            labels,
            feature_shape: feature_shape.to_vec(),
            example_len,
            batch_size,
            seed: None,
        }
    }

    /// Shuffles each epoch with an order drawn from `seed` and the epoch number.
    pub fn shuffled(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Batches per epoch, the last partial one included.
    pub fn batches_per_epoch(&self) -> usize {
        self.len().div_ceil(self.batch_size)
    }

    /// The example order of epoch `epoch` (identity when not shuffled).
    pub fn order(&self, epoch: u64) -> Vec<usize> {
        match self.seed {
            None => (0..self.len()).collect(),
            Some(seed) => Rng::new(epoch_seed(seed, epoch)).permutation(self.len()),
        }
    }

    /// The batches of epoch `epoch`, in order.
    pub fn epoch(&self, epoch: u64) -> Epoch<'_, 'a> {
        Epoch {
            loader: self,
            order: self.order(epoch),
            next: 0,
        }
    }

    /// Copies the examples at `indices` into one batch.
    pub fn gather(&self, indices: &[usize]) -> Batch {
        let mut inputs = Vec::with_capacity(indices.len() * self.example_len);
        let mut labels = Vec::with_capacity(indices.len());
        for &i in indices {
            inputs.extend_from_slice(&self.inputs[i * self.example_len..(i + 1) * self.example_len]);
            labels.push(self.labels[i]);
        }
        let mut shape = Vec::with_capacity(1 + self.feature_shape.len());
        shape.push(indices.len());
        shape.extend_from_slice(&self.feature_shape);
        Batch {
            inputs,
            labels,
            len: indices.len(),
            shape,
        }
    }
}

/// The seed of epoch `epoch`'s permutation: `seed` mixed with a large odd multiple of
/// `epoch + 1`, so neighbouring epochs (and seed 0, epoch 0) get unrelated streams.
pub fn epoch_seed(seed: u64, epoch: u64) -> u64 {
    seed ^ epoch.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// The batches of one epoch; made by [`BatchLoader::epoch`].
#[derive(Debug)]
pub struct Epoch<'l, 'a> {
    loader: &'l BatchLoader<'a>,
    order: Vec<usize>,
    next: usize,
}

impl Iterator for Epoch<'_, '_> {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        if self.next >= self.order.len() {
            return None;
        }
        let end = (self.next + self.loader.batch_size).min(self.order.len());
        let batch = self.loader.gather(&self.order[self.next..end]);
        self.next = end;
        Some(batch)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.order.len() - self.next).div_ceil(self.loader.batch_size);
        (left, Some(left))
    }
}

impl ExactSizeIterator for Epoch<'_, '_> {}
