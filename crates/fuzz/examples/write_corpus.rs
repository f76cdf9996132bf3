//! Writes the fuzz targets' seed corpus (valid inputs of every parser) into
//! `crates/fuzz/corpus/`: `cargo run --release -p descent-fuzz --example write_corpus`.

use descent_data::encode_idx;
use descent_fuzz::corpus_dir;
use descent_models::saved::{self, Extras, Snapshot};
use descent_text::Tokenizer;

fn main() {
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
