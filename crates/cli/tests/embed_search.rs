//! `descent embed`, `descent search` and `descent data list` as a user runs them, with a
//! small BERT folder made here (and the real MiniLM where the data folder has it):
//! results, the cache, and one-line errors for damaged folders and bad corpora (runs
//! that could take the machine's memory go under a 4 GiB address-space limit).

mod common;

use common::temp;
use descent_models::bert::{Bert, BertConfig, Pooling, SentenceEncoder};
use descent_tensor::Rng;
use descent_text::{WordPiece, WordPieceOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

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

/// Sets `key` of the JSON object in the file `path` to `value`.
fn set_json(path: &Path, key: &str, value: serde_json::Value) {
    let mut json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json[key] = value;
    std::fs::write(path, json.to_string()).unwrap();
}

/// `descent args...` with `stdin`, under a 4 GiB address-space limit (bash's `ulimit
/// -v`), so a run that tries to allocate or read gigabytes fails fast instead of taking
/// the machine's memory; killed after 60 s.
fn descent_limited(args: &[&str], stdin: Stdio) -> common::Output {
    let mut cmd = Command::new("bash");
    cmd.args(["-c", "ulimit -v 4194304 && exec \"$0\" \"$@\"", env!("CARGO_BIN_EXE_descent")])
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    common::finish(cmd.spawn().unwrap(), Duration::from_secs(60), &args.join(" "))
}

/// Makes a named pipe at `path`.
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

#[test]
fn embed_refuses_a_config_the_weights_do_not_match_before_building_it() {
    let dir = temp("embed-huge");
    let model = dir.join("model");
    save_tiny_model(&model);
    let m = model.to_str().unwrap();
    let out = descent_limited(&["embed", "--model", m, "the cat sat."], Stdio::null());
    assert!(out.status.success(), "the intact model runs under the limit: {}", out.stderr);
    // About two billion parameters (8 GB), within the parameter bound: the weights'
    // header says otherwise, and nothing is allocated before it is read.
    set_json(&model.join("config.json"), "num_hidden_layers", 120.into());
    set_json(&model.join("config.json"), "intermediate_size", 1_000_000.into());
    let out = descent_limited(&["embed", "--model", m, "the cat sat."], Stdio::null());
    common::assert_one_line_error(&out, &["model.safetensors", "intermediate.dense.weight", "[1000000, 8]"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn embed_refuses_weights_that_are_not_a_regular_file() {
    let dir = temp("embed-special");
    let model = dir.join("model");
    save_tiny_model(&model);
    let m = model.to_str().unwrap();
    let weights = model.join("model.safetensors");
    std::fs::remove_file(&weights).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &weights).unwrap();
    let out = descent_limited(&["embed", "--model", m, "x"], Stdio::null());
    common::assert_one_line_error(&out, &["model.safetensors", "is a device"]);
    // A FIFO nobody writes to: refused at once, not waited on.
    std::fs::remove_file(&weights).unwrap();
    mkfifo(&weights);
    let out = descent_limited(&["embed", "--model", m, "x"], Stdio::null());
    common::assert_one_line_error(&out, &["model.safetensors", "named pipe"]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The model and corpus of the search tests: `<dir>/model`, `<dir>/notes.txt`.
fn search_setup(tag: &str) -> (PathBuf, String, PathBuf) {
    let dir = temp(tag);
    let model = dir.join("model");
    save_tiny_model(&model);
    let corpus = dir.join("notes.txt");
    std::fs::write(&corpus, "the cat sat.\na dog ran.\nthe dog sat.\n").unwrap();
    let m = model.to_str().unwrap().to_string();
    (dir, m, corpus)
}

/// Runs `descent args…` while writing 80 copies of `block` (about 1 MiB) to its stdin,
/// stopping when it stops reading — what a cap is for.
fn with_80_mib_on_stdin(args: &[&str], block: Vec<u8>) -> common::Output {
    let mut child = common::command(args).stdin(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        for _ in 0..80 {
            if stdin.write_all(&block).is_err() {
                return;
            }
        }
    });
    let out = common::finish(child, Duration::from_secs(60), &args.join(" "));
    writer.join().unwrap();
    out
}

#[test]
fn search_caps_the_corpus_read() {
    let (dir, m, _) = search_setup("search-cap");
    let out = descent_limited(&["search", "--model", &m, "--corpus", "/dev/zero", "a dog"], Stdio::null());
    common::assert_one_line_error(&out, &["/dev/zero", "is a device"]);
    // A pipe of more than 64 MiB: the read stops at the cap.
    let args = ["search", "--model", &m, "--corpus", "/dev/stdin", "a dog"];
    let out = with_80_mib_on_stdin(&args, vec![0xffu8; 1 << 20]);
    common::assert_one_line_error(&out, &["/dev/stdin", "64 MiB"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn embed_caps_what_it_reads_from_standard_input() {
    let (dir, m, _) = search_setup("embed-cap");
    let out = with_80_mib_on_stdin(&["embed", "--model", &m], b"the cat sat.\n".repeat(80_000));
    common::assert_one_line_error(&out, &["standard input", "67108864 bytes"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn search_reads_a_pipe_and_refuses_a_fifo_without_writer() {
    let (dir, m, corpus) = search_setup("search-pipe");
    // bash's `<(...)` is /dev/fd/63, a pipe: it is read, and no cache is written for it.
    let script = "exec \"$0\" search --model \"$1\" --corpus <(cat \"$2\") 'a dog ran.'";
    let mut cmd = Command::new("bash");
    cmd.args(["-c", script, env!("CARGO_BIN_EXE_descent"), &m, corpus.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = common::finish(cmd.spawn().unwrap(), Duration::from_secs(60), "search --corpus <(cat ...)");
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stdout.starts_with("1.0000  2: a dog ran."), "{}", out.stdout);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("not cached"), "{}", out.stderr);
    // A named pipe nobody writes to reads as empty at once instead of waiting forever.
    let fifo = dir.join("fifo");
    mkfifo(&fifo);
    let out = descent_limited(
        &["search", "--model", &m, "--corpus", fifo.to_str().unwrap(), "a dog"],
        Stdio::null(),
    );
    common::assert_one_line_error(&out, &["fifo", "is empty"]);
    let empty = dir.join("empty.txt");
    std::fs::write(&empty, "\n  \n").unwrap();
    let out = common::descent(&["search", "--model", &m, "--corpus", empty.to_str().unwrap(), "a dog"]);
    common::assert_one_line_error(&out, &["empty.txt", "is empty"]);
    std::fs::write(&empty, b"caf\xe9\n").unwrap();
    let out = common::descent(&["search", "--model", &m, "--corpus", empty.to_str().unwrap(), "a dog"]);
    common::assert_one_line_error(&out, &["empty.txt", "not UTF-8"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn search_refuses_a_blank_query() {
    let (dir, m, corpus) = search_setup("search-blank");
    for query in ["", "  \t "] {
        let out = common::descent(&["search", "--model", &m, "--corpus", corpus.to_str().unwrap(), query]);
        common::assert_one_line_error(&out, &["the query is empty", "give"]);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn search_warns_when_the_cache_cannot_be_written() {
    let (dir, m, corpus) = search_setup("search-no-cache");
    let args = [
        "search",
        "--model",
        &m,
        "--corpus",
        corpus.to_str().unwrap(),
        "--top",
        "1",
        "a dog ran.",
    ];
    // A folder where the cache file should go: no one, root included, can write it.
    std::fs::create_dir(dir.join("notes.txt.descent-embeddings.safetensors")).unwrap();
    let out = common::descent(&args);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.stdout, "1.0000  2: a dog ran.\n");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("warning: ") && out.stderr.contains("not cached"),
        "{}",
        out.stderr
    );
    // A read-only folder (where permissions bind: not for root).
    std::fs::remove_dir(dir.join("notes.txt.descent-embeddings.safetensors")).unwrap();
    let shelf = dir.join("shelf");
    std::fs::create_dir(&shelf).unwrap();
    let corpus = shelf.join("notes.txt");
    std::fs::write(&corpus, "the cat sat.\na dog ran.\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&shelf, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(shelf.join("probe"), "").is_err() {
        let out = common::descent(&["search", "--model", &m, "--corpus", corpus.to_str().unwrap(), "a dog ran."]);
        assert!(out.status.success(), "{}", out.stderr);
        assert!(out.stdout.starts_with("1.0000  2: a dog ran."), "{}", out.stdout);
        assert!(out.stderr.starts_with("warning: "), "{}", out.stderr);
    }
    std::fs::set_permissions(&shelf, std::fs::Permissions::from_mode(0o755)).unwrap();
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
