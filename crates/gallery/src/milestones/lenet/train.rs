//! Training LeNet epoch by epoch, with a checkpoint after each and exact resume.

use super::{Settings, CHECKPOINT, EVAL_BATCH};
use crate::common::classifier::{evaluate, train_epoch, ClassificationData, EpochPlan};
use crate::common::lenet_recipe;
use crate::{MilestoneError, Run, Training};
use descent_models::lenet::LeNet;
use descent_models::saved::Snapshot;
use descent_nn::params;

/// Trains for the settings' epochs (continuing a checkpoint with `--resume`, whose
/// planned length then wins unless `--epochs` is given), recording the train loss and
/// test accuracy and checkpointing after every epoch. Returns the total epochs.
pub(crate) fn train(run: &mut Run, model: &LeNet, data: &ClassificationData, settings: &Settings) -> Result<usize, MilestoneError> {
    let mut optimizer = lenet_recipe::optimizer(model.variant);
    let all = params(model);
    let resumed = run.resume(CHECKPOINT, model, Some(optimizer.as_mut()))?;
    let start = resumed.as_ref().map_or(0, |m| m.epochs_done);
    let epochs = match (&resumed, run.epochs_given()) {
        (Some(meta), false) => meta.epochs_total,
        _ => settings.epochs,
    };
    let batch_size = settings.batch_size;
    let schedule = lenet_recipe::schedule(model.variant, epochs * data.train.labels.len().div_ceil(batch_size));
    let plan = EpochPlan {
        batch_size,
        seed: run.seed(),
        schedule: Some(&schedule),
    };
    let phase = run.phase("lenet", (data.train.labels.len() * epochs.saturating_sub(start)) as u64);
    for epoch in start..epochs {
        phase.status(&format!("epoch {}/{epochs}", epoch + 1));
        let loss = train_epoch(model, &all, optimizer.as_mut(), data, plan, epoch as u64, &phase);
        let (accuracy, _, _) = evaluate(model, &data.test, &data.feature_shape, EVAL_BATCH);
        run.record("train_loss", (epoch + 1) as f64, loss as f64);
        run.record("test_accuracy", (epoch + 1) as f64, accuracy as f64);
        let training = Training {
            optimizer: Some(optimizer.as_ref()),
            epochs_done: epoch + 1,
            epochs_total: epochs,
        };
        run.save(CHECKPOINT, Snapshot::of(model), training)?;
        run.log(&format!(
            "epoch {:>2}: train loss {loss:.4}, test accuracy {:.2}%",
            epoch + 1,
            accuracy * 100.0
        ));
    }
    Ok(epochs)
}
