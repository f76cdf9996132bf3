//! `descent classify`: a trained LeNet checkpoint reads digits from real image files.
//!
//! Images of any size are turned into MNIST's format (see `digit_image.rs`): ink bright
//! on black, fitted in 20×20 keeping the aspect ratio, centred by mass in 28×28 — the
//! preparation the MNIST digits went through. Blank images are errors, not digits.

use crate::digit_image::load_digit;
use anyhow::{bail, Result};
use clap::Args;
use descent_data::normalize_mnist;
use descent_models::lenet::{LeNet, Variant};
use descent_nn::{named_params, Checkpoint, Forward};
use descent_tensor::{no_grad, Rng, Tensor};
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// Loads the LeNet stored in `path`.
fn load_lenet(path: &Path) -> Result<LeNet> {
    // The checkpoint error names the file and the cause; no need for anyhow's chain.
    let ck = Checkpoint::load(path).map_err(|e| anyhow::anyhow!("{e}"))?;
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

/// Predicts the digit in each image and prints the class probabilities.
pub fn classify(args: ClassifyArgs) -> Result<()> {
    // A CIFAR network (`descent run alexnet`) takes colour photos: its own path.
    if Checkpoint::load(&args.model).is_ok_and(|ck| crate::classify_cifar::is_cifar(&ck.metadata)) {
        return crate::classify_cifar::classify(&args.model, &args.images);
    }
    let model = load_lenet(&args.model)?;
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
