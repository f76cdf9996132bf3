//! Training for the CLIP milestone: the contrastive model on image–caption pairs, and
//! the two image-only references it is compared with — a supervised network with the
//! same image encoder, and a linear probe on the frozen CLIP image features.

use super::captions::{is_unseen_combination, templates, Lang, TemplateSet, CLASSES};
use super::data::{ClipData, ImageBank};
use super::Settings;
use crate::{Phase, Run};
use descent_data::epoch_seed;
use descent_models::clip::{Clip, ClipConfig, ImageEncoder, CLIP_IMAGE_SIDE};
use descent_nn::{param_count, params, Forward, Linear, Module};
use descent_optim::{AdamW, AdamWConfig, LrSchedule, Optimizer};
use descent_tensor::{no_grad, Param, Rng, Tensor};
use descent_text::Tokenizer;
use std::collections::HashMap;

/// Token ids of every caption, by (class, language, template set, template index).
pub(crate) struct Prompts {
    ids: HashMap<(usize, Lang, TemplateSet, usize), Vec<usize>>,
}

impl Prompts {
    /// Encodes every template of every class with `tokenizer` (built from them all).
    pub(crate) fn new(tokenizer: &Tokenizer) -> Prompts {
        let mut ids = HashMap::new();
        for (class, c) in CLASSES.iter().enumerate() {
            for lang in Lang::ALL {
                for set in [TemplateSet::Train, TemplateSet::HeldOut] {
                    for (t, template) in templates(c.domain, lang, set).iter().enumerate() {
                        let text = super::captions::caption(template, class);
                        let encoded = tokenizer.encode(&text).expect("the tokenizer is built from these captions");
                        ids.insert((class, lang, set, t), encoded);
                    }
                }
            }
        }
        Prompts { ids }
    }

    /// Every caption key, sorted (a deterministic order for batching).
    pub(crate) fn keys(&self) -> Vec<(usize, Lang, TemplateSet, usize)> {
        let mut keys: Vec<_> = self.ids.keys().copied().collect();
        keys.sort_by_key(|&(class, lang, set, t)| (class, lang as usize, set as usize, t));
        keys
    }

    /// Ids of one caption.
    pub(crate) fn get(&self, class: usize, lang: Lang, set: TemplateSet, template: usize) -> &[usize] {
        &self.ids[&(class, lang, set, template)]
    }

    /// A random training caption of `class`: a random language, a random training
    /// template other than the class's unseen combinations.
    fn sample_train(&self, class: usize, rng: &mut Rng) -> Vec<usize> {
        let lang = Lang::ALL[rng.below(2)];
        let count = templates(CLASSES[class].domain, lang, TemplateSet::Train).len();
        let allowed: Vec<usize> = (0..count).filter(|&t| !is_unseen_combination(class, lang, t)).collect();
        self.get(class, lang, TemplateSet::Train, allowed[rng.below(allowed.len())])
            .to_vec()
    }
}

/// Batch size, epochs and peak learning rate of one training.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Pairs (or images) per step.
    pub batch_size: usize,
    /// Passes over the training images.
    pub epochs: usize,
    /// Peak learning rate (warmup, then cosine decay).
    pub lr: f32,
}

impl Budget {
    /// Warmup over a tenth of `steps`, then cosine decay to a twentieth of the peak.
    fn schedule(&self, steps: usize) -> LrSchedule {
        let warmup = (steps / 10).max(1);
        LrSchedule::cosine(self.lr, self.lr / 20.0, steps.saturating_sub(warmup).max(1)).with_warmup(warmup)
    }
}

/// Images `indices` as a (B, 3, 32, 32) tensor.
fn batch_images(bank: &ImageBank, indices: &[usize]) -> Tensor {
    Tensor::from_vec(bank.gather(indices), &[indices.len(), 3, CLIP_IMAGE_SIDE, CLIP_IMAGE_SIDE])
}

/// The seeded order of one epoch, cut into batches (the last may be short; a batch of
/// one is dropped: the contrastive loss needs negatives).
fn epoch_batches(n: usize, batch_size: usize, seed: u64, epoch: usize) -> Vec<Vec<usize>> {
    let order = Rng::new(epoch_seed(seed, epoch as u64)).permutation(n);
    order.chunks(batch_size).filter(|c| c.len() > 1).map(<[usize]>::to_vec).collect()
}

/// Mean losses per epoch of a training.
pub(crate) struct Trained {
    /// Mean training loss of each epoch.
    pub(crate) epoch_losses: Vec<f32>,
}

/// One loop for every training here: `loss(batch indices, rng)` per step.
fn train_loop(
    all: &[Param],
    n: usize,
    budget: Budget,
    seed: u64,
    phase: &Phase,
    mut loss: impl FnMut(&[usize], &mut Rng) -> Tensor,
) -> Trained {
    let steps_per_epoch = epoch_batches(n, budget.batch_size, seed, 0).len();
    let schedule = budget.schedule(steps_per_epoch * budget.epochs);
    let mut optimizer = AdamW::new(AdamWConfig {
        lr: budget.lr,
        weight_decay: 0.05,
        ..AdamWConfig::default()
    });
    let mut rng = Rng::new(seed ^ 0x05EE_DCA9);
    let (mut step, mut epoch_losses) = (0, Vec::new());
    for epoch in 0..budget.epochs {
        let (mut total, mut count) = (0.0f64, 0usize);
        for batch in epoch_batches(n, budget.batch_size, seed, epoch) {
            schedule.apply(&mut optimizer, step);
            let value = loss(&batch, &mut rng);
            let grads = value.backward();
            total += value.item() as f64 * batch.len() as f64;
            count += batch.len();
            drop(value);
            optimizer.step(all, &grads);
            step += 1;
            phase.advance(batch.len() as u64);
        }
        epoch_losses.push((total / count.max(1) as f64) as f32);
    }
    Trained { epoch_losses }
}

/// A fresh CLIP of `settings.model`'s sizes over the tokenizer's vocabulary,
/// initialised from the run's seed.
pub(crate) fn build_model(run: &Run, settings: &Settings, tokenizer: &Tokenizer, data: &ClipData) -> Clip {
    let config = ClipConfig {
        vocab_size: tokenizer.vocab_size(),
        ..settings.model
    };
    let model = Clip::new(config, &mut Rng::new(run.seed()));
    run.log(&format!(
        "clip: {} training / {} test images ({}), {} caption characters, {} parameters",
        data.train.len(),
        data.test.len(),
        data.identity,
        tokenizer.vocab_size(),
        param_count(&model)
    ));
    model
}

/// Trains `model` contrastively for the budget's epochs, recording the mean loss of
/// each epoch as `clip_loss`.
pub(crate) fn contrastive(run: &mut Run, model: &Clip, data: &ClipData, prompts: &Prompts, budget: Budget) {
    let phase = run.phase("clip", (data.train.len() * budget.epochs) as u64);
    let trained = train_clip(model, &data.train, prompts, budget, run.seed(), &phase);
    drop(phase);
    for (epoch, loss) in trained.epoch_losses.iter().enumerate() {
        run.record("clip_loss", (epoch + 1) as f64, *loss as f64);
    }
    run.log(&format!("clip: contrastive loss {:?} per epoch", trained.epoch_losses));
}

/// Trains `model` contrastively on the training images, each paired with a fresh
/// random caption of its class at every step.
fn train_clip(model: &Clip, train: &ImageBank, prompts: &Prompts, budget: Budget, seed: u64, phase: &Phase) -> Trained {
    model.set_training(true);
    let trained = train_loop(&params(model), train.len(), budget, seed, phase, |batch, rng| {
        let captions: Vec<Vec<usize>> = batch.iter().map(|&i| prompts.sample_train(train.labels[i], rng)).collect();
        model.contrastive_loss(&batch_images(train, batch), &captions)
    });
    model.set_training(false);
    trained
}

/// The supervised reference: CLIP's image encoder with a linear classifier over all
/// 30 classes, trained with cross-entropy on the labels.
pub(crate) struct Supervised {
    /// Same architecture as CLIP's image tower.
    encoder: ImageEncoder,
    /// Features → class logits.
    head: Linear,
}

/// The supervised reference after training, with its losses.
pub(crate) struct SupervisedRun {
    /// The trained network.
    pub(crate) model: Supervised,
    /// Its mean loss per epoch.
    pub(crate) trained: Trained,
}

/// Builds the supervised reference (its own seed) for `clip`'s image-encoder sizes and
/// trains it with CLIP's batches, epochs and schedule.
pub(crate) fn supervised(run: &Run, clip: &Clip, data: &ClipData, budget: Budget) -> SupervisedRun {
    let features = clip.config.image_features;
    let mut rng = Rng::new(run.seed() ^ 0xBA5E);
    let model = Supervised {
        encoder: ImageEncoder::new(clip.config.conv_width, features, &mut rng),
        head: Linear::new(features, CLASSES.len(), &mut rng),
    };
    let phase = run.phase("supervised", (data.train.len() * budget.epochs) as u64);
    let trained = train_supervised(&model, &data.train, budget, run.seed(), &phase);
    SupervisedRun { model, trained }
}

impl Forward for Supervised {
    fn forward(&self, images: &Tensor) -> Tensor {
        self.head.forward(&self.encoder.features(images))
    }
}

impl Module for Supervised {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.encoder.visit(&descent_nn::join_name(prefix, "encoder"), f);
        self.head.visit(&descent_nn::join_name(prefix, "head"), f);
    }

    fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.encoder.visit_buffers(&descent_nn::join_name(prefix, "encoder"), f);
    }

    fn set_training(&self, training: bool) {
        self.encoder.set_training(training);
    }
}

/// Trains the supervised reference with the same batches, epochs and schedule.
fn train_supervised(model: &Supervised, train: &ImageBank, budget: Budget, seed: u64, phase: &Phase) -> Trained {
    model.set_training(true);
    let trained = train_loop(&params(model), train.len(), budget, seed, phase, |batch, _| {
        let labels: Vec<usize> = batch.iter().map(|&i| train.labels[i]).collect();
        model.forward(&batch_images(train, batch)).cross_entropy(&labels)
    });
    model.set_training(false);
    trained
}

/// Rows of `f(batch)` over a whole bank, without a graph, 256 images at a time.
pub(crate) fn map_images(bank: &ImageBank, f: impl Fn(&Tensor) -> Tensor) -> Vec<f32> {
    let mut out = Vec::new();
    no_grad(|| {
        for start in (0..bank.len()).step_by(256) {
            let indices: Vec<usize> = (start..(start + 256).min(bank.len())).collect();
            out.extend(f(&batch_images(bank, &indices)).to_vec());
        }
    });
    out
}

/// A linear probe: logistic regression (a Linear layer, Adam, cross-entropy) on frozen
/// features `(n, width)` of the training images. Features are standardised with the
/// training mean and deviation first; returns the test logits `(n_test, 30)`.
pub(crate) fn linear_probe(
    train_features: &[f32],
    train_labels: &[usize],
    test_features: &[f32],
    width: usize,
    epochs: usize,
    seed: u64,
) -> Vec<f32> {
    let n = train_labels.len();
    let mut mean = vec![0.0f32; width];
    let mut var = vec![0.0f32; width];
    train_features
        .chunks(width)
        .for_each(|r| r.iter().zip(&mut mean).for_each(|(v, m)| *m += v / n as f32));
    train_features.chunks(width).for_each(|r| {
        r.iter()
            .zip(&mean)
            .zip(&mut var)
            .for_each(|((v, m), s)| *s += (v - m).powi(2) / n as f32)
    });
    let standardise = |rows: &[f32]| -> Vec<f32> {
        rows.chunks(width)
            .flat_map(|r| r.iter().enumerate().map(|(j, v)| (v - mean[j]) / (var[j].sqrt() + 1e-5)))
            .collect()
    };
    let (train_x, test_x) = (standardise(train_features), standardise(test_features));
    let head = Linear::new(width, CLASSES.len(), &mut Rng::new(seed));
    let all = params(&head);
    let mut optimizer = AdamW::new(AdamWConfig {
        lr: 3e-3,
        weight_decay: 1e-3,
        ..AdamWConfig::default()
    });
    for epoch in 0..epochs {
        for batch in epoch_batches(n, 128, seed, epoch) {
            let x: Vec<f32> = batch
                .iter()
                .flat_map(|&i| train_x[i * width..(i + 1) * width].iter().copied())
                .collect();
            let labels: Vec<usize> = batch.iter().map(|&i| train_labels[i]).collect();
            let loss = head.forward(&Tensor::from_vec(x, &[batch.len(), width])).cross_entropy(&labels);
            let grads = loss.backward();
            drop(loss);
            optimizer.step(&all, &grads);
        }
    }
    let rows = test_features.len() / width;
    no_grad(|| head.forward(&Tensor::from_vec(test_x, &[rows, width])).to_vec())
}
