//! `descent embed`, `descent search` and `descent data list` as a user runs them, with a
//! small BERT folder made here (and the real MiniLM where the data folder has it).

mod common;

use common::temp;
use descent_models::bert::{Bert, BertConfig, Pooling, SentenceEncoder};
use descent_tensor::Rng;
use descent_text::{WordPiece, WordPieceOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `descent args...` as (success, stdout, stderr).
fn descent(args: &[&str]) -> (bool, String, String) {
    let out = common::descent(args);
    (out.status.success(), out.stdout, out.stderr)
}

fn save_tiny_model(dir: &Path) {
    let vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\ncat\nsat\na\ndog\nran\n.\n";
    let config = BertConfig {
        vocab_size: 11,
        hidden_size: 8,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        intermediate_size: 16,
        max_position_embeddings: 16,
        type_vocab_size: 2,
        layer_norm_eps: 1e-12,
    };
    let tokenizer = WordPiece::from_vocab_txt(vocab, WordPieceOptions::default()).unwrap();
    let model = Bert::new(&config, &mut Rng::new(5));
    SentenceEncoder::new(model, tokenizer, vec![Pooling::Mean], true, 16)
        .save(dir)
        .unwrap();
}

#[test]
fn embed_prints_one_json_line_per_text() {
    let dir = temp("embed");
    let model = dir.join("model");
    save_tiny_model(&model);
    let (ok, out, err) = descent(&["embed", "--model", model.to_str().unwrap(), "the cat sat.", "a dog ran"]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    let first: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(first["text"], "the cat sat.");
    let v: Vec<f64> = first["embedding"].as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect();
    assert_eq!(v.len(), 8);
    assert!((v.iter().map(|x| x * x).sum::<f64>() - 1.0).abs() < 1e-4);

    std::fs::remove_file(model.join("config.json")).unwrap();
    let (ok, _, err) = descent(&["embed", "--model", model.to_str().unwrap(), "x"]);
    assert!(!ok);
    assert!(err.trim().lines().count() == 1 && err.contains("config.json"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn search_ranks_lines_and_reuses_its_cache() {
    let dir = temp("search");
    let model = dir.join("model");
    save_tiny_model(&model);
    let corpus = dir.join("corpus.txt");
    std::fs::write(&corpus, "the cat sat.\na dog ran.\nthe dog sat.\n").unwrap();
    let args = [
        "search",
        "--model",
        model.to_str().unwrap(),
        "--corpus",
        corpus.to_str().unwrap(),
        "--top",
        "2",
        "a dog ran.",
    ];
    let (ok, out, err) = descent(&args);
    assert!(ok, "{err}");
    assert!(err.contains("embedded and cached"), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("1.0000  2: a dog ran."), "{out}");
    let (ok, again, err) = descent(&args);
    assert!(ok && err.contains("read from the cache"), "{err}");
    assert_eq!(again, out);
    assert!(dir.join("corpus.txt.descent-embeddings.safetensors").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn data_list_shows_the_model() {
    let dir = temp("list");
    let out = Command::new(env!("CARGO_BIN_EXE_descent"))
        .args(["data", "list", "--data-dir", dir.to_str().unwrap()])
        .env_remove("DESCENT_DATA")
        .current_dir(&dir)
        .output()
        .expect("the descent binary runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(out.lines().any(|l| l.starts_with("minilm") && l.contains("missing")), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn real_minilm_finds_the_weather_sentence() {
    let data = std::env::var("DESCENT_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    if !data.join("models/all-MiniLM-L6-v2/model.safetensors").is_file() {
        eprintln!("skipping: no models/all-MiniLM-L6-v2 under {}", data.display());
        return;
    }
    let dir = temp("minilm");
    let corpus = dir.join("card.txt");
    std::fs::write(
        &corpus,
        "The weather is lovely today.\nIt's so sunny outside!\nHe drove to the stadium.\n",
    )
    .unwrap();
    let (ok, out, err) = descent(&[
        "search",
        "--data-dir",
        data.to_str().unwrap(),
        "--corpus",
        corpus.to_str().unwrap(),
        "--top",
        "3",
        "The weather is lovely today.",
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("1.0000  1:"), "{out}");
    assert!(lines[1].starts_with("0.6660  2:"), "the model card's 0.6660: {out}");
    let _ = std::fs::remove_dir_all(&dir);
}
