//! Building and training the text-to-video models: a caption encoder over every
//! caption of every digit, and a video U-Net — with temporal attention (the space-time
//! model) or without (the per-frame baseline). unCLIP's first stage pre-trains the
//! space-time model's caption encoder by the CLIP objective against whole clips; both
//! models then share it, frozen, while their U-Nets learn on clips and on frames of
//! unrelated clips (joint image-video training).

use super::data::{self, independent_frames, ClipDraw, SmallDigits, CANVAS};
use super::Settings;
use crate::common::contrastive::{pretrain_captions, record_losses, ContrastiveSettings, ItemEncoder};
use crate::common::diffusion::{train_denoiser, LossWindows};
use crate::Run;
use descent_models::caption::{CaptionEncoder, CaptionVocab};
use descent_models::text_diffusion::TextToVideo;
use descent_models::video_unet::{VideoUNet, VideoUNetConfig};
use descent_nn::{param_count, params};
use descent_tensor::Rng;

/// A fresh caption encoder and video U-Net with temporal attention after `levels`
/// (empty: the per-frame baseline); the vocabulary covers every caption of every digit.
pub fn build_model(s: &Settings, levels: &[usize], seed: u64) -> TextToVideo {
    let all: Vec<String> = (0..10)
        .flat_map(|d| data::Direction::ALL.into_iter().flat_map(move |dir| data::captions(d, dir)))
        .collect();
    let vocab = CaptionVocab::build(all.iter().map(String::as_str));
    let (text, unet) = s.sizes.configs(vocab.len(), s.train.prediction);
    let config = VideoUNetConfig {
        unet,
        frames: s.frames,
        temporal_levels: levels.to_vec(),
        heads: s.heads,
    };
    let mut rng = Rng::new(seed);
    TextToVideo {
        side: CANVAS,
        vocab,
        text: CaptionEncoder::new(text, &mut rng),
        video: VideoUNet::new(config, &mut rng),
    }
}

/// The run's two models, both from the run's seed: the space-time model (temporal
/// attention after `s.temporal_levels`) and the per-frame baseline; their sizes logged.
pub(crate) fn new_models(run: &Run, s: &Settings) -> (TextToVideo, TextToVideo) {
    let space_time = build_model(s, &s.temporal_levels, run.seed());
    let per_frame = build_model(s, &[], run.seed());
    run.log(&format!(
        "space-time model: {} parameters; per-frame baseline: {}",
        param_count(&space_time),
        param_count(&per_frame)
    ));
    (space_time, per_frame)
}

/// Draws a training item with a random caption: for slots below `clips`, a fresh clip of
/// one of `digits`' images at `usable`; above, frames of unrelated clips of one digit
/// moving one way ([`independent_frames`]).
fn item_drawer<'a>(
    model: &'a TextToVideo,
    digits: &'a SmallDigits,
    usable: &'a [usize],
    frames: usize,
    clips: usize,
) -> impl FnMut(&mut Rng, usize) -> (Vec<f32>, Vec<usize>) + 'a {
    let mut of_digit = vec![Vec::new(); 10];
    usable.iter().for_each(|&i| of_digit[digits.labels[i]].push(i));
    move |rng: &mut Rng, slot: usize| {
        let clip = ClipDraw::random(digits, usable, frames, rng);
        let pixels = match slot < clips {
            true => clip.render(digits, frames),
            false => independent_frames(digits, &of_digit[clip.digit], clip.direction, frames, rng),
        };
        let ids = model
            .vocab
            .encode(&clip.caption, model.text.config.max_len)
            .expect("training captions are in the vocabulary");
        (pixels, ids)
    }
}

/// unCLIP's first stage on clips of the run's digits (its loss recorded); returns the
/// clip encoder it learned against, for the zero-shot measurement.
pub(crate) fn pretrain_text(run: &mut Run, model: &TextToVideo, train: &SmallDigits, s: &Settings, c: &ContrastiveSettings) -> ItemEncoder {
    let shape = [s.frames, 1, CANVAS, CANVAS];
    let usable = train.indices_of(&s.digits);
    let phase = run.phase("caption pre-training", c.steps as u64);
    let mut draw = item_drawer(model, train, &usable, s.frames, usize::MAX);
    let outcome = pretrain_captions(&model.text, &shape, c, run.seed(), &phase, &mut draw);
    record_losses(run, &outcome.losses);
    run.note(&format!(
        "Caption encoder: pre-trained {} steps of {} pairs by the CLIP objective against a small encoder of whole clips (frames as channels; text_zero_shot_accuracy: zero-shot over the (digit, direction) pairs on test clips), then frozen and shared by both models while they train (unCLIP's two stages).",
        c.steps, c.batch_size
    ));
    outcome.items
}

/// Copies `from`'s caption encoder into `to`: both models share the pre-trained one.
pub(crate) fn share_text(from: &TextToVideo, to: &TextToVideo) {
    for (to, from) in params(&to.text).iter().zip(params(&from.text)) {
        to.set_values(&from.value().to_vec());
    }
}

/// Trains one model by velocity (or noise) prediction on fresh clips (its caption encoder
/// too, unless pre-trained and frozen); records its loss as `loss_{key}`.
pub(crate) fn train_model(run: &mut Run, model: &TextToVideo, digits: &SmallDigits, s: &Settings, key: &str) {
    let usable = digits.indices_of(&s.digits);
    let frozen_text = s.contrastive.is_some();
    let all = if frozen_text { params(&model.video) } else { params(model) };
    let phase = run.phase(&format!("diffusion ({key})"), s.train.steps as u64);
    let frames = s.frames;
    let independent = s.independent_items.min(s.train.batch_size);
    let mut draw = item_drawer(model, digits, &usable, frames, s.train.batch_size - independent);
    let predict =
        |x: &descent_tensor::Tensor, t: &[usize], c: &[Option<&[usize]>]| model.predict_training(x, t, c, frozen_text, independent);
    let mut windows = LossWindows::new(10, s.train.steps);
    let shape = [frames, 1, CANVAS, CANVAS];
    train_denoiser(
        &all,
        &s.train,
        &shape,
        run.seed(),
        &phase,
        &mut draw,
        &predict,
        &mut |step, loss| windows.push(step, loss, &phase),
    );
    for (x, y) in windows.points {
        run.record(&format!("loss_{key}"), x, y);
    }
}
