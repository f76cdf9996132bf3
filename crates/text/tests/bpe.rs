//! The trained BPE tokenizer: deterministic training, lossless encode/decode, merges that
//! really compress, save/load through the checkpoint metadata, Chinese kept as whole
//! characters, and a clear error for characters it never saw.

use descent_text::bpe::{pre_tokenize, Bpe};
use descent_text::tokenizer::{CharTokenizer, Tokenizer, TokenizerError};

const TEXT: &[&str] = &[
    "The cat sat on the mat. The cat is fat.",
    "A cat and another cat met on the mat at nine.",
    "These thinner things thaw when the weather warms.",
    "我们在这里学习。我们喜欢学习！",
];

#[test]
fn bpe_learns_merges_that_shorten_text_and_round_trip() {
    let bpe = Bpe::train(TEXT.iter().copied(), 80);
    assert!(bpe.merge_count() > 10, "only {} merges learned", bpe.merge_count());
    assert_eq!(bpe, Bpe::train(TEXT.iter().copied(), 80), "training must be deterministic");
    for line in TEXT {
        let ids = bpe.encode(line).unwrap();
        assert_eq!(bpe.decode(&ids), *line);
        if line.is_ascii() {
            assert!(ids.len() < line.chars().count(), "no compression for {line:?}");
        }
    }
    // " cat" (with its space) is frequent enough to become one token.
    let cat = bpe.encode(" cat").unwrap();
    assert_eq!(cat.len(), 1, "{:?}", cat.iter().map(|&i| bpe.token(i)).collect::<Vec<_>>());
    // Chinese: pre-tokenised character by character (merges never join two words).
    assert_eq!(pre_tokenize("我们 cat"), vec!["我", "们", " cat"]);
    assert_eq!(bpe.encode("我们").unwrap().len(), 2);
}

#[test]
fn tokenizers_save_and_load_as_json_and_bpe_names_unknown_characters() {
    let tokenizer = Tokenizer::Bpe(Bpe::train(TEXT.iter().copied(), 60));
    let back: Tokenizer = serde_json::from_str(&serde_json::to_string(&tokenizer).unwrap()).unwrap();
    assert_eq!(back, tokenizer);
    for other in [Tokenizer::Byte, Tokenizer::Char(CharTokenizer::from_texts(["春眠不觉晓", "abc"]))] {
        let json = serde_json::to_string(&other).unwrap();
        assert_eq!(serde_json::from_str::<Tokenizer>(&json).unwrap(), other, "{json}");
    }
    let bad = r#"{"kind": "bpe", "alphabet": "ab", "merges": [[0, 5]]}"#;
    assert!(serde_json::from_str::<Tokenizer>(bad)
        .unwrap_err()
        .to_string()
        .contains("later token"));
    assert!(serde_json::from_str::<Tokenizer>(r#"{"kind": "words"}"#).is_err());
    let line = "the fat cat sat";
    assert_eq!(back.encode(line).unwrap(), tokenizer.encode(line).unwrap());
    assert_eq!(tokenizer.encode("cat 🐈"), Err(TokenizerError::Unknown(vec!['🐈'])));
    let (ids, dropped) = tokenizer.encode_skipping_unknown("cat 🐈");
    assert_eq!((tokenizer.decode(&ids), dropped), ("cat ".to_string(), vec!['🐈']));
    assert!(Bpe::from_json("{\"alphabet\": \"ab\", \"merges\": [[0, 5]]}").is_err());
}
