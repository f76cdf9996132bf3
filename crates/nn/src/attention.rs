//! Multi-head attention (Vaswani et al. 2017) — self and cross — and its KV cache.
//!
//! `MultiHeadAttention` projects queries, keys and values with separate Linear layers
//! named `q`, `k`, `v` (GPT checkpoints' names), splits `d_model` into `n_heads` heads of
//! `head_dim` features (head n = features `[n·head_dim, (n+1)·head_dim)`), runs the fused
//! `Tensor::scaled_dot_product_attention` with scale 1/√head_dim, and concatenates the
//! heads back (head 0 first) before the output projection `proj`.
//!
//! For generation, [`KvCache`] keeps the keys and values of past positions in a buffer of
//! the model's context length, so each new token costs one query against the cache
//! instead of a pass over the whole prefix.

use crate::{join_name, Forward, Linear, Module};
use descent_tensor::{AttentionMask, Param, Rng, Tensor};

/// A Linear layer with weights N(0, std²) and zero bias (GPT-2's initialisation).
pub fn linear_normal(in_features: usize, out_features: usize, std: f32, bias: bool, rng: &mut Rng) -> Linear {
    let weight = Tensor::randn(&[out_features, in_features], rng).mul_scalar(std);
    Linear::from_tensors(weight, bias.then(|| Tensor::zeros(&[out_features])))
}

/// Past keys and values of one attention layer: buffers (B, H, capacity, head_dim)
/// filled up to `len` positions.
pub struct KvCache {
    keys: Vec<f32>,
    values: Vec<f32>,
    batch: usize,
    heads: usize,
    capacity: usize,
    head_dim: usize,
    len: usize,
}

impl KvCache {
    /// An empty cache for `batch` sequences of at most `capacity` positions.
    pub fn new(batch: usize, heads: usize, capacity: usize, head_dim: usize) -> KvCache {
        let n = batch * heads * capacity * head_dim;
        KvCache {
            keys: vec![0.0; n],
            values: vec![0.0; n],
            batch,
            heads,
            capacity,
            head_dim,
            len: 0,
        }
    }

    /// Positions stored so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True before the first token.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Most positions the cache can hold (the model's context).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Forgets every position (the buffers are kept).
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Appends `t` (B, H, T, head_dim) new positions to `buf`.
    fn append(buf: &mut [f32], t: &Tensor, len: usize, capacity: usize) {
        let shape = t.shape();
        let (b, h, steps, d) = (shape[0], shape[1], shape[2], shape[3]);
        let data = t.contiguous_data();
        for bh in 0..b * h {
            let src = &data[bh * steps * d..(bh + 1) * steps * d];
            let start = (bh * capacity + len) * d;
            buf[start..start + steps * d].copy_from_slice(src);
        }
    }

    /// Stores new keys and values (B, H, T, head_dim) and runs `f` on views of every
    /// cached position (B, H, len, head_dim), without copying the cache.
    fn extend_and_use<R>(&mut self, k: &Tensor, v: &Tensor, f: impl FnOnce(&Tensor, &Tensor) -> R) -> R {
        let steps = k.dim(2);
        assert!(
            self.len + steps <= self.capacity,
            "KvCache: {} cached + {steps} new positions exceed the capacity {} (clear it or shift the context)",
            self.len,
            self.capacity
        );
        assert_eq!(
            k.shape(),
            [self.batch, self.heads, steps, self.head_dim],
            "KvCache: new keys {:?} do not fit the cache",
            k.shape()
        );
        KvCache::append(&mut self.keys, k, self.len, self.capacity);
        KvCache::append(&mut self.values, v, self.len, self.capacity);
        self.len += steps;
        let shape = [self.batch, self.heads, self.capacity, self.head_dim];
        let keys = Tensor::from_vec(std::mem::take(&mut self.keys), &shape);
        let values = Tensor::from_vec(std::mem::take(&mut self.values), &shape);
        let result = f(&keys.narrow(2, 0, self.len), &values.narrow(2, 0, self.len));
        self.keys = keys.into_data();
        self.values = values.into_data();
        result
    }
}

/// Multi-head attention with separate q, k, v projections and an output projection.
pub struct MultiHeadAttention {
    /// Query projection (d_model → d_model).
    pub q: Linear,
    /// Key projection (d_kv → d_model).
    pub k: Linear,
    /// Value projection (d_kv → d_model).
    pub v: Linear,
    /// Output projection (d_model → d_model).
    pub proj: Linear,
    /// Number of heads; d_model must divide evenly.
    pub n_heads: usize,
}

impl MultiHeadAttention {
    /// GPT-style initialised attention (weights N(0, 0.02²), zero biases).
    pub fn new(d_model: usize, n_heads: usize, rng: &mut Rng) -> MultiHeadAttention {
        assert!(
            n_heads > 0 && d_model % n_heads == 0,
            "MultiHeadAttention: d_model {d_model} is not divisible by {n_heads} heads"
        );
        let mut layer = || linear_normal(d_model, d_model, 0.02, true, rng);
        MultiHeadAttention {
            q: layer(),
            k: layer(),
            v: layer(),
            proj: layer(),
            n_heads,
        }
    }

    /// Width of the model (output features of `q`).
    pub fn d_model(&self) -> usize {
        self.q.weight.value().dim(0)
    }

    /// Features per head.
    pub fn head_dim(&self) -> usize {
        self.d_model() / self.n_heads
    }

    /// 1/√head_dim, the Transformer's score scale.
    pub fn scale(&self) -> f32 {
        1.0 / (self.head_dim() as f32).sqrt()
    }

    /// (B, T, d_model) → (B, H, T, head_dim), a view.
    fn split_heads(&self, x: &Tensor) -> Tensor {
        let (b, t) = (x.dim(0), x.dim(1));
        x.reshape(&[b, t, self.n_heads, self.head_dim()]).transpose(1, 2) // (B, H, T, D)
    }

    /// (B, H, T, head_dim) → (B, T, d_model).
    fn merge_heads(&self, y: &Tensor) -> Tensor {
        let (b, t) = (y.dim(0), y.dim(2));
        y.transpose(1, 2).reshape(&[b, t, self.d_model()]) // (B, T, C)
    }

    /// Attention of queries from `x` (B, Tq, C) over keys and values from `memory`
    /// (B, Tk, C_kv): self-attention when `memory` is `x`, cross-attention otherwise.
    pub fn forward_attend(&self, x: &Tensor, memory: &Tensor, mask: &AttentionMask) -> Tensor {
        let q = self.split_heads(&self.q.forward(x)); // (B, H, Tq, D)
        let k = self.split_heads(&self.k.forward(memory)); // (B, H, Tk, D)
        let v = self.split_heads(&self.v.forward(memory)); // (B, H, Tk, D)
        let y = q.scaled_dot_product_attention(&k, &v, mask, self.scale()); // (B, H, Tq, D)
        self.proj.forward(&self.merge_heads(&y)) // (B, Tq, C)
    }

    /// Causal self-attention of new positions `x` (B, T, C) that also sees every position
    /// already in `cache`, which it then extends with this step's keys and values.
    pub fn forward_cached(&self, x: &Tensor, cache: &mut KvCache) -> Tensor {
        let q = self.split_heads(&self.q.forward(x)); // (B, H, T, D)
        let k = self.split_heads(&self.k.forward(x)); // (B, H, T, D)
        let v = self.split_heads(&self.v.forward(x)); // (B, H, T, D)
        let mask = AttentionMask {
            causal: true,
            key_lengths: None,
        };
        let scale = self.scale();
        let y = cache.extend_and_use(&k, &v, |keys, values| q.scaled_dot_product_attention(keys, values, &mask, scale)); // (B, H, T, D)
        self.proj.forward(&self.merge_heads(&y)) // (B, T, C)
    }

    /// The attention weights (B, H, Tq, Tk) this layer would use (for plots).
    pub fn weights(&self, x: &Tensor, memory: &Tensor, mask: &AttentionMask) -> Tensor {
        let q = self.split_heads(&self.q.forward(x));
        let k = self.split_heads(&self.k.forward(memory));
        q.attention_weights(&k, mask, self.scale())
    }

    /// Visits `q`, `k`, `v`, `proj` directly under `prefix` (GPT's flat naming).
    pub fn visit_flat(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.q.visit(&join_name(prefix, "q"), f);
        self.k.visit(&join_name(prefix, "k"), f);
        self.v.visit(&join_name(prefix, "v"), f);
        self.proj.visit(&join_name(prefix, "proj"), f);
    }
}

impl Forward for MultiHeadAttention {
    /// Causal self-attention of (B, T, C).
    fn forward(&self, x: &Tensor) -> Tensor {
        self.forward_attend(
            x,
            x,
            &AttentionMask {
                causal: true,
                key_lengths: None,
            },
        )
    }
}

impl Module for MultiHeadAttention {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.visit_flat(prefix, f);
    }
}
