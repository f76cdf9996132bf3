//! Our corpus BLEU against sacreBLEU 2.6 (`fixtures/bleu_expected.json`, written by
//! `fixtures/make_bleu_fixture.py`): the same tokens from the `13a` and `zh` tokenizers,
//! and the same n-gram counts, lengths, brevity penalty and score on 602 sentence pairs.

use descent_text::bleu::{corpus_bleu, tokenize, BleuTokenizer};

fn fixture() -> (Vec<(String, String, String)>, serde_json::Value) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let rows = std::fs::read_to_string(dir.join("bleu_fixture.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let parts: Vec<&str> = l.split('\t').collect();
            (parts[0].to_string(), parts[1].to_string(), parts[2].to_string())
        })
        .collect();
    let expected = serde_json::from_str(&std::fs::read_to_string(dir.join("bleu_expected.json")).unwrap()).unwrap();
    (rows, expected)
}

#[test]
fn tokenizers_match_sacrebleu() {
    let (_, expected) = fixture();
    for case in expected["tokens"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        assert_eq!(
            tokenize(text, BleuTokenizer::Mteval13a),
            case["13a"].as_str().unwrap(),
            "13a of {text:?}"
        );
        assert_eq!(tokenize(text, BleuTokenizer::Zh), case["zh"].as_str().unwrap(), "zh of {text:?}");
    }
}

#[test]
fn corpus_bleu_matches_sacrebleu_on_the_fixture() {
    let (rows, expected) = fixture();
    for (lang, tokenizer) in [("en", BleuTokenizer::Mteval13a), ("zh", BleuTokenizer::Zh)] {
        let selected: Vec<&(String, String, String)> = rows.iter().filter(|r| r.0 == lang).collect();
        let parts = [
            ("all", &selected[..]),
            ("first50", &selected[..50]),
            ("last1", &selected[selected.len() - 1..]),
        ];
        for (name, part) in parts {
            let hyps: Vec<String> = part.iter().map(|r| r.1.clone()).collect();
            let refs: Vec<String> = part.iter().map(|r| r.2.clone()).collect();
            let ours = corpus_bleu(&hyps, &refs, tokenizer);
            let want = &expected[format!("{lang}.{name}")];
            let ints = |key: &str| -> Vec<usize> { want[key].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect() };
            assert_eq!(ours.counts.to_vec(), ints("counts"), "{lang}.{name} counts");
            assert_eq!(ours.totals.to_vec(), ints("totals"), "{lang}.{name} totals");
            assert_eq!(ours.sys_len as u64, want["sys_len"].as_u64().unwrap(), "{lang}.{name} sys_len");
            assert_eq!(ours.ref_len as u64, want["ref_len"].as_u64().unwrap(), "{lang}.{name} ref_len");
            assert!(
                (ours.brevity_penalty - want["bp"].as_f64().unwrap()).abs() < 1e-12,
                "{lang}.{name} bp"
            );
            let score = want["score"].as_f64().unwrap();
            assert!(
                (ours.score - score).abs() < 1e-9,
                "{lang}.{name}: {} vs sacreBLEU {score}",
                ours.score
            );
        }
    }
}

#[test]
fn identical_corpora_score_100_and_disjoint_ones_0() {
    let refs = vec!["the cat sat on the mat .".to_string(), "我 们 在 这 里".to_string()];
    assert!((corpus_bleu(&refs, &refs, BleuTokenizer::Mteval13a).score - 100.0).abs() < 1e-9);
    let other = vec!["x y z".to_string(), "a b".to_string()];
    assert_eq!(corpus_bleu(&other, &refs, BleuTokenizer::Zh).score, 0.0);
}
