//! Reading a sentence-transformers BERT folder (the Hugging Face layout) into a
//! [`SentenceEncoder`]:
//!
//! | file | gives |
//! | --- | --- |
//! | `config.json` | sizes ([`BertConfig`]) |
//! | `model.safetensors` | weights, by `transformers.BertModel` names (a `bert.` prefix is accepted) |
//! | `tokenizer.json`, else `vocab.txt` (+ `tokenizer_config.json`) | WordPiece vocabulary and normaliser switches |
//! | `modules.json` (optional) | which pooling folder, and whether to L2-normalise |
//! | `<pooling>/config.json` (optional) | pooling modes (mean when absent) |
//! | `sentence_bert_config.json` (optional) | the maximum sequence length |
//!
//! Every problem — a missing file, bad JSON, a non-UTF-8 vocabulary, a sequence length
//! with no room for text or past the position table, a weight of the wrong shape or
//! holding NaN, a config that disagrees with the weights — is one [`ModelFolderError`]
//! line naming the file. Only regular files are read, each at most its size (a FIFO would
//! wait forever, `/dev/zero` never ends), and the weights' header is checked against the
//! config before the model is built (see [`super::weights`]). The folder's *identity*
//! is a SHA-256 over every byte read, so a cache of embeddings can tell when the model
//! changed.

use super::config::{check_seq_length, max_seq_length_from_json, parse_json, BertConfig, Pooling};
use super::inference::InferenceWeights;
use super::weights::{check_header, load_weights, read_header};
use super::{Bert, SentenceEncoder};
use descent_tensor::Rng;
use descent_text::{WordPiece, WordPieceOptions};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest weights file read (4 GiB, as for the project's own checkpoints): far above
/// MiniLM's 91 MB, small enough that a wrong file cannot take the machine's memory.
pub const MAX_WEIGHTS_BYTES: u64 = 4 << 30;

/// Largest of the other files read (64 MiB; a big `tokenizer.json` is a few MB).
pub const MAX_SMALL_FILE_BYTES: u64 = 64 << 20;

/// A model folder that cannot be used: which file, and why (one line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {reason}", path.display())]
pub struct ModelFolderError {
    /// The file (or folder) at fault.
    pub path: PathBuf,
    /// What is wrong with it, and what to do where that is not obvious.
    pub reason: String,
}

impl ModelFolderError {
    /// The error for `path`, with `reason`.
    pub(crate) fn new(path: &Path, reason: impl Into<String>) -> ModelFolderError {
        ModelFolderError {
            path: path.to_path_buf(),
            reason: descent_text::single_line(&reason.into()),
        }
    }
}

/// Reads files of one folder, hashing every byte for the folder's identity.
struct FolderReader {
    dir: PathBuf,
    hasher: Sha256,
}

impl FolderReader {
    /// The bytes of `name` (at most `limit`), hashed into the folder's identity.
    fn bytes(&mut self, name: &str, limit: u64) -> Result<Vec<u8>, ModelFolderError> {
        let path = self.dir.join(name);
        let len = regular_file_len(&path, limit)?;
        let cannot = |e: std::io::Error| ModelFolderError::new(&path, format!("cannot be read ({e})"));
        let file = std::fs::File::open(&path).map_err(cannot)?;
        let mut bytes = Vec::with_capacity(len as usize);
        // Bounded by the size just checked, even if the file grows meanwhile.
        file.take(len).read_to_end(&mut bytes).map_err(cannot)?;
        self.hasher.update((name.len() as u64).to_le_bytes());
        self.hasher.update(name.as_bytes());
        self.hasher.update((bytes.len() as u64).to_le_bytes());
        self.hasher.update(&bytes);
        Ok(bytes)
    }

    fn text(&mut self, name: &str) -> Result<String, ModelFolderError> {
        let bytes = self.bytes(name, MAX_SMALL_FILE_BYTES)?;
        String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            ModelFolderError::new(&self.dir.join(name), format!("is not UTF-8 text (bad byte at offset {at})"))
        })
    }

    /// The text of `name` if the file exists.
    fn optional_text(&mut self, name: &str) -> Result<Option<String>, ModelFolderError> {
        if self.dir.join(name).exists() {
            self.text(name).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Applies `parse` to the text of `name`, naming the file on failure.
    fn parsed<T, E: std::fmt::Display>(
        &self,
        name: &str,
        text: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, ModelFolderError> {
        parse(text).map_err(|reason| ModelFolderError::new(&self.dir.join(name), reason.to_string()))
    }
}

impl SentenceEncoder {
    /// Loads the sentence-transformers folder `dir` (see the module table).
    pub fn load(dir: &Path) -> Result<SentenceEncoder, ModelFolderError> {
        if !dir.is_dir() {
            return Err(ModelFolderError::new(
                dir,
                "is not a folder (expected a sentence-transformers model folder; `descent data fetch minilm` downloads one)",
            ));
        }
        let mut files = FolderReader {
            dir: dir.to_path_buf(),
            hasher: Sha256::new(),
        };
        let config_text = files.text("config.json")?;
        let config = files.parsed("config.json", &config_text, BertConfig::from_json)?;
        let tokenizer = read_tokenizer(&mut files, &config)?;
        let (pooling, normalize) = read_modules(&mut files, &config)?;
        let max_seq_length = match files.optional_text("sentence_bert_config.json")? {
            Some(text) => files.parsed("sentence_bert_config.json", &text, |t| {
                max_seq_length_from_json(t, config.max_position_embeddings)
            })?,
            None => {
                let length = config.max_position_embeddings.min(512);
                check_seq_length("max_position_embeddings", length, length)
                    .map_err(|e| ModelFolderError::new(&dir.join("config.json"), e.to_string()))?;
                length
            }
        };
        // The weights' header is checked against the config before the model is built:
        // a config that disagrees could otherwise ask for gigabytes first.
        let weights_path = dir.join("model.safetensors");
        let len = regular_file_len(&weights_path, MAX_WEIGHTS_BYTES)?;
        check_header(&config, &read_header(&weights_path, len)?, &weights_path)?;
        let model = Bert::new(&config, &mut Rng::new(0));
        let weights = files.bytes("model.safetensors", MAX_WEIGHTS_BYTES)?;
        load_weights(&model, &weights, &weights_path)?;
        let identity: String = files.hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok(SentenceEncoder {
            inference: InferenceWeights::new(&model),
            model,
            tokenizer,
            pooling,
            normalize,
            max_seq_length,
            dir: dir.to_path_buf(),
            identity,
        })
    }
}

/// `tokenizer.json` if present, else `vocab.txt` with `tokenizer_config.json`'s switches.
fn read_tokenizer(files: &mut FolderReader, config: &BertConfig) -> Result<WordPiece, ModelFolderError> {
    let (name, tokenizer) = if let Some(text) = files.optional_text("tokenizer.json")? {
        let parse = WordPiece::from_tokenizer_json;
        ("tokenizer.json", files.parsed("tokenizer.json", &text, parse)?)
    } else {
        let mut options = WordPieceOptions::default();
        if let Some(text) = files.optional_text("tokenizer_config.json")? {
            let json = files.parsed("tokenizer_config.json", &text, parse_json)?;
            options.lowercase = json["do_lower_case"].as_bool().unwrap_or(true);
            options.strip_accents = json["strip_accents"].as_bool().unwrap_or(options.lowercase);
            options.handle_chinese_chars = json["tokenize_chinese_chars"].as_bool().unwrap_or(true);
        }
        let text = files.text("vocab.txt")?;
        let parse = |t: &str| WordPiece::from_vocab_txt(t, options);
        ("vocab.txt", files.parsed("vocab.txt", &text, parse)?)
    };
    if tokenizer.vocab_size() > config.vocab_size {
        return Err(ModelFolderError::new(
            &files.dir.join(name),
            format!(
                "has {} tokens but config.json's vocab_size is {}",
                tokenizer.vocab_size(),
                config.vocab_size
            ),
        ));
    }
    Ok(tokenizer)
}

/// Pooling modes and the normalise flag from `modules.json` (mean, no normalising, when
/// the folder has none: a plain Hugging Face model).
fn read_modules(files: &mut FolderReader, config: &BertConfig) -> Result<(Vec<Pooling>, bool), ModelFolderError> {
    let Some(text) = files.optional_text("modules.json")? else {
        return Ok((vec![Pooling::Mean], false));
    };
    let json = files.parsed("modules.json", &text, parse_json)?;
    let Some(modules) = json.as_array() else {
        return Err(ModelFolderError::new(&files.dir.join("modules.json"), "is not a list of modules"));
    };
    let mut pooling = None;
    let mut normalize = false;
    for module in modules {
        let kind = module["type"].as_str().unwrap_or("");
        match kind.rsplit('.').next().unwrap_or("") {
            "Transformer" => {}
            "Normalize" => normalize = true,
            "Pooling" => {
                let sub = module["path"].as_str().unwrap_or("1_Pooling");
                // A folder inside this one: no absolute path, no way up.
                if Path::new(sub).components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
                    let reason = format!(
                        "the pooling module's path {} leaves the model folder; it must name a folder inside it",
                        descent_text::excerpt(sub)
                    );
                    return Err(ModelFolderError::new(&files.dir.join("modules.json"), reason));
                }
                let name = format!("{}/config.json", sub.trim_end_matches('/'));
                let text = files.text(&name)?;
                pooling = Some(files.parsed(&name, &text, |t| Pooling::modes_from_json(t, config.hidden_size))?);
            }
            _ => {
                let reason = format!("module type '{kind}' is not supported (Transformer, Pooling and Normalize are)");
                return Err(ModelFolderError::new(&files.dir.join("modules.json"), reason));
            }
        }
    }
    Ok((pooling.unwrap_or_else(|| vec![Pooling::Mean]), normalize))
}

/// The length of `path` if it is a regular file (symbolic links followed) of at most
/// `limit` bytes. Checked before the file is opened: opening a FIFO would wait for a
/// writer, and a device such as `/dev/zero` never ends.
fn regular_file_len(path: &Path, limit: u64) -> Result<u64, ModelFolderError> {
    let meta = std::fs::metadata(path).map_err(|e| ModelFolderError::new(path, format!("cannot be read ({e})")))?;
    if !meta.is_file() {
        let kind = descent_nn::file_kind(&meta.file_type());
        return Err(ModelFolderError::new(
            path,
            format!("is {kind}, not a regular file; the folder's files must be plain files"),
        ));
    }
    if meta.len() > limit {
        return Err(ModelFolderError::new(
            path,
            format!(
                "is {} bytes, more than the {limit} this program reads; is this the right file?",
                meta.len()
            ),
        ));
    }
    Ok(meta.len())
}
