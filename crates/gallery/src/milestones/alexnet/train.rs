//! Training the `alexnet` milestone's networks: the 2011 baseline (k-means features +
//! a linear classifier, `features.rs`) and five CNNs under the same budget (epochs,
//! batch, SGD with momentum, cosine-decayed learning rate, seed), data-parallel over the
//! run's world, each recording what the comparisons need: the training error over a
//! sliding window of steps, the test accuracy watched during training, and the final
//! train and test accuracies. The ReLU and tanh networks each train at their own best
//! rate of a small grid, as Krizhevsky et al. chose them.

use super::data::{augment, head, CifarData};
use super::features::{run_features, FeatureOutcome};
use super::measure::{dead_hidden_share, sliding_error, TARGET_TRAIN_ERROR};
use super::Settings;
use crate::common::classifier::evaluate;
use crate::common::parallel::{train_epoch_parallel, ParallelPlan, StepRecord};
use crate::{MilestoneError, Run};
use descent_dist::{DataParallel, DistError, SyncStats};
use descent_models::{CifarNet, CifarNetConfig, Nonlinearity};
use descent_nn::params;
use descent_optim::{LrSchedule, Sgd, SgdConfig};
use descent_tensor::{Param, Rng};
use std::time::Instant;

/// Trains the k-means feature pipeline (Coates et al. 2011) on the raw images and
/// measures it: the traditional method AlexNet beat.
pub(crate) fn feature_baseline(run: &Run, data: &CifarData, settings: &Settings) -> FeatureOutcome {
    let phase = run.phase("k-means features", 1);
    let features = run_features(&data.train, &data.test, settings.features, run.seed(), &phase);
    phase.advance(1);
    run.log(&format!(
        "{:<22} test accuracy {:5.1}%  train accuracy {:5.1}%  ({} features)",
        "k-means + linear",
        features.test_accuracy * 100.0,
        features.train_accuracy * 100.0,
        features.dims
    ));
    features
}

/// The five networks: the AlexNet-style one first (it is saved), then one change each.
pub(crate) fn variants(settings: &Settings) -> Vec<Variant> {
    let base = CifarNetConfig::alexnet(settings.widths, settings.hidden);
    let plain = CifarNetConfig {
        dropout: 0.0,
        ..base.clone()
    };
    let variant = |name, label, config, augment| Variant {
        name,
        label,
        config,
        augment,
    };
    let tanh = CifarNetConfig {
        nonlinearity: Nonlinearity::Tanh,
        ..plain.clone()
    };
    let batch_norm = CifarNetConfig {
        batch_norm: [true; 3],
        ..base.clone()
    };
    vec![
        variant("alexnet", "AlexNet-style (ReLU, dropout)", base.clone(), false),
        variant("relu", "ReLU, no dropout", plain, false),
        variant("tanh", "tanh, no dropout", tanh, false),
        variant("batchnorm", "+ batch norm", batch_norm, false),
        variant("augment", "+ crops and flips", base, true),
    ]
}

/// The five networks trained, with the learning-rate probes of the two of claim 2.
pub(crate) struct Trained {
    /// One outcome per variant, in the order of [`variants`].
    pub(crate) outcomes: Vec<VariantOutcome>,
    /// The ReLU network's probes of the rate grid.
    pub(crate) relu_probes: Vec<Probe>,
    /// The tanh network's probes.
    pub(crate) tanh_probes: Vec<Probe>,
}

/// Trains every variant and records its curves. Each unit's own best rate (Krizhevsky
/// et al.'s protocol) is probed on the two networks of claim 2; the other ReLU networks
/// share the ReLU one's, so that their comparisons (dropout, batch norm, augmentation)
/// change one thing only.
pub(crate) fn train_variants(run: &mut Run, variants: &[Variant], data: &CifarData, budget: Budget) -> Result<Trained, MilestoneError> {
    let (relu_outcome, relu_probes) = train_best_lr(run, &variants[1], data, budget, 1, TARGET_TRAIN_ERROR)?;
    let (tanh_outcome, tanh_probes) = train_best_lr(run, &variants[2], data, budget, 2, TARGET_TRAIN_ERROR)?;
    let relu_lr = relu_outcome.lr;
    let mut searched = [None, Some(relu_outcome), Some(tanh_outcome), None, None];
    let mut outcomes = Vec::new();
    for (index, variant) in variants.iter().enumerate() {
        let outcome = match searched[index].take() {
            Some(outcome) => outcome,
            None => train_variant(run, variant, data, Budget { lr: relu_lr, ..budget }, index as u64)?,
        };
        record_curves(run, variant, &outcome);
        outcomes.push(outcome);
    }
    Ok(Trained {
        outcomes,
        relu_probes,
        tanh_probes,
    })
}

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
    pub(crate) monitor: Vec<(f64, f64)>,
    /// Accuracy on the whole test set at the end.
    pub test_accuracy: f32,
    /// Accuracy on the whole training set at the end (evaluation mode).
    pub train_accuracy: f32,
    /// Test-set predictions at the end.
    pub(crate) predictions: Vec<usize>,
    /// Optimizer steps taken.
    pub(crate) steps: usize,
    /// Seconds in training steps (evaluations excluded).
    pub(crate) train_seconds: f64,
    /// Training examples per second, all ranks together.
    pub(crate) images_per_s: f64,
    /// Time in the all-reduce.
    pub(crate) sync: SyncStats,
    /// Peak learning rate it trained with.
    pub(crate) lr: f32,
    /// Share of hidden units off on every one of 500 training images.
    pub(crate) dead_hidden_share: f64,
    /// The trained network.
    pub model: CifarNet,
}

impl VariantOutcome {
    /// First step at which the sliding training error is at most `target`.
    pub(crate) fn steps_to_train_error(&self, target: f64) -> Option<usize> {
        self.train_error.iter().find(|p| p.1 <= target).map(|p| p.0 as usize)
    }

    /// First step at which the monitored test accuracy is at least `target`.
    pub(crate) fn steps_to_accuracy(&self, target: f64) -> Option<usize> {
        self.monitor.iter().find(|p| p.1 >= target).map(|p| p.0 as usize)
    }
}

/// Learning rates each network of the ReLU-against-tanh comparison is probed with before
/// its run: Krizhevsky et al. chose every network's rate "independently to make training
/// as fast as possible" (Figure 1), and a saturating and a non-saturating unit tolerate
/// different rates (a rate too high for ReLU kills units for good).
pub(crate) const LR_GRID: [f32; 4] = [0.005, 0.01, 0.02, 0.04];

/// One training of [`train_best_lr`]: the rate, the first step at which the sliding
/// training error reached the target, and the error at the end (1.0 when it diverged).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Probe {
    /// Peak learning rate tried.
    pub(crate) lr: f32,
    /// First step with the sliding training error at or below the target.
    pub(crate) steps_to_target: Option<usize>,
    /// Sliding training error at the end.
    pub(crate) final_error: f64,
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
const GRID_EXTENSIONS: usize = 2;

/// Trains `variant` with every rate of [`LR_GRID`] for the whole budget and keeps the one
/// that reaches `target` training error soonest (or ends lowest), as Krizhevsky et al.
/// chose each network's rate for their ReLU-against-tanh figure; while the best is the
/// smallest or largest rate tried, the grid grows past that edge. A rate whose loss
/// blows up is a measured outcome (error 1.0), not a failed run. Probes come back in
/// increasing order of rate.
fn train_best_lr(
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
    let mut parallel = DataParallel::new(world);
    parallel.broadcast_params(&all);
    let steps = train_epochs(run, variant, &model, &all, data, budget, &mut parallel)?;
    let train = &data.normalized;
    let (test_accuracy, _, predictions) = evaluate(&model, &train.test, &train.feature_shape, 500);
    let (train_accuracy, _, _) = evaluate(&model, &train.train, &train.feature_shape, 500);
    let examples: usize = steps.records.iter().map(|r| r.examples).sum();
    let dead_hidden_share = dead_hidden_share(&model, train);
    let images_per_s = examples as f64 / steps.seconds.max(1e-9);
    run.log(&format!(
        "{:<22} test accuracy {:5.1}%  train accuracy {:5.1}%  lr {}  dead hidden units {:4.1}%  ({:.0} images/s)",
        variant.label,
        test_accuracy * 100.0,
        train_accuracy * 100.0,
        budget.lr,
        dead_hidden_share * 100.0,
        images_per_s
    ));
    Ok(VariantOutcome {
        train_error: sliding_error(&steps.records, budget.window),
        monitor: steps.watched,
        test_accuracy,
        train_accuracy,
        predictions,
        steps: steps.records.len(),
        train_seconds: steps.seconds,
        images_per_s,
        sync: parallel.stats(),
        lr: budget.lr,
        dead_hidden_share,
        model,
    })
}

/// What the epochs of one training recorded.
struct Steps {
    /// Every optimizer step.
    records: Vec<StepRecord>,
    /// `(step, accuracy on the monitored test images)`, after every epoch.
    watched: Vec<(f64, f64)>,
    /// Seconds in training steps (evaluations excluded).
    seconds: f64,
}

/// Trains `model` (parameters `all`) for the budget's epochs: SGD with momentum and
/// weight decay, a cosine-decayed rate, crops and flips if the variant asks; the
/// monitored test accuracy after every epoch.
fn train_epochs(
    run: &Run,
    variant: &Variant,
    model: &CifarNet,
    all: &[Param],
    data: &CifarData,
    budget: Budget,
    parallel: &mut DataParallel,
) -> Result<Steps, MilestoneError> {
    let seed = run.seed();
    let train = &data.normalized;
    let steps_per_epoch = train.train.labels.len().div_ceil(budget.batch_size);
    let schedule = LrSchedule::cosine(budget.lr, budget.lr * 0.01, budget.epochs * steps_per_epoch);
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
    let monitor = head(&train.test, budget.monitor);
    let phase = run.phase(variant.name, (train.train.labels.len() * budget.epochs) as u64);
    let mut steps = Steps {
        records: Vec::new(),
        watched: Vec::new(),
        seconds: 0.0,
    };
    for epoch in 0..budget.epochs {
        phase.status(&format!(
            "{} (lr {}): epoch {}/{}",
            variant.label,
            budget.lr,
            epoch + 1,
            budget.epochs
        ));
        let start = Instant::now();
        let records = train_epoch_parallel(model, all, &mut optimizer, train, plan, epoch as u64, parallel, &phase)?;
        steps.seconds += start.elapsed().as_secs_f64();
        steps.records.extend(records);
        let (accuracy, _, _) = evaluate(model, &monitor, &train.feature_shape, 500);
        steps.watched.push((((epoch + 1) * steps_per_epoch) as f64, accuracy as f64));
    }
    Ok(steps)
}

/// Records `outcome`'s curves as `variant`'s series of the report.
fn record_curves(run: &mut Run, variant: &Variant, outcome: &VariantOutcome) {
    for &(step, error) in &outcome.train_error {
        run.record(&format!("{}_train_error", variant.name), step, error);
    }
    for &(step, accuracy) in &outcome.monitor {
        run.record(&format!("{}_test_accuracy", variant.name), step, accuracy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
