//! Sentence embeddings (Reimers & Gurevych 2019, Sentence-BERT): WordPiece ids → BERT →
//! pooling over each sentence's real tokens → L2 normalisation when the folder asks.
//!
//! [`SentenceEncoder::encode`] sorts the sentences by token count before cutting them into
//! batches, so each batch pads to a length close to all of its members (padding costs
//! the same as real tokens in every Linear layer), then puts the vectors back in input
//! order. The result does not depend on the batching: padded keys get exactly zero
//! attention weight and padded rows are left out of the pooling.

use super::{Bert, Pooling};
use descent_tensor::no_grad;
use descent_text::WordPiece;
use std::path::PathBuf;

/// A BERT sentence-embedding model loaded from a folder ([`SentenceEncoder::load`]).
pub struct SentenceEncoder {
    /// The encoder with the folder's weights.
    pub model: Bert,
    /// The folder's WordPiece vocabulary.
    pub tokenizer: WordPiece,
    /// Pooling modes, concatenated in this order.
    pub pooling: Vec<Pooling>,
    /// Whether vectors are scaled to unit length (the folder lists a `Normalize` module).
    pub normalize: bool,
    /// Longest input in tokens, `[CLS]` and `[SEP]` included; longer texts are cut.
    pub max_seq_length: usize,
    /// Where the model was read from.
    pub dir: PathBuf,
    /// Hex SHA-256 of every file read: equal identities, equal embeddings.
    pub identity: String,
}

impl SentenceEncoder {
    /// Length of one sentence vector.
    pub fn dim(&self) -> usize {
        self.model.config.hidden_size * self.pooling.len()
    }

    /// `[CLS] pieces [SEP]` of `text`, cut at [`SentenceEncoder::max_seq_length`].
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        self.tokenizer.encode(text, self.max_seq_length)
    }

    /// Vectors of one batch of token-id sequences (padded here to the longest).
    pub fn embed_batch(&self, sequences: &[Vec<u32>]) -> Vec<Vec<f32>> {
        if sequences.is_empty() {
            return Vec::new();
        }
        let steps = sequences.iter().map(Vec::len).max().unwrap_or(0);
        let pad = self.tokenizer.pad_id() as usize;
        let mut ids = Vec::with_capacity(sequences.len() * steps);
        let mut lengths = Vec::with_capacity(sequences.len());
        for seq in sequences {
            assert!(
                !seq.is_empty(),
                "SentenceEncoder: an empty id sequence (encode adds [CLS] and [SEP])"
            );
            ids.extend(seq.iter().map(|&id| id as usize));
            ids.resize(ids.len() + steps - seq.len(), pad);
            lengths.push(seq.len());
        }
        let hidden = no_grad(|| self.model.hidden(&ids, &lengths)); // (B, T, C)
        let states = hidden.contiguous_data();
        let width = self.model.config.hidden_size;
        lengths
            .iter()
            .enumerate()
            .map(|(b, &len)| {
                let rows = &states[b * steps * width..(b + 1) * steps * width];
                let mut vector = Vec::with_capacity(self.dim());
                for mode in &self.pooling {
                    mode.pool(rows, len, width, &mut vector);
                }
                if self.normalize {
                    l2_normalize(&mut vector);
                }
                vector
            })
            .collect()
    }

    /// Vectors of `texts`, in their order, computed `batch_size` at a time over texts of
    /// similar length.
    pub fn encode<S: AsRef<str>>(&self, texts: &[S], batch_size: usize) -> Vec<Vec<f32>> {
        assert!(batch_size > 0, "SentenceEncoder::encode: batch_size must be positive");
        let sequences: Vec<Vec<u32>> = texts.iter().map(|t| self.token_ids(t.as_ref())).collect();
        let mut order: Vec<usize> = (0..sequences.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(sequences[i].len()));
        let mut out = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(batch_size) {
            let batch: Vec<Vec<u32>> = chunk.iter().map(|&i| sequences[i].clone()).collect();
            for (&i, vector) in chunk.iter().zip(self.embed_batch(&batch)) {
                out[i] = vector;
            }
        }
        out
    }
}

/// Scales `v` to unit length (left as it is when it is all zeros), as
/// `torch.nn.functional.normalize` with its ε of 1e-12.
pub fn l2_normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
}

/// Cosine similarity of two vectors (0 when either is all zeros).
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "cosine: vectors of {} and {} values", a.len(), b.len());
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}
