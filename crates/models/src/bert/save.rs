//! Writing a [`SentenceEncoder`] as a sentence-transformers folder that
//! [`SentenceEncoder::load`] (and the Python library) can read back: `config.json`,
//! `model.safetensors` (transformers' names), `vocab.txt` + `tokenizer_config.json`,
//! `modules.json`, `1_Pooling/config.json`, `sentence_bert_config.json`. Each file is
//! written atomically. Used to save fine-tuned models and, in tests, to make small
//! folders to load and to damage.

use super::config::{BertConfig, Pooling};
use super::{ModelFolderError, SentenceEncoder};
use descent_nn::{named_params, write_atomic, Checkpoint};
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;

impl BertConfig {
    /// The `config.json` text of these sizes (a transformers `BertModel`).
    pub fn to_json(&self) -> String {
        let value = json!({
            "architectures": ["BertModel"],
            "model_type": "bert",
            "hidden_act": "gelu",
            "position_embedding_type": "absolute",
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads,
            "intermediate_size": self.intermediate_size,
            "max_position_embeddings": self.max_position_embeddings,
            "type_vocab_size": self.type_vocab_size,
            "layer_norm_eps": self.layer_norm_eps as f64,
            "pad_token_id": 0,
        });
        serde_json::to_string_pretty(&value).expect("a JSON value serialises")
    }
}

impl SentenceEncoder {
    /// Writes the model, tokenizer and pooling into the folder `dir` (created if needed).
    pub fn save(&self, dir: &Path) -> Result<(), ModelFolderError> {
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.join(name);
            write_atomic(&path, bytes).map_err(|e| ModelFolderError {
                path: path.clone(),
                reason: format!("cannot be written ({e})"),
            })
        };
        write("config.json", self.model.config.to_json().as_bytes())?;
        let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
        let weights = Checkpoint::from_params(&named_params(&self.model), metadata);
        write("model.safetensors", &weights.to_bytes())?;
        let t = &self.tokenizer;
        let vocab: Vec<&str> = (0..t.vocab_size() as u32).map(|id| t.token(id).unwrap_or("")).collect();
        write("vocab.txt", (vocab.join("\n") + "\n").as_bytes())?;
        let o = t.options();
        let tokenizer_config = json!({
            "tokenizer_class": "BertTokenizer",
            "do_lower_case": o.lowercase,
            "strip_accents": o.strip_accents,
            "tokenize_chinese_chars": o.handle_chinese_chars,
            "unk_token": o.unk_token, "cls_token": o.cls_token, "sep_token": o.sep_token, "pad_token": o.pad_token,
            "model_max_length": self.max_seq_length,
        });
        write("tokenizer_config.json", tokenizer_config.to_string().as_bytes())?;
        let mut modules = vec![
            json!({"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}),
            json!({"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}),
        ];
        if self.normalize {
            modules.push(json!({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}));
        }
        write("modules.json", serde_json::Value::from(modules).to_string().as_bytes())?;
        let on = |mode: Pooling| self.pooling.contains(&mode);
        let pooling = json!({
            "word_embedding_dimension": self.model.config.hidden_size,
            "pooling_mode_cls_token": on(Pooling::Cls),
            "pooling_mode_max_tokens": on(Pooling::Max),
            "pooling_mode_mean_tokens": on(Pooling::Mean),
            "pooling_mode_mean_sqrt_len_tokens": on(Pooling::MeanSqrtLen),
        });
        write("1_Pooling/config.json", pooling.to_string().as_bytes())?;
        let sentence = json!({"max_seq_length": self.max_seq_length, "do_lower_case": false});
        write("sentence_bert_config.json", sentence.to_string().as_bytes())
    }
}
