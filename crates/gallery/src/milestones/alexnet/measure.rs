//! What the `alexnet` verdict rests on: the training error over a sliding window of
//! steps (claim 2's clock), the share of dead hidden units, and the four comparisons —
//! the CNN against the k-means features, ReLU against tanh, dropout's train−test gap,
//! and the later additions (batch norm, augmentation).

use super::train::VariantOutcome;
use crate::common::classifier::ClassificationData;
use crate::common::parallel::StepRecord;
use descent_models::CifarNet;
use descent_nn::Module;
use descent_tensor::{no_grad, Tensor};

/// The training error at which claim 2 compares ReLU and tanh (Krizhevsky et al.'s Figure 1).
pub(crate) const TARGET_TRAIN_ERROR: f64 = 0.25;

/// Claim 1: the AlexNet-style CNN against k-means features + a linear classifier.
pub(crate) struct VersusFeatures {
    /// The CNN's test error, percent.
    pub(crate) cnn_error: f64,
    /// The feature pipeline's test error, percent.
    pub(crate) features_error: f64,
    /// Standard error of the difference, points.
    pub(crate) standard_error: f64,
    /// The CNN's error is lower by more than two standard errors.
    pub(crate) passed: bool,
}

/// Claim 2: steps until the sliding training error reaches 25%, ReLU against tanh.
pub(crate) struct ReluVersusTanh {
    /// Steps of the whole budget.
    pub(crate) total_steps: usize,
    /// ReLU's steps to 25%, if it got there.
    pub(crate) relu_steps: Option<usize>,
    /// tanh's steps to 25%, if it got there.
    pub(crate) tanh_steps: Option<usize>,
    /// tanh's steps over ReLU's (tanh never reaching 25% counts as the whole budget).
    pub(crate) speedup: Option<f64>,
    /// ReLU got there at least twice as fast.
    pub(crate) passed: bool,
}

/// Claim 4, reported with its own verdicts: batch norm and data augmentation.
pub(crate) struct LaterAdditions {
    /// The plain AlexNet-style network's final watched test accuracy.
    pub(crate) target: f64,
    /// Steps the plain network took to reach it.
    pub(crate) plain_steps: Option<usize>,
    /// Steps the batch-norm network took to reach it.
    pub(crate) bn_steps: Option<usize>,
    /// Batch norm got there sooner.
    pub(crate) bn_faster: bool,
    /// Crops and flips raised the test accuracy.
    pub(crate) augment_better: bool,
}

/// The four comparisons.
pub(crate) struct Claims {
    /// Claim 1.
    pub(crate) features: VersusFeatures,
    /// Claim 2.
    pub(crate) relu: ReluVersusTanh,
    /// Claim 3: dropout narrows the train−test gap without lowering test accuracy.
    pub(crate) dropout: bool,
    /// Claim 4.
    pub(crate) later: LaterAdditions,
}

impl Claims {
    /// The run's verdict: the article's claims 1–3.
    pub(crate) fn passed(&self) -> bool {
        self.features.passed && self.relu.passed && self.dropout
    }
}

/// Compares the five networks' `outcomes` (alexnet, relu, tanh, batchnorm, augment) and
/// the feature pipeline's test error over `n_test` test images.
pub(crate) fn claims(outcomes: &[VariantOutcome], features_error: f64, n_test: usize) -> Claims {
    let [alexnet, relu, tanh, batchnorm, augmented] = outcomes else {
        unreachable!("five variants")
    };
    let cnn_error = 100.0 * (1.0 - alexnet.test_accuracy as f64);
    let (p1, p2) = (cnn_error / 100.0, features_error / 100.0);
    let standard_error = 100.0 * ((p1 * (1.0 - p1) + p2 * (1.0 - p2)) / n_test as f64).sqrt();
    let total_steps = relu.steps;
    let relu_steps = relu.steps_to_train_error(TARGET_TRAIN_ERROR);
    let tanh_steps = tanh.steps_to_train_error(TARGET_TRAIN_ERROR);
    // tanh never reaching 25% bounds its count from below by the budget.
    let speedup = relu_steps.map(|r| tanh_steps.unwrap_or(total_steps) as f64 / r as f64);
    let target = alexnet.monitor.last().map_or(1.0, |p| p.1);
    let (plain_steps, bn_steps) = (alexnet.steps_to_accuracy(target), batchnorm.steps_to_accuracy(target));
    Claims {
        features: VersusFeatures {
            cnn_error,
            features_error,
            standard_error,
            passed: cnn_error < features_error - 2.0 * standard_error,
        },
        relu: ReluVersusTanh {
            total_steps,
            relu_steps,
            tanh_steps,
            speedup,
            passed: relu_steps.is_some() && speedup.is_some_and(|s| s >= 2.0),
        },
        dropout: gap(alexnet) < gap(relu) && alexnet.test_accuracy >= relu.test_accuracy,
        later: LaterAdditions {
            target,
            plain_steps,
            bn_steps,
            bn_faster: matches!((bn_steps, plain_steps), (Some(b), Some(a)) if b < a),
            augment_better: augmented.test_accuracy > alexnet.test_accuracy,
        },
    }
}

/// Train minus test accuracy, points: how much a network overfits.
pub(crate) fn gap(outcome: &VariantOutcome) -> f64 {
    (outcome.train_accuracy - outcome.test_accuracy) as f64 * 100.0
}

/// Share of the hidden layer's units that are off (≤ 0 after the nonlinearity; for ReLU,
/// "dead") on every one of the first 500 training images: capacity a unit too many large
/// steps took away.
pub(crate) fn dead_hidden_share(model: &CifarNet, data: &ClassificationData) -> f64 {
    let n = data.train.labels.len().min(500);
    let width: usize = data.feature_shape.iter().product();
    let mut shape = vec![n];
    shape.extend(&data.feature_shape);
    let x = Tensor::from_slice(&data.train.inputs[..n * width], &shape);
    model.set_training(false);
    let hidden = no_grad(|| model.features(&x)).to_vec(); // (n, hidden)
    let units = hidden.len() / n.max(1);
    let dead = (0..units).filter(|&u| (0..n).all(|i| hidden[i * units + u] <= 0.0)).count();
    dead as f64 / units.max(1) as f64
}

/// `(step, error)` averaged over the steps covering the last `window` examples, from the
/// first step where the window is full.
pub(crate) fn sliding_error(records: &[StepRecord], window: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let (mut wrong, mut seen, mut first) = (0.0f64, 0usize, 0usize);
    for (i, r) in records.iter().enumerate() {
        wrong += r.error as f64 * r.examples as f64;
        seen += r.examples;
        while seen - records[first].examples >= window && first < i {
            wrong -= records[first].error as f64 * records[first].examples as f64;
            seen -= records[first].examples;
            first += 1;
        }
        if seen >= window {
            out.push(((r.step + 1) as f64, wrong / seen as f64));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(step: usize, error: f32, examples: usize) -> StepRecord {
        StepRecord {
            step,
            loss: 0.0,
            error,
            examples,
        }
    }

    #[test]
    fn sliding_error_averages_the_last_window_of_examples() {
        let records = [record(0, 1.0, 10), record(1, 0.5, 10), record(2, 0.0, 10), record(3, 0.0, 5)];
        let out = sliding_error(&records, 20);
        // Full from step 1 on; then the oldest step leaves once the rest still covers 20.
        assert_eq!(out, vec![(2.0, 0.75), (3.0, 0.25), (4.0, 0.5 * 10.0 / 25.0)]);
    }
}
