//! Text-conditioned diffusion models read back for `descent draw --prompt`: the
//! text-to-image model of `descent run dalle` and the text-to-video model of
//! `descent run sora`, told apart by the checkpoint's `model` entry.

use crate::MilestoneError;
use descent_models::diffusion::DdimOptions;
use descent_models::text_diffusion::{TextToImage, TextToVideo};
use descent_nn::{named_params, param_count, Checkpoint, Module};
use std::path::Path;

/// `model` entry of text-to-image checkpoints (`descent run dalle`).
pub const IMAGE_MODEL: &str = "text-to-image-diffusion";
/// `model` entry of text-to-video checkpoints (`descent run sora`).
pub const VIDEO_MODEL: &str = "text-to-video-diffusion";

/// A loaded diffusion model.
pub enum DiffusionModel {
    /// Draws 28×28 images.
    Image(TextToImage),
    /// Draws clips of frames.
    Video {
        /// The model.
        model: TextToVideo,
        /// Side of each square frame.
        side: usize,
    },
}

/// Whether a checkpoint's `model` entry names a diffusion model this module reads.
pub fn is_diffusion(kind: &str) -> bool {
    kind == IMAGE_MODEL || kind == VIDEO_MODEL
}

fn bad(path: &Path, why: impl std::fmt::Display) -> MilestoneError {
    MilestoneError::Config(format!("{}: {why}", path.display()))
}

/// Builds the model its metadata describes and loads the weights; errors name the
/// file and what is wrong.
pub fn from_checkpoint(ck: &Checkpoint) -> Result<DiffusionModel, MilestoneError> {
    let path = ck.path.as_path();
    let meta = &ck.metadata;
    let kind = meta.get("model").map(String::as_str).unwrap_or("");
    let load = |model: &dyn Module| -> Result<(), MilestoneError> {
        ck.check_value_count(param_count(model) as u128).map_err(|why| bad(path, why))?;
        ck.apply(&named_params(model), &[])?;
        Ok(())
    };
    match kind {
        IMAGE_MODEL => {
            let model = TextToImage::from_metadata(meta).map_err(|e| bad(path, e))?;
            load(&model)?;
            Ok(DiffusionModel::Image(model))
        }
        VIDEO_MODEL => {
            let model = TextToVideo::from_metadata(meta).map_err(|e| bad(path, e))?;
            let side: usize = meta
                .get("video.side")
                .and_then(|s| s.parse().ok())
                .filter(|s| (4..=1024).contains(s) && s % 4 == 0)
                .ok_or_else(|| bad(path, "metadata 'video.side' is missing or not a multiple of 4 in 4..=1024"))?;
            load(&model)?;
            Ok(DiffusionModel::Video { model, side })
        }
        other => Err(bad(path, format!("not a diffusion model (model {other:?})"))),
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

/// Draws from `model` for `prompt`; an error for an empty prompt or a word the model
/// does not know (named).
pub fn draw(model: &DiffusionModel, prompt: &str, options: DrawOptions) -> Result<Drawing, MilestoneError> {
    let ddim = DdimOptions {
        steps: options.steps,
        guidance: options.guidance,
        seed: options.seed,
    };
    let to_unit = |v: Vec<f32>| v.into_iter().map(|x| ((x + 1.0) / 2.0).clamp(0.0, 1.0)).collect();
    let encode =
        |vocab: &descent_models::caption::CaptionVocab, max_len: usize| vocab.encode(prompt, max_len).map_err(MilestoneError::Config);
    match model {
        DiffusionModel::Image(m) => {
            let ids = encode(&m.vocab, m.text.config.max_len)?;
            let mut pixels = Vec::new();
            for (i, start) in (0..options.count).step_by(64).enumerate() {
                let n = (options.count - start).min(64);
                let chunk = DdimOptions {
                    seed: ddim.seed.wrapping_add(i as u64),
                    ..ddim
                };
                pixels.extend(m.sample(&ids, n, 28, chunk, &mut |_, _, _| {}));
            }
            Ok(Drawing {
                pixels: to_unit(pixels),
                count: options.count,
                frames: 1,
                side: 28,
            })
        }
        DiffusionModel::Video { model: m, side } => {
            let ids = encode(&m.vocab, m.text.config.max_len)?;
            let captions: Vec<&[usize]> = vec![&ids; options.count];
            let pixels = m.sample_each(&captions, *side, ddim);
            Ok(Drawing {
                pixels: to_unit(pixels),
                count: options.count,
                frames: m.video.config.frames,
                side: *side,
            })
        }
    }
}
