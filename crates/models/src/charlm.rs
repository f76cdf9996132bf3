//! A character-level LSTM language model (Graves 2013; Karpathy's char-rnn 2015):
//! Embedding → stacked LSTM → Linear at every step, trained on one long text with
//! truncated backpropagation through time, scored in bits per character, sampled with
//! a temperature, and saved with its vocabulary so `descent generate` can write text.
//!
//! The same model, byte-level and 1 layer, is the W4 anchor workload
//! (`CharLSTM(256, 64, 256)` of ../shared/bench/bench.py, run by `descent bench lstm`)
//! and the model of the PyTorch parity file `lstm.safetensors`.
//!
//! Truncated BPTT: the text is cut into `batch` equal streams read side by side, chunk
//! after chunk of `seq_len` characters. Each chunk starts from the previous chunk's
//! final state, detached, so the state (the memory) runs across the whole stream while
//! gradients stop at chunk boundaries.

use crate::gpt_bench::byte_corpus;
use crate::sampling::Sampler;
use crate::tokenizer::Tokenizer;
use crate::MilestoneError;
use descent_nn::{join_name, named_params, param_count, params, Checkpoint, Embedding, Forward, Linear, Module, Recurrent, RecurrentState};
use descent_optim::{clip_grad_norm, Adam, AdamConfig, LrSchedule, Optimizer};
use descent_report::BenchRecord;
use descent_tensor::{no_grad, Param, Rng, Tensor};
use indicatif::ProgressBar;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

/// Metadata `model` value of character-LSTM checkpoints (beside `milestone` = `lstm`).
pub const CHECKPOINT_MODEL: &str = "char-lstm";

/// Sizes of a [`CharLstm`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CharLstmConfig {
    /// Distinct tokens (characters, or 256 bytes).
    pub vocab_size: usize,
    /// Embedding width.
    pub embed_dim: usize,
    /// LSTM hidden units per layer.
    pub hidden_size: usize,
    /// Stacked LSTM layers.
    pub num_layers: usize,
}

impl CharLstmConfig {
    /// W4's model: bytes, embedding 64, hidden 256, one layer.
    pub fn bench() -> CharLstmConfig {
        CharLstmConfig {
            vocab_size: 256,
            embed_dim: 64,
            hidden_size: 256,
            num_layers: 1,
        }
    }

    fn to_metadata(self) -> Vec<(String, String)> {
        [
            ("vocab_size", self.vocab_size),
            ("embed_dim", self.embed_dim),
            ("hidden_size", self.hidden_size),
            ("num_layers", self.num_layers),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    fn from_metadata(meta: &HashMap<String, String>) -> Result<CharLstmConfig, String> {
        let get = |key: &str| -> Result<usize, String> {
            let text = meta.get(key).ok_or_else(|| format!("metadata lacks '{key}'"))?;
            text.parse()
                .map_err(|_| format!("metadata '{key}' = {text:?} is not a whole number"))
        };
        Ok(CharLstmConfig {
            vocab_size: get("vocab_size")?,
            embed_dim: get("embed_dim")?,
            hidden_size: get("hidden_size")?,
            num_layers: get("num_layers")?,
        })
    }
}

/// Embedding → LSTM → Linear, with PyTorch's parameter names (`emb.weight`,
/// `lstm.weight_ih_l0`, …, `head.weight`, `head.bias`).
pub struct CharLstm {
    /// Its sizes.
    pub config: CharLstmConfig,
    /// Token → vector.
    pub emb: Embedding,
    /// The recurrent stack.
    pub lstm: Recurrent,
    /// Hidden state → next-token logits, at every step.
    pub head: Linear,
}

impl CharLstm {
    /// A fresh model, layers created in PyTorch's order (emb, lstm, head).
    pub fn new(config: CharLstmConfig, rng: &mut Rng) -> CharLstm {
        let emb = Embedding::new(config.vocab_size, config.embed_dim, rng);
        let lstm = Recurrent::lstm(config.embed_dim, config.hidden_size, config.num_layers, rng);
        let head = Linear::new(config.hidden_size, config.vocab_size, rng);
        CharLstm { config, emb, lstm, head }
    }

    /// Logits (B, T, V) for `ids` (B·T, sequence after sequence) from `state` (zeros
    /// when `None`), and the final state.
    pub fn forward_ids(&self, ids: &[usize], batch: usize, state: Option<&RecurrentState>) -> (Tensor, RecurrentState) {
        assert!(
            batch > 0 && ids.len() % batch == 0 && !ids.is_empty(),
            "CharLstm: {} ids do not split into {batch} sequences",
            ids.len()
        );
        let x = self.emb.lookup(ids, &[batch, ids.len() / batch]); // (B, T, E)
        let (hs, last) = self.lstm.forward_seq(&x, state); // (B, T, H)
        (self.head.forward(&hs), last) // (B, T, V)
    }

    /// Mean next-token cross-entropy (nats) of `inputs` → `targets` (B·T each), and the
    /// final state.
    pub fn loss(&self, inputs: &[usize], targets: &[usize], batch: usize, state: Option<&RecurrentState>) -> (Tensor, RecurrentState) {
        let (logits, last) = self.forward_ids(inputs, batch, state);
        let logits = logits.reshape(&[inputs.len(), self.config.vocab_size]); // (B·T, V)
        (logits.softmax_cross_entropy(targets, None), last)
    }
}

impl Forward for CharLstm {
    /// Ids (B, T) given as whole-number floats → logits (B, T, V).
    fn forward(&self, ids: &Tensor) -> Tensor {
        let flat: Vec<usize> = ids.to_vec().iter().map(|&v| v as usize).collect();
        self.forward_ids(&flat, ids.dim(0), None).0
    }
}

impl Module for CharLstm {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.emb.visit(&join_name(prefix, "emb"), f);
        self.lstm.visit(&join_name(prefix, "lstm"), f);
        self.head.visit(&join_name(prefix, "head"), f);
    }
}

/// `batch` streams over one token sequence, read `seq_len` tokens at a time.
pub struct Streams<'a> {
    ids: &'a [usize],
    batch: usize,
    seq_len: usize,
    stream_len: usize,
}

impl<'a> Streams<'a> {
    /// Cuts `ids` into `batch` equal streams (the remainder is dropped).
    pub fn new(ids: &'a [usize], batch: usize, seq_len: usize) -> Streams<'a> {
        let stream_len = ids.len().saturating_sub(1) / batch.max(1);
        assert!(
            stream_len > seq_len,
            "Streams: {} tokens are too few for {batch} streams of {seq_len}-token chunks",
            ids.len()
        );
        Streams {
            ids,
            batch,
            seq_len,
            stream_len,
        }
    }

    /// Chunks in one pass over the streams.
    pub fn chunks(&self) -> usize {
        self.stream_len / self.seq_len
    }

    /// Inputs and next-token targets (B·T each) of chunk `k`.
    pub fn chunk(&self, k: usize) -> (Vec<usize>, Vec<usize>) {
        let (mut x, mut y) = (
            Vec::with_capacity(self.batch * self.seq_len),
            Vec::with_capacity(self.batch * self.seq_len),
        );
        for b in 0..self.batch {
            let start = b * self.stream_len + k * self.seq_len;
            x.extend_from_slice(&self.ids[start..start + self.seq_len]);
            y.extend_from_slice(&self.ids[start + 1..start + self.seq_len + 1]);
        }
        (x, y)
    }
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
pub fn train(model: &CharLstm, ids: &[usize], s: &TrainSettings, bar: &ProgressBar, validation: Option<&Validation>) -> TrainLog {
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
        bar.inc(1);
        if let Some(v) = validation.filter(|v| (step + 1) % v.every.max(1) == 0 || step + 1 == s.steps) {
            let bpc = bits_per_char(model, v.ids, 16, 100);
            log.val_bpc.push((step + 1, bpc));
            bar.set_prefix(format!("validation {bpc:.3} bits/char"));
        }
    }
    log
}

/// Bits per character of `model` on `ids`: the mean cross-entropy in bits, read as
/// `batch` streams of consecutive chunks with the state carried (no gradients).
pub fn bits_per_char(model: &CharLstm, ids: &[usize], batch: usize, seq_len: usize) -> f64 {
    let streams = Streams::new(ids, batch, seq_len);
    no_grad(|| {
        let mut state: Option<RecurrentState> = None;
        let mut total = 0.0f64;
        for k in 0..streams.chunks() {
            let (x, y) = streams.chunk(k);
            let (loss, last) = model.loss(&x, &y, batch, state.as_ref());
            total += loss.item() as f64;
            state = Some(last);
        }
        total / streams.chunks() as f64 / std::f64::consts::LN_2
    })
}

/// `count` tokens after `prompt` (which must not be empty), drawn by `sampler`: the
/// prompt is read once, then each new token is fed back with the carried state.
pub fn sample(model: &CharLstm, prompt: &[usize], count: usize, sampler: &mut Sampler) -> Vec<usize> {
    assert!(!prompt.is_empty(), "sample: the prompt needs at least one token");
    let v = model.config.vocab_size;
    no_grad(|| {
        let (logits, mut state) = model.forward_ids(prompt, 1, None);
        let mut last = logits.contiguous_data()[(prompt.len() - 1) * v..].to_vec();
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let next = sampler.sample(&last);
            out.push(next);
            let (logits, s) = model.forward_ids(&[next], 1, Some(&state));
            (last, state) = (logits.to_vec(), s);
        }
        out
    })
}

/// Saves `model` with its tokenizer and `extra` metadata (milestone `lstm`, model
/// `char-lstm`) atomically to `path`.
pub fn save_checkpoint(path: &Path, model: &CharLstm, tokenizer: &Tokenizer, extra: &[(&str, String)]) -> Result<(), MilestoneError> {
    let mut meta: HashMap<String, String> = model.config.to_metadata().into_iter().collect();
    meta.insert("milestone".into(), "lstm".into());
    meta.insert("model".into(), CHECKPOINT_MODEL.into());
    meta.extend(tokenizer.to_metadata());
    meta.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    Checkpoint::from_params(&named_params(model), meta).save(path)?;
    Ok(())
}

/// True when checkpoint metadata says it holds a character LSTM.
pub fn is_char_lstm(metadata: &HashMap<String, String>) -> bool {
    metadata.get("model").map(String::as_str) == Some(CHECKPOINT_MODEL)
}

/// A character LSTM read back from a checkpoint.
pub struct LoadedCharLstm {
    /// The model with the saved weights.
    pub model: CharLstm,
    /// Its vocabulary.
    pub tokenizer: Tokenizer,
    /// Every metadata entry.
    pub metadata: HashMap<String, String>,
}

/// Reads a checkpoint written by [`save_checkpoint`]; errors name the file and what is
/// wrong with it.
pub fn load_checkpoint(path: &Path) -> Result<LoadedCharLstm, MilestoneError> {
    let ck = Checkpoint::load(path)?;
    let bad = |why: String| MilestoneError::Config(format!("{}: {why}", path.display()));
    if !is_char_lstm(&ck.metadata) {
        let what = ck
            .metadata
            .get("milestone")
            .map_or("an unlabelled checkpoint".to_string(), |m| format!("a '{m}' checkpoint"));
        return Err(bad(format!(
            "{what}, not a character LSTM; make one with `descent run lstm` (it writes charlm.safetensors)"
        )));
    }
    let config = CharLstmConfig::from_metadata(&ck.metadata).map_err(bad)?;
    let tokenizer = Tokenizer::from_metadata(&ck.metadata).map_err(|e| bad(e.to_string()))?;
    if tokenizer.vocab_size() != config.vocab_size {
        return Err(bad(format!(
            "tokenizer has {} tokens but the model {}",
            tokenizer.vocab_size(),
            config.vocab_size
        )));
    }
    let model = CharLstm::new(config, &mut Rng::new(0));
    ck.apply(&named_params(&model), &[])?;
    Ok(LoadedCharLstm {
        model,
        tokenizer,
        metadata: ck.metadata,
    })
}

/// `tokens` characters written by the checkpoint at `path` after `prompt`
/// (`descent generate`), and the prompt characters dropped. A prompt character outside
/// the model's vocabulary is an error naming it, unless `skip_unknown` drops it.
pub fn generate_text(
    path: &Path,
    prompt: &str,
    tokens: usize,
    sampler: &mut Sampler,
    skip_unknown: bool,
) -> Result<(String, Vec<char>), MilestoneError> {
    let loaded = load_checkpoint(path)?;
    let (ids, dropped) = if skip_unknown {
        loaded.tokenizer.encode_skipping_unknown(prompt)
    } else {
        let ids = loaded
            .tokenizer
            .encode(prompt)
            .map_err(|e| MilestoneError::Config(format!("prompt {prompt:?}: {e}")))?;
        (ids, Vec::new())
    };
    if ids.is_empty() {
        return Err(MilestoneError::Config(format!(
            "prompt {prompt:?} has no characters the model knows; give at least one, e.g. --prompt \"ROMEO:\""
        )));
    }
    Ok((loaded.tokenizer.decode(&sample(&loaded.model, &ids, tokens, sampler)), dropped))
}

/// W4 (`descent bench lstm`): `CharLSTM(256, 64, 256)`, batch 32 random 100-byte windows
/// of bench.py's text, Adam lr 2e-3; step_ms is the median of steps 11..60.
pub fn bench_lstm_step(threads: usize) -> BenchRecord {
    const STEPS: usize = 60;
    const SKIP: usize = 10;
    const BATCH: usize = 32;
    const SEQ: usize = 100;
    let model = CharLstm::new(CharLstmConfig::bench(), &mut Rng::new(0));
    let all = params(&model);
    let mut optimizer = Adam::new(AdamConfig {
        lr: 2e-3,
        ..AdamConfig::default()
    });
    let data = byte_corpus();
    let mut rng = Rng::new(0);
    let (mut times, mut losses) = (Vec::new(), Vec::new());
    for _ in 0..STEPS {
        let (mut x, mut y) = (Vec::with_capacity(BATCH * SEQ), Vec::with_capacity(BATCH * SEQ));
        for _ in 0..BATCH {
            let s = rng.below(data.len() - SEQ - 1);
            x.extend_from_slice(&data[s..s + SEQ]);
            y.extend_from_slice(&data[s + 1..s + SEQ + 1]);
        }
        let start = Instant::now();
        let (loss, _) = model.loss(&x, &y, BATCH, None);
        let grads = loss.backward();
        optimizer.step(&all, &grads);
        let value = loss.item();
        times.push(start.elapsed().as_secs_f64());
        losses.push(value);
    }
    let mut timed = times[SKIP..].to_vec();
    timed.sort_by(f64::total_cmp);
    let step_s = (timed[timed.len() / 2 - 1] + timed[timed.len() / 2]) / 2.0;
    BenchRecord::new("lstm", "step_ms", step_s * 1e3)
        .with("tokens_per_s", (BATCH * SEQ) as f64 / step_s)
        .with("params", param_count(&model) as u64)
        .with("loss_first", losses[0] as f64)
        .with("loss_last", losses[STEPS - 1] as f64)
        .with("threads", threads as u64)
}
