//! Model folders: a small BERT saved and loaded back gives the same vectors; a damaged
//! folder (missing file, bad JSON, wrong shapes, a config that disagrees with the
//! weights, a non-UTF-8 vocabulary) is refused with one line naming the file. The last
//! test damages copies of the real MiniLM folder (the weights symlinked) and skips when
//! that folder is absent.

use descent_data::{DataLocator, MINILM};
use descent_models::bert::{Bert, BertConfig, Pooling, SentenceEncoder};
use descent_tensor::Rng;
use descent_text::{WordPiece, WordPieceOptions};
use std::path::{Path, PathBuf};

/// A fresh, empty folder under the system temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("descent-bert-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const VOCAB: &str = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\nsat\non\nmat\n##s\na\ndog\n.\n";

fn tiny_encoder(seed: u64) -> SentenceEncoder {
    let config = BertConfig {
        vocab_size: 16,
        hidden_size: 8,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        intermediate_size: 16,
        max_position_embeddings: 12,
        type_vocab_size: 2,
        layer_norm_eps: 1e-12,
    };
    let tokenizer = WordPiece::from_vocab_txt(VOCAB, WordPieceOptions::default()).unwrap();
    SentenceEncoder::new(Bert::new(&config, &mut Rng::new(seed)), tokenizer, vec![Pooling::Mean], true, 10)
}

/// Saves a tiny model into `<scratch>/<name>` and returns the folder.
fn saved(scratch: &Scratch, name: &str) -> PathBuf {
    let dir = scratch.0.join(name);
    tiny_encoder(1).save(&dir).unwrap();
    dir
}

fn load_error(dir: &Path) -> String {
    match SentenceEncoder::load(dir) {
        Ok(_) => panic!("{} loaded although damaged", dir.display()),
        Err(e) => e.to_string(),
    }
}

/// The error is one line and names `file`.
fn assert_names(message: &str, file: &str, words: &str) {
    assert!(!message.contains('\n'), "not one line: {message}");
    assert!(message.contains(file), "does not name {file}: {message}");
    assert!(message.contains(words), "does not say '{words}': {message}");
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn saved_folder_loads_back_with_the_same_vectors() {
    let scratch = Scratch::new("roundtrip");
    let original = tiny_encoder(1);
    let dir = saved(&scratch, "m");
    let loaded = SentenceEncoder::load(&dir).unwrap();
    let texts = ["the cat sat on the mat.", "a dog", "", "cats"];
    assert_eq!(loaded.token_ids("cats"), vec![2, 6, 10, 3]);
    assert_eq!(original.encode(&texts, 2), loaded.encode(&texts, 3));
    let norm: f32 = loaded.encode(&["a dog"], 1)[0].iter().map(|x| x * x).sum();
    assert!((norm - 1.0).abs() < 1e-5, "normalised: |v|² = {norm}");
    // The identity is a hash of the files: equal for equal files, different otherwise.
    assert_eq!(SentenceEncoder::load(&dir).unwrap().identity, loaded.identity);
    tiny_encoder(2).save(&dir).unwrap();
    assert_ne!(SentenceEncoder::load(&dir).unwrap().identity, loaded.identity);
}

#[test]
fn damaged_folders_get_one_line_naming_the_file() {
    let scratch = Scratch::new("damaged");
    let d = saved(&scratch, "no-weights");
    std::fs::remove_file(d.join("model.safetensors")).unwrap();
    assert_names(&load_error(&d), "model.safetensors", "cannot be read");

    let d = saved(&scratch, "no-config");
    std::fs::remove_file(d.join("config.json")).unwrap();
    assert_names(&load_error(&d), "config.json", "cannot be read");

    let d = saved(&scratch, "bad-json");
    std::fs::write(d.join("config.json"), "{\"hidden_size\": 8,").unwrap();
    assert_names(&load_error(&d), "config.json", "not valid JSON");

    let d = saved(&scratch, "fewer-layers");
    edit(&d.join("config.json"), "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1");
    assert_names(&load_error(&d), "model.safetensors", "encoder.layer.1");

    let d = saved(&scratch, "more-layers");
    edit(&d.join("config.json"), "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3");
    assert_names(&load_error(&d), "model.safetensors", "no tensor 'encoder.layer.2");

    let d = saved(&scratch, "wider");
    edit(&d.join("config.json"), "\"intermediate_size\": 16", "\"intermediate_size\": 32");
    assert_names(&load_error(&d), "model.safetensors", "config.json implies [32, 8]");

    let d = saved(&scratch, "truncated");
    let bytes = std::fs::read(d.join("model.safetensors")).unwrap();
    std::fs::write(d.join("model.safetensors"), &bytes[..bytes.len() / 2]).unwrap();
    assert_names(&load_error(&d), "model.safetensors", "not a safetensors file");

    let d = saved(&scratch, "latin1-vocab");
    std::fs::write(d.join("vocab.txt"), b"[PAD]\n[UNK]\n[CLS]\n[SEP]\ncaf\xe9\n").unwrap();
    assert_names(&load_error(&d), "vocab.txt", "not UTF-8");

    let d = saved(&scratch, "big-vocab");
    std::fs::write(d.join("vocab.txt"), VOCAB.to_string() + "extra\nmore\nstill\n").unwrap();
    assert_names(&load_error(&d), "vocab.txt", "vocab_size is 16");

    let d = saved(&scratch, "pooling-width");
    edit(
        &d.join("1_Pooling/config.json"),
        "\"word_embedding_dimension\":8",
        "\"word_embedding_dimension\":384",
    );
    assert_names(&load_error(&d), "1_Pooling/config.json", "hidden_size 8");

    let d = saved(&scratch, "dense-module");
    edit(&d.join("modules.json"), "models.Normalize", "models.Dense");
    assert_names(&load_error(&d), "modules.json", "Dense");

    let d = saved(&scratch, "pooling-outside");
    edit(&d.join("modules.json"), "\"1_Pooling\"", "\"../../etc\"");
    assert_names(&load_error(&d), "modules.json", "leaves the model folder");

    assert_names(&load_error(&scratch.0.join("absent")), "absent", "not a folder");
}

#[test]
fn sequence_lengths_must_leave_room_for_text_and_fit_the_positions() {
    let scratch = Scratch::new("seq-length");
    // 1 used to load and then panic in WordPiece at the first text.
    let d = saved(&scratch, "one");
    edit(
        &d.join("sentence_bert_config.json"),
        "\"max_seq_length\":10",
        "\"max_seq_length\":1",
    );
    assert_names(&load_error(&d), "sentence_bert_config.json", "'max_seq_length' = 1 leaves no room");
    // Past the 12 position embeddings: refused, not silently cut.
    let d = saved(&scratch, "past");
    edit(
        &d.join("sentence_bert_config.json"),
        "\"max_seq_length\":10",
        "\"max_seq_length\":13",
    );
    assert_names(&load_error(&d), "sentence_bert_config.json", "give at most 12");
    // Without sentence_bert_config.json the position table sets the length.
    let d = saved(&scratch, "two-positions");
    std::fs::remove_file(d.join("sentence_bert_config.json")).unwrap();
    edit(
        &d.join("config.json"),
        "\"max_position_embeddings\": 12",
        "\"max_position_embeddings\": 2",
    );
    assert_names(&load_error(&d), "config.json", "'max_position_embeddings' = 2 leaves no room");
}

#[test]
fn non_finite_weights_are_refused_naming_the_tensor() {
    let scratch = Scratch::new("non-finite");
    for (tag, value, words) in [("nan", f32::NAN, "holds NaN"), ("inf", f32::NEG_INFINITY, "holds -inf")] {
        let d = saved(&scratch, tag);
        let path = d.join("model.safetensors");
        let mut weights = descent_nn::Checkpoint::load(&path).unwrap();
        weights.tensors.get_mut("encoder.layer.1.output.dense.weight").unwrap().1[5] = value;
        weights.save(&path).unwrap();
        let message = load_error(&d);
        assert_names(&message, "model.safetensors", words);
        assert!(message.contains("'encoder.layer.1.output.dense.weight'"), "{message}");
    }
}

/// Copies the small files of `real` into `dir` and symlinks the weights.
fn copy_with_linked_weights(real: &Path, dir: &Path) {
    std::fs::create_dir_all(dir.join("1_Pooling")).unwrap();
    for name in [
        "config.json",
        "tokenizer.json",
        "vocab.txt",
        "tokenizer_config.json",
        "modules.json",
    ] {
        std::fs::copy(real.join(name), dir.join(name)).unwrap();
    }
    std::fs::copy(real.join("sentence_bert_config.json"), dir.join("sentence_bert_config.json")).unwrap();
    std::fs::copy(real.join("1_Pooling/config.json"), dir.join("1_Pooling/config.json")).unwrap();
    std::os::unix::fs::symlink(real.join("model.safetensors"), dir.join("model.safetensors")).unwrap();
}

#[test]
fn damaged_copies_of_the_real_minilm_folder() {
    let env = std::env::var_os("DESCENT_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let real = match MINILM.find(&DataLocator::from_parts(None, Some(env), &std::env::current_dir().unwrap())) {
        Ok(dir) => dir.canonicalize().unwrap(),
        Err(e) => {
            eprintln!("skipping the damaged-MiniLM test: {e}");
            return;
        }
    };
    let scratch = Scratch::new("minilm");
    // config.json disagreeing with the weights.
    let d = scratch.0.join("five-layers");
    copy_with_linked_weights(&real, &d);
    edit(&d.join("config.json"), "\"num_hidden_layers\": 6", "\"num_hidden_layers\": 5");
    assert_names(&load_error(&d), "model.safetensors", "encoder.layer.5");
    let d = scratch.0.join("wrong-heads");
    copy_with_linked_weights(&real, &d);
    edit(&d.join("config.json"), "\"num_attention_heads\": 12", "\"num_attention_heads\": 7");
    assert_names(&load_error(&d), "config.json", "does not divide");
    // Without tokenizer.json the vocab.txt route must give the same ids.
    let d = scratch.0.join("vocab-only");
    copy_with_linked_weights(&real, &d);
    std::fs::remove_file(d.join("tokenizer.json")).unwrap();
    let from_vocab = SentenceEncoder::load(&d).unwrap();
    let from_json = SentenceEncoder::load(&real).unwrap();
    for text in [
        "Café déjà vu: naïve résumé, ÜBER-cool!",
        "一只猫在沙发上",
        "tokenization of unaffable words",
        "",
    ] {
        assert_eq!(from_vocab.token_ids(text), from_json.token_ids(text), "{text:?}");
    }
}
