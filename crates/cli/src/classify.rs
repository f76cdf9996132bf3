//! `descent classify`: a trained LeNet checkpoint reads digits from real image files.
//!
//! Images of any size are turned into MNIST's format: grey, white ink on black (dark ink
//! on a light page is inverted), cropped to the ink, scaled to fit 20×20 keeping the
//! aspect ratio, and centred in 28×28 — the preparation the MNIST digits went through.

use anyhow::{bail, Context, Result};
use clap::Args;
use descent_data::normalize_mnist;
use descent_models::lenet::{LeNet, Variant};
use descent_nn::{named_params, Checkpoint, Forward};
use descent_tensor::{no_grad, Rng, Tensor};
use image::imageops::FilterType;
use image::GrayImage;
use std::path::{Path, PathBuf};

/// Options of `descent classify`.
#[derive(Args)]
pub struct ClassifyArgs {
    /// A LeNet or CIFAR checkpoint (runs/lenet/checkpoint.safetensors, runs/alexnet/alexnet.safetensors).
    #[arg(long)]
    model: PathBuf,
    /// Image files (PNG, JPEG), any size.
    #[arg(required = true)]
    images: Vec<PathBuf>,
}

/// Loads the LeNet stored in `path`.
fn load_lenet(path: &Path) -> Result<LeNet> {
    let ck = Checkpoint::load(path)?;
    match ck.metadata.get("milestone").map(String::as_str) {
        Some("lenet") => {}
        other => bail!(
            "{}: not a LeNet checkpoint (milestone {:?}); train one with `descent run lenet`",
            path.display(),
            other
        ),
    }
    let variant = Variant::parse(ck.metadata.get("variant").map(String::as_str)).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let model = LeNet::new(variant, &mut Rng::new(0));
    ck.apply(&named_params(&model), &["optim."])?;
    Ok(model)
}

/// MNIST-style 28×28 pixels (0–255, ink bright) from a grey image.
pub fn to_mnist_pixels(gray: &GrayImage) -> Vec<u8> {
    let mut img = gray.clone();
    let mean = img.pixels().map(|p| p.0[0] as f64).sum::<f64>() / (img.width() * img.height()).max(1) as f64;
    if mean > 127.0 {
        image::imageops::invert(&mut img);
    }
    // Bounding box of the ink (pixels above a quarter of full brightness).
    let (mut x0, mut y0, mut x1, mut y1) = (u32::MAX, u32::MAX, 0, 0);
    for (x, y, p) in img.enumerate_pixels() {
        if p.0[0] > 64 {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    let mut canvas = GrayImage::new(28, 28);
    if x0 == u32::MAX {
        return canvas.into_raw(); // blank page
    }
    let crop = image::imageops::crop_imm(&img, x0, y0, x1 - x0 + 1, y1 - y0 + 1).to_image();
    let scale = 20.0 / crop.width().max(crop.height()) as f64;
    let (w, h) = (
        ((crop.width() as f64 * scale).round() as u32).max(1),
        ((crop.height() as f64 * scale).round() as u32).max(1),
    );
    let digit = image::imageops::resize(&crop, w, h, FilterType::Triangle);
    image::imageops::overlay(&mut canvas, &digit, ((28 - w) / 2) as i64, ((28 - h) / 2) as i64);
    canvas.into_raw()
}

/// Predicts the digit in each image and prints the class probabilities.
pub fn classify(args: ClassifyArgs) -> Result<()> {
    // A CIFAR network (`descent run alexnet`) takes colour photos: its own path.
    if Checkpoint::load(&args.model).is_ok_and(|ck| crate::classify_cifar::is_cifar(&ck.metadata)) {
        return crate::classify_cifar::classify(&args.model, &args.images);
    }
    let model = load_lenet(&args.model)?;
    for path in &args.images {
        let gray = image::open(path)
            .with_context(|| format!("{}: cannot read as an image (PNG or JPEG expected)", path.display()))?
            .to_luma8();
        if gray.width() == 0 || gray.height() == 0 {
            bail!("{}: the image is empty", path.display());
        }
        let x = Tensor::from_vec(normalize_mnist(&to_mnist_pixels(&gray)), &[1, 1, 28, 28]);
        let probs = no_grad(|| model.forward(&x).softmax(1)).to_vec();
        let digit = probs
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(d, _)| d)
            .unwrap_or(0);
        let listed: Vec<String> = probs.iter().enumerate().map(|(d, p)| format!("{d}:{p:.3}")).collect();
        println!("{}: {digit} (p = {:.3})  [{}]", path.display(), probs[digit], listed.join(" "));
    }
    Ok(())
}
