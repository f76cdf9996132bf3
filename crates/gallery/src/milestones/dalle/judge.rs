//! The judges of generated images: a LeNet per data set, trained in the run on the real
//! training images (LeNet for digits; the same small CNN for Fashion-MNIST), that reads
//! each generated image as a class, and whose 84 penultimate activations are the
//! features of the Fréchet distance.

use super::captions::Domain;
use super::data::DomainSet;
use crate::common::classifier::{evaluate, train_epoch, ClassificationData, EpochPlan, Split};
use crate::Phase;
use descent_data::{normalize_mnist, MNIST_MEAN, MNIST_STD};
use descent_models::lenet::{LeNet, Variant};
use descent_nn::{params, Forward, Module};
use descent_optim::LrSchedule;
use descent_tensor::{no_grad, Rng, Tensor};

/// Width of the judge's feature vectors.
pub const FEATURES: usize = 84;

/// A trained classifier of one data set.
pub struct Judge {
    /// Which data set it reads.
    pub domain: Domain,
    /// The network.
    pub model: LeNet,
    /// Accuracy on the real test set.
    pub test_accuracy: f32,
    /// Accuracy on the real test images of each class.
    pub class_accuracy: Vec<f32>,
}

/// Trains a modern LeNet on `set` for `epochs` epochs (Adam, cosine 1e-3 → 1e-5).
pub fn train_judge(set: &DomainSet, epochs: usize, seed: u64, phase: &Phase) -> Judge {
    let data = ClassificationData {
        train: Split {
            inputs: normalize_mnist(&set.train.images),
            labels: set.train.labels_usize(),
        },
        test: Split {
            inputs: normalize_mnist(&set.test.images),
            labels: set.test.labels_usize(),
        },
        feature_shape: vec![1, 28, 28],
        identity: String::new(),
        source: String::new(),
    };
    let model = LeNet::new(Variant::Modern, &mut Rng::new(seed));
    let mut optimizer = Variant::Modern.optimizer();
    let all = params(&model);
    let batch_size = 64;
    let schedule = LrSchedule::cosine(1e-3, 1e-5, epochs * data.train.labels.len().div_ceil(batch_size));
    let plan = EpochPlan {
        batch_size,
        seed,
        schedule: Some(&schedule),
    };
    for epoch in 0..epochs {
        train_epoch(&model, &all, optimizer.as_mut(), &data, plan, epoch as u64, phase);
    }
    let (test_accuracy, _, predictions) = evaluate(&model, &data.test, &data.feature_shape, 1000);
    let mut correct = [0usize; 10];
    let mut total = [0usize; 10];
    for (&p, &l) in predictions.iter().zip(&data.test.labels) {
        total[l] += 1;
        correct[l] += usize::from(p == l);
    }
    let class_accuracy = (0..10).map(|c| correct[c] as f32 / total[c].max(1) as f32).collect();
    Judge {
        domain: set.domain,
        model,
        test_accuracy,
        class_accuracy,
    }
}

/// [−1, 1] pixels → the judge's input normalisation (MNIST's mean and std of [0, 1]).
fn prepare(images: &[f32]) -> Tensor {
    let n = images.len() / 784;
    let x: Vec<f32> = images
        .iter()
        .map(|&v| ((v.clamp(-1.0, 1.0) + 1.0) / 2.0 - MNIST_MEAN) / MNIST_STD)
        .collect();
    Tensor::from_vec(x, &[n, 1, 28, 28])
}

impl Judge {
    /// The predicted class of each image (n·784 values in [−1, 1]).
    pub fn classify(&self, images: &[f32]) -> Vec<usize> {
        self.model.set_training(false);
        let mut out = Vec::with_capacity(images.len() / 784);
        no_grad(|| {
            for chunk in images.chunks(784 * 500) {
                out.extend(self.model.forward(&prepare(chunk)).argmax(1));
            }
        });
        out
    }

    /// The judge's features (n, 84) of images in [−1, 1].
    pub fn features(&self, images: &[f32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(images.len() / 784 * FEATURES);
        no_grad(|| {
            for chunk in images.chunks(784 * 500) {
                out.extend(self.model.features(&prepare(chunk)).to_vec());
            }
        });
        out
    }
}
