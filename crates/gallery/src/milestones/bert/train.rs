//! Training the networks of BERT's half of the claim, with the optimisation every
//! network of this milestone uses (the recipe of BERT's paper): AdamW with decoupled
//! weight decay on matrices only (biases, LayerNorm gains and the MLM output bias are
//! not decayed), linear warmup then cosine decay, and global gradient-norm clipping.
//!
//! Fine-tuning a BERT sentence classifier moves every weight, with the same budget
//! whatever the encoder's starting point: the same examples, batches, epochs, schedule
//! and seed. The reported test accuracy is the one at the evaluation of best validation
//! accuracy (the test set never chooses anything).

use super::data::{pad_batch, sortish_batches, Corpus, Encoded};
use super::measure::{accuracy, predict};
use super::Settings;
use crate::{Phase, Run};
use descent_models::bert::{Bert, BertClassifier, BertConfig};
use descent_nn::{named_params, Checkpoint, Module};
use descent_optim::{clip_grad_norm, AdamW, AdamWConfig, LrSchedule, Optimizer};
use descent_tensor::{Param, Rng, Tensor};

/// Learning-rate schedule and regularisation of one training run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptimSettings {
    /// Peak learning rate (reached after warmup).
    pub lr: f32,
    /// AdamW's decoupled decay on matrices.
    pub weight_decay: f32,
    /// Share of the steps spent warming up linearly.
    pub warmup_fraction: f32,
    /// Largest global gradient norm (clipped above).
    pub clip_norm: f32,
}

/// AdamW over a model's parameters, in two groups, stepping along a schedule.
pub(crate) struct Trainer {
    /// Matrices (decayed) and the other parameters (not decayed), each with its AdamW.
    groups: [(AdamW, Vec<Param>); 2],
    /// Every parameter, for the gradient norm.
    all: Vec<Param>,
    /// Warmup, then cosine decay.
    schedule: LrSchedule,
    /// Largest global gradient norm.
    clip_norm: f32,
    /// Steps taken.
    pub(crate) step: usize,
}

impl Trainer {
    /// A trainer of `model` for `total_steps` steps.
    pub(crate) fn new(model: &dyn Module, settings: OptimSettings, total_steps: usize) -> Trainer {
        let named = named_params(model);
        let (matrices, others): (Vec<Param>, Vec<Param>) = named.into_iter().map(|(_, p)| p).partition(|p| p.shape().len() >= 2);
        let config = AdamWConfig {
            lr: settings.lr,
            weight_decay: settings.weight_decay,
            ..AdamWConfig::default()
        };
        let plain = AdamWConfig {
            weight_decay: 0.0,
            ..config
        };
        let warmup = ((total_steps as f32 * settings.warmup_fraction) as usize).min(total_steps.saturating_sub(1));
        let schedule = LrSchedule::cosine(settings.lr, settings.lr / 20.0, total_steps.saturating_sub(warmup).max(1)).with_warmup(warmup);
        Trainer {
            all: matrices.iter().chain(&others).cloned().collect(),
            groups: [(AdamW::new(config), matrices), (AdamW::new(plain), others)],
            schedule,
            clip_norm: settings.clip_norm,
            step: 0,
        }
    }

    /// Back-propagates `loss`, clips and steps; returns the loss value.
    pub(crate) fn step(&mut self, loss: Tensor) -> f32 {
        let mut grads = loss.backward();
        let value = loss.item();
        // Free the graph first: parameters then have one owner and update in place.
        drop(loss);
        clip_grad_norm(&mut grads, &self.all, self.clip_norm);
        let lr = self.schedule.lr_at(self.step);
        for (optimizer, params) in &mut self.groups {
            optimizer.set_learning_rate(lr);
            optimizer.step(params, &grads);
        }
        self.step += 1;
        value
    }
}

/// The small BERT fine-tuned from the pre-trained encoder and from random
/// initialisation, each at the rate of its best validation accuracy.
pub(crate) struct FineTuned {
    /// From the pre-trained encoder.
    pub(crate) tuned: FinetuneOutcome,
    /// From random initialisation.
    pub(crate) scratch: FinetuneOutcome,
    /// Parameters of the classifier.
    pub(crate) params: usize,
}

/// Fine-tunes a classifier on a copy of `pretrained` and one from random
/// initialisation (`config`), with the same head, examples and budget.
pub(crate) fn fine_tune_both(run: &Run, corpus: &Corpus, config: &BertConfig, settings: &Settings, pretrained: &Bert) -> FineTuned {
    let rates = &settings.finetune_rates;
    let steps = (corpus.train.ids.len().div_ceil(settings.finetune.batch_size) * settings.finetune.epochs * rates.len()) as u64;
    let head_seed = run.seed() ^ 0xC1A5;
    let classifier = |bert: Bert| BertClassifier::new(bert, 2, settings.finetune.dropout, &mut Rng::new(head_seed));
    let pretrained_weights = Checkpoint::from_params(&named_params(pretrained), Default::default());
    let params = descent_nn::param_count(&classifier(Bert::new(config, &mut Rng::new(0))));
    let data = [&corpus.train, &corpus.dev, &corpus.test];
    let tune = |label: &str, make: &dyn Fn() -> BertClassifier| {
        let phase = run.phase(label, steps);
        fine_tune_best_rate(make, rates, data, corpus.pad, &settings.finetune, run.seed(), &phase)
    };
    let tuned = tune("fine-tune pre-trained", &|| {
        let bert = Bert::new(config, &mut Rng::new(0));
        pretrained_weights
            .apply(&named_params(&bert), &[])
            .expect("a copy of the same configuration has the same tensors");
        classifier(bert)
    });
    let scratch = tune("fine-tune from scratch", &|| {
        classifier(Bert::new(config, &mut Rng::new(run.seed() ^ 0x5C2A)))
    });
    run.log(&format!(
        "BERT fine-tuned: pre-trained {:.1}% (lr {}), from random init {:.1}% (lr {}) (test, at the best dev evaluation)",
        100.0 * tuned.best.test,
        tuned.lr,
        100.0 * scratch.best.test,
        scratch.lr
    ));
    FineTuned { tuned, scratch, params }
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
pub(crate) struct CurvePoint {
    /// Epochs done (fractional between evaluations).
    pub(crate) epoch: f64,
    /// Validation accuracy.
    pub(crate) dev: f64,
    /// Test accuracy.
    pub(crate) test: f64,
}

/// What a fine-tuning measured.
pub(crate) struct FinetuneOutcome {
    /// Its peak learning rate.
    pub(crate) lr: f32,
    /// Accuracy after each evaluation.
    pub(crate) curve: Vec<CurvePoint>,
    /// The point of best validation accuracy (its test accuracy is reported).
    pub(crate) best: CurvePoint,
    /// Mean training loss of each epoch.
    pub(crate) epoch_losses: Vec<f32>,
}

/// Fine-tunes `model` on `train`, evaluating on `dev` and `test` along the way.
pub(crate) fn fine_tune(
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
fn fine_tune_best_rate(
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
