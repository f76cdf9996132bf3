//! The judge of generated images: a LeNet trained in the run on the same data set as
//! the generator. Its 84 penultimate activations are the features Fréchet distances
//! are measured on (this project's own stand-in for Inception features), and its
//! predictions say which class a generated image looks like.

use crate::common::classifier::{evaluate, train_epoch, ClassificationData, EpochPlan, Split};
use crate::common::images::{unit_pixels, ImageSplits};
use crate::Phase;
use descent_data::{MNIST_MEAN, MNIST_STD};
use descent_models::lenet::{LeNet, Variant};
use descent_nn::params;
use descent_optim::{Adam, AdamConfig};
use descent_tensor::{no_grad, Rng, Tensor};

/// Width of the features.
pub const FEATURES: usize = 84;
/// Images per forward pass when reading features.
const CHUNK: usize = 1000;

/// A trained LeNet and how well it reads real test images.
pub struct FeatureClassifier {
    /// The network.
    pub model: LeNet,
    /// Accuracy on the real test split (the ceiling for conditional samples).
    pub test_accuracy: f32,
}

fn normalise(pixels: &[f32]) -> Vec<f32> {
    pixels.iter().map(|&p| (p - MNIST_MEAN) / MNIST_STD).collect()
}

impl FeatureClassifier {
    /// Trains a modern LeNet (ReLU, max-pool, Adam 1e-3, batch 64) for `epochs` on
    /// the training split of `images`.
    pub fn train(images: &ImageSplits, epochs: usize, seed: u64, phase: &Phase) -> FeatureClassifier {
        let split = |set| Split {
            inputs: normalise(&unit_pixels(set)),
            labels: set.labels_usize(),
        };
        let data = ClassificationData {
            train: split(&images.train),
            test: split(&images.test),
            feature_shape: vec![1, 28, 28],
            identity: images.identity.clone(),
            source: images.source.clone(),
        };
        let model = LeNet::new(Variant::Modern, &mut Rng::new(seed ^ 0x1E7E7));
        let all = params(&model);
        let mut optimizer = Adam::new(AdamConfig {
            lr: 1e-3,
            ..AdamConfig::default()
        });
        let plan = EpochPlan {
            batch_size: 64,
            seed,
            schedule: None,
        };
        for epoch in 0..epochs {
            train_epoch(&model, &all, &mut optimizer, &data, plan, epoch as u64, phase);
        }
        let (test_accuracy, _, _) = evaluate(&model, &data.test, &data.feature_shape, CHUNK);
        FeatureClassifier { model, test_accuracy }
    }

    /// Features (N, 84) of images given as unit-range pixels (N, 784).
    pub fn features(&self, pixels: &[f32]) -> Vec<f32> {
        self.map_chunks(pixels, |model, x| model.features(x))
    }

    /// The predicted class of each image (unit-range pixels, N × 784).
    pub fn predict(&self, pixels: &[f32]) -> Vec<usize> {
        let logits = self.map_chunks(pixels, descent_nn::Forward::forward);
        logits
            .chunks_exact(10)
            .map(|row| (0..10).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap_or(0))
            .collect()
    }

    fn map_chunks(&self, pixels: &[f32], f: impl Fn(&LeNet, &Tensor) -> Tensor) -> Vec<f32> {
        descent_nn::Module::set_training(&self.model, false);
        let mut out = Vec::new();
        no_grad(|| {
            for chunk in pixels.chunks(CHUNK * 784) {
                let n = chunk.len() / 784;
                let x = Tensor::from_vec(normalise(chunk), &[n, 1, 28, 28]);
                out.extend(f(&self.model, &x).to_vec());
            }
        });
        out
    }
}
