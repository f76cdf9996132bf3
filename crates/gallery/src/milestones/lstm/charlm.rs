//! The character language model: its text (tiny Shakespeare), its size, training with
//! truncated BPTT, and the bar it must clear (a unigram model's bits per character).

use crate::{MilestoneError, Phase, Run};
use descent_models::char_lstm::{bits_per_char, CharLstm, CharLstmConfig, Streams};
use descent_nn::params;
use descent_nn::RecurrentState;
use descent_optim::{clip_grad_norm, Adam, AdamConfig, LrSchedule, Optimizer};

/// The character model of a run: its text, its size and its training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CharLmSettings {
    /// All of tiny Shakespeare from the data folder, or its first 300,000 characters
    /// embedded in the binary.
    pub whole_text: bool,
    /// Embedding width.
    pub embed_dim: usize,
    /// LSTM units per layer.
    pub hidden_size: usize,
    /// Stacked LSTM layers.
    pub num_layers: usize,
    /// How it is trained.
    pub train: TrainSettings,
}

impl CharLmSettings {
    /// The model for a vocabulary of `vocab_size` characters (known once the text is read).
    pub(crate) fn model(&self, vocab_size: usize) -> CharLstmConfig {
        CharLstmConfig {
            vocab_size,
            embed_dim: self.embed_dim,
            hidden_size: self.hidden_size,
            num_layers: self.num_layers,
        }
    }
}

/// The text and where it came from: the whole file from the data folder, or the excerpt
/// compiled into the binary (quick runs; the tour runs offline).
pub(crate) fn load_text(run: &Run, whole_text: bool) -> Result<(String, String), MilestoneError> {
    if whole_text {
        let path = descent_data::TINY_SHAKESPEARE.find(&run.data())?;
        let text = descent_data::read_text_file(&path, descent_data::MAX_TEXT_BYTES)?;
        Ok((text, path.display().to_string()))
    } else {
        Ok((
            descent_data::tiny_shakespeare_head(),
            "its first 300,000 characters, embedded".to_string(),
        ))
    }
}

/// Bits per character of the best context-free model (training-set character
/// frequencies, add-one smoothed) on the validation text: the bar a sequence model must clear.
pub(crate) fn unigram_bits(train_ids: &[usize], val_ids: &[usize], vocab: usize) -> f64 {
    let mut counts = vec![1.0f64; vocab];
    train_ids.iter().for_each(|&i| counts[i] += 1.0);
    let total: f64 = counts.iter().sum();
    val_ids.iter().map(|&i| -(counts[i] / total).log2()).sum::<f64>() / val_ids.len() as f64
}

/// How a character model is trained.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainSettings {
    /// Parallel streams (batch size).
    pub batch_size: usize,
    /// Characters per chunk (the truncation length of BPTT).
    pub seq_len: usize,
    /// Optimizer steps.
    pub steps: usize,
    /// Adam's peak learning rate, decayed along a cosine to a tenth of it.
    pub lr: f32,
    /// Global gradient-norm clip.
    pub clip_norm: f32,
}

/// What training recorded.
#[derive(Clone, Debug, Default)]
pub struct TrainLog {
    /// Training loss (nats) of every step.
    pub losses: Vec<f32>,
    /// (step, validation bits per character) at the requested interval and at the end.
    pub(crate) val_bpc: Vec<(usize, f64)>,
}

/// Held-out text scored during training.
pub struct Validation<'a> {
    /// Its tokens.
    pub(crate) ids: &'a [usize],
    /// Score every this many steps (and after the last).
    pub(crate) every: usize,
}

/// Trains `model` on `ids` with truncated BPTT. The state carries over chunk
/// boundaries (detached) and restarts at zero on each new pass over the streams.
pub fn train(model: &CharLstm, ids: &[usize], s: &TrainSettings, phase: &Phase, validation: Option<&Validation>) -> TrainLog {
    let streams = Streams::new(ids, s.batch_size, s.seq_len);
    let all = params(model);
    let mut optimizer = Adam::new(AdamConfig {
        lr: s.lr,
        ..AdamConfig::default()
    });
    let schedule = LrSchedule::cosine(s.lr, s.lr / 10.0, s.steps);
    let mut state: Option<RecurrentState> = None;
    let mut log = TrainLog::default();
    for step in 0..s.steps {
        let k = step % streams.chunks();
        if k == 0 {
            state = None;
        }
        let (x, y) = streams.chunk(k);
        let (loss, last) = model.loss(&x, &y, s.batch_size, state.as_ref());
        let mut grads = loss.backward();
        clip_grad_norm(&mut grads, &all, s.clip_norm);
        schedule.apply(&mut optimizer, step);
        optimizer.step(&all, &grads);
        state = Some(last.detach());
        log.losses.push(loss.item());
        phase.advance(1);
        if let Some(v) = validation.filter(|v| (step + 1) % v.every.max(1) == 0 || step + 1 == s.steps) {
            let bpc = bits_per_char(model, v.ids, 16, 100);
            log.val_bpc.push((step + 1, bpc));
            phase.status(&format!("validation {bpc:.3} bits/char"));
        }
    }
    log
}
