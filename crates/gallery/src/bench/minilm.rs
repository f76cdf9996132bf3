//! W9 of `../shared/bench/WORKLOADS.md` (bench.py's `minilm`): sentence embeddings with
//! the real all-MiniLM-L6-v2 weights for the first 512 SST-2 dev sentences, batch 32,
//! tokenisation included, at most 256 tokens; sentences/s = 512 / median of 3 runs after
//! a warm-up, as sentence-transformers' `encode` is timed on the PyTorch side.

use super::{median, with_flops, BenchContext, FlopWindow};
use crate::common::minilm::find_minilm;
use crate::MilestoneError;
use descent_data::{DataLocator, Sst2Split};
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
    let sentences = read_sst2_sentences(&ctx.locator, Sst2Split::Dev, SENTENCES)?;
    encoder.encode(&sentences[..64.min(sentences.len())], BATCH); // warm-up, as bench.py
    let mut times = Vec::new();
    let mut vectors = Vec::new();
    let window = FlopWindow::open();
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
    let n = sentences.len() as f64;
    Ok(vec![with_flops(
        record,
        "sentence",
        window.flops() / (RUNS as f64 * n),
        seconds / n,
    )])
}

/// The first `limit` sentences of SST-2's `split`, as bench.py reads them: from the data
/// folder when it holds SST-2, else from the embedded copy (dev and test are embedded whole).
fn read_sst2_sentences(locator: &DataLocator, split: Sst2Split, limit: usize) -> Result<Vec<String>, MilestoneError> {
    let rows = match descent_data::read_sst2(locator, split) {
        Ok(read) => read.rows,
        Err(descent_data::DataError::NotFound { .. }) if split != Sst2Split::Train => descent_data::embedded_sst2(split),
        Err(e) => return Err(e.into()),
    };
    Ok(rows.into_iter().map(|row| row.text).filter(|s| !s.is_empty()).take(limit).collect())
}
