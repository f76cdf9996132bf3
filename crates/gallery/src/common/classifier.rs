//! A supervised image-classification loop shared by the vision milestones and the
//! benchmarks: seeded shuffled batches, one optimizer step per batch, evaluation.

use crate::Phase;
use descent_data::{normalize_cifar, BatchLoader, CifarSet};
use descent_nn::Forward;
use descent_optim::{LrSchedule, Optimizer};
use descent_tensor::{no_grad, Param, Tensor};

/// Inputs and labels of one split, flattened: `inputs` is `(n, feature_shape...)`.
#[derive(Clone, Debug)]
pub struct Split {
    /// Example features, row-major.
    pub inputs: Vec<f32>,
    /// Class of each example.
    pub labels: Vec<usize>,
}

/// Train and test splits plus where they came from.
#[derive(Clone, Debug)]
pub struct ClassificationData {
    /// Training split.
    pub train: Split,
    /// Test split.
    pub test: Split,
    /// Shape of one example (e.g. `[1, 28, 28]`).
    pub feature_shape: Vec<usize>,
    /// Which data, without paths (compared when a run resumes), e.g. `MNIST 60000/10000`.
    pub identity: String,
    /// Human description of the source (e.g. "MNIST, 60000/10000, from ../shared/data/mnist").
    pub source: String,
}

/// How one epoch is run: batch size, shuffle seed, and an optional learning-rate
/// schedule over global steps.
#[derive(Clone, Copy)]
pub struct EpochPlan<'a> {
    /// Examples per optimizer step.
    pub batch_size: usize,
    /// Shuffle seed (with the epoch number it fixes the batch order).
    pub seed: u64,
    /// Learning rate per global step, if it changes during training.
    pub schedule: Option<&'a LrSchedule>,
}

/// Trains one epoch; returns the mean training loss. `epoch` picks the shuffle order
/// (same seed and epoch, same order, so a resumed run sees the batches it would have)
/// and, with a schedule, the global step the learning rate is read at.
pub fn train_epoch(
    model: &dyn Forward,
    params: &[Param],
    optimizer: &mut dyn Optimizer,
    data: &ClassificationData,
    plan: EpochPlan,
    epoch: u64,
    phase: &Phase,
) -> f32 {
    let batch_size = plan.batch_size;
    model.set_training(true);
    let loader = BatchLoader::new(&data.train.inputs, &data.feature_shape, &data.train.labels, batch_size).shuffled(plan.seed);
    let (mut total, mut count) = (0.0f64, 0usize);
    let first_step = epoch as usize * loader.batches_per_epoch();
    for (i, batch) in loader.epoch(epoch).enumerate() {
        if let Some(schedule) = plan.schedule {
            schedule.apply(optimizer, first_step + i);
        }
        let x = Tensor::from_vec(batch.inputs, &batch.shape); // (B, C, H, W) or (B, F)
        let loss = model.forward(&x).cross_entropy(&batch.labels);
        let grads = loss.backward();
        total += loss.item() as f64 * batch.len as f64;
        // Free the graph first: parameters then have one owner and update in place.
        drop(loss);
        optimizer.step(params, &grads);
        count += batch.len;
        phase.advance(batch.len as u64);
    }
    (total / count.max(1) as f64) as f32
}

/// Accuracy, mean loss and every prediction on a split (no graph recorded).
pub fn evaluate(model: &dyn Forward, split: &Split, feature_shape: &[usize], batch_size: usize) -> (f32, f32, Vec<usize>) {
    model.set_training(false);
    let width: usize = feature_shape.iter().product();
    let n = split.labels.len();
    let mut predictions = Vec::with_capacity(n);
    let mut loss_sum = 0.0f64;
    no_grad(|| {
        for start in (0..n).step_by(batch_size.max(1)) {
            let end = (start + batch_size).min(n);
            let mut shape = vec![end - start];
            shape.extend_from_slice(feature_shape);
            let x = Tensor::from_slice(&split.inputs[start * width..end * width], &shape);
            let logits = model.forward(&x);
            loss_sum += logits.cross_entropy(&split.labels[start..end]).item() as f64 * (end - start) as f64;
            predictions.extend(logits.argmax(1));
        }
    });
    let correct = predictions.iter().zip(&split.labels).filter(|(p, l)| p == l).count();
    (correct as f32 / n.max(1) as f32, (loss_sum / n.max(1) as f64) as f32, predictions)
}

/// `counts[true][predicted]` over a split.
pub fn confusion(labels: &[usize], predictions: &[usize], classes: usize) -> Vec<Vec<u64>> {
    let mut counts = vec![vec![0u64; classes]; classes];
    for (&l, &p) in labels.iter().zip(predictions) {
        counts[l][p] += 1;
    }
    counts
}

/// CIFAR train and test sets as classification data, normalised per channel as
/// torchvision's `Normalize(CIFAR10_MEAN, CIFAR10_STD)`.
pub fn cifar_data(train: &CifarSet, test: &CifarSet, identity: String, source: String) -> ClassificationData {
    ClassificationData {
        train: Split {
            inputs: normalize_cifar(&train.images),
            labels: train.labels_usize(),
        },
        test: Split {
            inputs: normalize_cifar(&test.images),
            labels: test.labels_usize(),
        },
        feature_shape: vec![3, 32, 32],
        identity,
        source,
    }
}
