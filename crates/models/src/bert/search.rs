//! Sentence embeddings put to work: semantic search over the lines of a corpus file
//! (`descent search`) with the corpus vectors cached beside the corpus.
//!
//! The cache is `<corpus>.descent-embeddings.safetensors`: one (lines, dim) tensor plus
//! metadata naming the SHA-256 of the corpus bytes and the model's identity (a SHA-256
//! of every file of its folder). Either changing makes the cache stale, and it is
//! rebuilt; it is written atomically (temporary file, fsync, rename), so an interrupted
//! run never leaves a half-written cache under the real name.

use super::{cosine, SentenceEncoder};
use crate::ModelError;
use descent_nn::Checkpoint;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Sentences per forward pass when embedding a corpus.
pub const BATCH_SIZE: usize = 32;
/// Version of the cache layout (a different version is rebuilt).
const CACHE_FORMAT: &str = "1";

/// The non-empty lines of a corpus and their vectors.
pub struct CorpusIndex {
    /// (1-based line number, text) of each embedded line.
    pub lines: Vec<(usize, String)>,
    /// One vector per entry of `lines`.
    pub vectors: Vec<Vec<f32>>,
    /// The cache file beside the corpus.
    pub cache_path: PathBuf,
    /// True when the vectors were computed now (no cache, or a stale one).
    pub rebuilt: bool,
}

/// One search result.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// 1-based line number in the corpus.
    pub line: usize,
    /// The line's text.
    pub text: String,
    /// Cosine similarity to the query.
    pub score: f32,
}

/// Where the cached vectors of `corpus` live.
pub fn cache_path(corpus: &Path) -> PathBuf {
    let mut name = corpus.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".descent-embeddings.safetensors");
    corpus.with_file_name(name)
}

/// The index of `corpus` under `encoder`: read from the cache when it matches both the
/// corpus bytes and the model, else computed and cached.
pub fn corpus_index(encoder: &SentenceEncoder, corpus: &Path) -> Result<CorpusIndex, ModelError> {
    let bytes = std::fs::read(corpus).map_err(|e| ModelError::file(corpus, format!("cannot be read ({e})")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        ModelError::file(corpus, format!("is not UTF-8 text (bad byte at offset {at})"))
    })?;
    let lines: Vec<(usize, String)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect();
    let metadata = HashMap::from([
        ("format".to_string(), CACHE_FORMAT.to_string()),
        (
            "corpus_sha256".to_string(),
            Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect(),
        ),
        ("model".to_string(), encoder.identity.clone()),
        ("model_dir".to_string(), encoder.dir.display().to_string()),
        ("lines".to_string(), lines.len().to_string()),
    ]);
    let path = cache_path(corpus);
    if let Some(vectors) = read_cache(&path, &metadata, lines.len(), encoder.dim()) {
        return Ok(CorpusIndex {
            lines,
            vectors,
            cache_path: path,
            rebuilt: false,
        });
    }
    let texts: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    let vectors = encoder.encode(&texts, BATCH_SIZE);
    let mut cache = Checkpoint {
        metadata,
        ..Checkpoint::default()
    };
    cache.insert("embeddings", &[lines.len(), encoder.dim()], vectors.concat());
    cache.save(&path)?;
    Ok(CorpusIndex {
        lines,
        vectors,
        cache_path: path,
        rebuilt: true,
    })
}

/// The cached vectors if the file exists, parses and was made from the same corpus and
/// model (an unreadable or stale cache is simply rebuilt).
fn read_cache(path: &Path, expected: &HashMap<String, String>, rows: usize, dim: usize) -> Option<Vec<Vec<f32>>> {
    let cache = Checkpoint::load(path).ok()?;
    let same = ["format", "corpus_sha256", "model"]
        .iter()
        .all(|k| cache.metadata.get(*k) == expected.get(*k));
    let (shape, values) = cache.tensors.get("embeddings")?;
    if !same || *shape != [rows, dim] {
        return None;
    }
    Some(values.chunks(dim.max(1)).map(<[f32]>::to_vec).take(rows).collect())
}

/// The `top` lines of `index` most similar to `query` (cosine), best first; ties keep
/// corpus order.
pub fn search(encoder: &SentenceEncoder, index: &CorpusIndex, query: &str, top: usize) -> Vec<Hit> {
    let q = encoder.encode(&[query], 1).remove(0);
    let mut hits: Vec<Hit> = index
        .lines
        .iter()
        .zip(&index.vectors)
        .map(|((line, text), v)| Hit {
            line: *line,
            text: text.clone(),
            score: cosine(&q, v),
        })
        .collect();
    hits.sort_by(|a, b| b.score.total_cmp(&a.score));
    hits.truncate(top);
    hits
}
