//! GPT checkpoints: saving a trained model with its tokenizer and prompt conventions, and
//! writing text from one (`descent generate --model FILE --prompt TEXT`).
//!
//! The checkpoint is safetensors with string metadata: `milestone` (= `gpt`, which the
//! CLI dispatches on), the sizes (`GptConfig::to_metadata`), the tokenizer, `bos` (text
//! put before every prompt; the poetry model's `\n`) and `stop` (generation ends after
//! it; also `\n` there).

use crate::MilestoneError;
use descent_models::generation::generate_each;
use descent_models::gpt::{Gpt, GptConfig};
use descent_nn::{named_params, Checkpoint};
use descent_tensor::Rng;
use descent_text::sampling::{Sampler, SamplingConfig};
use descent_text::tokenizer::Tokenizer;
use std::collections::HashMap;
use std::path::Path;

/// Metadata value of `milestone` in GPT checkpoints.
pub const GPT_MILESTONE: &str = "gpt";

/// Saves `model`, its tokenizer, and the `bos`/`stop` texts to `path` (atomically).
pub fn save_gpt(
    path: &Path,
    model: &Gpt,
    tokenizer: &Tokenizer,
    bos: &str,
    stop: &str,
    extra: &[(&str, String)],
) -> Result<(), MilestoneError> {
    let mut meta = model.config.to_metadata();
    meta.insert("milestone".into(), GPT_MILESTONE.into());
    meta.extend(tokenizer.to_metadata());
    meta.insert("bos".into(), bos.into());
    meta.insert("stop".into(), stop.into());
    for (k, v) in extra {
        meta.insert((*k).to_string(), v.clone());
    }
    Checkpoint::from_params(&named_params(model), meta).save(path)?;
    Ok(())
}

/// A GPT checkpoint loaded for generation.
pub struct LoadedGpt {
    /// The model with the saved weights.
    pub model: Gpt,
    /// Its tokenizer.
    pub tokenizer: Tokenizer,
    /// Text put before every prompt.
    pub bos: String,
    /// Generation stops after this text (empty: never early).
    pub stop: String,
    /// Every metadata entry.
    pub metadata: HashMap<String, String>,
}

/// Reads a GPT checkpoint written by [`save_gpt`]; errors name the file and what is wrong.
pub fn load_gpt(path: &Path) -> Result<LoadedGpt, MilestoneError> {
    from_checkpoint(Checkpoint::load(path)?)
}

/// A GPT from a checkpoint already read (e.g. by a caller that first looked at its
/// metadata). The sizes in the metadata are validated and compared with the number of
/// values the file holds before the model is allocated.
pub fn from_checkpoint(ck: Checkpoint) -> Result<LoadedGpt, MilestoneError> {
    let path = ck.path.clone();
    let meta = ck.metadata.clone();
    let bad = |why: String| MilestoneError::Config(format!("{}: {why}", path.display()));
    match meta.get("milestone").map(String::as_str) {
        Some(GPT_MILESTONE) => {}
        other => return Err(bad(format!("not a GPT checkpoint (milestone {other:?})"))),
    }
    let config = GptConfig::from_metadata(&meta).map_err(bad)?;
    let tokenizer = Tokenizer::from_metadata(&meta).map_err(|e| bad(e.to_string()))?;
    if tokenizer.vocab_size() != config.vocab_size {
        return Err(bad(format!(
            "tokenizer has {} tokens, model {}",
            tokenizer.vocab_size(),
            config.vocab_size
        )));
    }
    ck.check_value_count(config.parameter_count()).map_err(bad)?;
    let model = Gpt::new(config, &mut Rng::new(0));
    ck.apply(&named_params(&model), &[])?;
    let get = |k: &str| meta.get(k).cloned().unwrap_or_default();
    Ok(LoadedGpt {
        model,
        tokenizer,
        bos: get("bos"),
        stop: get("stop"),
        metadata: meta,
    })
}

/// Options of one generation.
#[derive(Clone, Copy, Debug)]
pub struct GenerateOptions {
    /// Most new tokens.
    pub max_new_tokens: usize,
    /// How tokens are drawn.
    pub sampling: SamplingConfig,
    /// Drop prompt characters outside the vocabulary instead of failing.
    pub skip_unknown: bool,
    /// Use the KV cache (same tokens, faster).
    pub use_cache: bool,
}

/// The text generated after `prompt` (without the prompt and the stop text), and the
/// prompt characters dropped (with `skip_unknown`).
pub fn generate_text(loaded: &LoadedGpt, prompt: &str, options: GenerateOptions) -> Result<(String, Vec<char>), MilestoneError> {
    let mut text = String::new();
    let dropped = stream_text(loaded, prompt, options, &mut |piece| {
        text.push_str(piece);
        true
    })?;
    Ok((text, dropped))
}

/// Generates as [`generate_text`] does, handing the text to `emit` piece by piece as
/// it is drawn (the stop text is not emitted); generation ends early when `emit`
/// returns false (e.g. the reader of stdout went away). Returns the prompt characters
/// dropped.
pub fn stream_text(
    loaded: &LoadedGpt,
    prompt: &str,
    options: GenerateOptions,
    emit: &mut dyn FnMut(&str) -> bool,
) -> Result<Vec<char>, MilestoneError> {
    let full = format!("{}{prompt}", loaded.bos);
    let (ids, dropped) = if options.skip_unknown {
        loaded.tokenizer.encode_skipping_unknown(&full)
    } else {
        (
            loaded
                .tokenizer
                .encode(&full)
                .map_err(|e| MilestoneError::Config(format!("prompt {prompt:?}: {e}")))?,
            Vec::new(),
        )
    };
    if ids.is_empty() {
        return Err(MilestoneError::Config("the prompt has no characters the model knows".into()));
    }
    let stop_ids = if loaded.stop.is_empty() {
        Vec::new()
    } else {
        loaded.tokenizer.encode(&loaded.stop).unwrap_or_default()
    };
    let stop_id = (stop_ids.len() == 1).then(|| stop_ids[0]);
    let mut sampler = Sampler::new(options.sampling);
    let mut decoder = StreamDecoder::new(&loaded.tokenizer);
    let mut open = true;
    generate_each(
        &loaded.model,
        &ids,
        options.max_new_tokens,
        &mut sampler,
        options.use_cache,
        &mut |t| {
            if Some(t) == stop_id {
                return true;
            }
            open = decoder.push(t, emit);
            !open
        },
    );
    if open {
        decoder.finish(emit);
    }
    Ok(dropped)
}

/// Turns tokens into text as they come. A byte-level token may be part of a UTF-8
/// character, so up to four ids are held back while their text ends in U+FFFD.
pub(crate) struct StreamDecoder<'a> {
    tokenizer: &'a Tokenizer,
    pending: Vec<usize>,
}

impl<'a> StreamDecoder<'a> {
    /// A decoder with nothing pending.
    pub(crate) fn new(tokenizer: &'a Tokenizer) -> StreamDecoder<'a> {
        StreamDecoder {
            tokenizer,
            pending: Vec::new(),
        }
    }

    /// Adds `id`; emits the pending text once it is whole. Returns what `emit` said.
    pub(crate) fn push(&mut self, id: usize, emit: &mut dyn FnMut(&str) -> bool) -> bool {
        self.pending.push(id);
        let text = self.tokenizer.decode(&self.pending);
        if text.ends_with('\u{FFFD}') && self.pending.len() < 4 {
            return true;
        }
        self.pending.clear();
        emit(&text)
    }

    /// Emits whatever is still held back.
    pub(crate) fn finish(&mut self, emit: &mut dyn FnMut(&str) -> bool) -> bool {
        if self.pending.is_empty() {
            return true;
        }
        let text = self.tokenizer.decode(&std::mem::take(&mut self.pending));
        emit(&text)
    }
}
