//! W9 of `../shared/bench/WORKLOADS.md` (bench.py's `minilm`): sentence embeddings with
//! the real all-MiniLM-L6-v2 weights for the first 512 SST-2 dev sentences, batch 32,
//! tokenisation included, at most 256 tokens; sentences/s = 512 / median of 3 runs after
//! a warm-up, as sentence-transformers' `encode` is timed on the PyTorch side.

use super::{median, BenchContext};
use crate::embedding::{find_minilm, read_sst2_sentences};
use crate::MilestoneError;
use descent_models::bert::SentenceEncoder;
use descent_report::BenchRecord;
use std::time::Instant;

/// Sentences embedded per run.
const SENTENCES: usize = 512;
/// Sentences per forward pass.
const BATCH: usize = 32;
/// Timed runs (after one warm-up).
const RUNS: usize = 3;

/// W9: sentences per second of [`SentenceEncoder::encode`].
pub fn embed(ctx: &mut BenchContext) -> Result<Vec<BenchRecord>, MilestoneError> {
    let dir = find_minilm(&ctx.locator)?;
    let encoder = SentenceEncoder::load(&dir).map_err(|e| MilestoneError::Config(e.to_string()))?;
    let sentences = read_sst2_sentences(&ctx.locator, descent_data::Sst2Split::Dev, SENTENCES)?;
    encoder.encode(&sentences[..64.min(sentences.len())], BATCH); // warm-up, as bench.py
    let mut times = Vec::new();
    let mut vectors = Vec::new();
    for _ in 0..RUNS {
        let start = Instant::now();
        vectors = encoder.encode(&sentences, BATCH);
        times.push(start.elapsed().as_secs_f64());
    }
    let seconds = median(&times);
    let tokens: usize = sentences.iter().map(|s| encoder.token_ids(s).len()).sum();
    let record = BenchRecord::new("minilm", "sentences_per_s", sentences.len() as f64 / seconds)
        .with("sentences", sentences.len() as u64)
        .with("batch", BATCH as u64)
        .with("runs", RUNS as u64)
        .with("dim", vectors.first().map_or(0, Vec::len) as u64)
        .with("includes_tokenization", true)
        .with("tokens", tokens as u64)
        .with("threads", ctx.threads as u64);
    Ok(vec![record])
}
