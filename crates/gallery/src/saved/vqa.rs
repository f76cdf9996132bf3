//! VQA checkpoints (`descent run vqa` writes `vqa.safetensors`) read back to answer a
//! question about an image (`descent ask`), with boxes given in the pixels of the image
//! the user passed (rescaled from the model's canvas).

use crate::milestones::vqa::vocab::AnswerVocab;
use crate::MilestoneError;
use descent_models::clip::clip_pixels;
use descent_models::vqa::{Vqa, VqaConfig};
use descent_nn::{named_params, named_state, Checkpoint};
use descent_tensor::{Rng, Tensor};
use descent_text::Tokenizer;
use std::collections::HashMap;
use std::path::Path;

/// Metadata value of `milestone` in VQA checkpoints.
pub const VQA_MILESTONE: &str = "vqa";

/// A trained VQA model with its question tokenizer and answer vocabulary.
pub struct LoadedVqa {
    /// The model.
    pub model: Vqa,
    /// Question tokenizer.
    pub tokenizer: Tokenizer,
    /// Answer tokens (words and coordinates).
    pub vocab: AnswerVocab,
    /// Every metadata entry.
    pub metadata: HashMap<String, String>,
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

/// Writes a VQA checkpoint outside a run (tests, tools): the weights, sizes, tokenizer
/// and answer vocabulary, as `descent run vqa` saves them.
pub fn save_vqa(path: &Path, model: &Vqa, tokenizer: &Tokenizer, vocab: &AnswerVocab) -> Result<(), MilestoneError> {
    let mut meta: HashMap<String, String> = model.config.to_entries().into_iter().collect();
    meta.insert("milestone".into(), VQA_MILESTONE.into());
    meta.insert("model".into(), "vqa".into());
    meta.insert("answers".into(), vocab.to_json());
    meta.extend(tokenizer.to_metadata());
    Checkpoint::from_params(&named_params(model), meta).save(path)?;
    Ok(())
}

/// Reads a VQA checkpoint; errors name the file and what is wrong.
pub fn load_vqa(path: &Path) -> Result<LoadedVqa, MilestoneError> {
    vqa_from_checkpoint(Checkpoint::load(path)?)
}

/// A VQA model from a checkpoint already read; sizes are validated and compared with the
/// number of values in the file before the model is allocated.
pub fn vqa_from_checkpoint(ck: Checkpoint) -> Result<LoadedVqa, MilestoneError> {
    let path = ck.path.clone();
    let meta = ck.metadata.clone();
    let bad = |why: String| MilestoneError::Config(format!("{}: {why}", path.display()));
    match meta.get("milestone").map(String::as_str) {
        Some(VQA_MILESTONE) => {}
        other => {
            return Err(bad(format!(
                "not a VQA checkpoint (milestone {other:?}); train one with `descent run vqa`"
            )))
        }
    }
    let config = VqaConfig::from_metadata(&meta).map_err(bad)?;
    let tokenizer = Tokenizer::from_metadata(&meta).map_err(|e| bad(e.to_string()))?;
    let vocab = AnswerVocab::from_json(meta.get("answers").map(String::as_str).unwrap_or("")).map_err(bad)?;
    if tokenizer.vocab_size() != config.question_vocab || vocab.len() != config.answer_vocab {
        return Err(bad(format!(
            "tokenizer ({}) or answer vocabulary ({}) does not match the model ({}, {})",
            tokenizer.vocab_size(),
            vocab.len(),
            config.question_vocab,
            config.answer_vocab
        )));
    }
    ck.check_value_count(config.parameter_count()).map_err(bad)?;
    let model = Vqa::new(config, &mut Rng::new(0));
    ck.apply(&named_state(&model), &[])?;
    Ok(LoadedVqa {
        model,
        tokenizer,
        vocab,
        metadata: meta,
    })
}

impl LoadedVqa {
    /// Side of the square canvas the model reads.
    pub fn canvas(&self) -> usize {
        self.model.config.image_side
    }

    /// Answers `question` about an image given as 8-bit RGB, channel-major, already
    /// resized to the canvas; a box is rescaled to an original image of
    /// `width` × `height` pixels.
    pub fn ask(&self, rgb: &[u8], question: &str, width: usize, height: usize) -> Result<AskAnswer, MilestoneError> {
        let side = self.canvas();
        assert_eq!(rgb.len(), 3 * side * side, "LoadedVqa::ask: the image must be 3×{side}×{side}");
        let (ids, dropped) = self.tokenizer.encode_skipping_unknown(question);
        if ids.is_empty() {
            return Err(MilestoneError::Config(format!(
                "the question {question:?} has no character the model knows; ask in English or Chinese, e.g. \"where is the 7?\""
            )));
        }
        let image = Tensor::from_vec(clip_pixels(rgb), &[1, 3, side, side]);
        let answer = self.model.answer(&image, &[0], &[ids]).remove(0);
        let decoded = self.vocab.decode(&answer);
        let (sx, sy) = (width as f32 / side as f32, height as f32 / side as f32);
        Ok(AskAnswer {
            text: decoded.text,
            bbox: decoded.bbox.map(|b| [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy]),
            dropped,
        })
    }
}
