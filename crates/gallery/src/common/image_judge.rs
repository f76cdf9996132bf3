//! The judge of generated 28×28 images: a modern LeNet trained in the run on the real
//! training images of the same data set. It reads each generated image as a class, and
//! its 84 penultimate activations are the features Fréchet distances are measured on
//! (this project's stand-in for Inception features). The `gan`, `dalle` and `sora`
//! milestones judge with it.

use crate::common::classifier::{evaluate, train_epoch, ClassificationData, EpochPlan, Split};
use crate::common::lenet_recipe;
use crate::Phase;
use descent_data::{normalize_mnist, ImageSet, MNIST_MEAN, MNIST_STD};
use descent_models::lenet::{LeNet, Variant};
use descent_nn::{params, Forward, Module};
use descent_optim::LrSchedule;
use descent_tensor::{no_grad, Rng, Tensor};

/// Width of the features.
pub const FEATURES: usize = 84;
/// Images per forward pass when judging.
const CHUNK: usize = 1000;

/// How a judge is trained: Adam at 1e-3 with batch 64, for `epochs`, optionally decayed
/// by a cosine to 1e-5; the weights start from `init_seed`, batches shuffle by `seed`.
#[derive(Clone, Copy, Debug)]
pub struct JudgeRecipe {
    /// Passes over the training images.
    pub epochs: usize,
    /// Seed of the initial weights.
    pub init_seed: u64,
    /// Seed of the batch order.
    pub seed: u64,
    /// Cosine decay of the learning rate over the run (else constant).
    pub cosine: bool,
}

/// A trained judge and how well it reads real test images.
pub struct ImageJudge {
    /// The network.
    pub model: LeNet,
    /// Accuracy on the real test images (the ceiling for generated ones).
    pub test_accuracy: f32,
    /// Accuracy on the real test images of each class.
    pub class_accuracy: Vec<f32>,
}

impl ImageJudge {
    /// Trains a judge on `train` and scores it on `test` (10 classes).
    pub fn train(train: &ImageSet, test: &ImageSet, recipe: JudgeRecipe, phase: &Phase) -> ImageJudge {
        let split = |set: &ImageSet| Split {
            inputs: normalize_mnist(&set.images),
            labels: set.labels_usize(),
        };
        let data = ClassificationData {
            train: split(train),
            test: split(test),
            feature_shape: vec![1, 28, 28],
            identity: String::new(),
            source: String::new(),
        };
        let model = LeNet::new(Variant::Modern, &mut Rng::new(recipe.init_seed));
        let all = params(&model);
        let mut optimizer = lenet_recipe::optimizer(Variant::Modern);
        let batch_size = 64;
        let schedule = LrSchedule::cosine(1e-3, 1e-5, recipe.epochs * data.train.labels.len().div_ceil(batch_size));
        let plan = EpochPlan {
            batch_size,
            seed: recipe.seed,
            schedule: recipe.cosine.then_some(&schedule),
        };
        for epoch in 0..recipe.epochs {
            train_epoch(&model, &all, optimizer.as_mut(), &data, plan, epoch as u64, phase);
        }
        let (test_accuracy, _, predictions) = evaluate(&model, &data.test, &data.feature_shape, CHUNK);
        let (mut correct, mut total) = ([0usize; 10], [0usize; 10]);
        for (&p, &l) in predictions.iter().zip(&data.test.labels) {
            total[l] += 1;
            correct[l] += usize::from(p == l);
        }
        let class_accuracy = (0..10).map(|c| correct[c] as f32 / total[c].max(1) as f32).collect();
        ImageJudge {
            model,
            test_accuracy,
            class_accuracy,
        }
    }

    /// The predicted class of each image (unit-range pixels, N × 784).
    pub fn classify(&self, pixels: &[f32]) -> Vec<usize> {
        let logits = self.map_chunks(pixels, Forward::forward);
        logits
            .chunks_exact(10)
            .map(|row| (0..10).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap_or(0))
            .collect()
    }

    /// Features (N, 84) of images given as unit-range pixels (N × 784).
    pub fn features(&self, pixels: &[f32]) -> Vec<f32> {
        self.map_chunks(pixels, |model, x| model.features(x))
    }

    fn map_chunks(&self, pixels: &[f32], f: impl Fn(&LeNet, &Tensor) -> Tensor) -> Vec<f32> {
        self.model.set_training(false);
        let mut out = Vec::new();
        no_grad(|| {
            for chunk in pixels.chunks(CHUNK * 784) {
                let n = chunk.len() / 784;
                let x: Vec<f32> = chunk.iter().map(|&p| (p - MNIST_MEAN) / MNIST_STD).collect();
                out.extend(f(&self.model, &Tensor::from_vec(x, &[n, 1, 28, 28])).to_vec());
            }
        });
        out
    }
}

/// Pixels in [−1, 1] (what generators draw) as unit-range pixels, clamped.
pub fn unit_from_signed(pixels: &[f32]) -> Vec<f32> {
    pixels.iter().map(|&v| (v.clamp(-1.0, 1.0) + 1.0) / 2.0).collect()
}
