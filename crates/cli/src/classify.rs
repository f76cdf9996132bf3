//! `descent classify`: a trained LeNet checkpoint reads digits from real image files.
//!
//! Images of any size are turned into MNIST's format (see `digit_image.rs`): ink bright
//! on black, fitted in 20×20 keeping the aspect ratio, centred by mass in 28×28 — the
//! preparation the MNIST digits went through. Blank images are errors, not digits.

use crate::digit_image::load_digit;
use crate::saved_model;
use anyhow::{bail, Result};
use clap::Args;
use descent_data::normalize_mnist;
use descent_models::saved::SavedModel;
use descent_models::{CifarClassifier, LeNet};
use descent_nn::Forward;
use descent_tensor::{no_grad, Tensor};
use std::io::Write;
use std::path::PathBuf;

/// Options of `descent classify`.
#[derive(Args)]
pub struct ClassifyArgs {
    /// A LeNet or CIFAR checkpoint (runs/lenet/checkpoint.safetensors, runs/alexnet/alexnet.safetensors).
    #[arg(long)]
    model: PathBuf,
    /// Image files (PNG, JPEG, told by content), any size.
    #[arg(required = true)]
    images: Vec<PathBuf>,
}

/// Predicts the digit in each image and prints the class probabilities.
pub fn classify(args: ClassifyArgs) -> Result<()> {
    let file = saved_model::read(&args.model)?;
    let wanted = "a digit or photo classifier";
    let made_by = "`descent run lenet` (digits) or `descent run alexnet` (CIFAR-10 photos)";
    let model: LeNet = match file.kind() {
        LeNet::KIND => saved_model::model(&file, wanted, made_by)?,
        // A CIFAR network takes colour photos: its own path.
        CifarClassifier::KIND => {
            let model = saved_model::model(&file, wanted, made_by)?;
            return crate::classify_cifar::classify(&model, &args.images);
        }
        _ => return Err(saved_model::wrong_kind(&file, wanted, made_by)),
    };
    let mut out = std::io::stdout().lock();
    for path in &args.images {
        let prepared = load_digit(path)?;
        for note in &prepared.notes {
            crate::note(&format!("{}: {note}", path.display()));
        }
        let x = Tensor::from_vec(normalize_mnist(&prepared.pixels), &[1, 1, 28, 28]);
        let probs = no_grad(|| model.forward(&x).softmax(1)).to_vec();
        if probs.iter().any(|p| !p.is_finite()) {
            bail!(
                "{}: the model's outputs are not finite numbers; the checkpoint is damaged",
                args.model.display()
            );
        }
        let digit = probs
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(d, _)| d)
            .unwrap_or(0);
        let listed: Vec<String> = probs.iter().enumerate().map(|(d, p)| format!("{d}:{p:.3}")).collect();
        if let Err(e) = writeln!(out, "{}: {digit} (p = {:.3})  [{}]", path.display(), probs[digit], listed.join(" ")) {
            crate::exit_quietly_if_reader_left(&e);
            bail!("cannot write to stdout: {e}");
        }
    }
    Ok(())
}
