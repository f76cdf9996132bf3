//! A trained VQA model as saved (kind `vqa`): the network, its question tokenizer and its
//! answer vocabulary, answering a question about an image (`descent ask`) with boxes in
//! the pixels of the image the user passed (rescaled from the model's canvas).

use super::{AnswerVocab, Vqa, VqaConfig};
use crate::clip::clip_pixels;
use crate::saved::SavedModel;
use crate::ModelError;
use descent_nn::Module;
use descent_tensor::{Rng, Tensor};
use descent_text::Tokenizer;
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
    /// The answer's tokens as text (a box as its four coordinate tokens).
    pub text: String,
    /// A box answer in the pixels of the image asked about: `[x0, y0, x1, y1]`.
    pub bbox: Option<[f32; 4]>,
    /// Question characters the model does not know (ignored).
    pub dropped: Vec<char>,
}

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
    /// `width` × `height` pixels.
    pub fn ask(&self, rgb: &[u8], question: &str, width: usize, height: usize) -> Result<AskAnswer, ModelError> {
        let side = self.canvas();
        assert_eq!(rgb.len(), 3 * side * side, "VqaModel::ask: the image must be 3×{side}×{side}");
        let (ids, dropped) = self.tokenizer.encode_skipping_unknown(question);
        if ids.is_empty() {
            return Err(ModelError::Input(format!(
                "the question {question:?} has no character the model knows; ask in English or Chinese, e.g. \"where is the 7?\""
            )));
        }
        let image = Tensor::from_vec(clip_pixels(rgb), &[1, 3, side, side]);
        let answer = self.vqa.answer(&image, &[0], &[ids]).remove(0);
        let decoded = self.answers.decode(&answer);
        let (sx, sy) = (width as f32 / side as f32, height as f32 / side as f32);
        Ok(AskAnswer {
            text: decoded.text,
            bbox: decoded.bbox.map(|b| [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy]),
            dropped,
        })
    }
}
