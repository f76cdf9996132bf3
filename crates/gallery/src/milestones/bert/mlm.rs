//! Masked-language-model pre-training, BERT's "cloze" objective: in every sequence
//! 15% of the real tokens (never `[CLS]`/`[SEP]`, at least one) are chosen; of those
//! 80% become `[MASK]`, 10% a random token, 10% stay as they were; the model predicts
//! the originals at the chosen positions. Held-out text, masked once with a fixed seed,
//! measures how well it does, next to the unigram entropy: the loss of a model that
//! knows only token frequencies and no context.

use super::data::{pad_batch, sortish_batches, Corpus, Padded, FIRST_REGULAR};
use super::train::{OptimSettings, Trainer};
use crate::{Phase, Run};
use descent_models::bert::{BertConfig, BertForMaskedLm};
use descent_tensor::{no_grad, Rng};
use std::time::Instant;

/// Budget of the pre-training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MlmSettings {
    /// Optimizer steps.
    pub steps: usize,
    /// Sequences per step.
    pub batch_size: usize,
    /// Optimisation.
    pub optim: OptimSettings,
    /// Share of the real tokens predicted.
    pub mask_prob: f32,
}

/// The special ids masking must know.
#[derive(Clone, Copy, Debug)]
struct MaskIds {
    /// `[MASK]`.
    mask: usize,
    /// Random replacements are drawn from `first_regular..vocab` (no special tokens).
    first_regular: usize,
    /// Vocabulary size.
    vocab: usize,
    /// `[PAD]`.
    pad: usize,
}

/// A batch with some tokens hidden: the corrupted ids, the flat positions to predict
/// and the original tokens there.
struct Masked {
    /// The padded batch, corrupted.
    batch: Padded,
    /// Flat indices (row · T + t) of the chosen tokens.
    positions: Vec<usize>,
    /// Their original ids.
    targets: Vec<usize>,
}

/// Chooses and corrupts tokens of `rows` as BERT does.
fn mask_rows(rows: &[&[usize]], ids: MaskIds, mask_prob: f32, rng: &mut Rng) -> Masked {
    let mut batch = pad_batch(rows, ids.pad);
    let steps = batch.ids.len() / rows.len().max(1);
    let (mut positions, mut targets) = (Vec::new(), Vec::new());
    for (b, &len) in batch.lengths.iter().enumerate() {
        let inner = 1..len.saturating_sub(1); // skip [CLS] and [SEP]
        if inner.is_empty() {
            continue;
        }
        let mut chosen: Vec<usize> = inner.clone().filter(|_| rng.uniform() < mask_prob).collect();
        if chosen.is_empty() {
            chosen.push(inner.start + rng.below(inner.len()));
        }
        for t in chosen {
            let at = b * steps + t;
            positions.push(at);
            targets.push(batch.ids[at]);
            let roll = rng.uniform();
            if roll < 0.8 {
                batch.ids[at] = ids.mask;
            } else if roll < 0.9 {
                batch.ids[at] = ids.first_regular + rng.below(ids.vocab - ids.first_regular);
            }
        }
    }
    Masked { batch, positions, targets }
}

/// What the pre-training measured.
pub(crate) struct MlmOutcome {
    /// Training loss of every step.
    pub(crate) losses: Vec<f32>,
    /// Loss on the held-out sequences (nats per predicted token).
    pub(crate) held_out_loss: f32,
    /// Cross-entropy of the training unigram distribution on the same held-out targets.
    pub(crate) unigram_entropy: f32,
    /// Wall-clock seconds of training.
    pub(crate) seconds: f64,
    /// Sequences processed (steps × batch).
    pub(crate) sequences_seen: usize,
}

/// A small BERT of `config` pre-trained by MLM on the run's unlabelled sequences, and
/// what the pre-training measured.
pub(crate) fn pretrain_bert(run: &Run, corpus: &Corpus, config: &BertConfig, settings: &MlmSettings) -> (BertForMaskedLm, MlmOutcome) {
    let model = BertForMaskedLm::new(config, &mut Rng::new(run.seed() ^ 0xBE27));
    let ids = MaskIds {
        mask: corpus.tokenizer.id("[MASK]").expect("trained vocabularies hold [MASK]") as usize,
        first_regular: FIRST_REGULAR,
        vocab: corpus.vocab,
        pad: corpus.pad,
    };
    let phase = run.phase("MLM pre-training", settings.steps as u64);
    let mlm = pretrain(&model, &corpus.unlabelled, &corpus.held_out, ids, settings, run.seed(), &phase);
    run.log(&format!(
        "MLM: held-out loss {:.3} nats vs unigram entropy {:.3} ({} steps, {:.0} s)",
        mlm.held_out_loss, mlm.unigram_entropy, settings.steps, mlm.seconds
    ));
    (model, mlm)
}

/// Pre-trains `model` on `corpus` (token sequences `[CLS] … [SEP]`) and scores it on
/// `held_out`.
fn pretrain(
    model: &BertForMaskedLm,
    corpus: &[Vec<usize>],
    held_out: &[Vec<usize>],
    ids: MaskIds,
    settings: &MlmSettings,
    seed: u64,
    phase: &Phase,
) -> MlmOutcome {
    let mut rng = Rng::new(seed);
    let mut trainer = Trainer::new(model, settings.optim, settings.steps);
    let lengths: Vec<usize> = corpus.iter().map(Vec::len).collect();
    let mut queue: Vec<Vec<usize>> = Vec::new();
    let mut losses = Vec::with_capacity(settings.steps);
    let start = Instant::now();
    while trainer.step < settings.steps {
        if queue.is_empty() {
            queue = sortish_batches(&lengths, settings.batch_size, &mut rng);
            queue.reverse();
        }
        let batch = queue.pop().expect("a corpus gives at least one batch");
        let rows: Vec<&[usize]> = batch.iter().map(|&i| &corpus[i][..]).collect();
        let masked = mask_rows(&rows, ids, settings.mask_prob, &mut rng);
        if masked.positions.is_empty() {
            continue;
        }
        let loss = model.loss(&masked.batch.ids, &masked.batch.lengths, &masked.positions, &masked.targets);
        let value = trainer.step(loss);
        losses.push(value);
        phase.status(&format!("MLM loss {value:.3}"));
        phase.advance(1);
    }
    let seconds = start.elapsed().as_secs_f64();
    let (held_out_loss, unigram_entropy) = held_out_scores(model, corpus, held_out, ids, settings, seed);
    MlmOutcome {
        losses,
        held_out_loss,
        unigram_entropy,
        seconds,
        sequences_seen: settings.steps * settings.batch_size,
    }
}

/// (model loss, unigram cross-entropy) on `held_out`, masked with a fixed seed.
fn held_out_scores(
    model: &BertForMaskedLm,
    corpus: &[Vec<usize>],
    held_out: &[Vec<usize>],
    ids: MaskIds,
    settings: &MlmSettings,
    seed: u64,
) -> (f32, f32) {
    let mut counts = vec![1.0f64; ids.vocab]; // add-one smoothing
    for row in corpus {
        for &t in &row[1..row.len().saturating_sub(1)] {
            counts[t] += 1.0;
        }
    }
    let total: f64 = counts.iter().sum();
    let mut rng = Rng::new(seed ^ 0x5eed);
    let (mut model_sum, mut unigram_sum, mut n) = (0.0f64, 0.0f64, 0usize);
    no_grad(|| {
        for chunk in held_out.chunks(settings.batch_size.max(1)) {
            let rows: Vec<&[usize]> = chunk.iter().map(Vec::as_slice).collect();
            let masked = mask_rows(&rows, ids, settings.mask_prob, &mut rng);
            if masked.positions.is_empty() {
                continue;
            }
            let loss = model.loss(&masked.batch.ids, &masked.batch.lengths, &masked.positions, &masked.targets);
            model_sum += loss.item() as f64 * masked.targets.len() as f64;
            unigram_sum += masked.targets.iter().map(|&t| -(counts[t] / total).ln()).sum::<f64>();
            n += masked.targets.len();
        }
    });
    let n = n.max(1) as f64;
    ((model_sum / n) as f32, (unigram_sum / n) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_spares_the_boundaries_and_keeps_targets() {
        let ids = MaskIds {
            mask: 4,
            first_regular: 5,
            vocab: 50,
            pad: 0,
        };
        let rows: Vec<Vec<usize>> = (0..40).map(|i| vec![2, 10 + i % 30, 11, 12, 13, 3]).collect();
        let refs: Vec<&[usize]> = rows.iter().map(Vec::as_slice).collect();
        let m = mask_rows(&refs, ids, 0.15, &mut Rng::new(3));
        assert!(m.positions.len() >= 40, "at least one per row");
        for (&p, &t) in m.positions.iter().zip(&m.targets) {
            let (row, col) = (p / 6, p % 6);
            assert!((1..5).contains(&col));
            assert_eq!(t, rows[row][col]);
        }
        let hidden = m.positions.iter().filter(|&&p| m.batch.ids[p] == 4).count();
        assert!(
            hidden * 10 > m.positions.len() * 6,
            "about 80% become [MASK]: {hidden} of {}",
            m.positions.len()
        );
    }
}
