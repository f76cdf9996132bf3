//! BERT (Devlin et al. 2018): a bidirectional Transformer encoder, in the arrangement of
//! the released checkpoints, so Hugging Face `model.safetensors` files load directly.
//!
//! Word + learned position + token-type embeddings, summed and layer-normalised; then a
//! stack of *post*-LayerNorm blocks (the 2017 placement: transform, add, normalise):
//! multi-head self-attention over the real tokens of each sequence (padding is masked
//! through the fused attention's key lengths), and an exact-GELU feed-forward. LayerNorm
//! ε comes from the config (1e-12 for BERT, not PyTorch's default 1e-5).
//!
//! Parameter names are those of `transformers.BertModel`: `embeddings.word_embeddings.weight`,
//! `encoder.layer.{i}.attention.self.query.weight`, `encoder.layer.{i}.attention.output.
//! LayerNorm.bias`, `encoder.layer.{i}.intermediate.dense.weight`, ... (see [`BertLayer`]).
//! [`folder`] reads a whole sentence-transformers folder (config, weights, tokenizer,
//! pooling), checking the weights against the config with [`weights`] before it builds
//! the model, and `save.rs` writes one; [`sentence`] turns texts into sentence embeddings
//! with it, through the packed, inference-only forward of [`inference`]; [`search`]
//! finds the lines of a corpus closest in meaning to a query.

pub mod config;
pub mod folder;
pub mod heads;
pub mod inference;
mod save;
pub mod search;
pub mod sentence;
pub mod weights;

pub use config::{BertConfig, Pooling};
pub use folder::ModelFolderError;
pub use heads::{mean_pool, BertClassifier, BertForMaskedLm, BertMlmHead};
pub use inference::{InferenceWeights, Scratch, Threads};
pub use sentence::{cosine, l2_normalize, SentenceEncoder};
pub use weights::load_weights;

use descent_nn::{join_name, layer_norm, Embedding, FeedForward, Forward, LayerNorm, Module, MultiHeadAttention};
use descent_tensor::{AttentionMask, Param, Rng, Tensor};

/// A LayerNorm of width `dim` with BERT's ε.
fn bert_layer_norm(dim: usize, eps: f32) -> LayerNorm {
    LayerNorm {
        eps,
        ..LayerNorm::new(dim)
    }
}

/// The three embedding tables and their LayerNorm (`embeddings.*`).
pub struct BertEmbeddings {
    /// Token table (vocab, d).
    pub word: Embedding,
    /// Learned absolute positions (max_positions, d).
    pub position: Embedding,
    /// Segment A/B table (type_vocab, d).
    pub token_type: Embedding,
    /// Normalises the sum.
    pub norm: LayerNorm,
}

impl BertEmbeddings {
    /// `LN(word[ids] + position[0..T] + token_type[0])` for `ids` of `batch` rows of equal
    /// length (every token in segment A, as for single sentences).
    pub fn forward(&self, ids: &[usize], batch: usize) -> Tensor {
        let steps = ids.len() / batch;
        let max_positions = self.position.weight.value().dim(0);
        assert!(
            steps <= max_positions,
            "Bert: {steps} tokens exceed the {max_positions} position embeddings"
        );
        let words = self.word.lookup(ids, &[batch, steps]); // (B, T, C)
        let positions = self.position.weight.value().narrow(0, 0, steps); // (T, C)
        let segment = self.token_type.weight.value().narrow(0, 0, 1); // (1, C)
        layer_norm(&self.norm, &words.add(&positions.add(&segment))) // (B, T, C)
    }
}

impl Module for BertEmbeddings {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.word.visit(&join_name(prefix, "word_embeddings"), f);
        self.position.visit(&join_name(prefix, "position_embeddings"), f);
        self.token_type.visit(&join_name(prefix, "token_type_embeddings"), f);
        self.norm.visit(&join_name(prefix, "LayerNorm"), f);
    }
}

/// One encoder block: `x = LN₁(x + attn(x))`, then `x = LN₂(x + ffn(x))`.
///
/// Names: `attention.self.{query,key,value}`, `attention.output.dense`,
/// `attention.output.LayerNorm`, `intermediate.dense`, `output.dense`, `output.LayerNorm`.
pub struct BertLayer {
    /// Self-attention: `q`, `k`, `v` are query, key, value; `proj` is attention.output.dense.
    pub attention: MultiHeadAttention,
    /// Post-attention norm (`attention.output.LayerNorm`).
    pub attention_norm: LayerNorm,
    /// `intermediate.dense` (fc1) and `output.dense` (fc2), exact GELU between.
    pub feed_forward: FeedForward,
    /// Post-feed-forward norm (`output.LayerNorm`).
    pub output_norm: LayerNorm,
}

impl BertLayer {
    /// The block on (B, T, C) states whose sequences have the key lengths in `mask`.
    pub fn forward(&self, x: &Tensor, mask: &AttentionMask) -> Tensor {
        let attended = self.attention.forward_attend(x, x, mask); // (B, T, C)
        let x = layer_norm(&self.attention_norm, &x.add(&attended)); // (B, T, C)
        let transformed = self.feed_forward.forward(&x); // (B, T, C)
        layer_norm(&self.output_norm, &x.add(&transformed)) // (B, T, C)
    }
}

impl Module for BertLayer {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        let a = &self.attention;
        a.q.visit(&join_name(prefix, "attention.self.query"), f);
        a.k.visit(&join_name(prefix, "attention.self.key"), f);
        a.v.visit(&join_name(prefix, "attention.self.value"), f);
        a.proj.visit(&join_name(prefix, "attention.output.dense"), f);
        self.attention_norm.visit(&join_name(prefix, "attention.output.LayerNorm"), f);
        self.feed_forward.fc1.visit(&join_name(prefix, "intermediate.dense"), f);
        self.feed_forward.fc2.visit(&join_name(prefix, "output.dense"), f);
        self.output_norm.visit(&join_name(prefix, "output.LayerNorm"), f);
    }
}

/// The BERT encoder (`transformers.BertModel` without its pooler).
pub struct Bert {
    /// Sizes.
    pub config: BertConfig,
    /// `embeddings.*`.
    pub embeddings: BertEmbeddings,
    /// `encoder.layer.{i}.*`, layer 0 first.
    pub layers: Vec<BertLayer>,
}

impl Bert {
    /// A BERT initialised as the original: weights N(0, 0.02²), biases 0, norms (1, 0).
    /// Loading a checkpoint ([`load_weights`]) overwrites all of it.
    pub fn new(config: &BertConfig, rng: &mut Rng) -> Bert {
        let d = config.hidden_size;
        let eps = config.layer_norm_eps;
        let mut table = |rows: usize| Embedding {
            weight: Param::new(Tensor::randn(&[rows, d], rng).mul_scalar(0.02)),
        };
        let embeddings = BertEmbeddings {
            word: table(config.vocab_size),
            position: table(config.max_position_embeddings),
            token_type: table(config.type_vocab_size),
            norm: bert_layer_norm(d, eps),
        };
        let layers = (0..config.num_hidden_layers)
            .map(|_| {
                let linear = |i: usize, o: usize, rng: &mut Rng| descent_nn::attention::linear_normal(i, o, 0.02, true, rng);
                let attention = MultiHeadAttention {
                    q: linear(d, d, rng),
                    k: linear(d, d, rng),
                    v: linear(d, d, rng),
                    proj: linear(d, d, rng),
                    n_heads: config.num_attention_heads,
                };
                let feed_forward = FeedForward {
                    fc1: linear(d, config.intermediate_size, rng),
                    fc2: linear(config.intermediate_size, d, rng),
                };
                BertLayer {
                    attention,
                    attention_norm: bert_layer_norm(d, eps),
                    feed_forward,
                    output_norm: bert_layer_norm(d, eps),
                }
            })
            .collect();
        Bert {
            config: config.clone(),
            embeddings,
            layers,
        }
    }

    /// Final hidden states (B, T, C) of `ids` (B·T, row-major, padded after each
    /// sequence's end); `lengths[b]` is the number of real tokens of row b, and padding
    /// is invisible to every real token.
    pub fn hidden(&self, ids: &[usize], lengths: &[usize]) -> Tensor {
        let batch = lengths.len();
        assert!(
            batch > 0 && ids.len() % batch == 0,
            "Bert: {} ids do not split into {batch} rows",
            ids.len()
        );
        let steps = ids.len() / batch;
        assert!(
            lengths.iter().all(|&l| (1..=steps).contains(&l)),
            "Bert: lengths {lengths:?} must lie in 1..={steps}"
        );
        let mask = AttentionMask {
            causal: false,
            key_lengths: Some(std::sync::Arc::new(lengths.to_vec())),
        };
        let mut x = self.embeddings.forward(ids, batch); // (B, T, C)
        for layer in &self.layers {
            x = layer.forward(&x, &mask); // (B, T, C)
        }
        x
    }
}

impl Module for Bert {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.embeddings.visit(&join_name(prefix, "embeddings"), f);
        for (i, layer) in self.layers.iter().enumerate() {
            layer.visit(&join_name(prefix, &format!("encoder.layer.{i}")), f);
        }
    }
}
