//! `descent ask`: a question about an image, answered by the model `descent run vqa`
//! saves (`vqa.safetensors`). The image is scaled to the model's square canvas (the
//! scenes it was trained on are light objects on black), and a box in the answer is
//! given in the pixels of the image passed, `[x0, y0, x1, y1]` (x1, y1 exclusive).

use crate::saved_model;
use anyhow::{bail, Result};
use clap::Args;
use descent_models::vqa::{Reply, VqaModel};
use image::imageops::FilterType;
use std::path::PathBuf;

/// Options of `descent ask`.
#[derive(Args)]
pub struct AskArgs {
    /// A saved VQA model (runs/vqa/vqa.safetensors).
    #[arg(long)]
    model: PathBuf,
    /// The image asked about (PNG or JPEG, told by content; `-` reads standard input).
    #[arg(long)]
    image: PathBuf,
    /// The question, in English or Chinese ("where is the 7?", "7在哪里?").
    question: String,
}

/// Below this probability an answer is printed as a guess.
const LOW_CONFIDENCE: f32 = 0.5;

/// Prints the answer (a word, or a box with its centre, in the image's pixels) and its
/// probability; an output that decodes to neither is an error, never printed raw.
pub fn ask(args: AskArgs) -> Result<()> {
    if args.question.trim().is_empty() {
        bail!("the question is empty; ask e.g. \"where is the 7?\" or \"7在哪里?\"");
    }
    let loaded: VqaModel = saved_model::load(&args.model, "a visual question answerer", "`descent run vqa`")?;
    let rgb = descent_data::read_rgb(&args.image)?;
    let side = loaded.canvas() as u32;
    let small = image::imageops::resize(&rgb, side, side, FilterType::Triangle);
    let plane = (side * side) as usize;
    let mut planes = vec![0u8; 3 * plane];
    for (i, pixel) in small.pixels().enumerate() {
        for c in 0..3 {
            planes[c * plane + i] = pixel.0[c];
        }
    }
    let answer = loaded.ask(&planes, &args.question, rgb.width() as usize, rgb.height() as usize)?;
    if !answer.dropped.is_empty() {
        let chars: String = answer.dropped.iter().collect();
        crate::note(&format!("the model does not know {chars:?} in the question; ignored"));
    }
    let confidence = if answer.probability < LOW_CONFIDENCE {
        format!("low confidence: p = {:.2}; the model is guessing", answer.probability)
    } else {
        format!("p = {:.2}", answer.probability)
    };
    match answer.reply {
        Some(Reply::Box([x0, y0, x1, y1])) => println!(
            "box [x0 {x0:.0}, y0 {y0:.0}, x1 {x1:.0}, y1 {y1:.0}] pixels of {}×{} (centre {:.0}, {:.0}; {confidence})",
            rgb.width(),
            rgb.height(),
            (x0 + x1) / 2.0,
            (y0 + y1) / 2.0
        ),
        Some(Reply::Word(word)) => println!("{word} ({confidence})"),
        None => bail!(
            "no answer: the model's output is neither an answer word nor a box (p = {:.2}); it was not trained on questions like this one — ask e.g. \"where is the 7?\" or \"what is left of the 3?\"",
            answer.probability
        ),
    }
    Ok(())
}
