//! `descent draw`: pictures (or clips) from a saved generative model. The model's kind
//! says which it is; each has its own module: the GANs of `gan` take `--label`
//! (`draw_gan.rs`), the diffusion models of `dalle` and `sora` take `--prompt`
//! (`draw_diffusion.rs`).

use crate::{draw_diffusion, draw_gan, saved_model};
use anyhow::{ensure, Result};
use clap::Args;
use descent_models::gan::ImageGan;
use descent_models::saved::SavedModel;
use descent_models::text_diffusion::{TextToImage, TextToVideo};
use std::path::PathBuf;

/// A text-conditioned diffusion model.
pub enum Prompted {
    /// Draws images (`descent run dalle`).
    Image(TextToImage),
    /// Draws clips (`descent run sora`).
    Video(TextToVideo),
}

/// Most images or clips one `draw` makes.
pub const MAX_COUNT: usize = 1024;

/// Options of `descent draw`.
#[derive(Args)]
pub struct DrawArgs {
    /// Checkpoint of a generative model (runs/gan/conditional_gan.safetensors, runs/dalle/dalle.safetensors, runs/sora/sora.safetensors).
    #[arg(long)]
    pub model: PathBuf,
    /// The class to draw, by number or name (`7`, `sneaker`), for class-conditional GANs;
    /// without it a conditional GAN draws every class in turn.
    #[arg(long, conflicts_with = "prompt")]
    pub label: Option<String>,
    /// What to draw, for text-conditioned models ("a handwritten seven", "一个手写的七", "a 3 moving left").
    #[arg(long)]
    pub prompt: Option<String>,
    /// How many images (or clips), 1 to 1024.
    #[arg(long, default_value_t = 16)]
    pub n: usize,
    /// Where to write: a .png grid (or strip of frames), a .gif animation (video models), or a folder (one file per sample).
    #[arg(long)]
    pub out: PathBuf,
    /// Classifier-free guidance scale (diffusion models): 1 plain conditional, more follows the prompt more closely.
    #[arg(long, default_value_t = 3.0, allow_negative_numbers = true)]
    pub guidance: f32,
    /// Denoising steps (DDIM), 1 to 1000.
    #[arg(long, default_value_t = 25)]
    pub steps: usize,
    /// Seed of the starting noise.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Checks the options that need no model, so a typo fails at once.
fn check_options(args: &DrawArgs) -> Result<()> {
    ensure!((1..=MAX_COUNT).contains(&args.n), "--n {} is outside 1..={MAX_COUNT}", args.n);
    ensure!(
        (1..=1000).contains(&args.steps),
        "--steps {} is outside 1..=1000; 25 is plenty",
        args.steps
    );
    ensure!(
        args.guidance.is_finite() && args.guidance >= 0.0,
        "--guidance {} is not a finite number ≥ 0; use e.g. 3",
        args.guidance
    );
    if let Some(prompt) = &args.prompt {
        ensure!(
            !prompt.trim().is_empty(),
            "--prompt is empty; say what to draw, e.g. --prompt \"a handwritten seven\""
        );
    }
    Ok(())
}

/// `descent draw`: dispatches on the model's kind.
pub fn draw(args: DrawArgs) -> Result<()> {
    check_options(&args)?;
    let file = saved_model::read(&args.model)?;
    let wanted = "an image generator";
    let made_by = "`descent run gan`, `descent run dalle` or `descent run sora`";
    match file.kind() {
        ImageGan::KIND => {
            ensure!(
                args.prompt.is_none(),
                "{}: a GAN, not a text-conditioned model; it takes --label (the prompt models are those of `descent run dalle` and `descent run sora`)",
                args.model.display()
            );
            draw_gan::draw(&args, &saved_model::model(&file, wanted, made_by)?)
        }
        TextToImage::KIND | TextToVideo::KIND => {
            ensure!(
                args.label.is_none(),
                "{}: a text-conditioned model; say what to draw with --prompt instead of --label",
                args.model.display()
            );
            let model = match file.kind() {
                TextToImage::KIND => Prompted::Image(saved_model::model(&file, wanted, made_by)?),
                _ => Prompted::Video(saved_model::model(&file, wanted, made_by)?),
            };
            draw_diffusion::draw(&args, &model)
        }
        _ => Err(saved_model::wrong_kind(&file, wanted, made_by)),
    }
}
