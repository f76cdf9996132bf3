//! Building and training the text-to-image model: a caption encoder (vocabulary from
//! the seen captions) and a U-Net conditioned on its vector; unCLIP's first stage
//! pre-trains the encoder by the CLIP objective against the training images, then the
//! U-Net learns to denoise with the encoder frozen.

use super::captions::{random_seen, seen_captions, ClassId};
use super::data::TrainImages;
use super::Settings;
use crate::common::contrastive::{pretrain_captions, record_losses, ContrastiveSettings, ItemEncoder};
use crate::common::diffusion::{train_denoiser, LossWindows};
use crate::Run;
use descent_models::caption::{CaptionEncoder, CaptionVocab};
use descent_models::text_diffusion::TextToImage;
use descent_models::unet::UNet;
use descent_nn::{param_count, params};
use descent_tensor::Rng;

/// A fresh caption encoder (vocabulary from the seen captions of `classes`) and U-Net.
pub fn build_model(settings: &Settings, classes: &[ClassId], seed: u64) -> TextToImage {
    let seen = seen_captions(classes);
    let vocab = CaptionVocab::build(seen.iter().map(String::as_str));
    let (text_config, unet_config) = settings.sizes.configs(vocab.len(), settings.train.prediction);
    let mut rng = Rng::new(seed);
    TextToImage {
        side: 28,
        vocab,
        text: CaptionEncoder::new(text_config, &mut rng),
        unet: UNet::new(unet_config, &mut rng),
    }
}

/// The run's model ([`build_model`] from the run's seed), its size logged.
pub(crate) fn new_model(run: &Run, settings: &Settings, classes: &[ClassId]) -> TextToImage {
    let model = build_model(settings, classes, run.seed());
    run.log(&format!(
        "dalle: {} parameters, {} caption words",
        param_count(&model),
        model.vocab.len()
    ));
    model
}

/// Draws a training image of one of `classes` with a random seen caption.
fn item_drawer<'a>(
    images: &'a TrainImages,
    classes: &[ClassId],
    model: &'a TextToImage,
) -> impl FnMut(&mut Rng, usize) -> (Vec<f32>, Vec<usize>) + 'a {
    let usable: Vec<usize> = (0..images.classes.len())
        .filter(|&i| classes.contains(&images.classes[i]))
        .collect();
    move |rng: &mut Rng, _slot: usize| {
        let i = usable[rng.below(usable.len())];
        let caption = random_seen(images.classes[i], rng);
        let ids = model
            .vocab
            .encode(&caption, model.text.config.max_len)
            .expect("training captions are in the vocabulary");
        (images.pixels[i * 784..(i + 1) * 784].to_vec(), ids)
    }
}

/// unCLIP's first stage: the caption encoder learns from the CLIP objective on the
/// training images (its loss recorded); returns the image encoder it learned against,
/// for the zero-shot measurement.
pub(crate) fn pretrain_text(
    run: &mut Run,
    model: &TextToImage,
    images: &TrainImages,
    classes: &[ClassId],
    c: &ContrastiveSettings,
) -> ItemEncoder {
    let phase = run.phase("caption pre-training", c.steps as u64);
    let mut draw = item_drawer(images, classes, model);
    let outcome = pretrain_captions(&model.text, &[1, 28, 28], c, run.seed(), &phase, &mut draw);
    record_losses(run, &outcome.losses);
    run.note(&format!(
        "Caption encoder: pre-trained {} steps of {} pairs by the CLIP objective against a small image encoder (text_zero_shot_*: its zero-shot accuracy on real test images), then frozen while the U-Net trains (unCLIP's two stages).",
        c.steps, c.batch_size
    ));
    outcome.items
}

/// Trains the U-Net (and the caption encoder, unless it was pre-trained and stays
/// frozen); records the loss every 20 steps; returns the loss of every step.
pub(crate) fn train(run: &mut Run, model: &TextToImage, images: &TrainImages, classes: &[ClassId], settings: &Settings) -> Vec<f32> {
    let frozen_text = settings.contrastive.is_some();
    let trained = if frozen_text { params(&model.unet) } else { params(model) };
    let phase = run.phase("diffusion", settings.train.steps as u64);
    let mut draw = item_drawer(images, classes, model);
    let predict = |x: &descent_tensor::Tensor, t: &[usize], c: &[Option<&[usize]>]| match frozen_text {
        true => model.predict_frozen_text(x, t, c),
        false => model.predict(x, t, c),
    };
    let mut windows = LossWindows::new(20, settings.train.steps);
    let losses = train_denoiser(
        &trained,
        &settings.train,
        &[1, 28, 28],
        run.seed(),
        &phase,
        &mut draw,
        &predict,
        &mut |step, loss| windows.push(step, loss, &phase),
    );
    for (x, y) in windows.points {
        run.record("train_loss", x, y);
    }
    losses
}

/// The mean loss of the last 50 steps (fewer if training was shorter).
pub(crate) fn final_loss(losses: &[f32]) -> f64 {
    losses.iter().rev().take(50).sum::<f32>() as f64 / losses.len().clamp(1, 50) as f64
}
