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
//! Every problem — a missing file, bad JSON, a non-UTF-8 vocabulary, a weight of the
//! wrong shape, a config that disagrees with the weights — is one [`ModelFolderError`]
//! line naming the file. The folder's *identity* is a SHA-256 over every byte read, so a
//! cache of embeddings can tell when the model changed.

use super::config::{max_seq_length_from_json, parse_json, BertConfig, Pooling};
use super::inference::InferenceWeights;
use super::{Bert, SentenceEncoder};
use descent_nn::{named_params, Module};
use descent_tensor::Rng;
use descent_text::{WordPiece, WordPieceOptions};
use safetensors::{Dtype, SafeTensors};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

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
    fn new(path: &Path, reason: impl Into<String>) -> ModelFolderError {
        ModelFolderError {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}

/// Reads files of one folder, hashing every byte for the folder's identity.
struct FolderReader {
    dir: PathBuf,
    hasher: Sha256,
}

impl FolderReader {
    fn bytes(&mut self, name: &str) -> Result<Vec<u8>, ModelFolderError> {
        let path = self.dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| ModelFolderError::new(&path, format!("cannot be read ({e})")))?;
        self.hasher.update((name.len() as u64).to_le_bytes());
        self.hasher.update(name.as_bytes());
        self.hasher.update((bytes.len() as u64).to_le_bytes());
        self.hasher.update(&bytes);
        Ok(bytes)
    }

    fn text(&mut self, name: &str) -> Result<String, ModelFolderError> {
        let bytes = self.bytes(name)?;
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
            Some(text) => files.parsed("sentence_bert_config.json", &text, max_seq_length_from_json)?,
            None => 512,
        }
        .min(config.max_position_embeddings);
        let model = Bert::new(&config, &mut Rng::new(0));
        let weights = files.bytes("model.safetensors")?;
        load_weights(&model, &weights, &dir.join("model.safetensors"))?;
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

/// Copies the tensors of a safetensors file (`bytes`, read from `path`) into `model`'s
/// parameters by name. Every parameter must be present, F32 and of the model's shape;
/// `embeddings.position_ids`, `pooler.*` and `cls.*` (heads this encoder has no use for)
/// are skipped, and any other extra tensor is an error (the config disagrees with the
/// weights). Nothing is changed unless everything matches.
pub fn load_weights(model: &dyn Module, bytes: &[u8], path: &Path) -> Result<(), ModelFolderError> {
    let fail = |reason: String| ModelFolderError::new(path, reason);
    let file = SafeTensors::deserialize(bytes).map_err(|e| fail(format!("is not a safetensors file ({e})")))?;
    let prefix = if file.names().iter().any(|n| n.starts_with("bert.")) {
        "bert."
    } else {
        ""
    };
    let params = named_params(model);
    let mut views = Vec::with_capacity(params.len());
    for (name, param) in &params {
        let stored = format!("{prefix}{name}");
        let view = file.tensor(&stored).map_err(|_| {
            fail(format!(
                "has no tensor '{stored}', which config.json calls for (the config and the weights disagree)"
            ))
        })?;
        if view.dtype() != Dtype::F32 {
            return Err(fail(format!("'{stored}' is {:?}; only F32 weights are supported", view.dtype())));
        }
        if view.shape() != param.shape().as_slice() {
            return Err(fail(format!(
                "'{stored}' has shape {:?} but config.json implies {:?}",
                view.shape(),
                param.shape()
            )));
        }
        views.push(view);
    }
    let known: HashSet<String> = params.iter().map(|(n, _)| format!("{prefix}{n}")).collect();
    let skipped = |n: &str| {
        let n = n.strip_prefix(prefix).unwrap_or(n);
        n == "embeddings.position_ids" || n.starts_with("pooler.") || n.starts_with("cls.")
    };
    let mut extra: Vec<&str> = file.names().into_iter().filter(|n| !known.contains(*n) && !skipped(n)).collect();
    if !extra.is_empty() {
        extra.sort();
        let shown = &extra[..extra.len().min(3)];
        return Err(fail(format!(
            "holds {} tensor(s) config.json has no place for ({}{})",
            extra.len(),
            shown.join(", "),
            if extra.len() > 3 { ", ..." } else { "" }
        )));
    }
    for ((_, param), view) in params.iter().zip(views) {
        let values: Vec<f32> = view
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        param.set_values(&values);
    }
    Ok(())
}
