//! Training one network variant of the `alexnet` milestone under the same budget as the
//! others (epochs, batch, SGD with momentum, cosine-decayed learning rate, seed), data-
//! parallel over the run's world, recording what the comparisons need: the training
//! error over a sliding window of steps, the test accuracy watched during training, and
//! the final train and test accuracies.

use super::data::{augment, head, CifarData};
use crate::common::classifier::{evaluate, ClassificationData};
use crate::common::parallel::{train_epoch_parallel, ParallelPlan, StepRecord};
use crate::{MilestoneError, Run};
use descent_dist::{DataParallel, DistError, SyncStats};
use descent_models::{CifarNet, CifarNetConfig};
use descent_nn::{params, Module};
use descent_optim::{LrSchedule, Sgd, SgdConfig};
use descent_tensor::{no_grad, Rng, Tensor};
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
    /// Peak learning rate it trained with.
    pub lr: f32,
    /// Share of hidden units off on every one of 500 training images.
    pub dead_hidden_share: f64,
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

/// Learning rates each network of the ReLU-against-tanh comparison is probed with before
/// its run: Krizhevsky et al. chose every network's rate "independently to make training
/// as fast as possible" (Figure 1), and a saturating and a non-saturating unit tolerate
/// different rates (a rate too high for ReLU kills units for good).
pub const LR_GRID: [f32; 4] = [0.005, 0.01, 0.02, 0.04];

/// One training of [`train_best_lr`]: the rate, the first step at which the sliding
/// training error reached the target, and the error at the end (1.0 when it diverged).
#[derive(Clone, Copy, Debug)]
pub struct Probe {
    /// Peak learning rate tried.
    pub lr: f32,
    /// First step with the sliding training error at or below the target.
    pub steps_to_target: Option<usize>,
    /// Sliding training error at the end.
    pub final_error: f64,
}

impl Probe {
    /// Orders probes: reaching the target sooner, then a lower final error.
    fn better_than(&self, other: &Probe) -> bool {
        match (self.steps_to_target, other.steps_to_target) {
            (Some(a), Some(b)) => a < b,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => self.final_error < other.final_error,
        }
    }
}

/// Times the grid may grow past an edge (halving below, doubling above) while its best
/// rate sits there, so that the chosen rate is a measured optimum rather than a bound.
pub const GRID_EXTENSIONS: usize = 2;

/// Trains `variant` with every rate of [`LR_GRID`] for the whole budget and keeps the one
/// that reaches `target` training error soonest (or ends lowest), as Krizhevsky et al.
/// chose each network's rate for their ReLU-against-tanh figure; while the best is the
/// smallest or largest rate tried, the grid grows past that edge. A rate whose loss
/// blows up is a measured outcome (error 1.0), not a failed run. Probes come back in
/// increasing order of rate.
pub fn train_best_lr(
    run: &mut Run,
    variant: &Variant,
    data: &CifarData,
    budget: Budget,
    index: u64,
    target: f64,
) -> Result<(VariantOutcome, Vec<Probe>), MilestoneError> {
    let (mut best, mut probes): (Option<(VariantOutcome, Probe)>, Vec<Probe>) = (None, Vec::new());
    let mut divergence = None;
    // Popped from the back: the smallest rate first (a tie keeps the rate tried first).
    let mut pending: Vec<f32> = LR_GRID.iter().rev().copied().collect();
    let mut extensions = 0;
    while let Some(lr) = pending.pop() {
        let probe = match train_variant(run, variant, data, Budget { lr, ..budget }, index) {
            Ok(outcome) => {
                let probe = Probe {
                    lr,
                    steps_to_target: outcome.steps_to_train_error(target),
                    final_error: outcome.train_error.last().map_or(1.0, |p| p.1),
                };
                if best.as_ref().is_none_or(|(_, b)| probe.better_than(b)) {
                    best = Some((outcome, probe));
                }
                probe
            }
            Err(MilestoneError::Distributed(e @ DistError::RankFailed { .. })) => {
                run.log(&format!("{:<22} lr {lr}: diverged ({e})", variant.label));
                divergence = Some(e);
                Probe {
                    lr,
                    steps_to_target: None,
                    final_error: 1.0,
                }
            }
            Err(e) => return Err(e),
        };
        probes.push(probe);
        if pending.is_empty() && extensions < GRID_EXTENSIONS {
            probes.sort_by(|a, b| a.lr.total_cmp(&b.lr));
            let winner = best.as_ref().map(|(_, b)| b.lr);
            let (lowest, highest) = (probes[0].lr, probes[probes.len() - 1].lr);
            if winner == Some(lowest) {
                pending.push(lowest / 2.0);
            } else if winner == Some(highest) {
                pending.push(highest * 2.0);
            }
            extensions += usize::from(!pending.is_empty());
        }
    }
    probes.sort_by(|a, b| a.lr.total_cmp(&b.lr));
    match (best, divergence) {
        (Some((outcome, _)), _) => Ok((outcome, probes)),
        (None, Some(e)) => Err(e.into()),
        (None, None) => unreachable!("every rate either trained or diverged"),
    }
}

/// Trains `variant` (the `index`-th of the run) for the whole budget from the run's
/// initial weights, and measures it.
pub fn train_variant(
    run: &mut Run,
    variant: &Variant,
    data: &CifarData,
    budget: Budget,
    index: u64,
) -> Result<VariantOutcome, MilestoneError> {
    let seed = run.seed();
    let world = run.world().clone();
    // Same initial weights for every variant of the same shape; dropout masks per rank.
    let model = CifarNet::new(
        &variant.config,
        &mut Rng::new(seed),
        seed ^ (index << 32) ^ ((world.rank() as u64) << 48),
    );
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
        phase.status(&format!(
            "{} (lr {}): epoch {}/{}",
            variant.label,
            budget.lr,
            epoch + 1,
            budget.epochs
        ));
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
    let examples: usize = records.iter().map(|r| r.examples).sum();
    let dead_hidden_share = dead_hidden_share(&model, train);
    run.log(&format!(
        "{:<22} test accuracy {:5.1}%  train accuracy {:5.1}%  lr {}  dead hidden units {:4.1}%  ({:.0} images/s)",
        variant.label,
        test_accuracy * 100.0,
        train_accuracy * 100.0,
        budget.lr,
        dead_hidden_share * 100.0,
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
        lr: budget.lr,
        dead_hidden_share,
        model,
    })
}

/// Records `outcome`'s curves as `variant`'s series of the report.
pub fn record_curves(run: &mut Run, variant: &Variant, outcome: &VariantOutcome) {
    for &(step, error) in &outcome.train_error {
        run.record(&format!("{}_train_error", variant.name), step, error);
    }
    for &(step, accuracy) in &outcome.monitor {
        run.record(&format!("{}_test_accuracy", variant.name), step, accuracy);
    }
}

/// Share of the hidden layer's units that are off (≤ 0 after the nonlinearity; for ReLU,
/// "dead") on every one of the first 500 training images: capacity a unit too many large
/// steps took away.
fn dead_hidden_share(model: &CifarNet, data: &ClassificationData) -> f64 {
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
    fn the_rate_that_reaches_the_target_soonest_wins_then_the_lowest_error() {
        let probe = |steps_to_target, final_error| Probe {
            lr: 0.01,
            steps_to_target,
            final_error,
        };
        assert!(probe(Some(300), 0.2).better_than(&probe(Some(400), 0.1)));
        assert!(probe(Some(400), 0.2).better_than(&probe(None, 0.26)));
        assert!(!probe(None, 0.1).better_than(&probe(Some(400), 0.2)));
        assert!(probe(None, 0.3).better_than(&probe(None, 0.4)));
        // A tie keeps the rate tried first.
        assert!(!probe(Some(300), 0.2).better_than(&probe(Some(300), 0.2)));
    }

    #[test]
    fn sliding_error_averages_the_last_window_of_examples() {
        let records = [record(0, 1.0, 10), record(1, 0.5, 10), record(2, 0.0, 10), record(3, 0.0, 5)];
        let out = sliding_error(&records, 20);
        // Full from step 1 on; then the oldest step leaves once the rest still covers 20.
        assert_eq!(out, vec![(2.0, 0.75), (3.0, 0.25), (4.0, 0.5 * 10.0 / 25.0)]);
    }
}
