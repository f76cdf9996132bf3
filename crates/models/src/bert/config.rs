//! The JSON files of a Hugging Face / sentence-transformers BERT folder, read into plain
//! structs: `config.json` ([`BertConfig`]), `1_Pooling/config.json` ([`Pooling`]),
//! `sentence_bert_config.json` (the maximum sequence length). Each parser returns the
//! reason for a rejection; the folder loader adds the file's path.

use crate::ModelError;
use serde_json::Value;

/// Sizes of a BERT encoder, as `config.json` gives them.
#[derive(Clone, Debug, PartialEq)]
pub struct BertConfig {
    /// Tokens in the vocabulary (rows of the word table).
    pub vocab_size: usize,
    /// Width of the residual stream.
    pub hidden_size: usize,
    /// Number of encoder blocks.
    pub num_hidden_layers: usize,
    /// Attention heads per block.
    pub num_attention_heads: usize,
    /// Width of the feed-forward's hidden layer.
    pub intermediate_size: usize,
    /// Rows of the position table: the longest input.
    pub max_position_embeddings: usize,
    /// Rows of the token-type (segment) table.
    pub type_vocab_size: usize,
    /// LayerNorm ε (1e-12 for BERT).
    pub layer_norm_eps: f32,
}

impl BertConfig {
    /// Number of parameters of the encoder these sizes describe (pooler excluded).
    pub fn parameter_count(&self) -> u128 {
        let (d, f) = (self.hidden_size as u128, self.intermediate_size as u128);
        let tables = (self.vocab_size + self.max_position_embeddings + self.type_vocab_size) as u128 * d + 2 * d;
        let layer = 4 * (d * d + d) + 2 * d * f + f + d + 4 * d;
        tables + self.num_hidden_layers as u128 * layer
    }
}

/// A positive whole number at `key`.
fn size(json: &Value, key: &str) -> Result<usize, ModelError> {
    match json[key].as_u64() {
        Some(n) if n > 0 => Ok(n as usize),
        _ => Err(ModelError::invalid(format!("'{key}' is missing or not a positive whole number"))),
    }
}

/// Parses `text` as JSON (the reason names what is wrong).
pub(crate) fn parse_json(text: &str) -> Result<Value, ModelError> {
    serde_json::from_str(text).map_err(|e| ModelError::invalid(format!("not valid JSON ({e})")))
}

impl BertConfig {
    /// Reads a `config.json`; anything but an absolute-position, exact-GELU BERT is refused.
    pub fn from_json(text: &str) -> Result<BertConfig, ModelError> {
        let json = parse_json(text)?;
        if let Some(kind) = json["model_type"].as_str() {
            if kind != "bert" {
                return Err(ModelError::invalid(format!("model_type is '{kind}'; only 'bert' is supported")));
            }
        }
        match json["hidden_act"].as_str() {
            Some("gelu") | None => {}
            Some(other) => {
                return Err(ModelError::invalid(format!(
                    "hidden_act '{other}' is not supported (only the exact 'gelu')"
                )))
            }
        }
        match json["position_embedding_type"].as_str() {
            Some("absolute") | None => {}
            Some(other) => {
                return Err(ModelError::invalid(format!(
                    "position_embedding_type '{other}' is not supported (only 'absolute')"
                )))
            }
        }
        let config = BertConfig {
            vocab_size: size(&json, "vocab_size")?,
            hidden_size: size(&json, "hidden_size")?,
            num_hidden_layers: size(&json, "num_hidden_layers")?,
            num_attention_heads: size(&json, "num_attention_heads")?,
            intermediate_size: size(&json, "intermediate_size")?,
            max_position_embeddings: size(&json, "max_position_embeddings")?,
            type_vocab_size: size(&json, "type_vocab_size")?,
            layer_norm_eps: json["layer_norm_eps"].as_f64().unwrap_or(1e-12) as f32,
        };
        crate::limits::check_dims(&[
            ("vocab_size", config.vocab_size),
            ("hidden_size", config.hidden_size),
            ("num_hidden_layers", config.num_hidden_layers),
            ("num_attention_heads", config.num_attention_heads),
            ("intermediate_size", config.intermediate_size),
            ("max_position_embeddings", config.max_position_embeddings),
            ("type_vocab_size", config.type_vocab_size),
        ])?;
        crate::limits::check_count("parameters", config.parameter_count())?;
        crate::limits::check_heads(
            ("num_attention_heads", config.num_attention_heads),
            ("hidden_size", config.hidden_size),
        )?;
        Ok(config)
    }
}

/// How token states become one sentence vector (sentence-transformers' `Pooling`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pooling {
    /// The `[CLS]` token's state.
    Cls,
    /// Element-wise maximum over the real tokens.
    Max,
    /// Mean over the real tokens.
    Mean,
    /// Sum over the real tokens divided by √(token count).
    MeanSqrtLen,
}

impl Pooling {
    /// The modes switched on in a `1_Pooling/config.json`, in the order
    /// sentence-transformers concatenates them; checks the declared width.
    pub fn modes_from_json(text: &str, hidden_size: usize) -> Result<Vec<Pooling>, ModelError> {
        let json = parse_json(text)?;
        if let Some(width) = json["word_embedding_dimension"].as_u64() {
            if width as usize != hidden_size {
                return Err(ModelError::invalid(format!(
                    "word_embedding_dimension {width} disagrees with config.json's hidden_size {hidden_size}"
                )));
            }
        }
        let on = |key: &str| json[key].as_bool().unwrap_or(false);
        for unsupported in ["pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"] {
            if on(unsupported) {
                return Err(ModelError::invalid(format!(
                    "{unsupported} is not supported (cls, max, mean, mean_sqrt_len are)"
                )));
            }
        }
        let table = [
            ("pooling_mode_cls_token", Pooling::Cls),
            ("pooling_mode_max_tokens", Pooling::Max),
            ("pooling_mode_mean_tokens", Pooling::Mean),
            ("pooling_mode_mean_sqrt_len_tokens", Pooling::MeanSqrtLen),
        ];
        let modes: Vec<Pooling> = table.iter().filter(|(key, _)| on(key)).map(|&(_, mode)| mode).collect();
        if modes.is_empty() {
            return Err(ModelError::invalid("no pooling mode is switched on"));
        }
        Ok(modes)
    }

    /// Pools the first `len` rows of `states` (rows of `width` values) into `out`.
    pub fn pool(self, states: &[f32], len: usize, width: usize, out: &mut Vec<f32>) {
        let rows = states[..len * width].chunks_exact(width);
        match self {
            Pooling::Cls => out.extend_from_slice(&states[..width]),
            Pooling::Max => {
                let mut best = vec![f32::NEG_INFINITY; width];
                for row in rows {
                    best.iter_mut().zip(row).for_each(|(b, &v)| *b = b.max(v));
                }
                out.extend(best);
            }
            Pooling::Mean | Pooling::MeanSqrtLen => {
                let mut sum = vec![0.0f32; width];
                for row in rows {
                    sum.iter_mut().zip(row).for_each(|(s, &v)| *s += v);
                }
                let divisor = if self == Pooling::Mean { len as f32 } else { (len as f32).sqrt() };
                out.extend(sum.into_iter().map(|s| s / divisor));
            }
        }
    }
}

/// Shortest usable input in tokens: `[CLS]`, one piece of text, `[SEP]`.
pub const MIN_SEQ_LENGTH: usize = 3;

/// `max_seq_length` of a `sentence_bert_config.json`, checked against the
/// `max_positions` (config.json's `max_position_embeddings`) the model has.
pub fn max_seq_length_from_json(text: &str, max_positions: usize) -> Result<usize, ModelError> {
    let length = size(&parse_json(text)?, "max_seq_length")?;
    check_seq_length("max_seq_length", length, max_positions)?;
    Ok(length)
}

/// Checks that a sequence length (the config entry `name`) leaves room for text
/// between `[CLS]` and `[SEP]` and has a position embedding for every token.
pub fn check_seq_length(name: &str, length: usize, max_positions: usize) -> Result<(), ModelError> {
    if length < MIN_SEQ_LENGTH {
        return Err(ModelError::invalid(format!(
            "'{name}' = {length} leaves no room for text between [CLS] and [SEP]; give at least {MIN_SEQ_LENGTH}"
        )));
    }
    if length > max_positions {
        return Err(ModelError::invalid(format!(
            "'{name}' = {length} is more than the {max_positions} position embeddings of config.json; give at most {max_positions}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_and_pooling_parse_and_refuse() {
        let text = r#"{"model_type":"bert","hidden_act":"gelu","vocab_size":10,"hidden_size":8,
            "num_hidden_layers":2,"num_attention_heads":2,"intermediate_size":16,
            "max_position_embeddings":32,"type_vocab_size":2,"layer_norm_eps":1e-12}"#;
        let config = BertConfig::from_json(text).unwrap();
        assert_eq!((config.hidden_size, config.layer_norm_eps), (8, 1e-12));
        let bad = text.replace("\"gelu\"", "\"relu\"");
        assert!(BertConfig::from_json(&bad).unwrap_err().to_string().contains("relu"));
        let huge = text.replace("\"vocab_size\":10", "\"vocab_size\":100000000000");
        assert!(BertConfig::from_json(&huge).unwrap_err().to_string().contains("vocab_size"));
        let many = text.replace("\"hidden_size\":8", "\"hidden_size\":200000");
        assert!(BertConfig::from_json(&many).unwrap_err().to_string().contains("parameters"));
        // MiniLM-L6: the tensors of its model.safetensors, less the pooler and position_ids.
        let minilm = BertConfig {
            vocab_size: 30522,
            hidden_size: 384,
            num_hidden_layers: 6,
            num_attention_heads: 12,
            intermediate_size: 1536,
            max_position_embeddings: 512,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
        };
        assert_eq!(minilm.parameter_count(), 22_565_376);
        let modes = Pooling::modes_from_json(r#"{"word_embedding_dimension":8,"pooling_mode_mean_tokens":true}"#, 8);
        assert_eq!(modes.unwrap(), vec![Pooling::Mean]);
        assert!(Pooling::modes_from_json(r#"{"word_embedding_dimension":9}"#, 8).is_err());
    }

    #[test]
    fn sequence_lengths_leave_room_for_text_and_fit_the_positions() {
        assert_eq!(max_seq_length_from_json(r#"{"max_seq_length":256}"#, 512).unwrap(), 256);
        assert_eq!(max_seq_length_from_json(r#"{"max_seq_length":3}"#, 3).unwrap(), 3);
        for (length, words) in [(0, "positive"), (1, "no room"), (2, "no room"), (513, "at most 512")] {
            let text = format!(r#"{{"max_seq_length":{length}}}"#);
            let err = max_seq_length_from_json(&text, 512).unwrap_err().to_string();
            assert!(err.contains("max_seq_length") && err.contains(words), "{length}: {err}");
        }
    }

    #[test]
    fn pooling_over_real_rows_only() {
        let states = [1.0, 2.0, 3.0, 6.0, 100.0, 100.0]; // 3 rows of width 2, last is padding
        let mut out = Vec::new();
        Pooling::Mean.pool(&states, 2, 2, &mut out);
        Pooling::Max.pool(&states, 2, 2, &mut out);
        Pooling::Cls.pool(&states, 2, 2, &mut out);
        assert_eq!(out, vec![2.0, 4.0, 3.0, 6.0, 1.0, 2.0]);
    }
}
