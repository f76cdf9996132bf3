//! Training a [`Vqa`] model (or one of its blind variants) on the milestone's stream,
//! and scoring its greedy answers: exact match for words; for boxes, IoU ≥ 0.5 and the
//! coordinate error in pixels.

use super::data::{answer_ids, train_batch, ExampleSet, Kind, Truth, VqaData};
use super::scenes::{iou, ObjectPool, QuestionKind, CANVAS};
use crate::Phase;
use descent_models::clip::clip_pixels;
use descent_models::vqa::AnswerVocab;
use descent_models::vqa::Vqa;
use descent_nn::params;
use descent_optim::{clip_grad_norm, AdamW, AdamWConfig, LrSchedule, Optimizer};
use descent_tensor::Tensor;
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
pub fn images_tensor(set: &ExampleSet, indices: &[usize]) -> (Tensor, Vec<usize>) {
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
pub fn question_ids(tokenizer: &Tokenizer, question: &str) -> Vec<usize> {
    tokenizer.encode_skipping_unknown(question).0
}

/// Trains `model` for the budget's steps; returns the loss of every step.
pub fn train(
    model: &Vqa,
    data: &VqaData,
    tokenizer: &Tokenizer,
    vocab: &AnswerVocab,
    budget: Budget,
    seed: u64,
    phase: &Phase,
) -> Vec<f32> {
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

/// Greedy answers (ids) to every example of a set, 128 at a time.
pub fn answer_all(model: &Vqa, set: &ExampleSet, tokenizer: &Tokenizer) -> Vec<Vec<usize>> {
    let mut out = Vec::with_capacity(set.len());
    for start in (0..set.len()).step_by(128) {
        let indices: Vec<usize> = (start..(start + 128).min(set.len())).collect();
        let questions: Vec<Vec<usize>> = indices.iter().map(|&i| question_ids(tokenizer, &set.questions[i])).collect();
        let (images, image_of) = images_tensor(set, &indices);
        out.extend(model.answer(&images, &image_of, &questions));
    }
    out
}

/// Scores of one model on one set.
#[derive(Clone, Debug, Default)]
pub struct Scores {
    /// Exact-match accuracy on easy-VQA questions.
    pub easy_vqa: Option<f64>,
    /// Share of "where" answers with IoU ≥ 0.5.
    pub where_iou50: Option<f64>,
    /// Mean absolute coordinate error of "where" answers, pixels (a malformed answer
    /// counts as the whole canvas).
    pub where_error_px: Option<f64>,
    /// Mean distance between predicted and true box centres, pixels.
    pub where_centre_error_px: Option<f64>,
    /// Share of "where" answers that are not four coordinates.
    pub where_malformed: Option<f64>,
    /// Exact-match accuracy on "what is left of".
    pub left_of: Option<f64>,
    /// Exact-match accuracy on "how many".
    pub count: Option<f64>,
    /// "What is in the picture": share of objects named, in an entry whose box has
    /// IoU ≥ 0.5 with theirs.
    pub list_recall: Option<f64>,
}

/// The share of `truth`'s objects found in a predicted list (entries of a name token
/// and four coordinates; one predicted entry matches one object at most).
fn list_recall(vocab: &AnswerVocab, predicted: &[usize], truth: &[(String, [f32; 4])]) -> f64 {
    let mut entries: Vec<(String, [f32; 4])> = predicted
        .chunks_exact(5)
        .filter_map(|c| Some((vocab.decode(&c[..1]).text, vocab.decode(&c[1..]).bbox?)))
        .collect();
    let mut found = 0;
    for (name, b) in truth {
        if let Some(k) = entries.iter().position(|(n, p)| n == name && iou(p, b) >= 0.5) {
            entries.remove(k);
            found += 1;
        }
    }
    found as f64 / truth.len().max(1) as f64
}

/// Scores answers `predicted` (ids) against a set's truths.
pub fn score(set: &ExampleSet, predicted: &[Vec<usize>], vocab: &AnswerVocab, scores: &mut Scores) {
    let mut tallies: std::collections::HashMap<Kind, (f64, usize)> = Default::default();
    let (mut error, mut centre, mut malformed) = (0.0f64, 0.0f64, 0usize);
    let canvas = [0.0, 0.0, CANVAS as f32, CANVAS as f32];
    for (i, ids) in predicted.iter().enumerate() {
        let decoded = vocab.decode(ids);
        let hit = match &set.truths[i] {
            Truth::Word(w) => f64::from(decoded.text == *w),
            Truth::Box(truth) => {
                let b = decoded.bbox.unwrap_or(canvas);
                malformed += usize::from(decoded.bbox.is_none());
                error += (0..4).map(|k| (b[k] - truth[k]).abs() as f64).sum::<f64>() / 4.0;
                let (cx, cy) = (
                    (b[0] + b[2]) / 2.0 - (truth[0] + truth[2]) / 2.0,
                    (b[1] + b[3]) / 2.0 - (truth[1] + truth[3]) / 2.0,
                );
                centre += ((cx * cx + cy * cy) as f64).sqrt();
                f64::from(iou(&b, truth) >= 0.5)
            }
            Truth::List(objects) => list_recall(vocab, ids, objects),
        };
        let tally = tallies.entry(set.kinds[i]).or_default();
        tally.0 += hit;
        tally.1 += 1;
    }
    let rate = |kind: Kind| tallies.get(&kind).map(|t| t.0 / t.1 as f64);
    if let Some(v) = rate(Kind::EasyVqa) {
        scores.easy_vqa = Some(v);
    }
    if let Some(&(_, n)) = tallies.get(&Kind::Scene(QuestionKind::Where)) {
        scores.where_iou50 = rate(Kind::Scene(QuestionKind::Where));
        scores.where_error_px = Some(error / n as f64);
        scores.where_centre_error_px = Some(centre / n as f64);
        scores.where_malformed = Some(malformed as f64 / n as f64);
    }
    if let Some(v) = rate(Kind::Scene(QuestionKind::LeftOf)) {
        scores.left_of = Some(v);
    }
    if let Some(v) = rate(Kind::Scene(QuestionKind::Count)) {
        scores.count = Some(v);
    }
    if let Some(v) = rate(Kind::Scene(QuestionKind::List)) {
        scores.list_recall = Some(v);
    }
}
