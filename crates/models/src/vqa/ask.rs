//! A trained VQA model as saved (kind `vqa`): the network, its question tokenizer and its
//! answer vocabulary, answering a question about an image (`descent ask`) with boxes in
//! the pixels of the image the user passed (rescaled from the model's canvas).

use super::{AnswerVocab, Vqa, VqaConfig};
use crate::clip::clip_pixels;
use crate::saved::SavedModel;
use crate::ModelError;
use descent_nn::Module;
use descent_tensor::{Rng, Tensor};
use descent_text::{excerpt, Tokenizer};
use serde::{Deserialize, Serialize};

/// A trained VQA model with its question tokenizer and answer vocabulary.
pub struct VqaModel {
    /// The network, in evaluation mode once loaded.
    pub vqa: Vqa,
    /// Question tokenizer.
    pub tokenizer: Tokenizer,
    /// Answer tokens (words and coordinates).
    pub answers: AnswerVocab,
}

/// What a saved [`VqaModel`] needs besides its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VqaModelConfig {
    /// The network's sizes.
    pub net: VqaConfig,
    /// Question tokenizer.
    pub tokenizer: Tokenizer,
    /// Answer vocabulary.
    pub answers: AnswerVocab,
}

/// An answer to `descent ask`.
#[derive(Clone, Debug, PartialEq)]
pub struct AskAnswer {
    /// The answer, decoded; `None` when the model's output is neither one answer word
    /// nor a box (four coordinates with x1 > x0 and y1 > y0): it has no answer.
    pub reply: Option<Reply>,
    /// The model's raw output tokens, for diagnostics only (never an answer).
    pub tokens: String,
    /// The answer's probability under the model (the product of its tokens').
    pub probability: f32,
    /// Question characters the model does not know (ignored).
    pub dropped: Vec<char>,
}

/// A decoded answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// A word (a digit's name, a colour, "yes", a count …).
    Word(String),
    /// A box in the pixels of the image asked about, `[x0, y0, x1, y1]`, inside it.
    Box([f32; 4]),
}

/// Smallest side of an image worth asking about (the canvas is 64 pixels).
pub const MIN_ASK_SIDE: usize = 16;
/// Most stretch of an image into the square canvas (longer side over shorter).
pub const MAX_ASK_ASPECT: usize = 4;
/// Below this spread of byte values the image is one uniform colour.
const MIN_CONTRAST: u8 = 16;

impl SavedModel for VqaModel {
    const KIND: &'static str = "vqa";
    type Config = VqaModelConfig;

    fn config(&self) -> VqaModelConfig {
        VqaModelConfig {
            net: self.vqa.config,
            tokenizer: self.tokenizer.clone(),
            answers: self.answers.clone(),
        }
    }

    fn build(config: VqaModelConfig) -> Result<VqaModel, ModelError> {
        config.net.validate()?;
        let (questions, answers) = (config.tokenizer.vocab_size(), config.answers.len());
        if questions != config.net.question_vocab || answers != config.net.answer_vocab {
            return Err(ModelError::invalid(format!(
                "the tokenizer ({questions}) or answer vocabulary ({answers}) does not match the model ({}, {})",
                config.net.question_vocab, config.net.answer_vocab
            )));
        }
        let vqa = Vqa::new(config.net, &mut Rng::new(0));
        vqa.set_training(false);
        Ok(VqaModel {
            vqa,
            tokenizer: config.tokenizer,
            answers: config.answers,
        })
    }

    fn module(&self) -> &dyn Module {
        &self.vqa
    }

    fn validate(config: &Self::Config) -> Result<(), ModelError> {
        config.net.validate()
    }

    fn value_count(config: &VqaModelConfig) -> Option<u128> {
        Some(config.net.parameter_count())
    }
}

impl VqaModel {
    /// Side of the square canvas the model reads.
    pub fn canvas(&self) -> usize {
        self.vqa.config.image_side
    }

    /// Answers `question` about an image given as 8-bit RGB, channel-major, already
    /// resized to the canvas; a box is rescaled to an original image of
    /// `width` × `height` pixels. Images too small, too stretched or blank, and
    /// questions the model cannot read, are input errors, not guesses.
    pub fn ask(&self, rgb: &[u8], question: &str, width: usize, height: usize) -> Result<AskAnswer, ModelError> {
        let side = self.canvas();
        assert_eq!(rgb.len(), 3 * side * side, "VqaModel::ask: the image must be 3×{side}×{side}");
        check_image(rgb, width, height)?;
        let (ids, dropped) = self.tokenizer.encode_skipping_unknown(question);
        if ids.is_empty() {
            return Err(ModelError::Input(format!(
                "the question {} has no character the model knows; ask in English or Chinese, e.g. \"where is the 7?\"",
                excerpt(question)
            )));
        }
        let most = self.vqa.config.question_len;
        if ids.len() > most {
            return Err(ModelError::Input(format!(
                "the question is {} tokens long and the model reads at most {most}; ask a shorter question, e.g. \"where is the 7?\"",
                ids.len()
            )));
        }
        let image = Tensor::from_vec(clip_pixels(rgb), &[1, 3, side, side]);
        let scored = self.vqa.answer_scored(&image, &[0], &[ids]).remove(0);
        let decoded = self.answers.decode(&scored.ids);
        let reply = if let Some(b) = decoded.bbox {
            let (sx, sy) = (width as f32 / side as f32, height as f32 / side as f32);
            let canvas = side as f32;
            let [x0, y0, x1, y1] = b.map(|v| v.clamp(0.0, canvas));
            (x1 > x0 && y1 > y0).then_some(Reply::Box([x0 * sx, y0 * sy, x1 * sx, y1 * sy]))
        } else {
            match scored.ids[..] {
                [id] => self.answers.word_of(id).map(|w| Reply::Word(w.to_string())),
                _ => None,
            }
        };
        Ok(AskAnswer {
            reply,
            tokens: decoded.text,
            probability: scored.probability,
            dropped,
        })
    }
}

/// Refuses images the model cannot read: too small, too stretched, or blank.
fn check_image(rgb: &[u8], width: usize, height: usize) -> Result<(), ModelError> {
    let (short, long) = (width.min(height), width.max(height));
    if short < MIN_ASK_SIDE {
        return Err(ModelError::Input(format!(
            "a {width}×{height} image is too small to hold a scene (at least {MIN_ASK_SIDE} pixels a side)"
        )));
    }
    if long > MAX_ASK_ASPECT * short {
        return Err(ModelError::Input(format!(
            "a {width}×{height} image would be stretched more than {MAX_ASK_ASPECT}-fold into the model's square canvas; crop it closer to square"
        )));
    }
    let (lo, hi) = rgb.iter().fold((u8::MAX, 0u8), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if hi - lo < MIN_CONTRAST {
        return Err(ModelError::Input(
            "the image is blank (one uniform colour); there is nothing in it to ask about".into(),
        ));
    }
    Ok(())
}
