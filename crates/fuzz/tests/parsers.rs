//! One fuzz target per parser of outside bytes: every mutated input must come back as a
//! value or a one-line error, never a panic. Case counts are fixed (see
//! `descent_fuzz::cases`); `-- --nocapture` prints how many ran.

use descent_data::embedded_cifar::decode_packed;
use descent_data::{decode_image, decode_text, encode_idx, parse_idx, parse_iris_csv, parse_pairs, parse_poems, parse_sst2, CifarSet};
use descent_fuzz::{cases, corpus, corpus_dir, mutated, mutated_text, seed};
use descent_models::bert::BertConfig;
use descent_models::saved::{self, Extras, ModelFile, Provenance, Snapshot};
use descent_models::{CharLstm, TextModel};
use descent_nn::Checkpoint;
use descent_text::{Tokenizer, WordPiece};
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

/// Writes the seed corpus (valid inputs of every parser) into `corpus/`.
/// Run: `cargo test --release -p descent-fuzz --test parsers -- --ignored write_corpus`.
#[test]
#[ignore]
fn write_corpus() {
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    };
    seeds::models(&|name, bytes| write("checkpoint", name, bytes));
    let images: Vec<u8> = (0..3 * 4 * 4).map(|i| (i * 17) as u8).collect();
    write("idx", "images.idx", &encode_idx(&[3, 4, 4], &images));
    write("idx", "labels.idx", &encode_idx(&[3], &[0, 7, 9]));
    write("idx", "images.idx.gz", &seeds::gzip(&encode_idx(&[3, 4, 4], &images)));
    let mut records = vec![3u8];
    records.extend((0..3072).map(|i| (i % 251) as u8));
    records.push(9);
    records.extend(vec![200u8; 3072]);
    write("cifar", "two.bin", &records);
    write("cifar", "two.bin.gz", &seeds::gzip(&records));
    let mut packed = b"DCIFAR1\n".to_vec();
    packed.extend_from_slice(&1u32.to_le_bytes());
    packed.push(4);
    packed.extend((0..3072).map(|i| (i % 7) as u8));
    write("cifar", "one.dcr", &packed);
    write(
        "text",
        "poems.tsv",
        "李白\t静夜思\t床前明月光，疑是地上霜。\n王维\t鹿柴\t空山不见人，但闻人语响。\n".as_bytes(),
    );
    write(
        "text",
        "pairs.tsv",
        "Hi.\t嗨。\tCC-BY 2.0\nRun!\t你用跑的。\tCC-BY 2.0\n".as_bytes(),
    );
    write("text", "sst2.tsv", b"sentence\tlabel\nit 's a charming journey . \t1\nbland \t0\n");
    write(
        "text",
        "iris.csv",
        b"5.1,3.5,1.4,0.2,Iris-setosa\n7.0,3.2,4.7,1.4,Iris-versicolor\n",
    );
    write("text", "poems.tsv.gz", &seeds::gzip("李白\t静夜思\t床前明月光。\n".as_bytes()));
    for (name, format) in [
        ("grey.png", image::ImageFormat::Png),
        ("photo.jpg", image::ImageFormat::Jpeg),
        ("anim.gif", image::ImageFormat::Gif),
    ] {
        write("image", name, &seeds::image(format));
    }
    write("wordpiece", "tokenizer.json", seeds::WORDPIECE_JSON.as_bytes());
    for (name, tokenizer) in seeds::tokenizers() {
        write("tokenizer", name, serde_json::to_string(&tokenizer).unwrap().as_bytes());
    }
    write("config", "minilm-config.json", seeds::MINILM_CONFIG.as_bytes());
    for (name, json) in seeds::model_configs() {
        write("config", name, json.as_bytes());
    }
}

/// Valid inputs for the corpus.
mod seeds {
    use super::*;
    use descent_models::char_lstm::{CharLstm, CharLstmConfig};
    use descent_models::vqa::{AnswerVocab, Vqa, VqaConfig, VqaInputs, VqaModel};
    use descent_models::TextModel;
    use descent_tensor::Rng;
    use descent_text::{Bpe, CharTokenizer};
    use std::io::Write;

    pub fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    pub fn image(format: image::ImageFormat) -> Vec<u8> {
        let image = image::RgbImage::from_fn(12, 9, |x, y| image::Rgb([(x * 20) as u8, (y * 25) as u8, 128]));
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    pub fn tokenizers() -> Vec<(&'static str, Tokenizer)> {
        let texts = ["where is the 7?", "what is left of the 3?", "how many digits?"];
        vec![
            (
                "char.json",
                Tokenizer::Char(CharTokenizer::from_texts(["床前明月光 where is the 7?"])),
            ),
            ("bpe.json", Tokenizer::Bpe(Bpe::train(texts, 60))),
        ]
    }

    fn small_vqa() -> VqaModel {
        let tokenizer = Tokenizer::Char(CharTokenizer::from_texts(["where is the 7?"]));
        let answers = AnswerVocab::new(["7".to_string()]);
        let config = VqaConfig {
            image_side: 16,
            patch: 8,
            stem: 0,
            question_vocab: tokenizer.vocab_size(),
            question_len: 8,
            answer_vocab: answers.len(),
            answer_len: 5,
            d_model: 8,
            n_heads: 2,
            encoder_layers: 1,
            decoder_layers: 1,
            inputs: VqaInputs::Both,
        };
        VqaModel {
            vqa: Vqa::new(config, &mut Rng::new(1)),
            tokenizer,
            answers,
        }
    }

    fn small_lstm() -> TextModel<CharLstm> {
        let tokenizer = Tokenizer::Char(CharTokenizer::from_texts(["abc "]));
        let config = CharLstmConfig {
            vocab_size: tokenizer.vocab_size(),
            embed_dim: 4,
            hidden_size: 6,
            num_layers: 1,
        };
        TextModel {
            net: CharLstm::new(config, &mut Rng::new(2)),
            tokenizer,
            bos: String::new(),
            stop: String::new(),
            prompt_format: None,
        }
    }

    pub fn models(write: &dyn Fn(&str, &[u8])) {
        let dir = std::env::temp_dir().join(format!("descent-fuzz-seeds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let save = |name: &str, snapshot: Snapshot| {
            let path = dir.join(name);
            saved::save(&path, &snapshot, Extras::default()).unwrap();
            write(name, &std::fs::read(&path).unwrap());
        };
        save("vqa.safetensors", Snapshot::of(&small_vqa()));
        save("char-lstm.safetensors", Snapshot::of(&small_lstm()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    pub fn model_configs() -> Vec<(&'static str, String)> {
        use descent_models::saved::SavedModel;
        vec![
            ("vqa.json", serde_json::to_string(&small_vqa().config()).unwrap()),
            ("char-lstm.json", serde_json::to_string(&small_lstm().config()).unwrap()),
        ]
    }

    pub const MINILM_CONFIG: &str = r#"{"architectures":["BertModel"],"attention_probs_dropout_prob":0.1,"hidden_act":"gelu","hidden_dropout_prob":0.1,"hidden_size":384,"initializer_range":0.02,"intermediate_size":1536,"layer_norm_eps":1e-12,"max_position_embeddings":512,"model_type":"bert","num_attention_heads":12,"num_hidden_layers":6,"pad_token_id":0,"position_embedding_type":"absolute","type_vocab_size":2,"vocab_size":30522}"#;

    pub const WORDPIECE_JSON: &str = r###"{"version":"1.0","truncation":null,"padding":{"pad_token":"[PAD]"},"normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,"strip_accents":null,"lowercase":true},"model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##","max_input_chars_per_word":100,"vocab":{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"hello":4,"world":5,"un":6,"##aff":7,"##able":8,"run":9,"##s":10,",":11,"!":12,"世":13,"界":14}}}"###;
}
