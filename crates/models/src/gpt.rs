//! The decoder-only Transformer of GPT (Radford et al. 2018, 2019; Brown et al. 2020),
//! in nanoGPT's reading order: token + learned position embeddings, a stack of pre-LN
//! blocks (causal multi-head attention, GELU MLP), a final LayerNorm and an untied head
//! without bias.
//!
//! Parameter names match `crates/testkit/golden/gpt.safetensors` (and bench.py's `GPT` with
//! its fused `qkv` split into `q`, `k`, `v`): `tok_emb.weight`, `pos_emb.weight`,
//! `blocks.{l}.{ln1,q,k,v,proj,ln2,mlp.0,mlp.2}.*`, `ln_f.*`, `head.weight`. The golden
//! test (`tests/gpt_golden.rs`) checks logits, loss, all 37 gradients and a 10-step AdamW
//! trajectory against PyTorch. Generation with a KV cache lives in `sampling.rs`.

use crate::ModelError;
use descent_nn::{join_name, DecoderOnlyBlock, Embedding, Forward, KvCache, LayerNorm, Linear, Module};
use descent_tensor::{Param, Rng, Tensor};
use serde::{Deserialize, Serialize};

/// Sizes of a GPT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GptConfig {
    /// Tokens in the vocabulary.
    pub vocab_size: usize,
    /// Longest sequence (rows of the position table).
    pub context: usize,
    /// Width of the residual stream.
    pub d_model: usize,
    /// Attention heads per block.
    pub n_heads: usize,
    /// Number of blocks.
    pub n_layers: usize,
}

impl GptConfig {
    /// W3 of the anchor workloads: byte vocabulary, context 128, d 128, 4 heads, 4 layers.
    pub fn bench() -> GptConfig {
        GptConfig {
            vocab_size: 256,
            context: 128,
            d_model: 128,
            n_heads: 4,
            n_layers: 4,
        }
    }

    /// The golden file's small model: context 16, d 32, 2 heads, 2 layers.
    pub fn golden() -> GptConfig {
        GptConfig {
            vocab_size: 256,
            context: 16,
            d_model: 32,
            n_heads: 2,
            n_layers: 2,
        }
    }

    /// Checks the sizes before anything is allocated: each in `1..=MAX_DIM`, the heads
    /// dividing the width, and at most [`MAX_PARAMETERS`](crate::limits::MAX_PARAMETERS)
    /// parameters and KV-cache values (generation allocates 2·layers·context·width).
    pub fn validate(&self) -> Result<(), ModelError> {
        crate::limits::check_dims(&[
            ("vocab_size", self.vocab_size),
            ("context", self.context),
            ("d_model", self.d_model),
            ("n_heads", self.n_heads),
            ("n_layers", self.n_layers),
        ])?;
        crate::limits::check_heads(("n_heads", self.n_heads), ("d_model", self.d_model))?;
        crate::limits::check_count("parameters", self.parameter_count())?;
        let cache = 2 * self.n_layers as u128 * self.context as u128 * self.d_model as u128;
        crate::limits::check_count("KV-cache values", cache)
    }

    /// Parameters of a GPT of these sizes (exact; in u128 so no size overflows):
    /// embeddings, 12d² + 13d per block, the final norm and the head.
    pub fn parameter_count(&self) -> u128 {
        let (v, c, d, l) = (
            self.vocab_size as u128,
            self.context as u128,
            self.d_model as u128,
            self.n_layers as u128,
        );
        v * d + c * d + l * (12 * d * d + 13 * d) + 2 * d + d * v
    }
}

/// A decoder-only Transformer language model.
pub struct Gpt {
    /// Sizes.
    pub config: GptConfig,
    /// Token embedding (vocab, d).
    pub tok_emb: Embedding,
    /// Learned absolute positions (context, d).
    pub pos_emb: Embedding,
    /// The blocks, `blocks.0` first.
    pub blocks: Vec<DecoderOnlyBlock>,
    /// Final norm.
    pub ln_f: LayerNorm,
    /// Output projection (vocab, d), no bias, not tied to `tok_emb`.
    pub head: Linear,
}

impl Gpt {
    /// A GPT initialised as GPT-2/bench.py: every Linear and Embedding weight N(0, 0.02²),
    /// biases 0, LayerNorms (1, 0).
    pub fn new(config: GptConfig, rng: &mut Rng) -> Gpt {
        let GptConfig {
            vocab_size,
            context,
            d_model,
            n_heads,
            n_layers,
        } = config;
        let table = |rows: usize, rng: &mut Rng| Embedding {
            weight: Param::new(Tensor::randn(&[rows, d_model], rng).mul_scalar(0.02)),
        };
        let tok_emb = table(vocab_size, rng);
        let pos_emb = table(context, rng);
        let blocks = (0..n_layers).map(|_| DecoderOnlyBlock::new(d_model, n_heads, rng)).collect();
        let head = descent_nn::attention::linear_normal(d_model, vocab_size, 0.02, false, rng);
        Gpt {
            config,
            tok_emb,
            pos_emb,
            blocks,
            ln_f: LayerNorm::new(d_model),
            head,
        }
    }

    /// Embeddings of `ids` (B·T of them, row-major) at positions `start..start+T`.
    fn embed(&self, ids: &[usize], batch: usize, start: usize) -> Tensor {
        assert!(
            batch > 0 && ids.len() % batch == 0,
            "Gpt: {} ids do not split into {batch} rows",
            ids.len()
        );
        let steps = ids.len() / batch;
        assert!(
            start + steps <= self.config.context,
            "Gpt: positions {start}..{} exceed the context of {}",
            start + steps,
            self.config.context
        );
        let tokens = self.tok_emb.lookup(ids, &[batch, steps]); // (B, T, C)
        let positions = self.pos_emb.weight.value().narrow(0, start, steps); // (T, C)
        tokens.add(&positions) // (B, T, C)
    }

    /// Final hidden states (B, T, C) before `ln_f`, for `ids` of `batch` rows.
    pub fn hidden(&self, ids: &[usize], batch: usize) -> Tensor {
        let mut x = self.embed(ids, batch, 0); // (B, T, C)
        for block in &self.blocks {
            x = block.forward(&x); // (B, T, C)
        }
        x
    }

    /// Next-token logits (B, T, vocab) for `ids` of `batch` rows.
    pub fn logits(&self, ids: &[usize], batch: usize) -> Tensor {
        self.head.forward(&self.ln_f.forward(&self.hidden(ids, batch))) // (B, T, V)
    }

    /// Logits of the last position only (B, vocab): what sampling needs.
    /// The last block computes only that position's row (`DecoderOnlyBlock::forward_last`).
    pub fn last_logits(&self, ids: &[usize], batch: usize) -> Tensor {
        let mut x = self.embed(ids, batch, 0); // (B, T, C)
        let last = match self.blocks.split_last() {
            Some((last_block, blocks)) => {
                for block in blocks {
                    x = block.forward(&x); // (B, T, C)
                }
                last_block.forward_last(&x) // (B, 1, C)
            }
            None => x.narrow(1, x.dim(1) - 1, 1),
        };
        self.head
            .forward(&self.ln_f.forward(&last))
            .reshape(&[batch, self.config.vocab_size]) // (B, V)
    }

    /// Mean next-token cross-entropy of `ids` against `targets` (fused softmax-CE).
    pub fn loss(&self, ids: &[usize], targets: &[usize], batch: usize) -> Tensor {
        let logits = self.logits(ids, batch); // (B, T, V)
        logits
            .reshape(&[ids.len(), self.config.vocab_size])
            .softmax_cross_entropy(targets, None)
    }

    /// One empty KV cache per block for `batch` sequences (capacity: the context).
    pub fn new_caches(&self, batch: usize) -> Vec<KvCache> {
        let c = self.config;
        (0..c.n_layers)
            .map(|_| KvCache::new(batch, c.n_heads, c.context, c.d_model / c.n_heads))
            .collect()
    }

    /// Last-position logits (B, vocab) of new tokens `ids` (B·T) placed after the
    /// positions already in `caches`, which are extended with them.
    pub fn last_logits_cached(&self, ids: &[usize], batch: usize, caches: &mut [KvCache]) -> Tensor {
        let start = caches[0].len();
        let mut x = self.embed(ids, batch, start); // (B, T, C)
        for (block, cache) in self.blocks.iter().zip(caches.iter_mut()) {
            x = block.forward_cached(&x, cache); // (B, T, C)
        }
        let last = x.narrow(1, x.dim(1) - 1, 1); // (B, 1, C)
        self.head
            .forward(&self.ln_f.forward(&last))
            .reshape(&[batch, self.config.vocab_size]) // (B, V)
    }
}

impl Forward for Gpt {
    /// Logits (B, T, vocab) of token ids given as whole numbers in a (B, T) tensor.
    fn forward(&self, ids: &Tensor) -> Tensor {
        assert_eq!(ids.rank(), 2, "Gpt: ids must be (B, T), got {:?}", ids.shape());
        let ids_usize: Vec<usize> = ids.to_vec().iter().map(|&x| x as usize).collect();
        self.logits(&ids_usize, ids.dim(0))
    }
}

impl Module for Gpt {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.tok_emb.visit(&join_name(prefix, "tok_emb"), f);
        self.pos_emb.visit(&join_name(prefix, "pos_emb"), f);
        for (l, block) in self.blocks.iter().enumerate() {
            block.visit(&join_name(prefix, &format!("blocks.{l}")), f);
        }
        self.ln_f.visit(&join_name(prefix, "ln_f"), f);
        self.head.visit(&join_name(prefix, "head"), f);
    }
}
