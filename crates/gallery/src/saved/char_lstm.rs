//! Character-LSTM checkpoints: saved with their tokenizer, read back for `descent generate`.

use crate::saved::gpt::StreamDecoder;
use crate::MilestoneError;
use descent_models::char_lstm::{sample_each, CharLstm, CharLstmConfig, CHECKPOINT_MODEL};
use descent_nn::{named_params, Checkpoint};
use descent_tensor::Rng;
use descent_text::{Sampler, Tokenizer};
use std::collections::HashMap;
use std::path::Path;

/// Saves `model` with its tokenizer and `extra` metadata (milestone `lstm`, model
/// `char-lstm`) atomically to `path`.
pub fn save_checkpoint(path: &Path, model: &CharLstm, tokenizer: &Tokenizer, extra: &[(&str, String)]) -> Result<(), MilestoneError> {
    let mut meta: HashMap<String, String> = model.config.to_metadata().into_iter().collect();
    meta.insert("milestone".into(), "lstm".into());
    meta.insert("model".into(), CHECKPOINT_MODEL.into());
    meta.extend(tokenizer.to_metadata());
    meta.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    Checkpoint::from_params(&named_params(model), meta).save(path)?;
    Ok(())
}

/// True when checkpoint metadata says it holds a character LSTM.
pub fn is_char_lstm(metadata: &HashMap<String, String>) -> bool {
    metadata.get("model").map(String::as_str) == Some(CHECKPOINT_MODEL)
}

/// A character LSTM read back from a checkpoint.
pub struct LoadedCharLstm {
    /// The model with the saved weights.
    pub model: CharLstm,
    /// Its vocabulary.
    pub tokenizer: Tokenizer,
    /// Every metadata entry.
    pub metadata: HashMap<String, String>,
}

/// Reads a checkpoint written by [`save_checkpoint`]; errors name the file and what is
/// wrong with it.
pub fn load_checkpoint(path: &Path) -> Result<LoadedCharLstm, MilestoneError> {
    from_checkpoint(Checkpoint::load(path)?)
}

/// A character LSTM from a checkpoint already read. The sizes in the metadata are
/// validated and compared with the number of values the file holds before the model
/// is allocated.
pub fn from_checkpoint(ck: Checkpoint) -> Result<LoadedCharLstm, MilestoneError> {
    let path = ck.path.as_path();
    let bad = |why: String| MilestoneError::Config(format!("{}: {why}", path.display()));
    if !is_char_lstm(&ck.metadata) {
        let what = ck
            .metadata
            .get("milestone")
            .map_or("an unlabelled checkpoint".to_string(), |m| format!("a '{m}' checkpoint"));
        return Err(bad(format!(
            "{what}, not a character LSTM; make one with `descent run lstm` (it writes charlm.safetensors)"
        )));
    }
    let config = CharLstmConfig::from_metadata(&ck.metadata).map_err(bad)?;
    let tokenizer = Tokenizer::from_metadata(&ck.metadata).map_err(|e| bad(e.to_string()))?;
    if tokenizer.vocab_size() != config.vocab_size {
        return Err(bad(format!(
            "tokenizer has {} tokens but the model {}",
            tokenizer.vocab_size(),
            config.vocab_size
        )));
    }
    ck.check_value_count(config.parameter_count()).map_err(bad)?;
    let model = CharLstm::new(config, &mut Rng::new(0));
    ck.apply(&named_params(&model), &[])?;
    Ok(LoadedCharLstm {
        model,
        tokenizer,
        metadata: ck.metadata,
    })
}

/// `tokens` characters written by the checkpoint at `path` after `prompt`
/// (`descent generate`), and the prompt characters dropped. A prompt character outside
/// the model's vocabulary is an error naming it, unless `skip_unknown` drops it.
pub fn generate_text(
    path: &Path,
    prompt: &str,
    tokens: usize,
    sampler: &mut Sampler,
    skip_unknown: bool,
) -> Result<(String, Vec<char>), MilestoneError> {
    let loaded = load_checkpoint(path)?;
    let mut text = String::new();
    let dropped = stream_text(&loaded, prompt, tokens, sampler, skip_unknown, &mut |piece| {
        text.push_str(piece);
        true
    })?;
    Ok((text, dropped))
}

/// Writes as [`generate_text`] does, handing the text to `emit` piece by piece as it
/// is drawn; ends early when `emit` returns false. Returns the prompt characters dropped.
pub fn stream_text(
    loaded: &LoadedCharLstm,
    prompt: &str,
    tokens: usize,
    sampler: &mut Sampler,
    skip_unknown: bool,
    emit: &mut dyn FnMut(&str) -> bool,
) -> Result<Vec<char>, MilestoneError> {
    let (ids, dropped) = if skip_unknown {
        loaded.tokenizer.encode_skipping_unknown(prompt)
    } else {
        let ids = loaded
            .tokenizer
            .encode(prompt)
            .map_err(|e| MilestoneError::Config(format!("prompt {prompt:?}: {e}")))?;
        (ids, Vec::new())
    };
    if ids.is_empty() {
        return Err(MilestoneError::Config(format!(
            "prompt {prompt:?} has no characters the model knows; give at least one, e.g. --prompt \"ROMEO:\""
        )));
    }
    let mut decoder = StreamDecoder::new(&loaded.tokenizer);
    let mut open = true;
    sample_each(&loaded.model, &ids, tokens, sampler, &mut |t| {
        open = decoder.push(t, emit);
        !open
    });
    if open {
        decoder.finish(emit);
    }
    Ok(dropped)
}
