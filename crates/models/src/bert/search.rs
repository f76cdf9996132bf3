//! Sentence embeddings put to work: semantic search over the lines of a corpus
//! (`descent search`) with the corpus vectors cached beside the corpus file.
//!
//! The cache is `<corpus>.descent-embeddings.safetensors` ([`cache_path`]): one (lines,
//! dim) tensor plus metadata naming the SHA-256 of the corpus text and the model's
//! identity (a SHA-256 of every file of its folder). Either changing makes the cache
//! stale, and it is rebuilt. Reading the corpus is the caller's (a file or a pipe);
//! writing the cache is a separate step ([`CorpusIndex::save_cache`]), so a caller can
//! go on without it (a read-only folder, a corpus from a pipe). It is written atomically
//! (temporary file, fsync, rename): an interrupted run never leaves a half-written
//! cache under the real name.

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
    /// True when the vectors were computed now (no cache, or a stale one).
    pub rebuilt: bool,
    /// What a cache of these vectors must record (corpus hash, model identity).
    metadata: HashMap<String, String>,
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

/// The index of the corpus `text` under `encoder`: read from `cache` when that file
/// matches both the text and the model, else computed (and not saved: see
/// [`CorpusIndex::save_cache`]). With no `cache` (a corpus from a pipe) it is computed.
pub fn corpus_index(encoder: &SentenceEncoder, text: &str, cache: Option<&Path>) -> CorpusIndex {
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
    if let Some(vectors) = cache.and_then(|path| read_cache(path, &metadata, lines.len(), encoder.dim())) {
        return CorpusIndex {
            lines,
            vectors,
            rebuilt: false,
            metadata,
        };
    }
    let texts: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    let vectors = encoder.encode(&texts, BATCH_SIZE);
    CorpusIndex {
        lines,
        vectors,
        rebuilt: true,
        metadata,
    }
}

impl CorpusIndex {
    /// Writes the vectors to the cache file `path` (atomically) for the next search.
    /// An error (a read-only folder) costs only speed: callers may warn and go on.
    pub fn save_cache(&self, path: &Path) -> Result<(), ModelError> {
        let dim = self.vectors.first().map_or(0, Vec::len);
        let mut cache = Checkpoint {
            metadata: self.metadata.clone(),
            ..Checkpoint::default()
        };
        cache.insert("embeddings", &[self.lines.len(), dim], self.vectors.concat());
        cache.save(path)?;
        Ok(())
    }
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
