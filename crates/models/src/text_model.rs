//! A language model ready to write text: the network, its tokenizer and the text
//! conventions it was trained with. Saved as kind `gpt` ([`Gpt`]) or `char-lstm`
//! ([`CharLstm`]); `descent generate` reads either and streams what it writes.

use crate::char_lstm::{sample_each, CharLstm, CharLstmConfig};
use crate::generation::generate_each;
use crate::gpt::{Gpt, GptConfig};
use crate::saved::SavedModel;
use crate::ModelError;
use descent_nn::Module;
use descent_tensor::Rng;
use descent_text::{excerpt, Sampler, SamplingConfig, Tokenizer};
use serde::{Deserialize, Serialize};

/// A network that continues a token sequence one drawn token at a time.
pub trait Writer: Module {
    /// Draws up to `max_new` tokens after `prompt` (not empty), handing each to
    /// `on_token` and stopping after one for which it returns true. `use_cache` lets a
    /// model keep its attention cache (same tokens, faster); others ignore it.
    fn write_each(&self, prompt: &[usize], max_new: usize, sampler: &mut Sampler, use_cache: bool, on_token: &mut dyn FnMut(usize) -> bool);
}

impl Writer for Gpt {
    fn write_each(
        &self,
        prompt: &[usize],
        max_new: usize,
        sampler: &mut Sampler,
        use_cache: bool,
        on_token: &mut dyn FnMut(usize) -> bool,
    ) {
        generate_each(self, prompt, max_new, sampler, use_cache, on_token);
    }
}

impl Writer for CharLstm {
    fn write_each(&self, prompt: &[usize], max_new: usize, sampler: &mut Sampler, _: bool, on_token: &mut dyn FnMut(usize) -> bool) {
        sample_each(self, prompt, max_new, sampler, on_token);
    }
}

/// A network with its tokenizer and prompt conventions.
pub struct TextModel<M> {
    /// The network.
    pub net: M,
    /// Its tokenizer.
    pub tokenizer: Tokenizer,
    /// Text put before every prompt (the poetry model's `\n`; often empty).
    pub bos: String,
    /// Generation ends after this text (empty: never early).
    pub stop: String,
    /// How prompts were phrased in training, e.g. `用{author}风格写{title}:`.
    pub prompt_format: Option<String>,
}

/// What a saved [`TextModel`] needs besides its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextModelConfig<C> {
    /// The network's sizes.
    pub net: C,
    /// Its tokenizer.
    pub tokenizer: Tokenizer,
    /// Text put before every prompt.
    #[serde(default)]
    pub bos: String,
    /// Generation ends after this text.
    #[serde(default)]
    pub stop: String,
    /// How prompts were phrased in training.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_format: Option<String>,
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
    /// Use the KV cache where the model has one (same tokens, faster).
    pub use_cache: bool,
}

impl<M: Writer> TextModel<M> {
    /// The config of this model, given the network's sizes.
    fn config_with<C>(&self, net: C) -> TextModelConfig<C> {
        TextModelConfig {
            net,
            tokenizer: self.tokenizer.clone(),
            bos: self.bos.clone(),
            stop: self.stop.clone(),
            prompt_format: self.prompt_format.clone(),
        }
    }

    /// The text written after `prompt` (without the prompt and the stop text), and the
    /// prompt characters dropped (with `skip_unknown`).
    pub fn generate(&self, prompt: &str, options: GenerateOptions) -> Result<(String, Vec<char>), ModelError> {
        let mut text = String::new();
        let dropped = self.stream(prompt, options, &mut |piece| {
            text.push_str(piece);
            true
        })?;
        Ok((text, dropped))
    }

    /// Writes as [`generate`](Self::generate) does, handing the text to `emit` piece by
    /// piece as it is drawn (the stop text is not emitted); ends early when `emit`
    /// returns false (e.g. the reader of stdout went away). Returns the prompt
    /// characters dropped. A prompt character outside the vocabulary is an error naming
    /// it, unless `skip_unknown` drops it.
    pub fn stream(&self, prompt: &str, options: GenerateOptions, emit: &mut dyn FnMut(&str) -> bool) -> Result<Vec<char>, ModelError> {
        let full = format!("{}{prompt}", self.bos);
        let (ids, dropped) = if options.skip_unknown {
            self.tokenizer.encode_skipping_unknown(&full)
        } else {
            let ids = self
                .tokenizer
                .encode(&full)
                .map_err(|e| ModelError::Input(format!("prompt {}: {e}", excerpt(prompt))))?;
            (ids, Vec::new())
        };
        if ids.is_empty() {
            return Err(ModelError::Input(format!(
                "prompt {} has no character the model knows; give at least one it was trained on",
                excerpt(prompt)
            )));
        }
        let stop_ids = match self.stop.as_str() {
            "" => Vec::new(),
            stop => self.tokenizer.encode(stop).unwrap_or_default(),
        };
        let stop_id = (stop_ids.len() == 1).then(|| stop_ids[0]);
        let mut sampler = Sampler::new(options.sampling);
        let mut decoder = StreamDecoder::new(&self.tokenizer);
        let mut open = true;
        self.net
            .write_each(&ids, options.max_new_tokens, &mut sampler, options.use_cache, &mut |t| {
                if Some(t) == stop_id {
                    return true;
                }
                open = decoder.push(t, emit);
                !open
            });
        if open {
            decoder.finish(emit);
        }
        Ok(dropped)
    }
}

/// Checks that the tokenizer has as many tokens as the network's vocabulary.
fn check_vocab(tokenizer: &Tokenizer, net_vocab: usize) -> Result<(), ModelError> {
    if tokenizer.vocab_size() != net_vocab {
        return Err(ModelError::invalid(format!(
            "the tokenizer has {} tokens but the network {net_vocab}",
            tokenizer.vocab_size()
        )));
    }
    Ok(())
}

/// `SavedModel` for a [`TextModel`] of network `$net` (sized by `$config`, which has
/// `vocab_size`, `validate` and `parameter_count`), saved as kind `$kind`.
macro_rules! saved_text_model {
    ($net:ty, $config:ty, $kind:literal) => {
        impl SavedModel for TextModel<$net> {
            const KIND: &'static str = $kind;
            type Config = TextModelConfig<$config>;

            fn config(&self) -> Self::Config {
                self.config_with(self.net.config)
            }

            fn build(config: Self::Config) -> Result<Self, ModelError> {
                config.net.validate()?;
                check_vocab(&config.tokenizer, config.net.vocab_size)?;
                Ok(TextModel {
                    net: <$net>::new(config.net, &mut Rng::new(0)),
                    tokenizer: config.tokenizer,
                    bos: config.bos,
                    stop: config.stop,
                    prompt_format: config.prompt_format,
                })
            }

            fn module(&self) -> &dyn Module {
                &self.net
            }

            fn validate(config: &Self::Config) -> Result<(), ModelError> {
                config.net.validate()
            }

            fn value_count(config: &Self::Config) -> Option<u128> {
                Some(config.net.parameter_count())
            }
        }
    };
}

saved_text_model!(Gpt, GptConfig, "gpt");
saved_text_model!(CharLstm, CharLstmConfig, "char-lstm");

/// Turns tokens into text as they come. A byte-level token may be part of a UTF-8
/// character, so up to four ids are held back while their text ends in U+FFFD.
struct StreamDecoder<'a> {
    tokenizer: &'a Tokenizer,
    pending: Vec<usize>,
}

impl<'a> StreamDecoder<'a> {
    fn new(tokenizer: &'a Tokenizer) -> StreamDecoder<'a> {
        StreamDecoder {
            tokenizer,
            pending: Vec::new(),
        }
    }

    /// Adds `id`; emits the pending text once it is whole. Returns what `emit` said.
    fn push(&mut self, id: usize, emit: &mut dyn FnMut(&str) -> bool) -> bool {
        self.pending.push(id);
        let text = self.tokenizer.decode(&self.pending);
        if text.ends_with('\u{FFFD}') && self.pending.len() < 4 {
            return true;
        }
        self.pending.clear();
        emit(&text)
    }

    /// Emits whatever is still held back.
    fn finish(&mut self, emit: &mut dyn FnMut(&str) -> bool) -> bool {
        if self.pending.is_empty() {
            return true;
        }
        let text = self.tokenizer.decode(&std::mem::take(&mut self.pending));
        emit(&text)
    }
}
