//! A small caption encoder for text-to-image and text-to-video models: captions in
//! English and Chinese ("a handwritten seven", "一个手写的七") become one vector each.
//!
//! Words are English words (lower-cased letters), single digits, and single Chinese
//! characters, so "一个手写的七" is six words and "a 3 moving left" four. The vocabulary
//! is the training captions' words; a caption with any other word is refused with a
//! message that names it (a model cannot mean anything by a word it never saw).
//!
//! The encoder is a Transformer encoder (learned word and position embeddings, pre-LN
//! blocks, a final LayerNorm), mean-pooled over the words and projected: GLIDE's text
//! tower in miniature, trained together with the image model. Positions matter: in
//! "一个手写的一" the first 一 is an article and the last the digit one. A learned `null`
//! vector stands for "no caption" (classifier-free guidance trains with it).

use crate::ModelError;
use descent_nn::transformer::EncoderBlock;
use descent_nn::{join_name, Embedding, Forward, LayerNorm, Linear, Module};
use descent_tensor::{AttentionMask, Param, Rng, Tensor};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// The words of a caption, in order: lower-cased English words (letters and
/// apostrophes), single ASCII digits, and every other letter or mark that is not ASCII
/// (a Chinese character) on its own. Spaces and punctuation separate words.
pub fn caption_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii_alphabetic() || (c == '\'' && !word.is_empty()) {
            word.push(c.to_ascii_lowercase());
            continue;
        }
        if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c.is_ascii_digit() || (!c.is_ascii() && c.is_alphanumeric()) {
            words.push(c.to_string());
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// The word list of a caption model, in a fixed (sorted) order; saved (serde) as the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Vec<String>", try_from = "Vec<String>")]
pub struct CaptionVocab {
    words: Vec<String>,
    index: HashMap<String, usize>,
}

impl CaptionVocab {
    /// Every word of `captions`, sorted.
    pub fn build<'a>(captions: impl IntoIterator<Item = &'a str>) -> CaptionVocab {
        let mut words: Vec<String> = captions.into_iter().flat_map(caption_words).collect();
        words.sort();
        words.dedup();
        CaptionVocab::from_words(words)
    }

    fn from_words(words: Vec<String>) -> CaptionVocab {
        let index = words.iter().enumerate().map(|(i, w)| (w.clone(), i)).collect();
        CaptionVocab { words, index }
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether there are no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether `word` is known.
    pub fn contains(&self, word: &str) -> bool {
        self.index.contains_key(word)
    }

    /// Word ids of `text`; an error for an empty caption, one longer than `max_len`
    /// words, or an unknown word (named, with a few known ones).
    pub fn encode(&self, text: &str, max_len: usize) -> Result<Vec<usize>, ModelError> {
        let words = caption_words(text);
        if words.is_empty() {
            return Err(ModelError::Input(format!(
                "the caption {text:?} has no words; write one like \"a handwritten seven\""
            )));
        }
        if words.len() > max_len {
            return Err(ModelError::Input(format!(
                "the caption {text:?} has {} words; this model reads at most {max_len}",
                words.len()
            )));
        }
        words
            .iter()
            .map(|w| {
                self.index.get(w).copied().ok_or_else(|| {
                    let sample: Vec<&str> = self.words.iter().take(12).map(String::as_str).collect();
                    ModelError::Input(format!(
                        "the word {w:?} is not in this model's vocabulary of {} words (e.g. {}); use words from its training captions",
                        self.words.len(),
                        sample.join(" ")
                    ))
                })
            })
            .collect()
    }
}

impl From<CaptionVocab> for Vec<String> {
    fn from(vocab: CaptionVocab) -> Vec<String> {
        vocab.words
    }
}

impl TryFrom<Vec<String>> for CaptionVocab {
    type Error = ModelError;

    /// Refuses an empty word or one listed twice.
    fn try_from(words: Vec<String>) -> Result<CaptionVocab, ModelError> {
        let vocab = CaptionVocab::from_words(words);
        if vocab.words.iter().any(String::is_empty) || vocab.index.len() != vocab.words.len() {
            return Err(ModelError::invalid("the caption vocabulary is not a list of distinct words"));
        }
        Ok(vocab)
    }
}

/// Sizes of a [`CaptionEncoder`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptionEncoderConfig {
    /// Words in the vocabulary.
    pub vocab_size: usize,
    /// Most words per caption.
    pub max_len: usize,
    /// Width of the word states.
    pub d_model: usize,
    /// Attention heads (divide `d_model`).
    pub n_heads: usize,
    /// Encoder blocks.
    pub n_layers: usize,
    /// Size of the caption vector.
    pub out_dim: usize,
}

impl CaptionEncoderConfig {
    /// Checks the sizes before anything is allocated.
    pub fn validate(&self) -> Result<(), ModelError> {
        crate::limits::check_dims(&[
            ("caption.vocab_size", self.vocab_size),
            ("caption.max_len", self.max_len),
            ("caption.d_model", self.d_model),
            ("caption.n_heads", self.n_heads),
            ("caption.n_layers", self.n_layers),
            ("caption.out_dim", self.out_dim),
        ])?;
        crate::limits::check_heads(("caption.n_heads", self.n_heads), ("caption.d_model", self.d_model))?;
        let config = self;
        let (v, d, l, o) = (
            config.vocab_size as u128,
            config.d_model as u128,
            config.n_layers as u128,
            config.out_dim as u128,
        );
        crate::limits::check_count("parameters", (v + config.max_len as u128) * d + l * 12 * d * d + d * o)?;
        Ok(())
    }
}

/// Captions (word ids) → one vector each (B, out_dim); see the module documentation.
pub struct CaptionEncoder {
    /// The sizes it was built with.
    pub config: CaptionEncoderConfig,
    /// Word table (vocab, d).
    pub tok: Embedding,
    /// Position table (max_len, d).
    pub pos: Embedding,
    /// Pre-LN encoder blocks.
    pub blocks: Vec<EncoderBlock>,
    /// Final norm.
    pub ln: LayerNorm,
    /// Mean word state → caption vector.
    pub proj: Linear,
    /// The "no caption" vector (out_dim).
    pub null: Param,
}

impl CaptionEncoder {
    /// A freshly initialised encoder (word and position tables N(0, 0.02²)).
    pub fn new(config: CaptionEncoderConfig, rng: &mut Rng) -> CaptionEncoder {
        let d = config.d_model;
        let small = |rows: usize, rng: &mut Rng| Tensor::randn(&[rows, d], rng).mul_scalar(0.02);
        let tok = Embedding {
            weight: Param::new(small(config.vocab_size, rng)),
        };
        let pos = Embedding {
            weight: Param::new(small(config.max_len, rng)),
        };
        let blocks = (0..config.n_layers)
            .map(|_| EncoderBlock::new(d, config.n_heads, 2 * d, rng))
            .collect();
        CaptionEncoder {
            config,
            tok,
            pos,
            blocks,
            ln: LayerNorm::new(d),
            proj: Linear::new(d, config.out_dim, rng),
            null: Param::new(Tensor::zeros(&[config.out_dim])),
        }
    }

    /// One vector per caption (B, out_dim); `None` is the null caption. Every caption
    /// must have 1..=max_len ids below the vocabulary size (panics otherwise: ids come
    /// from [`CaptionVocab::encode`]).
    pub fn encode(&self, captions: &[Option<&[usize]>]) -> Tensor {
        let real: Vec<&[usize]> = captions.iter().flatten().copied().collect();
        let mut rows: Vec<usize> = Vec::with_capacity(captions.len());
        let mut next = 0;
        for c in captions {
            rows.push(match c {
                Some(_) => {
                    next += 1;
                    next - 1
                }
                None => real.len(),
            });
        }
        let null = self.null.value().reshape(&[1, self.config.out_dim]);
        let table = if real.is_empty() {
            null
        } else {
            Tensor::concat(&[self.encode_words(&real), null], 0) // (R + 1, out)
        };
        table.index_select(0, &rows) // (B, out)
    }

    /// The encoder proper on non-empty captions: (R, out_dim).
    fn encode_words(&self, captions: &[&[usize]]) -> Tensor {
        let b = captions.len();
        let lengths: Vec<usize> = captions.iter().map(|c| c.len()).collect();
        let len = *lengths.iter().max().expect("at least one caption");
        assert!(
            lengths.iter().all(|&l| l >= 1) && len <= self.config.max_len,
            "CaptionEncoder: caption lengths {lengths:?} must be 1..={}",
            self.config.max_len
        );
        let mut ids = vec![0usize; b * len];
        for (row, c) in ids.chunks_exact_mut(len).zip(captions) {
            row[..c.len()].copy_from_slice(c);
        }
        let positions: Vec<usize> = (0..len).collect();
        let x = self.tok.lookup(&ids, &[b, len]).add(&self.pos.lookup(&positions, &[1, len])); // (B, L, d)
        let mask = AttentionMask {
            causal: false,
            key_lengths: Some(Arc::new(lengths.clone())),
        };
        let mut h = x;
        for block in &self.blocks {
            h = block.forward_masked(&h, &mask); // (B, L, d)
        }
        let h = descent_nn::layer_norm(&self.ln, &h);
        // Mean over each caption's real words: weights 1/len on them, 0 on padding.
        let mut weights = vec![0.0f32; b * len];
        for (row, &l) in weights.chunks_exact_mut(len).zip(&lengths) {
            row[..l].iter_mut().for_each(|w| *w = 1.0 / l as f32);
        }
        let pooled = h.mul(&Tensor::from_vec(weights, &[b, len, 1])).sum(1, false); // (B, d)
        self.proj.forward(&pooled) // (B, out)
    }
}

impl Module for CaptionEncoder {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.tok.visit(&join_name(prefix, "tok"), f);
        self.pos.visit(&join_name(prefix, "pos"), f);
        for (i, block) in self.blocks.iter().enumerate() {
            block.visit(&join_name(prefix, &format!("blocks.{i}")), f);
        }
        self.ln.visit(&join_name(prefix, "ln"), f);
        self.proj.visit(&join_name(prefix, "proj"), f);
        f(&join_name(prefix, "null"), &self.null);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_english_digits_and_chinese() {
        assert_eq!(caption_words("A handwritten Seven."), ["a", "handwritten", "seven"]);
        assert_eq!(caption_words("一个3向左移动"), ["一", "个", "3", "向", "左", "移", "动"]);
        assert_eq!(caption_words("a 3 moving left"), ["a", "3", "moving", "left"]);
        assert!(caption_words("  ,. ").is_empty());
    }

    #[test]
    fn unknown_words_and_empty_captions_are_errors() {
        let vocab = CaptionVocab::build(["a handwritten seven", "一个手写的七"]);
        assert_eq!(vocab.encode("a seven", 8).unwrap().len(), 2);
        let error = |text: &str, max_len: usize| vocab.encode(text, max_len).unwrap_err().to_string();
        assert!(error("a purple seven", 8).contains("\"purple\""));
        assert!(error("   ", 8).contains("no words"));
        assert!(error("a a a", 2).contains("at most 2"));
        let back: CaptionVocab = serde_json::from_str(&serde_json::to_string(&vocab).unwrap()).unwrap();
        assert_eq!(back, vocab);
        assert!(serde_json::from_str::<CaptionVocab>(r#"["a", "a"]"#).is_err());
    }

    #[test]
    fn null_rows_are_the_null_vector_and_padding_does_not_leak() {
        let config = CaptionEncoderConfig {
            vocab_size: 5,
            max_len: 4,
            d_model: 8,
            n_heads: 2,
            n_layers: 1,
            out_dim: 3,
        };
        let enc = CaptionEncoder::new(config, &mut Rng::new(1));
        let short: &[usize] = &[1, 2];
        let long: &[usize] = &[3, 4, 0, 1];
        let alone = enc.encode(&[Some(short)]).to_vec();
        let mixed = enc.encode(&[Some(long), None, Some(short)]).to_vec();
        assert_eq!(&mixed[3..6], &[0.0, 0.0, 0.0]);
        for (a, b) in alone.iter().zip(&mixed[6..9]) {
            assert!((a - b).abs() < 1e-5, "{alone:?} vs {mixed:?}");
        }
    }
}
