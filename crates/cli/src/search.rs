//! `descent search`: the lines of a corpus file closest in meaning to a query (cosine of
//! sentence embeddings); the corpus vectors are cached beside it and rebuilt when the
//! corpus or the model changes.

use anyhow::{ensure, Result};
use clap::Args;
use descent_data::DataLocator;
use descent_gallery::common::minilm::load_encoder;
use descent_models::bert::search::{corpus_index, search as top_hits};
use std::path::PathBuf;

/// Options of `descent search`.
#[derive(Args)]
pub struct SearchArgs {
    /// Model folder; default: all-MiniLM-L6-v2 from the data folders.
    #[arg(long)]
    model: Option<PathBuf>,
    /// UTF-8 text file, one entry per line (blank lines are skipped).
    #[arg(long)]
    corpus: PathBuf,
    /// How many lines to show.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// What to look for.
    query: String,
}

/// Prints `score  line: text` for the best `--top` lines, best first.
pub fn search(args: SearchArgs, data_dir: Option<PathBuf>) -> Result<()> {
    ensure!(args.top > 0, "--top must be at least 1");
    let encoder = load_encoder(args.model.as_deref(), &DataLocator::new(data_dir))?;
    let index = corpus_index(&encoder, &args.corpus).map_err(|e| anyhow::anyhow!("{e}"))?;
    let how = if index.rebuilt {
        "embedded and cached in"
    } else {
        "read from the cache"
    };
    eprintln!("{} lines {how} {}", index.lines.len(), index.cache_path.display());
    for hit in top_hits(&encoder, &index, &args.query, args.top) {
        println!("{:.4}  {}: {}", hit.score, hit.line, hit.text);
    }
    Ok(())
}
