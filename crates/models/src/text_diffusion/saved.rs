//! Text-conditioned diffusion models as saved (kinds `text-to-image`, `text-to-video`),
//! and drawing from them by prompt (`descent draw --prompt`).

use super::{TextToImage, TextToVideo};
use crate::caption::{CaptionEncoder, CaptionEncoderConfig, CaptionVocab};
use crate::diffusion::DdimOptions;
use crate::saved::SavedModel;
use crate::unet::{Condition, UNet, UNetConfig};
use crate::video_unet::{VideoUNet, VideoUNetConfig};
use crate::ModelError;
use descent_nn::Module;
use descent_tensor::Rng;
use serde::{Deserialize, Serialize};

/// What a saved [`TextToImage`] needs besides its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextToImageConfig {
    /// Side of the square images.
    pub side: usize,
    /// Words the caption encoder knows.
    pub vocab: CaptionVocab,
    /// The caption encoder's sizes.
    pub caption: CaptionEncoderConfig,
    /// The U-Net's sizes.
    pub unet: UNetConfig,
}

/// What a saved [`TextToVideo`] needs besides its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TextToVideoConfig {
    /// Side of the square frames.
    pub side: usize,
    /// Words the caption encoder knows.
    pub vocab: CaptionVocab,
    /// The caption encoder's sizes.
    pub caption: CaptionEncoderConfig,
    /// The space-time U-Net's sizes.
    pub video: VideoUNetConfig,
}

/// Checks the parts both kinds share: the side, the caption encoder, its vocabulary,
/// and a U-Net conditioned on the encoder's vector.
fn check_shared(side: usize, vocab: &CaptionVocab, caption: &CaptionEncoderConfig, unet: &UNetConfig) -> Result<(), ModelError> {
    if !(4..=1024).contains(&side) || side % 4 != 0 {
        return Err(ModelError::invalid(format!(
            "config 'side' = {side} is not a multiple of 4 in 4..=1024"
        )));
    }
    caption.validate()?;
    unet.validate()?;
    if caption.vocab_size != vocab.len() {
        return Err(ModelError::invalid(format!(
            "the vocabulary has {} words but the caption encoder expects {}",
            vocab.len(),
            caption.vocab_size
        )));
    }
    if unet.condition != Condition::Vector(caption.out_dim) {
        return Err(ModelError::invalid(format!(
            "the U-Net is conditioned on {:?}, not the caption encoder's {}-long vector",
            unet.condition, caption.out_dim
        )));
    }
    Ok(())
}

impl SavedModel for TextToImage {
    const KIND: &'static str = "text-to-image";
    type Config = TextToImageConfig;

    fn config(&self) -> TextToImageConfig {
        TextToImageConfig {
            side: self.side,
            vocab: self.vocab.clone(),
            caption: self.text.config,
            unet: self.unet.config,
        }
    }

    fn build(config: TextToImageConfig) -> Result<TextToImage, ModelError> {
        check_shared(config.side, &config.vocab, &config.caption, &config.unet)?;
        let mut rng = Rng::new(0);
        Ok(TextToImage {
            side: config.side,
            vocab: config.vocab,
            text: CaptionEncoder::new(config.caption, &mut rng),
            unet: UNet::new(config.unet, &mut rng),
        })
    }

    fn module(&self) -> &dyn Module {
        self
    }
}

impl SavedModel for TextToVideo {
    const KIND: &'static str = "text-to-video";
    type Config = TextToVideoConfig;

    fn config(&self) -> TextToVideoConfig {
        TextToVideoConfig {
            side: self.side,
            vocab: self.vocab.clone(),
            caption: self.text.config,
            video: self.video.config.clone(),
        }
    }

    fn build(config: TextToVideoConfig) -> Result<TextToVideo, ModelError> {
        let video = &config.video;
        check_shared(config.side, &config.vocab, &config.caption, &video.unet)?;
        crate::limits::check_dims(&[("video.frames", video.frames), ("video.heads", video.heads)])?;
        let width = |level: usize| {
            if level == 0 || level == 4 {
                video.unet.channels
            } else {
                2 * video.unet.channels
            }
        };
        if video.temporal_levels.iter().any(|&l| l >= 5 || width(l) % video.heads != 0) {
            return Err(ModelError::invalid(format!(
                "config 'video.temporal_levels' = {:?} must be levels 0..5 whose widths {} heads divide",
                video.temporal_levels, video.heads
            )));
        }
        let mut rng = Rng::new(0);
        Ok(TextToVideo {
            side: config.side,
            vocab: config.vocab,
            text: CaptionEncoder::new(config.caption, &mut rng),
            video: VideoUNet::new(config.video, &mut rng),
        })
    }

    fn module(&self) -> &dyn Module {
        self
    }
}

/// How to draw.
#[derive(Clone, Copy, Debug)]
pub struct DrawOptions {
    /// How many images or clips.
    pub count: usize,
    /// Classifier-free guidance scale.
    pub guidance: f32,
    /// DDIM steps.
    pub steps: usize,
    /// Seed of the starting noise.
    pub seed: u64,
}

/// What was drawn: `count` items of `frames` frames of `side`×`side` pixels in [0, 1].
pub struct Drawing {
    /// Pixels (count, frames, side, side).
    pub pixels: Vec<f32>,
    /// Items drawn.
    pub count: usize,
    /// Frames per item (1 for images).
    pub frames: usize,
    /// Frame side.
    pub side: usize,
}

/// Pixels in [−1, 1] to [0, 1].
fn to_unit(values: Vec<f32>) -> Vec<f32> {
    values.into_iter().map(|x| ((x + 1.0) / 2.0).clamp(0.0, 1.0)).collect()
}

fn ddim(options: DrawOptions) -> DdimOptions {
    DdimOptions {
        steps: options.steps,
        guidance: options.guidance,
        seed: options.seed,
    }
}

impl TextToImage {
    /// Draws `options.count` images for `prompt`, 64 at a time; an error for an empty
    /// prompt or a word the model does not know (named).
    pub fn draw(&self, prompt: &str, options: DrawOptions) -> Result<Drawing, ModelError> {
        let ids = self.vocab.encode(prompt, self.text.config.max_len)?;
        let mut pixels = Vec::new();
        for (i, start) in (0..options.count).step_by(64).enumerate() {
            let n = (options.count - start).min(64);
            let chunk = DdimOptions {
                seed: options.seed.wrapping_add(i as u64),
                ..ddim(options)
            };
            pixels.extend(self.sample(&ids, n, self.side, chunk, &mut |_, _, _| {}));
        }
        Ok(Drawing {
            pixels: to_unit(pixels),
            count: options.count,
            frames: 1,
            side: self.side,
        })
    }
}

impl TextToVideo {
    /// Draws `options.count` clips for `prompt`; errors as [`TextToImage::draw`].
    pub fn draw(&self, prompt: &str, options: DrawOptions) -> Result<Drawing, ModelError> {
        let ids = self.vocab.encode(prompt, self.text.config.max_len)?;
        let captions: Vec<&[usize]> = vec![&ids; options.count];
        let pixels = self.sample_each(&captions, self.side, ddim(options));
        Ok(Drawing {
            pixels: to_unit(pixels),
            count: options.count,
            frames: self.video.config.frames,
            side: self.side,
        })
    }
}
