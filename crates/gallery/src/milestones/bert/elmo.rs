//! Part 1 of the claim, ELMo's comparison (Peters et al. 2018), whole: a bidirectional
//! LSTM language model trained on unlabelled text; then, frozen, its contextual states
//! (averaged over a sentence) feed a logistic regression, against the same model's
//! context-free token embeddings (layer 0) averaged the same way. Both classifiers get
//! the same examples and budget.

use super::data::{eval_batches, pad_batch, sortish_batches, Corpus, Encoded};
use super::measure::{probe, FeatureSplit, ProbeData, ProbeOutcome};
use super::train::{OptimSettings, Trainer};
use crate::{Phase, Run};
use descent_models::elmo::{BiLm, BiLmConfig};
use descent_tensor::{no_grad, Rng};

/// Budget of the language model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BiLmSettings {
    /// Sizes (`vocab_size` is set from the tokenizer).
    pub model: BiLmConfig,
    /// Optimizer steps.
    pub steps: usize,
    /// Sequences per step.
    pub batch_size: usize,
    /// Optimisation.
    pub optim: OptimSettings,
    /// Epochs of each logistic regression on the frozen features.
    pub probe_epochs: usize,
}

/// What the ELMo comparison measured.
pub(crate) struct ElmoOutcome {
    /// Training loss of every step (mean of both directions).
    pub(crate) losses: Vec<f32>,
    /// Held-out next-token loss, nats.
    pub(crate) held_out_loss: f32,
    /// Probe on mean token embeddings (context-free).
    pub(crate) static_probe: ProbeOutcome,
    /// Probe on mean biLSTM states (contextual).
    pub(crate) contextual_probe: ProbeOutcome,
}

/// Part 1 on the run's text: the biLM (its vocabulary the corpus's), its held-out
/// loss, and both probes.
pub(crate) fn elmo(run: &Run, corpus: &Corpus, settings: &BiLmSettings) -> ElmoOutcome {
    let bilm = BiLmSettings {
        model: BiLmConfig {
            vocab_size: corpus.vocab,
            ..settings.model
        },
        ..*settings
    };
    let phase = run.phase("biLM", bilm.steps as u64);
    let data = [&corpus.train, &corpus.dev, &corpus.test];
    let elmo = run_elmo(&corpus.unlabelled, &corpus.held_out, data, corpus.pad, &bilm, run.seed(), &phase);
    run.log(&format!(
        "ELMo: biLM held-out loss {:.3}; logistic regression on static embeddings {:.1}%, on contextual states {:.1}% (test)",
        elmo.held_out_loss,
        100.0 * elmo.static_probe.test_accuracy,
        100.0 * elmo.contextual_probe.test_accuracy
    ));
    elmo
}

/// Trains a biLM on `corpus`, scores it on `held_out`, then probes both feature kinds.
fn run_elmo(
    corpus: &[Vec<usize>],
    held_out: &[Vec<usize>],
    [train, dev, test]: [&Encoded; 3],
    pad: usize,
    settings: &BiLmSettings,
    seed: u64,
    phase: &Phase,
) -> ElmoOutcome {
    let mut rng = Rng::new(seed);
    let model = BiLm::new(settings.model, &mut rng);
    let mut trainer = Trainer::new(&model, settings.optim, settings.steps);
    let lengths: Vec<usize> = corpus.iter().map(Vec::len).collect();
    let mut queue: Vec<Vec<usize>> = Vec::new();
    let mut losses = Vec::with_capacity(settings.steps);
    while trainer.step < settings.steps {
        if queue.is_empty() {
            queue = sortish_batches(&lengths, settings.batch_size, &mut rng);
        }
        let batch = queue.pop().expect("a corpus gives at least one batch");
        let rows: Vec<&[usize]> = batch.iter().map(|&i| &corpus[i][..]).collect();
        let padded = pad_batch(&rows, pad);
        let value = trainer.step(model.loss(&padded.ids, &padded.lengths, pad));
        losses.push(value);
        phase.status(&format!("biLM loss {value:.3}"));
        phase.advance(1);
    }
    let held_out_loss = held_out_lm_loss(&model, held_out, pad);
    let splits = [train, dev, test].map(|split| features(&model, split, pad));
    let [(train_s, train_c), (dev_s, dev_c), (test_s, test_c)] = splits;
    let probe_of = |width: usize, t: Vec<f32>, d: Vec<f32>, s: Vec<f32>| {
        let data = ProbeData {
            width,
            train: FeatureSplit {
                features: t,
                labels: train.labels.clone(),
            },
            dev: FeatureSplit {
                features: d,
                labels: dev.labels.clone(),
            },
            test: FeatureSplit {
                features: s,
                labels: test.labels.clone(),
            },
        };
        probe(&data, settings.probe_epochs, seed)
    };
    ElmoOutcome {
        losses,
        held_out_loss,
        static_probe: probe_of(settings.model.embed_dim, train_s, dev_s, test_s),
        contextual_probe: probe_of(2 * settings.model.hidden_size, train_c, dev_c, test_c),
    }
}

/// Mean next-token loss (both directions) over `held_out`.
fn held_out_lm_loss(model: &BiLm, held_out: &[Vec<usize>], pad: usize) -> f32 {
    let lengths: Vec<usize> = held_out.iter().map(Vec::len).collect();
    let (mut sum, mut count) = (0.0f64, 0usize);
    no_grad(|| {
        for batch in eval_batches(&lengths, 64) {
            let rows: Vec<&[usize]> = batch.iter().map(|&i| &held_out[i][..]).collect();
            let padded = pad_batch(&rows, pad);
            let predictions: usize = padded.lengths.iter().map(|l| l - 1).sum();
            sum += model.loss(&padded.ids, &padded.lengths, pad).item() as f64 * predictions as f64;
            count += predictions;
        }
    });
    (sum / count.max(1) as f64) as f32
}

/// (static, contextual) sentence features of every example, row-major, in input order.
fn features(model: &BiLm, data: &Encoded, pad: usize) -> (Vec<f32>, Vec<f32>) {
    let (e, h2) = (model.config.embed_dim, 2 * model.config.hidden_size);
    let lengths: Vec<usize> = data.ids.iter().map(Vec::len).collect();
    let mut stat = vec![0.0f32; data.ids.len() * e];
    let mut context = vec![0.0f32; data.ids.len() * h2];
    no_grad(|| {
        for batch in eval_batches(&lengths, 128) {
            let rows: Vec<&[usize]> = batch.iter().map(|&i| &data.ids[i][..]).collect();
            let padded = pad_batch(&rows, pad);
            let f = model.features(&padded.ids, &padded.lengths);
            let (s, c) = (f.static_mean.to_vec(), f.contextual_mean.to_vec());
            for (k, &i) in batch.iter().enumerate() {
                stat[i * e..(i + 1) * e].copy_from_slice(&s[k * e..(k + 1) * e]);
                context[i * h2..(i + 1) * h2].copy_from_slice(&c[k * h2..(k + 1) * h2]);
            }
        }
    });
    (stat, context)
}
