//! Semantic search over a corpus file with a small saved BERT: the corpus vectors are
//! cached beside the corpus, reused while corpus and model stay the same, and rebuilt
//! when either changes; a line searched for itself comes first with cosine 1. Without a
//! cache path nothing is written, and a cache that cannot be written is an error of its
//! own (the index is still there).

use descent_models::bert::search::{cache_path, corpus_index, search, CorpusIndex};
use descent_models::bert::{Bert, BertConfig, Pooling, SentenceEncoder};
use descent_tensor::Rng;
use descent_text::{WordPiece, WordPieceOptions};
use std::path::Path;

const VOCAB: &str = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\ncat\nsat\non\nmat\na\ndog\nran\nhome\nbird\nsang\n.\n";

fn tiny_model(dir: &Path, seed: u64) -> SentenceEncoder {
    let config = BertConfig {
        vocab_size: 16,
        hidden_size: 8,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        intermediate_size: 16,
        max_position_embeddings: 16,
        type_vocab_size: 2,
        layer_norm_eps: 1e-12,
    };
    let tokenizer = WordPiece::from_vocab_txt(VOCAB, WordPieceOptions::default()).unwrap();
    let model = Bert::new(&config, &mut Rng::new(seed));
    SentenceEncoder::new(model, tokenizer, vec![Pooling::Mean], true, 16)
        .save(dir)
        .unwrap();
    SentenceEncoder::load(dir).unwrap()
}

/// The index of the corpus file `corpus`, cached beside it as `descent search` does.
fn index(encoder: &SentenceEncoder, corpus: &Path) -> CorpusIndex {
    let text = std::fs::read_to_string(corpus).unwrap();
    let cache = cache_path(corpus);
    let index = corpus_index(encoder, &text, Some(&cache));
    if index.rebuilt {
        index.save_cache(&cache).unwrap();
    }
    index
}

#[test]
fn corpus_vectors_are_cached_and_rebuilt_when_corpus_or_model_change() {
    let root = std::env::temp_dir().join(format!("descent-search-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let model_dir = root.join("model");
    let encoder = tiny_model(&model_dir, 1);
    let corpus = root.join("corpus.txt");
    std::fs::write(&corpus, "the cat sat on the mat.\n\na dog ran home.\nthe bird sang.\n").unwrap();

    let first = index(&encoder, &corpus);
    assert!(first.rebuilt);
    assert!(cache_path(&corpus).ends_with("corpus.txt.descent-embeddings.safetensors"));
    assert!(cache_path(&corpus).is_file());
    let lines: Vec<usize> = first.lines.iter().map(|(n, _)| *n).collect();
    assert_eq!(lines, vec![1, 3, 4], "blank lines are skipped, numbers are the file's");

    let second = index(&encoder, &corpus);
    assert!(!second.rebuilt, "same corpus, same model: read from the cache");
    assert_eq!(second.vectors, first.vectors);

    let hits = search(&encoder, &second, "a dog ran home.", 2);
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].line, 3);
    assert!((hits[0].score - 1.0).abs() < 1e-5, "{}", hits[0].score);
    assert!(hits[0].score >= hits[1].score);

    std::fs::write(&corpus, "the cat sat on the mat.\na dog ran home.\n").unwrap();
    let changed = index(&encoder, &corpus);
    assert!(changed.rebuilt, "a changed corpus is embedded again");
    assert_eq!(changed.lines.len(), 2);

    let other = tiny_model(&model_dir, 2);
    assert!(index(&other, &corpus).rebuilt, "another model is embedded again");
    assert!(!index(&other, &corpus).rebuilt);

    std::fs::write(cache_path(&corpus), b"not a safetensors file").unwrap();
    assert!(index(&other, &corpus).rebuilt, "a damaged cache is rebuilt");

    // No cache path: computed, nothing written; an unwritable cache is an error of its own.
    std::fs::remove_file(cache_path(&corpus)).unwrap();
    let text = std::fs::read_to_string(&corpus).unwrap();
    let uncached = corpus_index(&other, &text, None);
    assert!(uncached.rebuilt && !cache_path(&corpus).exists());
    std::fs::create_dir(cache_path(&corpus)).unwrap();
    let err = uncached.save_cache(&cache_path(&corpus)).unwrap_err().to_string();
    assert!(err.contains("descent-embeddings.safetensors"), "{err}");
    assert!(corpus_index(&other, &text, Some(&cache_path(&corpus))).rebuilt);
    let _ = std::fs::remove_dir_all(&root);
}
