//! Training a GPT as a language model on one long token stream (nanoGPT's recipe):
//! random windows, AdamW with linear warmup then cosine decay, global gradient-norm
//! clipping, and held-out loss over consecutive windows.
//!
//! Weight decay applies to matrices (Linear weights, embeddings) only; biases and
//! LayerNorm gains are not decayed (GPT-2's convention). The golden parity test and
//! the W3 benchmark instead decay every parameter, as bench.py does.

use descent_models::gpt::Gpt;
use descent_nn::named_params;
use descent_optim::{clip_grad_norm, AdamW, AdamWConfig, LrSchedule, Optimizer};
use descent_tensor::{no_grad, Param, Rng};

/// Hyper-parameters of a language-model run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LmSettings {
    /// Sequences per step.
    pub batch_size: usize,
    /// Tokens per sequence (at most the model's context).
    pub seq_len: usize,
    /// Optimizer steps.
    pub steps: usize,
    /// Peak learning rate (after warmup).
    pub lr: f32,
    /// Learning rate at the end of the cosine.
    pub min_lr: f32,
    /// Linear warmup steps.
    pub warmup: usize,
    /// AdamW's decoupled decay on matrices.
    pub weight_decay: f32,
    /// Largest global gradient norm (clipped above).
    pub clip_norm: f32,
}

/// Optimizer state and sampling of batches for one run.
pub struct LmTrainer {
    settings: LmSettings,
    decayed: (AdamW, Vec<Param>),
    plain: (AdamW, Vec<Param>),
    all: Vec<Param>,
    schedule: LrSchedule,
    rng: Rng,
    /// Steps taken so far.
    pub step: usize,
}

impl LmTrainer {
    /// A trainer for `model`; `seed` drives the window positions.
    pub fn new(model: &Gpt, settings: LmSettings, seed: u64) -> LmTrainer {
        assert!(
            settings.seq_len <= model.config.context,
            "LmTrainer: seq_len {} exceeds the context {}",
            settings.seq_len,
            model.config.context
        );
        let named = named_params(model);
        let (matrices, others): (Vec<_>, Vec<_>) = named.into_iter().map(|(_, p)| p).partition(|p| p.shape().len() >= 2);
        let config = AdamWConfig {
            lr: settings.lr,
            weight_decay: settings.weight_decay,
            ..AdamWConfig::default()
        };
        let all = matrices.iter().chain(&others).cloned().collect();
        let schedule = LrSchedule::cosine(settings.lr, settings.min_lr, settings.steps.saturating_sub(settings.warmup).max(1))
            .with_warmup(settings.warmup);
        LmTrainer {
            settings,
            decayed: (AdamW::new(config), matrices),
            plain: (
                AdamW::new(AdamWConfig {
                    weight_decay: 0.0,
                    ..config
                }),
                others,
            ),
            all,
            schedule,
            rng: Rng::new(seed),
            step: 0,
        }
    }

    /// `batch_size` random windows of `seq_len + 1` tokens: inputs and next tokens.
    pub fn sample_batch(&mut self, stream: &[usize]) -> (Vec<usize>, Vec<usize>) {
        let t = self.settings.seq_len;
        assert!(
            stream.len() > t + 1,
            "LmTrainer: a stream of {} tokens is too short for windows of {}",
            stream.len(),
            t + 1
        );
        let mut inputs = Vec::with_capacity(self.settings.batch_size * t);
        let mut targets = Vec::with_capacity(self.settings.batch_size * t);
        for _ in 0..self.settings.batch_size {
            let start = self.rng.below(stream.len() - t - 1);
            inputs.extend_from_slice(&stream[start..start + t]);
            targets.extend_from_slice(&stream[start + 1..start + t + 1]);
        }
        (inputs, targets)
    }

    /// The learning rate of the current step.
    pub fn learning_rate(&self) -> f32 {
        self.schedule.lr_at(self.step)
    }

    /// One optimizer step on a random batch; returns (loss, gradient norm before clipping).
    pub fn train_step(&mut self, model: &Gpt, stream: &[usize]) -> (f32, f32) {
        let (inputs, targets) = self.sample_batch(stream);
        let loss = model.loss(&inputs, &targets, self.settings.batch_size);
        let mut grads = loss.backward();
        let norm = clip_grad_norm(&mut grads, &self.all, self.settings.clip_norm);
        let lr = self.learning_rate();
        for (opt, params) in [&mut self.decayed, &mut self.plain] {
            opt.set_learning_rate(lr);
            opt.step(params, &grads);
        }
        self.step += 1;
        (loss.item(), norm)
    }
}

/// Mean next-token loss over consecutive windows of `seq_len + 1` tokens of `stream`
/// (at most `max_windows` of them, evenly spread), in batches of `batch_size`.
pub fn held_out_loss(model: &Gpt, stream: &[usize], seq_len: usize, batch_size: usize, max_windows: usize) -> f32 {
    let available = stream.len().saturating_sub(1) / seq_len;
    assert!(
        available > 0,
        "held_out_loss: {} tokens are too few for one window of {seq_len}",
        stream.len()
    );
    let count = available.min(max_windows.max(1));
    let stride = available / count;
    let starts: Vec<usize> = (0..count).map(|w| w * stride * seq_len).collect();
    let mut total = 0.0f64;
    no_grad(|| {
        for chunk in starts.chunks(batch_size) {
            let mut inputs = Vec::with_capacity(chunk.len() * seq_len);
            let mut targets = Vec::with_capacity(chunk.len() * seq_len);
            for &s in chunk {
                inputs.extend_from_slice(&stream[s..s + seq_len]);
                targets.extend_from_slice(&stream[s + 1..s + seq_len + 1]);
            }
            total += model.loss(&inputs, &targets, chunk.len()).item() as f64 * chunk.len() as f64;
        }
    });
    (total / count as f64) as f32
}
