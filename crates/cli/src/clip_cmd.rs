//! `descent clip`: how well free-text labels, in English or Chinese, match an image under
//! a CLIP trained by `descent run clip` (the checkpoint `clip.safetensors`). The image is
//! read the way the training images were: a 28×28 picture (an MNIST digit, a
//! Fashion-MNIST item) is centred on a black 32×32 canvas; anything else is
//! centre-cropped to a square and scaled to 32×32.

use crate::saved_model;
use anyhow::{bail, Result};
use clap::Args;
use descent_models::clip::{ClipModel, CLIP_IMAGE_SIDE};
use image::imageops::FilterType;
use image::RgbImage;
use std::path::PathBuf;

/// Options of `descent clip`.
#[derive(Args)]
pub struct ClipArgs {
    /// A saved CLIP (runs/clip/clip.safetensors).
    #[arg(long)]
    model: PathBuf,
    /// Comma-separated labels to compare the image with ("一只猫,一只狗,a truck").
    #[arg(long)]
    labels: String,
    /// The image (PNG or JPEG, told by content; `-` reads standard input).
    image: PathBuf,
}

/// The 3×32×32 bytes (channel planes) the CLIP reads for `rgb`.
pub fn clip_input(rgb: &RgbImage) -> Vec<u8> {
    let side = CLIP_IMAGE_SIDE as u32;
    let canvas = if rgb.width() == 28 && rgb.height() == 28 {
        let mut canvas = RgbImage::new(side, side);
        image::imageops::replace(&mut canvas, rgb, 2, 2);
        canvas
    } else {
        let square = rgb.width().min(rgb.height());
        let crop = image::imageops::crop_imm(rgb, (rgb.width() - square) / 2, (rgb.height() - square) / 2, square, square).to_image();
        image::imageops::resize(&crop, side, side, FilterType::Triangle)
    };
    let plane = (side * side) as usize;
    let mut planes = vec![0u8; 3 * plane];
    for (i, pixel) in canvas.pixels().enumerate() {
        for c in 0..3 {
            planes[c * plane + i] = pixel.0[c];
        }
    }
    planes
}

/// Prints each label's cosine similarity and probability, best first, then the best label.
pub fn clip(args: ClipArgs) -> Result<()> {
    let labels: Vec<String> = args
        .labels
        .split([',', '，'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if labels.is_empty() {
        bail!(
            "--labels {:?} holds no label; give comma-separated labels like \"一只猫,一只狗,a truck\"",
            args.labels
        );
    }
    let model: ClipModel = saved_model::load(&args.model, "a CLIP", "`descent run clip`")?;
    let rgb = descent_data::read_rgb(&args.image)?;
    let mut scores = model.score_labels(&clip_input(&rgb), &labels)?;
    for s in &scores {
        if !s.dropped.is_empty() {
            let chars: String = s.dropped.iter().collect();
            crate::note(&format!("label {:?}: the model does not know {chars:?}; ignored", s.label));
        }
    }
    scores.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
    for s in &scores {
        println!("{:>8.4}  p = {:.3}  {}", s.similarity, s.probability, s.label);
    }
    println!("best: {}", scores[0].label);
    Ok(())
}
