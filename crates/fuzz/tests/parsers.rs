//! One fuzz target per parser of outside bytes: every mutated input must come back as a
//! value or a one-line error, never a panic. Case counts are fixed (see
//! `descent_fuzz::cases`); `-- --nocapture` prints how many ran.

use descent_data::embedded_cifar::decode_packed;
use descent_data::{decode_image, decode_text, parse_idx, parse_iris_csv, parse_pairs, parse_poems, parse_sst2, CifarSet};
use descent_fuzz::{cases, corpus, mutated, mutated_text, seed};
use descent_models::bert::BertConfig;
use descent_models::saved::{self, ModelFile, Provenance};
use descent_models::{CharLstm, TextModel};
use descent_nn::Checkpoint;
use descent_text::WordPiece;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngAlgorithm, TestRng, TestRunner};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `check` on `n` mutations of `target`'s corpus and prints how many ran and how
/// many the parser accepted. `check` returns whether the input was accepted.
fn fuzz<T: std::fmt::Debug>(target: &str, n: u32, strategy: impl Strategy<Value = T>, check: impl Fn(T) -> Result<bool, TestCaseError>) {
    let regressions = format!("{}/proptest-regressions/{target}.txt", env!("CARGO_MANIFEST_DIR"));
    let config = Config {
        cases: n,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(Box::leak(regressions.into_boxed_str())))),
        ..Config::default()
    };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed()));
    let start = std::time::Instant::now();
    let (executions, accepted) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let result = runner.run(&strategy, |input| {
        executions.fetch_add(1, Ordering::Relaxed);
        if check(input)? {
            accepted.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("fuzz target {target}: {e}");
    }
    let (executions, accepted) = (executions.into_inner(), accepted.into_inner());
    assert!(executions >= n as usize, "fuzz target {target}: only {executions} of {n} cases ran");
    eprintln!(
        "fuzz {target}: {executions} executions ({accepted} accepted) in {:.2}s",
        start.elapsed().as_secs_f64()
    );
}

/// An error's message must be one line.
fn one_line(what: &str, message: String) -> Result<bool, TestCaseError> {
    prop_assert!(!message.contains('\n'), "{what}: a multi-line error: {message}");
    Ok(false)
}

#[test]
fn checkpoints_and_saved_models() {
    fuzz(
        "checkpoint",
        cases(40_000),
        mutated(corpus("checkpoint")),
        |bytes| match Checkpoint::from_bytes(&bytes, Path::new("fuzz.safetensors")) {
            Err(e) => one_line("checkpoint", e.to_string()),
            Ok(checkpoint) => match ModelFile::from_checkpoint(checkpoint).and_then(|file| file.any_model()) {
                Err(e) => one_line("model file", e.to_string()),
                Ok(_) => Ok(true),
            },
        },
    );
}

#[test]
fn idx_files() {
    fuzz("idx", cases(200_000), mutated(corpus("idx")), |bytes| {
        match parse_idx(&bytes, "fuzz.idx") {
            Err(e) => one_line("idx", e.to_string()),
            Ok(array) => {
                prop_assert_eq!(array.dims.iter().product::<usize>(), array.data.len());
                Ok(true)
            }
        }
    });
}

#[test]
fn cifar_batches() {
    fuzz("cifar", cases(60_000), mutated(corpus("cifar")), |bytes| {
        let records = match CifarSet::parse(&bytes, "fuzz.bin") {
            Ok(set) => set.labels.len() == set.n,
            Err(e) => one_line("cifar", e.to_string())?,
        };
        let packed = match decode_packed(&bytes, "fuzz.dcr") {
            Ok(set) => set.labels.len() == set.n,
            Err(e) => one_line("packed cifar", e.to_string())?,
        };
        Ok(records || packed)
    });
}

#[test]
fn text_data_files() {
    fuzz("text", cases(200_000), mutated(corpus("text")), |bytes| {
        let text = match decode_text(&bytes, "fuzz.txt", 1 << 20) {
            Ok(text) => text,
            Err(e) => return one_line("text", e.to_string()),
        };
        let mut accepted = false;
        for result in [
            parse_poems(&text, "p").map(|_| ()),
            parse_pairs(&text, "t").map(|_| ()),
            parse_sst2(&text, "s").map(|_| ()),
            parse_iris_csv(&text, "i").map(|_| ()),
        ] {
            match result {
                Ok(()) => accepted = true,
                Err(e) => {
                    one_line("text rows", e.to_string())?;
                }
            }
        }
        Ok(accepted)
    });
}

#[test]
fn images_through_the_shared_reader() {
    fuzz("image", cases(60_000), mutated(corpus("image")), |bytes| {
        match decode_image(&bytes, "fuzz.png") {
            Err(e) => one_line("image", e.to_string()),
            Ok(image) => {
                prop_assert!(image.width() > 0 && image.height() > 0);
                Ok(true)
            }
        }
    });
}

#[test]
fn wordpiece_tokenizers() {
    fuzz("wordpiece", cases(60_000), mutated_text(corpus("wordpiece")), |text| {
        match WordPiece::from_tokenizer_json(&text) {
            Err(e) => one_line("tokenizer.json", e.to_string()),
            Ok(wordpiece) => {
                // Below 2 there is no room for [CLS] and [SEP]: callers validate it first.
                for max_len in [2, 3, 8] {
                    let ids = wordpiece.encode("Héllo, 世界! unaffable runs", max_len);
                    prop_assert!(ids.len() <= max_len, "{} ids for max_len {max_len}", ids.len());
                }
                Ok(true)
            }
        }
    });
    // Any text through a fixed vocabulary, at any length.
    let json = String::from_utf8(corpus("wordpiece")[0].clone()).unwrap();
    let wordpiece = WordPiece::from_tokenizer_json(&json).unwrap();
    fuzz(
        "wordpiece-text",
        cases(100_000),
        (any::<String>(), 2usize..12),
        |(text, max_len)| {
            let ids = wordpiece.encode(&text, max_len);
            prop_assert!(ids.len() <= max_len && ids.iter().all(|&id| (id as usize) < wordpiece.vocab_size()));
            Ok(true)
        },
    );
}

#[test]
fn bpe_and_char_tokenizers() {
    fuzz(
        "tokenizer",
        cases(100_000),
        mutated_text(corpus("tokenizer")),
        // Tokenizers are read as part of a saved model's config: fuzzed there.
        |json| match saved::parse_config::<TextModel<CharLstm>>(&format!(
            r#"{{"net":{{"vocab_size":3,"embed_dim":2,"hidden_size":2,"num_layers":1}},"tokenizer":{json}}}"#
        )) {
            Err(e) => one_line("tokenizer", e.to_string()),
            Ok(config) => {
                let tokenizer = config.tokenizer;
                let (ids, _) = tokenizer.encode_skipping_unknown("where is the 7? 床前明月光");
                prop_assert!(ids.iter().all(|&id| id < tokenizer.vocab_size()));
                let _ = tokenizer.decode(&ids);
                Ok(true)
            }
        },
    );
    // BPE trained on and applied to arbitrary text: decoding undoes encoding.
    fuzz(
        "bpe-text",
        cases(10_000),
        (proptest::collection::vec(any::<String>(), 1..4), 1usize..300),
        |(texts, vocab)| {
            let bpe = descent_text::Bpe::train(texts.iter().map(String::as_str), vocab);
            for text in &texts {
                let ids = bpe
                    .encode(text)
                    .map_err(|e| TestCaseError::fail(format!("its own training text: {e}")))?;
                prop_assert_eq!(&bpe.decode(&ids), text);
            }
            Ok(true)
        },
    );
}

#[test]
fn hugging_face_and_model_configs() {
    fuzz("config", cases(100_000), mutated_text(corpus("config")), |text| {
        let mut accepted = false;
        match BertConfig::from_json(&text) {
            Ok(_) => accepted = true,
            Err(e) => {
                one_line("config.json", e.to_string())?;
            }
        }
        match Provenance::from_json(&text) {
            Ok(_) => accepted = true,
            Err(e) => {
                one_line("provenance", e.to_string())?;
            }
        }
        for result in [
            saved::parse_config::<descent_models::vqa::VqaModel>(&text).map(|_| ()),
            saved::parse_config::<descent_models::TextModel<descent_models::CharLstm>>(&text).map(|_| ()),
            saved::parse_config::<descent_models::TextModel<descent_models::gpt::Gpt>>(&text).map(|_| ()),
        ] {
            match result {
                Ok(()) => accepted = true,
                Err(e) => {
                    one_line("model config", e.to_string())?;
                }
            }
        }
        Ok(accepted)
    });
}
