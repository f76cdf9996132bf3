//! Semantic search over a corpus file with a small saved BERT: the corpus vectors are
//! cached beside the corpus, reused while corpus and model stay the same, and rebuilt
//! when either changes; a line searched for itself comes first with cosine 1.

use descent_models::bert::search::{cache_path, corpus_index, search};
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

#[test]
fn corpus_vectors_are_cached_and_rebuilt_when_corpus_or_model_change() {
    let root = std::env::temp_dir().join(format!("descent-search-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let model_dir = root.join("model");
    let encoder = tiny_model(&model_dir, 1);
    let corpus = root.join("corpus.txt");
    std::fs::write(&corpus, "the cat sat on the mat.\n\na dog ran home.\nthe bird sang.\n").unwrap();

    let first = corpus_index(&encoder, &corpus).unwrap();
    assert!(first.rebuilt);
    assert_eq!(first.cache_path, cache_path(&corpus));
    assert!(first.cache_path.ends_with("corpus.txt.descent-embeddings.safetensors"));
    let lines: Vec<usize> = first.lines.iter().map(|(n, _)| *n).collect();
    assert_eq!(lines, vec![1, 3, 4], "blank lines are skipped, numbers are the file's");

    let second = corpus_index(&encoder, &corpus).unwrap();
    assert!(!second.rebuilt, "same corpus, same model: read from the cache");
    assert_eq!(second.vectors, first.vectors);

    let hits = search(&encoder, &second, "a dog ran home.", 2);
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].line, 3);
    assert!((hits[0].score - 1.0).abs() < 1e-5, "{}", hits[0].score);
    assert!(hits[0].score >= hits[1].score);

    std::fs::write(&corpus, "the cat sat on the mat.\na dog ran home.\n").unwrap();
    let changed = corpus_index(&encoder, &corpus).unwrap();
    assert!(changed.rebuilt, "a changed corpus is embedded again");
    assert_eq!(changed.lines.len(), 2);

    let other = tiny_model(&model_dir, 2);
    assert!(corpus_index(&other, &corpus).unwrap().rebuilt, "another model is embedded again");
    assert!(!corpus_index(&other, &corpus).unwrap().rebuilt);

    std::fs::write(cache_path(&corpus), b"not a safetensors file").unwrap();
    assert!(corpus_index(&other, &corpus).unwrap().rebuilt, "a damaged cache is rebuilt");

    std::fs::write(&corpus, b"caf\xe9\n").unwrap();
    let err = corpus_index(&other, &corpus)
        .err()
        .expect("a non-UTF-8 corpus is refused")
        .to_string();
    assert!(err.contains("corpus.txt") && err.contains("UTF-8"), "{err}");
    let _ = std::fs::remove_dir_all(&root);
}
