//! A character-level LSTM language model (Graves 2013; Karpathy's char-rnn 2015):
//! Embedding → stacked LSTM → Linear at every step, scored in bits per character and
//! sampled with a temperature. Training (truncated BPTT) lives in the gallery's LSTM
//! milestone.
//!
//! The same model, byte-level and 1 layer, is the W4 anchor workload
//! (`CharLSTM(256, 64, 256)` of ../shared/bench/bench.py, run by `descent bench lstm`)
//! and the model of the PyTorch parity file `lstm.safetensors`.
//!
//! Truncated BPTT reads the text as `batch` equal streams side by side ([`Streams`]),
//! chunk after chunk of `seq_len` characters; each chunk starts from the previous
//! chunk's final state, detached, so the memory runs across the whole stream while
//! gradients stop at chunk boundaries.

use crate::ModelError;
use descent_nn::{join_name, Embedding, Forward, Linear, Module, Recurrent, RecurrentState};
use descent_tensor::{no_grad, Param, Rng, Tensor};
use descent_text::Sampler;
use serde::{Deserialize, Serialize};

/// Sizes of a [`CharLstm`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

    /// Checks the sizes before anything is allocated: each in `1..=MAX_DIM` and at most
    /// [`MAX_PARAMETERS`](crate::limits::MAX_PARAMETERS) parameters.
    pub fn validate(&self) -> Result<(), ModelError> {
        crate::limits::check_dims(&[
            ("vocab_size", self.vocab_size),
            ("embed_dim", self.embed_dim),
            ("hidden_size", self.hidden_size),
            ("num_layers", self.num_layers),
        ])?;
        crate::limits::check_count("parameters", self.parameter_count())
    }

    /// Parameters of a model of these sizes (exact, in u128): the embedding, per LSTM
    /// layer 4H·(inputs + H) weights and two 4H biases, and the head with its bias.
    pub fn parameter_count(&self) -> u128 {
        let (v, e, h, l) = (
            self.vocab_size as u128,
            self.embed_dim as u128,
            self.hidden_size as u128,
            self.num_layers as u128,
        );
        let layer = |inputs: u128| 4 * h * (inputs + h) + 8 * h;
        v * e + layer(e) + (l - 1) * layer(h) + h * v + v
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
    let mut out = Vec::with_capacity(count.min(1 << 16));
    sample_each(model, prompt, count, sampler, &mut |t| {
        out.push(t);
        false
    });
    out
}

/// The loop of [`sample`], handing each token to `on_token` as soon as it is drawn (so
/// a caller can print it at once) and stopping early after one for which it returns
/// true. Memory stays constant whatever `count` is.
pub fn sample_each(model: &CharLstm, prompt: &[usize], count: usize, sampler: &mut Sampler, on_token: &mut dyn FnMut(usize) -> bool) {
    assert!(!prompt.is_empty(), "sample: the prompt needs at least one token");
    let v = model.config.vocab_size;
    no_grad(|| {
        let (logits, mut state) = model.forward_ids(prompt, 1, None);
        let mut last = logits.contiguous_data()[(prompt.len() - 1) * v..].to_vec();
        for written in 1..=count {
            let next = sampler.sample(&last);
            if on_token(next) || written == count {
                break;
            }
            let (logits, s) = model.forward_ids(&[next], 1, Some(&state));
            (last, state) = (logits.to_vec(), s);
        }
    })
}
