//! Fine-tuning a BERT sentence classifier end to end (every weight moves), with the same
//! budget whatever the encoder's starting point: the same examples, batches, epochs,
//! schedule and seed. The reported test accuracy is the one at the epoch of best
//! validation accuracy (the test set never chooses anything).

use super::data::{eval_batches, pad_batch, sortish_batches};
use super::probe::accuracy;
use super::train::{OptimSettings, Trainer};
use crate::Phase;
use descent_models::bert::BertClassifier;
use descent_nn::Module;
use descent_tensor::{no_grad, Rng};

/// Token sequences (`[CLS] … [SEP]`) and their labels.
pub struct Encoded {
    /// One sequence per example.
    pub ids: Vec<Vec<usize>>,
    /// One label per example.
    pub labels: Vec<usize>,
}

/// The budget of one fine-tuning.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FinetuneSettings {
    /// Passes over the training examples.
    pub epochs: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// Optimisation.
    pub optim: OptimSettings,
    /// Dropout on the pooled vector.
    pub dropout: f32,
    /// Evaluations per epoch (points of the accuracy curve).
    pub evals_per_epoch: usize,
}

/// One point of the accuracy curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CurvePoint {
    /// Epochs done (fractional between evaluations).
    pub epoch: f64,
    /// Validation accuracy.
    pub dev: f64,
    /// Test accuracy.
    pub test: f64,
}

/// What a fine-tuning measured.
pub struct FinetuneOutcome {
    /// Its peak learning rate.
    pub lr: f32,
    /// Accuracy after each evaluation.
    pub curve: Vec<CurvePoint>,
    /// The point of best validation accuracy (its test accuracy is reported).
    pub best: CurvePoint,
    /// Mean training loss of each epoch.
    pub epoch_losses: Vec<f32>,
}

/// Predicted classes of `data` (in its order).
pub fn predict(model: &BertClassifier, data: &Encoded, pad: usize) -> Vec<usize> {
    model.set_training(false);
    let lengths: Vec<usize> = data.ids.iter().map(Vec::len).collect();
    let mut out = vec![0; data.ids.len()];
    no_grad(|| {
        for batch in eval_batches(&lengths, 128) {
            let rows: Vec<&[usize]> = batch.iter().map(|&i| &data.ids[i][..]).collect();
            let padded = pad_batch(&rows, pad);
            let classes = model.logits(&padded.ids, &padded.lengths).argmax(1);
            batch.iter().zip(classes).for_each(|(&i, c)| out[i] = c);
        }
    });
    out
}

/// Fine-tunes `model` on `train`, evaluating on `dev` and `test` along the way.
pub fn fine_tune(
    model: &BertClassifier,
    [train, dev, test]: [&Encoded; 3],
    pad: usize,
    settings: &FinetuneSettings,
    seed: u64,
    phase: &Phase,
) -> FinetuneOutcome {
    let mut rng = Rng::new(seed);
    let lengths: Vec<usize> = train.ids.iter().map(Vec::len).collect();
    let steps_per_epoch = train.ids.len().div_ceil(settings.batch_size.max(1));
    let mut trainer = Trainer::new(model, settings.optim, steps_per_epoch * settings.epochs);
    let every = steps_per_epoch.div_ceil(settings.evals_per_epoch.max(1)).max(1);
    let (mut curve, mut epoch_losses) = (Vec::new(), Vec::new());
    for epoch in 0..settings.epochs {
        let mut total = 0.0f32;
        let batches = sortish_batches(&lengths, settings.batch_size, &mut rng);
        for (b, batch) in batches.iter().enumerate() {
            model.set_training(true);
            let rows: Vec<&[usize]> = batch.iter().map(|&i| &train.ids[i][..]).collect();
            let labels: Vec<usize> = batch.iter().map(|&i| train.labels[i]).collect();
            let padded = pad_batch(&rows, pad);
            let loss = model.logits(&padded.ids, &padded.lengths).cross_entropy(&labels);
            total += trainer.step(loss);
            phase.advance(1);
            if (b + 1) % every == 0 || b + 1 == batches.len() {
                curve.push(CurvePoint {
                    epoch: epoch as f64 + (b + 1) as f64 / batches.len() as f64,
                    dev: accuracy(&predict(model, dev, pad), &dev.labels),
                    test: accuracy(&predict(model, test, pad), &test.labels),
                });
            }
        }
        epoch_losses.push(total / batches.len().max(1) as f32);
        let last = curve.last().expect("an epoch evaluates at least once");
        phase.status(&format!(
            "epoch {} loss {:.3}, dev {:.1}%",
            epoch + 1,
            total / batches.len().max(1) as f32,
            100.0 * last.dev
        ));
    }
    let best = curve
        .iter()
        .copied()
        .fold(None, |best: Option<CurvePoint>, p| match best {
            Some(b) if b.dev >= p.dev => Some(b),
            _ => Some(p),
        })
        .expect("fine-tuning evaluates at least once");
    FinetuneOutcome {
        lr: settings.optim.lr,
        curve,
        best,
        epoch_losses,
    }
}

/// Fine-tunes a fresh `make()` at each peak rate of `rates` and keeps the run of best
/// validation accuracy (the first on a tie): each starting point gets the rate that
/// suits it, chosen without looking at the test set.
pub fn fine_tune_best_rate(
    make: impl Fn() -> BertClassifier,
    rates: &[f32],
    data: [&Encoded; 3],
    pad: usize,
    settings: &FinetuneSettings,
    seed: u64,
    phase: &Phase,
) -> FinetuneOutcome {
    assert!(!rates.is_empty(), "fine_tune_best_rate: no learning rates to try");
    let mut best: Option<FinetuneOutcome> = None;
    for &lr in rates {
        let mut at_rate = *settings;
        at_rate.optim.lr = lr;
        let outcome = fine_tune(&make(), data, pad, &at_rate, seed, phase);
        if best.as_ref().is_none_or(|b| outcome.best.dev > b.best.dev) {
            best = Some(outcome);
        }
    }
    best.expect("at least one rate was tried")
}
