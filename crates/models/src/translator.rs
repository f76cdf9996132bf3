//! The two translators of the 2017 milestone, behind one trait: the encoder-decoder
//! Transformer (Vaswani et al. 2017, with pre-LN blocks and sinusoidal positions) and
//! the LSTM sequence-to-sequence model it replaced (Sutskever et al. 2014: the encoder's
//! final state starts the decoder; the source is read reversed, as in that paper).
//! Both train with teacher forcing on padded targets (padding ignored by the loss) and
//! translate greedily.

use crate::saved::SavedModel;
use crate::ModelError;
use descent_nn::attention::linear_normal;
use descent_nn::{join_name, sinusoidal_positions, DecoderBlock, Embedding, EncoderBlock, Forward, LayerNorm, Linear, Module, Recurrent};
use descent_tensor::{no_grad, AttentionMask, Param, Rng, Tensor};
use descent_text::Bpe;
use serde::{Deserialize, Serialize};

/// A model that learns from batches and translates source id sequences.
pub trait Translator: Module {
    /// Mean cross-entropy of the batch's next target tokens (padding ignored).
    fn loss(&self, batch: &Batch) -> Tensor;
    /// Greedy translations of equal-length `sources` (row-major, `count` of them), each
    /// at most `max_len` tokens, without BOS and EOS.
    fn translate(&self, sources: &[usize], count: usize, max_len: usize) -> Vec<Vec<usize>>;
    /// Short name for reports.
    fn name(&self) -> &'static str;
}

/// Greedy decoding shared by both models: `step(tokens so far (B, t)) → logits (B, V)`.
fn greedy(count: usize, max_len: usize, mut step: impl FnMut(&[usize], usize) -> Tensor) -> Vec<Vec<usize>> {
    no_grad(|| {
        let mut tokens = vec![BOS; count]; // (B, t), row-major
        let mut done = vec![false; count];
        let mut out = vec![Vec::new(); count];
        for t in 1..=max_len {
            let logits = step(&tokens, t); // (B, V)
            let vocab = logits.dim(1);
            let data = logits.contiguous_data();
            let mut next_tokens = Vec::with_capacity(count * (t + 1));
            for b in 0..count {
                let next = descent_text::argmax(&data[b * vocab..(b + 1) * vocab]);
                if !done[b] && next != EOS {
                    out[b].push(next);
                }
                done[b] |= next == EOS;
                next_tokens.extend_from_slice(&tokens[b * t..(b + 1) * t]);
                next_tokens.push(next);
            }
            tokens = next_tokens;
            if done.iter().all(|&d| d) {
                break;
            }
        }
        out
    })
}

/// Sizes of the Transformer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransformerConfig {
    /// Source (English BPE) vocabulary.
    pub source_vocab: usize,
    /// Target (Chinese characters + specials) vocabulary.
    pub target_vocab: usize,
    /// Model width.
    pub d_model: usize,
    /// Attention heads.
    pub n_heads: usize,
    /// Encoder blocks.
    pub encoder_layers: usize,
    /// Decoder blocks.
    pub decoder_layers: usize,
    /// Longest sequence (rows of the position table).
    pub max_len: usize,
}

/// Encoder-decoder Transformer with pre-LN blocks and sinusoidal positions.
pub struct TranslationTransformer {
    /// Sizes.
    pub config: TransformerConfig,
    /// Source embedding (scaled by √d in forward, as in the paper).
    pub source_embedding: Embedding,
    /// Target embedding.
    pub target_embedding: Embedding,
    /// Fixed sinusoidal positions (max_len, d) — not a parameter.
    pub positions: Tensor,
    /// Encoder stack.
    pub encoder: Vec<EncoderBlock>,
    /// Final encoder norm.
    pub encoder_norm: LayerNorm,
    /// Decoder stack.
    pub decoder: Vec<DecoderBlock>,
    /// Final decoder norm.
    pub decoder_norm: LayerNorm,
    /// Output projection to target tokens.
    pub head: Linear,
}

impl TranslationTransformer {
    /// A model with the paper's embedding init N(0, 1/d) and GPT-style N(0, 0.02²) layers.
    pub fn new(config: TransformerConfig, rng: &mut Rng) -> TranslationTransformer {
        let d = config.d_model;
        let table = |rows: usize, rng: &mut Rng| Embedding {
            weight: Param::new(Tensor::randn(&[rows, d], rng).mul_scalar(1.0 / (d as f32).sqrt())),
        };
        let source_embedding = table(config.source_vocab, rng);
        let target_embedding = table(config.target_vocab, rng);
        let encoder = (0..config.encoder_layers)
            .map(|_| EncoderBlock::new(d, config.n_heads, 4 * d, rng))
            .collect();
        let decoder = (0..config.decoder_layers)
            .map(|_| DecoderBlock::new(d, config.n_heads, 4 * d, rng))
            .collect();
        let head = linear_normal(d, config.target_vocab, 0.02, true, rng);
        TranslationTransformer {
            config,
            source_embedding,
            target_embedding,
            positions: sinusoidal_positions(config.max_len, d),
            encoder,
            encoder_norm: LayerNorm::new(d),
            decoder,
            decoder_norm: LayerNorm::new(d),
            head,
        }
    }

    fn embed(&self, table: &Embedding, ids: &[usize], batch: usize) -> Tensor {
        let steps = ids.len() / batch;
        assert!(
            steps <= self.config.max_len,
            "TranslationTransformer: {steps} tokens exceed max_len {}",
            self.config.max_len
        );
        let scale = (self.config.d_model as f32).sqrt();
        table
            .lookup(ids, &[batch, steps])
            .mul_scalar(scale)
            .add(&self.positions.narrow(0, 0, steps)) // (B, T, C)
    }

    /// Encoder output (B, S, C) of equal-length sources.
    pub fn encode(&self, source: &[usize], batch: usize) -> Tensor {
        let mask = AttentionMask::default();
        let mut x = self.embed(&self.source_embedding, source, batch); // (B, S, C)
        for block in &self.encoder {
            x = block.forward_masked(&x, &mask);
        }
        self.encoder_norm.forward(&x)
    }

    /// Decoder states (B, T, C) of `target_input` attending to `memory`.
    pub fn decode(&self, target_input: &[usize], batch: usize, memory: &Tensor) -> Tensor {
        let mask = AttentionMask::default();
        let mut y = self.embed(&self.target_embedding, target_input, batch); // (B, T, C)
        for block in &self.decoder {
            y = block.forward_with_memory(&y, memory, &mask);
        }
        self.decoder_norm.forward(&y)
    }

    /// Cross-attention weights (heads averaged) of the last decoder block for one
    /// translation: rows are target tokens (+ EOS), columns source tokens.
    pub fn cross_attention_map(&self, source: &[usize], target: &[usize]) -> Vec<f32> {
        no_grad(|| {
            let memory = self.encode(source, 1);
            let mut input = vec![BOS];
            input.extend_from_slice(target);
            let mask = AttentionMask::default();
            let mut y = self.embed(&self.target_embedding, &input, 1);
            let last = self.decoder.len() - 1;
            for block in &self.decoder[..last] {
                y = block.forward_with_memory(&y, &memory, &mask);
            }
            let block = &self.decoder[last];
            let h = block.ln1.forward(&y);
            let y = y.add(&block.self_attn.forward_attend(
                &h,
                &h,
                &AttentionMask {
                    causal: true,
                    key_lengths: None,
                },
            ));
            let weights = block.cross_attn.weights(&block.ln2.forward(&y), &memory, &mask); // (1, H, T, S)
            weights.mean(1, false).to_vec()
        })
    }
}

impl Module for TranslationTransformer {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.source_embedding.visit(&join_name(prefix, "source_embedding"), f);
        self.target_embedding.visit(&join_name(prefix, "target_embedding"), f);
        for (l, b) in self.encoder.iter().enumerate() {
            b.visit(&join_name(prefix, &format!("encoder.{l}")), f);
        }
        self.encoder_norm.visit(&join_name(prefix, "encoder_norm"), f);
        for (l, b) in self.decoder.iter().enumerate() {
            b.visit(&join_name(prefix, &format!("decoder.{l}")), f);
        }
        self.decoder_norm.visit(&join_name(prefix, "decoder_norm"), f);
        self.head.visit(&join_name(prefix, "head"), f);
    }
}

impl Translator for TranslationTransformer {
    fn loss(&self, batch: &Batch) -> Tensor {
        let memory = self.encode(&batch.source, batch.size); // (B, S, C)
        let y = self.decode(&batch.decoder_input, batch.size, &memory); // (B, T, C)
        let logits = self
            .head
            .forward(&y)
            .reshape(&[batch.size * batch.target_len, self.config.target_vocab]); // (B·T, V)
        logits.softmax_cross_entropy(&batch.decoder_target, Some(PAD))
    }

    fn translate(&self, sources: &[usize], count: usize, max_len: usize) -> Vec<Vec<usize>> {
        let memory = no_grad(|| self.encode(sources, count));
        let max_len = max_len.min(self.config.max_len);
        greedy(count, max_len, |tokens, t| {
            let y = self.decode(tokens, count, &memory); // (B, t, C)
            let last = y.narrow(1, t - 1, 1); // (B, 1, C)
            self.head.forward(&last).reshape(&[count, self.config.target_vocab])
            // (B, V)
        })
    }

    fn name(&self) -> &'static str {
        "transformer"
    }
}

/// LSTM encoder-decoder: embeddings, an LSTM stack over the reversed source, an LSTM
/// stack over the target started from the encoder's final state, a linear head.
pub struct LstmSeq2Seq {
    /// Source embedding.
    pub source_embedding: Embedding,
    /// Target embedding.
    pub target_embedding: Embedding,
    /// Encoder LSTM.
    pub encoder: Recurrent,
    /// Decoder LSTM.
    pub decoder: Recurrent,
    /// Output projection.
    pub head: Linear,
    /// Target vocabulary.
    pub target_vocab: usize,
}

impl LstmSeq2Seq {
    /// Embeddings of width `embed`, `layers` LSTM layers of `hidden` units each side.
    pub fn new(source_vocab: usize, target_vocab: usize, embed: usize, hidden: usize, layers: usize, rng: &mut Rng) -> LstmSeq2Seq {
        let table = |rows: usize, rng: &mut Rng| Embedding {
            weight: Param::new(Tensor::randn(&[rows, embed], rng).mul_scalar(0.1)),
        };
        LstmSeq2Seq {
            source_embedding: table(source_vocab, rng),
            target_embedding: table(target_vocab, rng),
            encoder: Recurrent::lstm(embed, hidden, layers, rng),
            decoder: Recurrent::lstm(embed, hidden, layers, rng),
            head: Linear::new(hidden, target_vocab, rng),
            target_vocab,
        }
    }

    /// Encoder final state of the (reversed) sources.
    fn encode(&self, source: &[usize], batch: usize) -> descent_nn::RecurrentState {
        let steps = source.len() / batch;
        let reversed: Vec<usize> = source.chunks(steps).flat_map(|row| row.iter().rev().copied()).collect();
        let x = self.source_embedding.lookup(&reversed, &[batch, steps]); // (B, S, E)
        self.encoder.forward_seq(&x, None).1
    }
}

impl Module for LstmSeq2Seq {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.source_embedding.visit(&join_name(prefix, "source_embedding"), f);
        self.target_embedding.visit(&join_name(prefix, "target_embedding"), f);
        self.encoder.visit(&join_name(prefix, "encoder"), f);
        self.decoder.visit(&join_name(prefix, "decoder"), f);
        self.head.visit(&join_name(prefix, "head"), f);
    }
}

impl Translator for LstmSeq2Seq {
    fn loss(&self, batch: &Batch) -> Tensor {
        let state = self.encode(&batch.source, batch.size);
        let y = self.target_embedding.lookup(&batch.decoder_input, &[batch.size, batch.target_len]); // (B, T, E)
        let (h, _) = self.decoder.forward_seq(&y, Some(&state)); // (B, T, H)
        let logits = self.head.forward(&h).reshape(&[batch.size * batch.target_len, self.target_vocab]); // (B·T, V)
        logits.softmax_cross_entropy(&batch.decoder_target, Some(PAD))
    }

    fn translate(&self, sources: &[usize], count: usize, max_len: usize) -> Vec<Vec<usize>> {
        let mut state = no_grad(|| self.encode(sources, count));
        greedy(count, max_len, |tokens, t| {
            let last: Vec<usize> = tokens.chunks(t).map(|row| row[t - 1]).collect();
            let y = self.target_embedding.lookup(&last, &[count, 1]); // (B, 1, E)
            let (h, next) = self.decoder.forward_seq(&y, Some(&state)); // (B, 1, H)
            state = next;
            self.head.forward(&h).reshape(&[count, self.target_vocab]) // (B, V)
        })
    }

    fn name(&self) -> &'static str {
        "lstm"
    }
}

/// Target id of padding (ignored by the loss).
pub const PAD: usize = 0;

/// Target id that starts every decoder input.
pub const BOS: usize = 1;

/// Target id that ends every sentence.
pub const EOS: usize = 2;

/// One training batch: sources of one length, padded targets.
#[derive(Clone, Debug)]
pub struct Batch {
    /// Sentences.
    pub size: usize,
    /// Source ids (size × source_len), all real tokens.
    pub source: Vec<usize>,
    /// Source length shared by the batch.
    pub source_len: usize,
    /// Decoder input: BOS + target, padded (size × target_len).
    pub decoder_input: Vec<usize>,
    /// Next-token targets: target + EOS, padded with PAD (size × target_len).
    pub decoder_target: Vec<usize>,
    /// Padded target length.
    pub target_len: usize,
}

/// A trained English→Chinese Transformer as saved (kind `translator`): the network, the
/// English BPE of its source ids and the Chinese characters of its target ids (after the
/// three specials: padding, begin, end).
pub struct TranslationModel {
    /// The network.
    pub net: TranslationTransformer,
    /// Source tokenizer (its ids are the encoder's; the source has no specials).
    pub source: Bpe,
    /// Target characters in id order (ids shifted past the specials).
    pub target_chars: String,
}

/// What a saved [`TranslationModel`] needs besides its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TranslationModelConfig {
    /// The network's sizes.
    pub net: TransformerConfig,
    /// Source tokenizer.
    pub source: Bpe,
    /// Target characters.
    pub target_chars: String,
}

impl SavedModel for TranslationModel {
    const KIND: &'static str = "translator";
    type Config = TranslationModelConfig;

    fn config(&self) -> TranslationModelConfig {
        TranslationModelConfig {
            net: self.net.config,
            source: self.source.clone(),
            target_chars: self.target_chars.clone(),
        }
    }

    fn build(config: TranslationModelConfig) -> Result<TranslationModel, ModelError> {
        let c = config.net;
        crate::limits::check_dims(&[
            ("source_vocab", c.source_vocab),
            ("target_vocab", c.target_vocab),
            ("d_model", c.d_model),
            ("n_heads", c.n_heads),
            ("encoder_layers", c.encoder_layers),
            ("decoder_layers", c.decoder_layers),
            ("max_len", c.max_len),
        ])?;
        let specials = EOS + 1;
        let (source, target) = (config.source.vocab_size(), config.target_chars.chars().count() + specials);
        if c.d_model % c.n_heads != 0 || source != c.source_vocab || target != c.target_vocab {
            return Err(ModelError::invalid(format!(
                "config sizes do not fit together: {} heads, width {}, vocabularies {}/{} for tokenizers of {source}/{target}",
                c.n_heads, c.d_model, c.source_vocab, c.target_vocab
            )));
        }
        let (v, d, l) = (
            (c.source_vocab + c.target_vocab) as u128,
            c.d_model as u128,
            (c.encoder_layers + 2 * c.decoder_layers) as u128,
        );
        crate::limits::check_count("parameters", v * d + l * 12 * d * d)?;
        Ok(TranslationModel {
            net: TranslationTransformer::new(c, &mut Rng::new(0)),
            source: config.source,
            target_chars: config.target_chars,
        })
    }

    fn module(&self) -> &dyn Module {
        &self.net
    }
}
