//! `descent draw`: pictures (or clips) from a saved generative model. The checkpoint's
//! `model` entry says which kind it is; each kind has its own module: the GANs of `gan`
//! take `--label` (`draw_gan.rs`), the diffusion models of `dalle` and `sora` take
//! `--prompt` (`draw_diffusion.rs`).

use crate::{draw_diffusion, draw_gan};
use anyhow::{ensure, Result};
use clap::Args;
use descent_gallery::saved::diffusion::is_diffusion;
use descent_nn::Checkpoint;
use std::path::PathBuf;

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

/// `descent draw`: dispatches on the checkpoint's `model` entry.
pub fn draw(args: DrawArgs) -> Result<()> {
    check_options(&args)?;
    // The checkpoint error already names the file and the cause.
    let ck = Checkpoint::load(&args.model).map_err(|e| anyhow::anyhow!("{e}"))?;
    let kind = ck.metadata.get("model").cloned().unwrap_or_default();
    if is_diffusion(&kind) {
        ensure!(
            args.label.is_none(),
            "{}: a text-conditioned model; say what to draw with --prompt instead of --label",
            args.model.display()
        );
        return draw_diffusion::draw(&args, &ck);
    }
    ensure!(
        args.prompt.is_none(),
        "{}: not a text-conditioned model; --prompt is for the models of `descent run dalle` and `descent run sora` (GANs take --label)",
        args.model.display()
    );
    draw_gan::draw(&args)
}
