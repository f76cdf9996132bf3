//! A trained CLIP with its tokenizer, as saved (kind `clip`): scoring an image against
//! free-text labels (`descent clip`), and embedding captions with the trained text
//! encoder for any other use (a text-to-image model's conditioning).

use super::{clip_pixels, Clip, ClipConfig, CLIP_IMAGE_SIDE};
use crate::saved::SavedModel;
use crate::ModelError;
use descent_nn::Module;
use descent_tensor::{no_grad, Rng, Tensor};
use descent_text::Tokenizer;
use serde::{Deserialize, Serialize};

/// A trained CLIP with its tokenizer.
pub struct ClipModel {
    /// The model, in evaluation mode once loaded.
    pub clip: Clip,
    /// Its character tokenizer.
    pub tokenizer: Tokenizer,
}

/// What a saved [`ClipModel`] needs besides its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClipModelConfig {
    /// The model's sizes.
    pub net: ClipConfig,
    /// Its tokenizer.
    pub tokenizer: Tokenizer,
}

impl SavedModel for ClipModel {
    const KIND: &'static str = "clip";
    type Config = ClipModelConfig;

    fn config(&self) -> ClipModelConfig {
        ClipModelConfig {
            net: self.clip.config,
            tokenizer: self.tokenizer.clone(),
        }
    }

    fn build(config: ClipModelConfig) -> Result<ClipModel, ModelError> {
        config.net.validate()?;
        if config.tokenizer.vocab_size() != config.net.vocab_size {
            return Err(ModelError::invalid(format!(
                "the tokenizer has {} tokens but the model {}",
                config.tokenizer.vocab_size(),
                config.net.vocab_size
            )));
        }
        let clip = Clip::new(config.net, &mut Rng::new(0));
        clip.set_training(false);
        Ok(ClipModel {
            clip,
            tokenizer: config.tokenizer,
        })
    }

    fn module(&self) -> &dyn Module {
        &self.clip
    }

    fn validate(config: &Self::Config) -> Result<(), ModelError> {
        config.net.validate()
    }

    fn value_count(config: &ClipModelConfig) -> Option<u128> {
        Some(config.net.parameter_count())
    }
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

impl ClipModel {
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
        ids.truncate(self.clip.text.max_tokens());
        EncodedCaption { ids, dropped }
    }

    /// Unit-length embeddings of captions (one row each); an error names a caption the
    /// model can read nothing of.
    pub fn embed_captions(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, ModelError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids = Vec::with_capacity(texts.len());
        for text in texts {
            let encoded = self.encode_caption(text);
            if encoded.ids.is_empty() {
                return Err(ModelError::Input(format!(
                    "the caption {text:?} has no character the model knows; captions are English or Chinese text like \"a photo of a cat\" or \"一只猫的照片\""
                )));
            }
            ids.push(encoded.ids);
        }
        let rows = no_grad(|| self.clip.text_embeddings(&ids)).to_vec();
        Ok(rows.chunks(self.clip.config.embed_dim).map(<[f32]>::to_vec).collect())
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
        let rows = no_grad(|| self.clip.image_embeddings(&x)).to_vec();
        rows.chunks(self.clip.config.embed_dim).map(<[f32]>::to_vec).collect()
    }

    /// The image (8-bit RGB, channel-major, 32×32) scored against each label.
    pub fn score_labels(&self, rgb: &[u8], labels: &[String]) -> Result<Vec<LabelScore>, ModelError> {
        if labels.is_empty() {
            return Err(ModelError::Input("no labels to compare the image with".into()));
        }
        let image = self.embed_images(rgb).remove(0);
        let texts: Vec<&str> = labels.iter().map(String::as_str).collect();
        let captions = self.embed_captions(&texts)?;
        let scale = no_grad(|| self.clip.scale()).item();
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
