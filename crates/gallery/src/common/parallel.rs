//! Data-parallel training epochs (`descent-dist`): every rank draws the same shuffled
//! order, takes its contiguous share of each global batch, runs forward and backward on
//! it, and one all-reduce per step turns the ranks' gradients into the global batch's
//! before the (identical) optimizer step. With one process this is exactly
//! [`train_epoch`](super::classifier::train_epoch) plus per-step records, and the
//! optional augmentation.

use super::classifier::ClassificationData;
use crate::Phase;
use descent_data::BatchLoader;
use descent_dist::{DataParallel, DistError, LocalStep};
use descent_nn::Forward;
use descent_optim::{LrSchedule, Optimizer};
use descent_tensor::{GradStore, Param, Tensor};

/// Changes a batch's inputs in place: `(inputs, example indices, epoch)`. It must depend
/// only on those (not on the rank), so a run gives the same batches on any number of
/// ranks.
pub type Augment<'a> = &'a (dyn Fn(&mut [f32], &[usize], u64) + Sync);

/// How epochs are run.
#[derive(Clone, Copy)]
pub struct ParallelPlan<'a> {
    /// Examples per optimizer step, all ranks together.
    pub batch_size: usize,
    /// Shuffle seed (with the epoch it fixes the order, on every rank).
    pub seed: u64,
    /// Learning rate per global step.
    pub schedule: Option<&'a LrSchedule>,
    /// Data augmentation applied to each rank's share of a batch.
    pub augment: Option<Augment<'a>>,
}

/// One optimizer step as every rank saw it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepRecord {
    /// Global step number (0-based, counted from the first epoch).
    pub step: usize,
    /// Mean loss over the global batch.
    pub loss: f32,
    /// Misclassified fraction of the global batch (training mode: dropout on).
    pub error: f32,
    /// Examples in the global batch.
    pub examples: usize,
}

/// Trains one epoch over `data.train` on every rank of `parallel`'s world; returns the
/// steps taken. A non-finite loss on any rank stops all ranks at that step.
#[allow(clippy::too_many_arguments)]
pub fn train_epoch_parallel(
    model: &dyn Forward,
    params: &[Param],
    optimizer: &mut dyn Optimizer,
    data: &ClassificationData,
    plan: ParallelPlan,
    epoch: u64,
    parallel: &mut DataParallel,
    phase: &Phase,
) -> Result<Vec<StepRecord>, DistError> {
    model.set_training(true);
    let loader = BatchLoader::new(&data.train.inputs, &data.feature_shape, &data.train.labels, plan.batch_size).shuffled(plan.seed);
    let order = loader.order(epoch);
    let first_step = epoch as usize * loader.batches_per_epoch();
    let mut records = Vec::with_capacity(loader.batches_per_epoch());
    for (i, global) in order.chunks(plan.batch_size).enumerate() {
        if let Some(schedule) = plan.schedule {
            schedule.apply(optimizer, first_step + i);
        }
        let mine = &global[parallel.shard(global.len())];
        let (mut grads, local) = local_step(model, &loader, mine, global.len(), plan, epoch, first_step + i);
        let totals = parallel.all_reduce(params, &mut grads, &local)?;
        optimizer.step(params, &grads);
        let examples = totals.examples.max(1);
        records.push(StepRecord {
            step: first_step + i,
            loss: (totals.loss_sum / examples as f64) as f32,
            error: 1.0 - totals.correct as f32 / examples as f32,
            examples: totals.examples,
        });
        phase.advance(global.len() as u64);
    }
    Ok(records)
}

/// Forward and backward on this rank's share `mine` of a global batch of `global_len`.
fn local_step(
    model: &dyn Forward,
    loader: &BatchLoader,
    mine: &[usize],
    global_len: usize,
    plan: ParallelPlan,
    epoch: u64,
    step: usize,
) -> (GradStore, LocalStep) {
    let mut local = LocalStep {
        global_examples: global_len,
        ..LocalStep::default()
    };
    if mine.is_empty() {
        // A last batch smaller than the number of ranks leaves some ranks without examples.
        return (GradStore::new(), local);
    }
    let mut batch = loader.gather(mine);
    if let Some(augment) = plan.augment {
        augment(&mut batch.inputs, mine, epoch);
    }
    let x = Tensor::from_vec(batch.inputs, &batch.shape); // (b, C, H, W)
    let logits = model.forward(&x); // (b, classes)
    let loss = logits.cross_entropy(&batch.labels);
    let grads = loss.backward();
    let value = loss.item();
    local.examples = batch.len;
    local.loss_sum = value as f64 * batch.len as f64;
    local.correct = logits.argmax(1).iter().zip(&batch.labels).filter(|(p, l)| p == l).count();
    local.failure = (!value.is_finite()).then(|| format!("the loss is {value} at step {step}"));
    // The graph is freed when `loss` and `logits` drop here: parameters then have one
    // owner and the optimizer updates them in place.
    (grads, local)
}
