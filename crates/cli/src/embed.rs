//! `descent embed`: sentence vectors of texts as JSON lines, from a sentence-transformers
//! BERT folder (all-MiniLM-L6-v2 by default, found like a data set).

use anyhow::Result;
use clap::Args;
use descent_data::{DataLocator, MAX_TEXT_BYTES};
use descent_gallery::common::minilm::load_encoder;
use descent_models::bert::search::BATCH_SIZE;
use std::path::PathBuf;

/// Options of `descent embed`.
#[derive(Args)]
pub struct EmbedArgs {
    /// Model folder (config.json, model.safetensors, tokenizer); default: all-MiniLM-L6-v2
    /// from the data folders (`descent data fetch minilm`).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Texts to embed; one per line from standard input (UTF-8, at most 64 MiB) when none
    /// are given.
    texts: Vec<String>,
}

/// Prints `{"text": ..., "embedding": [...]}` for each text, in order.
pub fn embed(args: EmbedArgs, data_dir: Option<PathBuf>) -> Result<()> {
    let encoder = load_encoder(args.model.as_deref(), &DataLocator::new(data_dir))?;
    let texts = if args.texts.is_empty() {
        let bytes = descent_data::read_at_most(std::io::stdin().lock(), MAX_TEXT_BYTES, "standard input")?;
        let text = descent_data::decode_text(&bytes, "standard input", MAX_TEXT_BYTES)?;
        text.lines().map(str::to_string).collect()
    } else {
        args.texts
    };
    for (text, vector) in texts.iter().zip(encoder.encode(&texts, BATCH_SIZE)) {
        let line = serde_json::json!({ "text": text, "embedding": vector });
        println!("{line}");
    }
    Ok(())
}
