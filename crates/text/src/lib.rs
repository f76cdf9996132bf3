//! `descent-text`: text in and out of models — tokenizers (bytes, Unicode characters,
//! trained BPE, BERT's WordPiece), corpus BLEU exactly as sacreBLEU computes it, and the
//! choice of the next token from a row of logits (greedy, temperature, top-k, top-p; seeded).
//!
//! Nothing here knows a model: tokenizers map strings to ids and back, BLEU compares
//! strings, the sampler reads a slice of logits. The models (`descent-models`) and the
//! gallery build on these.
#![warn(missing_docs)]

pub mod bleu;
pub mod bpe;
pub mod excerpt;
pub mod sampling;
pub mod tokenizer;
pub mod wordpiece;
pub mod wordpiece_train;

pub use bleu::{corpus_bleu, BleuScore, BleuTokenizer};
pub use bpe::Bpe;
pub use excerpt::{excerpt, single_line, EXCERPT_CHARS};
pub use sampling::{argmax, Sampler, SamplingConfig};
pub use tokenizer::{CharTokenizer, Tokenizer, TokenizerError};
pub use wordpiece::{WordPiece, WordPieceOptions};
