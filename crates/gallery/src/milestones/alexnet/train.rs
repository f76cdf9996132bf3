//! Training one network variant of the `alexnet` milestone under the same budget as the
//! others (epochs, batch, SGD with momentum, cosine-decayed learning rate, seed), data-
//! parallel over the run's world, recording what the comparisons need: the training
//! error over a sliding window of steps, the test accuracy watched during training, and
//! the final train and test accuracies.

use super::data::{augment, head, CifarData};
use crate::common::classifier::evaluate;
use crate::common::parallel::{train_epoch_parallel, ParallelPlan, StepRecord};
use crate::{MilestoneError, Run};
use descent_dist::{DataParallel, SyncStats};
use descent_models::{CifarNet, CifarNetConfig};
use descent_nn::params;
use descent_optim::{LrSchedule, Sgd, SgdConfig};
use descent_tensor::Rng;
use std::time::Instant;

/// One network of the comparisons.
pub struct Variant {
    /// Short name (series and measurement keys).
    pub name: &'static str,
    /// Legend label.
    pub label: &'static str,
    /// Its architecture.
    pub config: CifarNetConfig,
    /// Random crops and flips.
    pub augment: bool,
}

/// The budget every variant gets.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Passes over the training set.
    pub epochs: usize,
    /// Examples per step (all ranks together).
    pub batch_size: usize,
    /// Peak learning rate (cosine-decayed to 1% of it).
    pub lr: f32,
    /// Test images evaluated after every epoch (the first ones: balanced over classes).
    pub monitor: usize,
    /// Training examples the sliding training error averages over.
    pub window: usize,
}

/// What one variant reached.
pub struct VariantOutcome {
    /// `(step, training error over the last `window` examples)`, once the window is full.
    pub train_error: Vec<(f64, f64)>,
    /// `(step, accuracy on the monitored test images)`, after every epoch.
    pub monitor: Vec<(f64, f64)>,
    /// Accuracy on the whole test set at the end.
    pub test_accuracy: f32,
    /// Accuracy on the whole training set at the end (evaluation mode).
    pub train_accuracy: f32,
    /// Test-set predictions at the end.
    pub predictions: Vec<usize>,
    /// Optimizer steps taken.
    pub steps: usize,
    /// Seconds in training steps (evaluations excluded).
    pub train_seconds: f64,
    /// Training examples per second, all ranks together.
    pub images_per_s: f64,
    /// Time in the all-reduce.
    pub sync: SyncStats,
    /// The trained network.
    pub model: CifarNet,
}

impl VariantOutcome {
    /// First step at which the sliding training error is at most `target`.
    pub fn steps_to_train_error(&self, target: f64) -> Option<usize> {
        self.train_error.iter().find(|p| p.1 <= target).map(|p| p.0 as usize)
    }

    /// First step at which the monitored test accuracy is at least `target`.
    pub fn steps_to_accuracy(&self, target: f64) -> Option<usize> {
        self.monitor.iter().find(|p| p.1 >= target).map(|p| p.0 as usize)
    }
}

/// Trains `variant` (the `index`-th of the run) and measures it.
pub fn train_variant(run: &mut Run, variant: &Variant, data: &CifarData, budget: Budget, index: u64) -> Result<VariantOutcome, MilestoneError> {
    let seed = run.seed();
    let world = run.world().clone();
    // Same initial weights for every variant of the same shape; dropout masks per rank.
    let model = CifarNet::new(&variant.config, &mut Rng::new(seed), seed ^ (index << 32) ^ ((world.rank() as u64) << 48));
    let all = params(&model);
    let train = &data.normalized;
    let steps_per_epoch = train.train.labels.len().div_ceil(budget.batch_size);
    let total_steps = budget.epochs * steps_per_epoch;
    let schedule = LrSchedule::cosine(budget.lr, budget.lr * 0.01, total_steps);
    let mut optimizer = Sgd::new(SgdConfig {
        lr: budget.lr,
        momentum: 0.9,
        weight_decay: 5e-4,
        ..SgdConfig::default()
    });
    let augmenter = move |x: &mut [f32], indices: &[usize], epoch: u64| augment(x, indices, epoch, seed);
    let plan = ParallelPlan {
        batch_size: budget.batch_size,
        seed,
        schedule: Some(&schedule),
        augment: if variant.augment { Some(&augmenter) } else { None },
    };
    let mut parallel = DataParallel::new(world);
    parallel.broadcast_params(&all);
    let monitor = head(&train.test, budget.monitor);
    let phase = run.phase(variant.name, (train.train.labels.len() * budget.epochs) as u64);
    let (mut records, mut watched) = (Vec::<StepRecord>::new(), Vec::new());
    let mut train_seconds = 0.0;
    for epoch in 0..budget.epochs {
        phase.status(&format!("{}: epoch {}/{}", variant.label, epoch + 1, budget.epochs));
        let start = Instant::now();
        let epoch_records = train_epoch_parallel(&model, &all, &mut optimizer, train, plan, epoch as u64, &mut parallel, &phase)?;
        train_seconds += start.elapsed().as_secs_f64();
        records.extend(epoch_records);
        let (accuracy, _, _) = evaluate(&model, &monitor, &train.feature_shape, 500);
        watched.push(((epoch + 1) * steps_per_epoch, accuracy as f64));
    }
    let (test_accuracy, _, predictions) = evaluate(&model, &train.test, &train.feature_shape, 500);
    let (train_accuracy, _, _) = evaluate(&model, &train.train, &train.feature_shape, 500);
    let train_error = sliding_error(&records, budget.window);
    for &(step, error) in &train_error {
        run.record(&format!("{}_train_error", variant.name), step, error);
    }
    for &(step, accuracy) in &watched {
        run.record(&format!("{}_test_accuracy", variant.name), step as f64, accuracy);
    }
    let examples: usize = records.iter().map(|r| r.examples).sum();
    run.log(&format!(
        "{:<22} test accuracy {:5.1}%  train accuracy {:5.1}%  ({:.0} images/s)",
        variant.label,
        test_accuracy * 100.0,
        train_accuracy * 100.0,
        examples as f64 / train_seconds.max(1e-9)
    ));
    Ok(VariantOutcome {
        train_error,
        monitor: watched.iter().map(|&(s, a)| (s as f64, a)).collect(),
        test_accuracy,
        train_accuracy,
        predictions,
        steps: records.len(),
        train_seconds,
        images_per_s: examples as f64 / train_seconds.max(1e-9),
        sync: parallel.stats(),
        model,
    })
}

/// `(step, error)` averaged over the steps covering the last `window` examples, from the
/// first step where the window is full.
fn sliding_error(records: &[StepRecord], window: usize) -> Vec<(f64, f64)> {
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
