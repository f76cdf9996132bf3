//! `descent classify` with a CIFAR-10 network (`descent run alexnet` saves one): colour
//! photos of any size are centre-cropped to a square, scaled to 32×32, normalised per
//! channel like the training images, and the class names from the checkpoint printed
//! with their probabilities.

use anyhow::Result;
use descent_data::normalize_cifar;
use descent_models::CifarClassifier;
use descent_nn::Forward;
use descent_tensor::{no_grad, Tensor};
use image::imageops::FilterType;
use image::RgbImage;
use std::path::PathBuf;

/// The 3×32×32 bytes (channel planes R, G, B) of a centre square of `rgb`, resized.
pub fn to_cifar_pixels(rgb: &RgbImage) -> Vec<u8> {
    let side = rgb.width().min(rgb.height());
    let square = image::imageops::crop_imm(rgb, (rgb.width() - side) / 2, (rgb.height() - side) / 2, side, side).to_image();
    let small = image::imageops::resize(&square, 32, 32, FilterType::Triangle);
    let mut planes = vec![0u8; 3 * 1024];
    for (i, pixel) in small.pixels().enumerate() {
        for c in 0..3 {
            planes[c * 1024 + i] = pixel.0[c];
        }
    }
    planes
}

/// Predicts the class of each image and prints the three likeliest with probabilities.
pub fn classify(model: &CifarClassifier, images: &[PathBuf]) -> Result<()> {
    for path in images {
        let rgb = descent_data::read_rgb(path)?;
        let x = Tensor::from_vec(normalize_cifar(&to_cifar_pixels(&rgb)), &[1, 3, 32, 32]);
        let probs = no_grad(|| model.net.forward(&x).softmax(1)).to_vec();
        let names = &model.class_names;
        let mut ranked: Vec<usize> = (0..probs.len()).collect();
        ranked.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
        let top: Vec<String> = ranked.iter().take(3).map(|&c| format!("{} {:.3}", names[c], probs[c])).collect();
        println!(
            "{}: {} (p = {:.3})  [{}]",
            path.display(),
            names[ranked[0]],
            probs[ranked[0]],
            top.join(", ")
        );
    }
    Ok(())
}
