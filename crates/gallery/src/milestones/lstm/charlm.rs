//! Training a character LSTM with truncated BPTT.

use crate::Phase;
use descent_models::char_lstm::{bits_per_char, CharLstm, Streams};
use descent_nn::params;
use descent_nn::RecurrentState;
use descent_optim::{clip_grad_norm, Adam, AdamConfig, LrSchedule, Optimizer};

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
    pub val_bpc: Vec<(usize, f64)>,
}

/// Held-out text scored during training.
pub struct Validation<'a> {
    /// Its tokens.
    pub ids: &'a [usize],
    /// Score every this many steps (and after the last).
    pub every: usize,
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
