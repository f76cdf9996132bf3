//! Training a [`Vqa`] model (or one of its blind variants) on the milestone's stream: a
//! fresh seeded batch of easy-VQA and scene questions per step, answer tokens learned
//! with soft targets for coordinates.

use super::data::{answer_ids, train_batch, ExampleSet, Vocabularies, VqaData};
use super::scenes::{ObjectPool, CANVAS};
use super::Settings;
use crate::{Phase, Run};
use descent_models::clip::clip_pixels;
use descent_models::vqa::AnswerVocab;
use descent_models::vqa::{Vqa, VqaConfig};
use descent_nn::params;
use descent_optim::{clip_grad_norm, AdamW, AdamWConfig, LrSchedule, Optimizer};
use descent_tensor::{Rng, Tensor};
use descent_text::Tokenizer;

/// Steps, batch size and peak learning rate of one training.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Optimizer steps.
    pub steps: usize,
    /// Questions per step.
    pub batch_size: usize,
    /// Questions asked about each image of a step (one encoder pass serves them all).
    pub per_image: usize,
    /// Peak learning rate (warmup, cosine decay).
    pub lr: f32,
    /// Share of each batch's questions taken from easy-VQA (the rest are about scenes).
    pub easy_share: f32,
}

/// The distinct images of examples `indices` as the model's input (M, 3, 64, 64), and
/// each example's row in it.
pub(crate) fn images_tensor(set: &ExampleSet, indices: &[usize]) -> (Tensor, Vec<usize>) {
    let mut rows: Vec<usize> = Vec::new();
    let mut image_of = Vec::with_capacity(indices.len());
    let mut pixels = Vec::new();
    for &i in indices {
        let image = set.image_of[i];
        let row = match rows.iter().position(|&r| r == image) {
            Some(row) => row,
            None => {
                rows.push(image);
                pixels.extend(clip_pixels(set.image(i)));
                rows.len() - 1
            }
        };
        image_of.push(row);
    }
    (Tensor::from_vec(pixels, &[rows.len(), 3, CANVAS, CANVAS]), image_of)
}

/// Token ids of a question (characters the tokenizer lacks are dropped).
pub(crate) fn question_ids(tokenizer: &Tokenizer, question: &str) -> Vec<usize> {
    tokenizer.encode_skipping_unknown(question).0
}

/// The model's sizes: `settings.model` with the vocabularies and lengths of the data.
pub(crate) fn model_config(settings: &Settings, vocabs: &Vocabularies) -> VqaConfig {
    VqaConfig {
        question_vocab: vocabs.questions.vocab_size(),
        question_len: vocabs.longest_question + 8,
        answer_vocab: vocabs.answers.len(),
        // BOS + up to four objects of a name and four coordinates each.
        answer_len: 1 + 4 * 5,
        ..settings.model
    }
}

/// A fresh model of `config` (the run's seed, the same for all three) trained for the
/// budget; returns it with the loss of every step.
pub(crate) fn train_model(run: &Run, config: VqaConfig, data: &VqaData, vocabs: &Vocabularies, budget: Budget) -> (Vqa, Vec<f32>) {
    let model = Vqa::new(config, &mut Rng::new(run.seed()));
    let phase = run.phase(config.inputs.name(), budget.steps as u64);
    let losses = train(&model, data, &vocabs.questions, &vocabs.answers, budget, run.seed(), &phase);
    (model, losses)
}

/// Trains `model` for the budget's steps; returns the loss of every step.
fn train(model: &Vqa, data: &VqaData, tokenizer: &Tokenizer, vocab: &AnswerVocab, budget: Budget, seed: u64, phase: &Phase) -> Vec<f32> {
    let pool = ObjectPool::new(&data.train_objects.0, data.train_objects.1.as_ref());
    let all = params(model);
    let warmup = (budget.steps / 10).max(1);
    let schedule = LrSchedule::cosine(budget.lr, budget.lr / 20.0, budget.steps - warmup).with_warmup(warmup);
    let mut optimizer = AdamW::new(AdamWConfig {
        lr: budget.lr,
        weight_decay: 0.01,
        ..AdamWConfig::default()
    });
    let mut losses = Vec::with_capacity(budget.steps);
    for step in 0..budget.steps {
        let batch = train_batch(data, &pool, &budget, seed, step);
        let indices: Vec<usize> = (0..batch.len()).collect();
        let (images, image_of) = images_tensor(&batch, &indices);
        let questions: Vec<Vec<usize>> = batch.questions.iter().map(|q| question_ids(tokenizer, q)).collect();
        let answers: Vec<Vec<usize>> = batch.truths.iter().map(|t| answer_ids(vocab, t)).collect();
        schedule.apply(&mut optimizer, step);
        let loss = model.loss_soft(&images, &image_of, &questions, &answers, &|id| vocab.soften(id));
        let mut grads = loss.backward();
        losses.push(loss.item());
        drop(loss);
        clip_grad_norm(&mut grads, &all, 1.0);
        optimizer.step(&all, &grads);
        phase.advance(1);
    }
    losses
}
