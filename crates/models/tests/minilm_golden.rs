//! all-MiniLM-L6-v2 against sentence-transformers (`crates/testkit/golden/minilm.safetensors`):
//! WordPiece ids equal for all 12 sentences (accents, Chinese, the empty string, a text
//! cut at 256 tokens), embeddings within the golden README's tolerance, the model card's
//! similarities, and the same vectors whatever the batching (padding is masked).
//!
//! The model folder (90 MB) is not in the repository: the tests look for
//! `models/all-MiniLM-L6-v2` under `$DESCENT_DATA` (then `../shared/data`) and skip,
//! saying so, where it is absent.

use descent_data::{DataLocator, MINILM};
use descent_models::bert::{cosine, SentenceEncoder};
use descent_testkit::{golden_dir, Golden};
use std::path::PathBuf;

/// The MiniLM folder, or `None` (with the reason printed) when this machine lacks it.
fn minilm_dir() -> Option<PathBuf> {
    let env = std::env::var_os("DESCENT_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let cwd = std::env::current_dir().expect("a current folder");
    match MINILM.find(&DataLocator::from_parts(None, Some(env), &cwd)) {
        Ok(dir) => Some(dir),
        Err(e) => {
            eprintln!("skipping the MiniLM parity test: {e}");
            None
        }
    }
}

fn golden_present() -> bool {
    let present = golden_dir().join("minilm.safetensors").is_file();
    if !present {
        eprintln!(
            "skipping the MiniLM parity test: no minilm.safetensors in {}",
            golden_dir().display()
        );
    }
    present
}

fn sentences() -> Vec<String> {
    let path = golden_dir().join("minilm.safetensors");
    let bytes = std::fs::read(&path).expect("golden file readable");
    let (_, header) = safetensors::SafeTensors::read_metadata(&bytes).expect("golden file is safetensors");
    let meta = header.metadata().as_ref().expect("golden file has metadata");
    meta["sentences"].split('\n').map(str::to_string).collect()
}

#[test]
fn minilm_matches_sentence_transformers() {
    let (Some(dir), true) = (minilm_dir(), golden_present()) else {
        return;
    };
    let golden = Golden::load("minilm.safetensors");
    let encoder = SentenceEncoder::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    let texts = sentences();
    assert_eq!(texts.len(), 12);
    for (i, text) in texts.iter().enumerate() {
        let ids: Vec<usize> = encoder.token_ids(text).iter().map(|&id| id as usize).collect();
        assert_eq!(
            ids,
            golden.indices(&format!("s{i}.input_ids")),
            "token ids of sentence {i}: {text:?}"
        );
    }
    assert_eq!(encoder.token_ids(&texts[11]).len(), 256, "the long text is cut at max_seq_length");

    // Batch 4 as the reference; the vectors must not depend on the batching.
    let vectors = encoder.encode(&texts, 4);
    let flat: Vec<f32> = vectors.concat();
    golden.assert_matches("embeddings", &flat, 1.0);
    let one_by_one: Vec<f32> = texts.iter().flat_map(|t| encoder.encode(&[t], 1).remove(0)).collect();
    golden.assert_matches("embeddings", &one_by_one, 1.0);

    let cosines: Vec<f32> = vectors.iter().flat_map(|a| vectors.iter().map(|b| cosine(a, b))).collect();
    golden.assert_matches("cosine", &cosines, 1.0);
    // The model card's example similarities, to its four decimals.
    for (i, j, card) in [(0, 1, 0.6660), (0, 2, 0.1046), (1, 2, 0.1411)] {
        let ours = cosine(&vectors[i], &vectors[j]);
        assert!((ours - card).abs() < 5e-5, "cosine[{i},{j}] = {ours:.5}, model card {card}");
    }
}
