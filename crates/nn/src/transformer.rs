//! Pre-LayerNorm Transformer blocks (the GPT-2 arrangement: normalise, transform, add),
//! the GELU feed-forward, and both kinds of position information.
//!
//! * [`DecoderOnlyBlock`]: causal self-attention + MLP (GPT). Names `ln1`, `q`, `k`, `v`,
//!   `proj`, `ln2`, `mlp.0`, `mlp.2`, as in the golden GPT checkpoint.
//! * [`EncoderBlock`]: padded (non-causal) self-attention + MLP.
//! * [`DecoderBlock`]: causal self-attention, cross-attention over the encoder's output,
//!   MLP (the 2017 encoder-decoder's decoder, with pre-LN placement).
//! * [`sinusoidal_positions`] (the 2017 paper's fixed table) and learned positions (an
//!   `Embedding` over positions, GPT's choice).

use crate::attention::{linear_normal, KvCache, MultiHeadAttention};
use crate::{join_name, Forward, LayerNorm, Linear, Module};
use descent_tensor::{AttentionMask, Param, Rng, Tensor};

/// `ln.forward(x)`, the fused layer norm; kept for callers written before
/// [`LayerNorm`]'s forward was fused.
pub fn layer_norm(ln: &LayerNorm, x: &Tensor) -> Tensor {
    ln.forward(x)
}

/// The 2017 paper's fixed positions: `PE[t, 2i] = sin(t/10000^(2i/d))`,
/// `PE[t, 2i+1] = cos(t/10000^(2i/d))`, shape (max_len, d_model).
pub fn sinusoidal_positions(max_len: usize, d_model: usize) -> Tensor {
    let mut table = vec![0.0f32; max_len * d_model];
    for t in 0..max_len {
        for i in (0..d_model).step_by(2) {
            let angle = t as f64 / 10000f64.powf(i as f64 / d_model as f64);
            table[t * d_model + i] = angle.sin() as f32;
            if i + 1 < d_model {
                table[t * d_model + i + 1] = angle.cos() as f32;
            }
        }
    }
    Tensor::from_vec(table, &[max_len, d_model])
}

/// Position-wise feed-forward: Linear(d → 4d), exact GELU, Linear(4d → d); named
/// `0` and `2` like PyTorch's `Sequential(Linear, GELU, Linear)`.
pub struct FeedForward {
    /// d → hidden.
    pub fc1: Linear,
    /// hidden → d.
    pub fc2: Linear,
}

impl FeedForward {
    /// GPT-initialised feed-forward of width `hidden`.
    pub fn new(d_model: usize, hidden: usize, rng: &mut Rng) -> FeedForward {
        FeedForward {
            fc1: linear_normal(d_model, hidden, 0.02, true, rng),
            fc2: linear_normal(hidden, d_model, 0.02, true, rng),
        }
    }
}

impl Forward for FeedForward {
    fn forward(&self, x: &Tensor) -> Tensor {
        let hidden = match &self.fc1.bias {
            // One fused pass for bias + exact GELU over the widest activation.
            Some(b) => x.matmul(&self.fc1.weight_t()).bias_gelu(&b.value()), // (B, T, 4C)
            None => self.fc1.forward(x).gelu(),
        };
        self.fc2.forward(&hidden) // (B, T, C)
    }
}

impl Module for FeedForward {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.fc1.visit(&join_name(prefix, "0"), f);
        self.fc2.visit(&join_name(prefix, "2"), f);
    }
}

/// GPT block: `x + attn(ln1(x))`, then `x + mlp(ln2(x))`, attention causal.
pub struct DecoderOnlyBlock {
    /// Norm before attention.
    pub ln1: LayerNorm,
    /// Causal self-attention (q, k, v, proj named flat in the block).
    pub attn: MultiHeadAttention,
    /// Norm before the MLP.
    pub ln2: LayerNorm,
    /// GELU MLP, 4× wide.
    pub mlp: FeedForward,
}

impl DecoderOnlyBlock {
    /// A block of width `d_model` with `n_heads` heads.
    pub fn new(d_model: usize, n_heads: usize, rng: &mut Rng) -> DecoderOnlyBlock {
        let attn = MultiHeadAttention::new(d_model, n_heads, rng);
        let mlp = FeedForward::new(d_model, 4 * d_model, rng);
        DecoderOnlyBlock {
            ln1: LayerNorm::new(d_model),
            attn,
            ln2: LayerNorm::new(d_model),
            mlp,
        }
    }

    /// The block's output at the last position only, (B, 1, C), for next-token
    /// sampling: keys and values still come from all T positions, but the query, the
    /// output projection and the MLP run on one row instead of T (about four fifths of
    /// the last block's products in uncached generation). Equals the last row of `forward`.
    pub fn forward_last(&self, x: &Tensor) -> Tensor {
        let t = x.dim(1);
        let h = self.ln1.forward(x); // (B, T, C)
        let causal = AttentionMask {
            causal: true,
            key_lengths: None,
        };
        let attended = self.attn.forward_attend(&h.narrow(1, t - 1, 1), &h, &causal); // (B, 1, C)
        let x = x.narrow(1, t - 1, 1).add(&attended); // (B, 1, C)
        x.add(&self.mlp.forward(&self.ln2.forward(&x))) // (B, 1, C)
    }

    /// The block on (B, T, C) new positions that also attend to `cache` (extended here).
    pub fn forward_cached(&self, x: &Tensor, cache: &mut KvCache) -> Tensor {
        let x = x.add(&self.attn.forward_cached(&self.ln1.forward(x), cache)); // (B, T, C)
        x.add(&self.mlp.forward(&self.ln2.forward(&x))) // (B, T, C)
    }
}

impl Forward for DecoderOnlyBlock {
    fn forward(&self, x: &Tensor) -> Tensor {
        let h = self.ln1.forward(x);
        let x = x.add(&self.attn.forward_attend(
            &h,
            &h,
            &AttentionMask {
                causal: true,
                key_lengths: None,
            },
        )); // (B, T, C)
        x.add(&self.mlp.forward(&self.ln2.forward(&x))) // (B, T, C)
    }
}

impl Module for DecoderOnlyBlock {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.ln1.visit(&join_name(prefix, "ln1"), f);
        self.attn.visit_flat(prefix, f);
        self.ln2.visit(&join_name(prefix, "ln2"), f);
        self.mlp.visit(&join_name(prefix, "mlp"), f);
    }
}

/// Encoder block: self-attention over the source (padding masked, not causal) and MLP.
pub struct EncoderBlock {
    /// Norm before attention.
    pub ln1: LayerNorm,
    /// Self-attention (`attn.q`, ...).
    pub attn: MultiHeadAttention,
    /// Norm before the MLP.
    pub ln2: LayerNorm,
    /// GELU MLP.
    pub mlp: FeedForward,
}

impl EncoderBlock {
    /// A block of width `d_model`, `n_heads` heads, MLP `hidden` wide.
    pub fn new(d_model: usize, n_heads: usize, hidden: usize, rng: &mut Rng) -> EncoderBlock {
        let attn = MultiHeadAttention::new(d_model, n_heads, rng);
        EncoderBlock {
            ln1: LayerNorm::new(d_model),
            attn,
            ln2: LayerNorm::new(d_model),
            mlp: FeedForward::new(d_model, hidden, rng),
        }
    }

    /// (B, S, C) source states; `mask` carries each source's length.
    pub fn forward_masked(&self, x: &Tensor, mask: &AttentionMask) -> Tensor {
        let h = self.ln1.forward(x);
        let x = x.add(&self.attn.forward_attend(&h, &h, mask)); // (B, S, C)
        x.add(&self.mlp.forward(&self.ln2.forward(&x))) // (B, S, C)
    }
}

impl Module for EncoderBlock {
    /// Names: `ln1`, `attn.{q,k,v,proj}`, `ln2`, `mlp.{0,2}`.
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.ln1.visit(&join_name(prefix, "ln1"), f);
        self.attn.visit_flat(&join_name(prefix, "attn"), f);
        self.ln2.visit(&join_name(prefix, "ln2"), f);
        self.mlp.visit(&join_name(prefix, "mlp"), f);
    }
}

/// Decoder block of the encoder-decoder: causal self-attention, cross-attention over
/// the encoder output (source padding masked), MLP; each pre-normalised and residual.
pub struct DecoderBlock {
    /// Norm before self-attention.
    pub ln1: LayerNorm,
    /// Causal self-attention.
    pub self_attn: MultiHeadAttention,
    /// Norm before cross-attention.
    pub ln2: LayerNorm,
    /// Queries from the target, keys and values from the source.
    pub cross_attn: MultiHeadAttention,
    /// Norm before the MLP.
    pub ln3: LayerNorm,
    /// GELU MLP.
    pub mlp: FeedForward,
}

impl DecoderBlock {
    /// A block of width `d_model`, `n_heads` heads, MLP `hidden` wide.
    pub fn new(d_model: usize, n_heads: usize, hidden: usize, rng: &mut Rng) -> DecoderBlock {
        let self_attn = MultiHeadAttention::new(d_model, n_heads, rng);
        let cross_attn = MultiHeadAttention::new(d_model, n_heads, rng);
        let mlp = FeedForward::new(d_model, hidden, rng);
        DecoderBlock {
            ln1: LayerNorm::new(d_model),
            self_attn,
            ln2: LayerNorm::new(d_model),
            cross_attn,
            ln3: LayerNorm::new(d_model),
            mlp,
        }
    }

    /// (B, T, C) target states attending to `memory` (B, S, C); `source_mask` holds the
    /// source lengths (not causal).
    pub fn forward_with_memory(&self, x: &Tensor, memory: &Tensor, source_mask: &AttentionMask) -> Tensor {
        let h = self.ln1.forward(x);
        let x = x.add(&self.self_attn.forward_attend(
            &h,
            &h,
            &AttentionMask {
                causal: true,
                key_lengths: None,
            },
        )); // (B, T, C)
        let x = x.add(&self.cross_attn.forward_attend(&self.ln2.forward(&x), memory, source_mask)); // (B, T, C)
        x.add(&self.mlp.forward(&self.ln3.forward(&x))) // (B, T, C)
    }
}

impl Module for DecoderBlock {
    /// Names: `ln1`, `self_attn.*`, `ln2`, `cross_attn.*`, `ln3`, `mlp.*`.
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.ln1.visit(&join_name(prefix, "ln1"), f);
        self.self_attn.visit_flat(&join_name(prefix, "self_attn"), f);
        self.ln2.visit(&join_name(prefix, "ln2"), f);
        self.cross_attn.visit_flat(&join_name(prefix, "cross_attn"), f);
        self.ln3.visit(&join_name(prefix, "ln3"), f);
        self.mlp.visit(&join_name(prefix, "mlp"), f);
    }
}
