//! Sentence embeddings (Reimers & Gurevych 2019, Sentence-BERT): WordPiece ids → BERT →
//! pooling over each sentence's real tokens → L2 normalisation when the folder asks.
//!
//! [`SentenceEncoder::encode`] sorts the sentences by token count before cutting them into
//! batches, so each batch pads to a length close to all of its members (padding costs
//! the same as real tokens in every Linear layer), then puts the vectors back in input
//! order. The result does not depend on the batching: padded keys get exactly zero
//! attention weight and padded rows are left out of the pooling.

use super::config::MIN_SEQ_LENGTH;
use super::inference::{InferenceWeights, Scratch};
use super::{Bert, Pooling, Threads};
use descent_text::WordPiece;
use rayon::prelude::*;
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
    /// `model`'s Linear weights packed for inference (made at load).
    pub(crate) inference: InferenceWeights,
}

impl SentenceEncoder {
    /// An encoder from parts (a model made or fine-tuned here rather than loaded); its
    /// `dir` is empty and its `identity` says "unsaved" until it is saved and loaded.
    pub fn new(model: Bert, tokenizer: WordPiece, pooling: Vec<Pooling>, normalize: bool, max_seq_length: usize) -> SentenceEncoder {
        assert!(!pooling.is_empty(), "SentenceEncoder::new: no pooling mode");
        assert!(
            (MIN_SEQ_LENGTH..=model.config.max_position_embeddings).contains(&max_seq_length),
            "SentenceEncoder::new: max_seq_length {max_seq_length} outside {MIN_SEQ_LENGTH}..={}",
            model.config.max_position_embeddings
        );
        SentenceEncoder {
            inference: InferenceWeights::new(&model),
            model,
            tokenizer,
            pooling,
            normalize,
            max_seq_length,
            dir: PathBuf::new(),
            identity: "unsaved".to_string(),
        }
    }

    /// Length of one sentence vector.
    pub fn dim(&self) -> usize {
        self.model.config.hidden_size * self.pooling.len()
    }

    /// `[CLS] pieces [SEP]` of `text`, cut at [`SentenceEncoder::max_seq_length`].
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        self.tokenizer.encode(text, self.max_seq_length)
    }

    /// Vectors of one batch of token-id sequences (each `[CLS] … [SEP]`), computed
    /// together; `threads` says whether the batch may use several threads.
    pub fn embed_batch(&self, sequences: &[Vec<u32>], threads: Threads, scratch: &mut Scratch) -> Vec<Vec<f32>> {
        let lengths: Vec<usize> = sequences.iter().map(Vec::len).collect();
        assert!(
            lengths.iter().all(|&l| l > 0),
            "SentenceEncoder: an empty id sequence (encode adds [CLS] and [SEP])"
        );
        let ids: Vec<usize> = sequences.iter().flatten().map(|&id| id as usize).collect();
        let states = self.model.hidden_packed(&self.inference, &ids, &lengths, threads, scratch); // (N, C)
        let width = self.model.config.hidden_size;
        let mut start = 0;
        lengths
            .iter()
            .map(|&len| {
                let rows = &states[start * width..(start + len) * width];
                start += len;
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
    /// similar length. With several batches and several threads, whole batches run in
    /// parallel (one thread each), which wastes no time synchronising small products.
    pub fn encode<S: AsRef<str> + Sync>(&self, texts: &[S], batch_size: usize) -> Vec<Vec<f32>> {
        assert!(batch_size > 0, "SentenceEncoder::encode: batch_size must be positive");
        let sequences: Vec<Vec<u32>> = texts.par_iter().map(|t| self.token_ids(t.as_ref())).collect();
        let mut order: Vec<usize> = (0..sequences.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(sequences[i].len()));
        let batches: Vec<&[usize]> = order.chunks(batch_size).collect();
        let run = |scratch: &mut Scratch, chunk: &&[usize], threads: Threads| {
            let batch: Vec<Vec<u32>> = chunk.iter().map(|&i| sequences[i].clone()).collect();
            self.embed_batch(&batch, threads, scratch)
        };
        let vectors: Vec<Vec<Vec<f32>>> = if batches.len() > 1 && rayon::current_num_threads() > 1 {
            batches
                .par_iter()
                .map_init(Scratch::default, |s, c| run(s, c, Threads::Serial))
                .collect()
        } else {
            let mut scratch = Scratch::default();
            batches.iter().map(|c| run(&mut scratch, c, Threads::Parallel)).collect()
        };
        let mut out = vec![Vec::new(); texts.len()];
        for (chunk, batch) in batches.iter().zip(vectors) {
            for (&i, vector) in chunk.iter().zip(batch) {
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
