//! CLIP checkpoints (`descent run clip` writes `clip.safetensors`) read back: scoring an
//! image against free-text labels (`descent clip`), and embedding captions with the
//! trained text encoder for any other use (a text-to-image model's conditioning).
//!
//! The checkpoint holds the weights and batch-norm statistics under their PyTorch-style
//! names, the sizes ([`ClipConfig::to_entries`]), the character tokenizer, and
//! `milestone` = `clip`.

use crate::MilestoneError;
use descent_models::clip::{clip_pixels, Clip, ClipConfig, CLIP_IMAGE_SIDE};
use descent_nn::{named_state, Checkpoint, Module};
use descent_tensor::{no_grad, Rng, Tensor};
use descent_text::Tokenizer;
use std::collections::HashMap;
use std::path::Path;

/// Metadata value of `milestone` in CLIP checkpoints.
pub const CLIP_MILESTONE: &str = "clip";

/// A trained CLIP with its tokenizer.
pub struct LoadedClip {
    /// The model, in evaluation mode.
    pub model: Clip,
    /// Its character tokenizer.
    pub tokenizer: Tokenizer,
    /// Every metadata entry.
    pub metadata: HashMap<String, String>,
}

/// A caption as the model reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedCaption {
    /// Token ids.
    pub ids: Vec<usize>,
    /// Characters the vocabulary lacks (in any case), dropped.
    pub dropped: Vec<char>,
}

/// How well one label matches an image.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelScore {
    /// The label as given.
    pub label: String,
    /// Cosine similarity of the image and label embeddings.
    pub similarity: f32,
    /// Softmax over the labels of similarity × the learned logit scale.
    pub probability: f32,
    /// Characters of the label the model does not know (ignored).
    pub dropped: Vec<char>,
}

/// Reads a CLIP checkpoint; errors name the file and what is wrong.
pub fn load_clip(path: &Path) -> Result<LoadedClip, MilestoneError> {
    clip_from_checkpoint(Checkpoint::load(path)?)
}

/// A CLIP from a checkpoint already read. Sizes are validated and compared with the
/// number of values in the file before the model is allocated.
pub fn clip_from_checkpoint(ck: Checkpoint) -> Result<LoadedClip, MilestoneError> {
    let path = ck.path.clone();
    let meta = ck.metadata.clone();
    let bad = |why: String| MilestoneError::Config(format!("{}: {why}", path.display()));
    match meta.get("milestone").map(String::as_str) {
        Some(CLIP_MILESTONE) => {}
        other => {
            return Err(bad(format!(
                "not a CLIP checkpoint (milestone {other:?}); train one with `descent run clip`"
            )))
        }
    }
    let config = ClipConfig::from_metadata(&meta).map_err(bad)?;
    let tokenizer = Tokenizer::from_metadata(&meta).map_err(|e| bad(e.to_string()))?;
    if tokenizer.vocab_size() != config.vocab_size {
        return Err(bad(format!(
            "tokenizer has {} tokens, model {}",
            tokenizer.vocab_size(),
            config.vocab_size
        )));
    }
    ck.check_value_count(config.parameter_count()).map_err(bad)?;
    let model = Clip::new(config, &mut Rng::new(0));
    ck.apply(&named_state(&model), &[])?;
    model.set_training(false);
    Ok(LoadedClip {
        model,
        tokenizer,
        metadata: meta,
    })
}

impl LoadedClip {
    /// Token ids of `text`: a character outside the vocabulary is read in lower case if
    /// that is known (the training captions are lower-case English), else dropped.
    pub fn encode_caption(&self, text: &str) -> EncodedCaption {
        let (mut ids, mut dropped) = (Vec::new(), Vec::new());
        for c in text.chars() {
            let candidates = std::iter::once(c).chain(c.to_lowercase());
            match candidates.filter_map(|k| self.tokenizer.encode(&k.to_string()).ok()).next() {
                Some(found) => ids.extend(found),
                None if !dropped.contains(&c) => dropped.push(c),
                None => {}
            }
        }
        ids.truncate(self.model.text.max_tokens());
        EncodedCaption { ids, dropped }
    }

    /// Unit-length embeddings of captions (one row each); an error names a caption the
    /// model can read nothing of.
    pub fn embed_captions(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, MilestoneError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids = Vec::with_capacity(texts.len());
        for text in texts {
            let encoded = self.encode_caption(text);
            if encoded.ids.is_empty() {
                return Err(MilestoneError::Config(format!(
                    "the caption {text:?} has no character the model knows; captions are English or Chinese text like \"a photo of a cat\" or \"一只猫的照片\""
                )));
            }
            ids.push(encoded.ids);
        }
        let rows = no_grad(|| self.model.text_embeddings(&ids)).to_vec();
        Ok(rows.chunks(self.model.config.embed_dim).map(<[f32]>::to_vec).collect())
    }

    /// Unit-length embeddings of images given as 8-bit RGB, channel-major, 32×32 each.
    pub fn embed_images(&self, rgb: &[u8]) -> Vec<Vec<f32>> {
        let per_image = 3 * CLIP_IMAGE_SIDE * CLIP_IMAGE_SIDE;
        assert!(
            !rgb.is_empty() && rgb.len() % per_image == 0,
            "embed_images: {} values are not whole 3×32×32 images",
            rgb.len()
        );
        let n = rgb.len() / per_image;
        let x = Tensor::from_vec(clip_pixels(rgb), &[n, 3, CLIP_IMAGE_SIDE, CLIP_IMAGE_SIDE]);
        let rows = no_grad(|| self.model.image_embeddings(&x)).to_vec();
        rows.chunks(self.model.config.embed_dim).map(<[f32]>::to_vec).collect()
    }

    /// The image (8-bit RGB, channel-major, 32×32) scored against each label.
    pub fn score_labels(&self, rgb: &[u8], labels: &[String]) -> Result<Vec<LabelScore>, MilestoneError> {
        if labels.is_empty() {
            return Err(MilestoneError::Config("no labels to compare the image with".into()));
        }
        let image = self.embed_images(rgb).remove(0);
        let texts: Vec<&str> = labels.iter().map(String::as_str).collect();
        let captions = self.embed_captions(&texts)?;
        let scale = no_grad(|| self.model.scale()).item();
        let similarities: Vec<f32> = captions.iter().map(|t| t.iter().zip(&image).map(|(a, b)| a * b).sum()).collect();
        let top = similarities.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let weights: Vec<f32> = similarities.iter().map(|s| ((s - top) * scale).exp()).collect();
        let total: f32 = weights.iter().sum();
        Ok(labels
            .iter()
            .zip(similarities.iter().zip(&weights))
            .map(|(label, (&similarity, &w))| LabelScore {
                label: label.clone(),
                similarity,
                probability: w / total,
                dropped: self.encode_caption(label).dropped,
            })
            .collect())
    }
}
