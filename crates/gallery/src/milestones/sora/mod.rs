//! 2024 — OpenAI, "Video generation models as world simulators" (Sora); on the
//! shoulders of Ho et al., "Video Diffusion Models" (2022: a space-time U-Net,
//! factorised into per-frame convolutions and attention across frames) and the
//! text-to-image diffusion of `dalle` (DDIM, classifier-free guidance).
//!
//! Introduced: generating video from text by diffusion over whole clips — the network
//! denoises all frames together, so the frames agree with each other (the same object,
//! moving coherently) and with the caption. The article's timeline ends with "Sora
//! (2024)", text-to-video.
//! We test: Moving MNIST made on the fly from real MNIST digits (one 20×20 digit sliding
//! left, right, up or down across a 32×32 canvas for 8 frames), captioned "a 3 moving left"
//! / "一个3向左移动"; a caption encoder pre-trained by the CLIP objective against a small encoder
//! of whole clips (frames as channels; its zero-shot accuracy over the (digit, direction)
//! pairs is reported), then frozen and shared by two U-Nets: a space-time U-Net
//! (`descent_models::video_unet`: the image U-Net on each frame, temporal attention after
//! three residual blocks; both predict the velocity, as in `dalle`) and the baseline below.
//! Both train jointly on clips and on frames of unrelated clips (Video Diffusion Models'
//! joint image-video training, temporal attention masked to each frame itself): a clip
//! shows one image eight times, so clips alone teach the per-frame layers from few
//! distinct digits.
//! Measured on generated clips, with a LeNet trained in the run on windows of real frames:
//! digit identity (frames read as the asked digit), motion direction (the ink centroid's
//! straight-line fit against the asked direction), temporal consistency (consecutive frames
//! read as the same digit) and the path's jitter around a straight line — beside real clips
//! (the calibration) and beside the same network without temporal layers, trained the same
//! way (the baseline that ignores time: each frame knows its caption and its frame number,
//! nothing of the others). Judged: identity, direction and consistency reach their bars and
//! the space-time model's motion beats the baseline's (direction accuracy not lower, path
//! jitter lower). The model is saved: `descent draw --model runs/sora/sora.safetensors
//! --prompt "a 3 moving left" --out clip.gif`.
//! Run: `descent run sora [--full]` (quick: four digits from the embedded MNIST subset,
//! a small network, 200 steps per model, about two and a half minutes on 2 cores; so short a
//! training does not yet draw readable digits and the quick verdict is FAIL, with its
//! numbers; full: all ten digits of MNIST, a wider network, 6,000 steps per model (4 clips
//! and 4 sets of unrelated frames each) and 160 clips per model measured: 7,400 CPU-seconds,
//! 88 minutes on 2 cores shared with other work, caption pre-training included). The full
//! run passes (one run, made just before 3×3 convolutions took Winograd: frames read as the
//! asked digit 84%, clips move the asked way 99%, consecutive frames read as the same digit
//! 82%, path jitter 0.48 px against the baseline's 3.2); the per-frame baseline reads as the
//! asked digit more often (92%) but moves the asked way less often (89%) and jitters more.

pub mod data;
pub mod measure;
mod report;

use crate::common::contrastive::{pretrain_captions, record_losses, zero_shot_accuracy, ContrastiveSettings};
use crate::common::diffusion::{train_denoiser, DiffusionTraining, LossWindows};
use crate::{MilestoneError, Run, Training};
use data::{independent_frames, random_clip, ClipDraw, SmallDigits, CANVAS, DIGIT};
use descent_data::{mnist_subset, Dataset, Split};
use descent_models::caption::{CaptionEncoder, CaptionEncoderConfig, CaptionVocab};
use descent_models::diffusion::{DdimOptions, Prediction};
use descent_models::saved::Snapshot;
use descent_models::text_diffusion::TextToVideo;
use descent_models::unet::{Condition, UNetConfig};
use descent_models::video_unet::{VideoUNet, VideoUNetConfig};
use descent_nn::{param_count, params};
use descent_report::fact_keys;
use descent_tensor::Rng;
use measure::{frame_judge, generate, real_clips, requests, score, Scores};

/// The checkpoint `descent draw` reads (the space-time model).
pub const CHECKPOINT: &str = "sora.safetensors";
/// The baseline's checkpoint (no temporal layers).
pub const BASELINE_CHECKPOINT: &str = "sora_per_frame.safetensors";

/// Bars of the verdict.
#[derive(Clone, Copy, Debug)]
pub struct Bars {
    /// Share of frames read as the asked digit.
    pub identity: f64,
    /// Share of clips moving the asked way.
    pub direction: f64,
    /// Share of consecutive frames read as the same digit.
    pub consistency: f64,
}

/// Sizes and budget of a run.
#[derive(Clone, Debug)]
pub struct SoraSettings {
    /// The digits captioned and generated.
    pub digits: Vec<usize>,
    /// Cap on the training images (tests).
    pub max_train: Option<usize>,
    /// Frames per clip.
    pub frames: usize,
    /// U-Net base width.
    pub channels: usize,
    /// Time/condition embedding width.
    pub emb_dim: usize,
    /// Residual blocks scale and shift their features by the embedding (FiLM) rather
    /// than W10's shift ([`UNetConfig::scale_shift`]).
    pub scale_shift: bool,
    /// Caption encoder width, heads, blocks.
    pub text: (usize, usize, usize),
    /// Residual blocks followed by temporal attention in the space-time model.
    pub temporal_levels: Vec<usize>,
    /// Heads of each temporal attention.
    pub heads: usize,
    /// unCLIP's first stage: the caption encoder pre-trained by the CLIP objective
    /// against clips (frames as channels), then frozen and shared by both models
    /// (`None`: each model's encoder trains with it by the diffusion loss alone).
    pub contrastive: Option<ContrastiveSettings>,
    /// Optimisation (each model); `batch_size` counts clips and independent items.
    pub train: DiffusionTraining,
    /// Items of each batch that are frames of unrelated clips sharing a caption rather
    /// than one clip (Video Diffusion Models' joint image-video training: temporal
    /// attention masked to each frame itself); 0 trains on clips alone.
    pub independent_items: usize,
    /// Epochs of the frame judge.
    pub judge_epochs: usize,
    /// DDIM steps per clip.
    pub ddim_steps: usize,
    /// Guidance scale.
    pub guidance: f32,
    /// Clips per (digit, direction) measured.
    pub per_combo: usize,
    /// Clips generated together.
    pub sample_batch: usize,
    /// The verdict's bars.
    pub bars: Bars,
}

impl SoraSettings {
    /// Quick (four digits, ~2.5 minutes) or full (ten digits, ~90 minutes).
    pub fn for_mode(full: bool) -> SoraSettings {
        let train = |batch_size, steps, lr| DiffusionTraining {
            batch_size,
            steps,
            lr,
            warmup: steps / 20,
            null_prob: 0.1,
            clip_norm: 1.0,
            ema_decay: if full { 0.998 } else { 0.98 },
            prediction: Prediction::Velocity,
        };
        let bars = Bars {
            identity: 0.8,
            direction: 0.8,
            consistency: 0.8,
        };
        if full {
            SoraSettings {
                digits: (0..10).collect(),
                max_train: None,
                frames: 8,
                channels: 24,
                emb_dim: 128,
                scale_shift: true,
                text: (64, 4, 2),
                temporal_levels: vec![1, 2, 3],
                heads: 4,
                contrastive: Some(ContrastiveSettings {
                    steps: 1500,
                    batch_size: 128,
                    lr: 1e-3,
                    width: 32,
                }),
                train: train(8, 6000, 1e-3),
                independent_items: 4,
                judge_epochs: 3,
                ddim_steps: 25,
                guidance: 3.0,
                per_combo: 4,
                sample_batch: 20,
                bars,
            }
        } else {
            SoraSettings {
                digits: vec![0, 1, 3, 7],
                max_train: None,
                frames: 8,
                channels: 16,
                emb_dim: 64,
                scale_shift: true,
                text: (32, 2, 1),
                temporal_levels: vec![1, 2, 3],
                heads: 2,
                contrastive: Some(ContrastiveSettings {
                    steps: 1000,
                    batch_size: 64,
                    lr: 2e-3,
                    width: 16,
                }),
                train: train(8, 200, 2e-3),
                independent_items: 4,
                judge_epochs: 3,
                ddim_steps: 15,
                guidance: 3.0,
                per_combo: 3,
                sample_batch: 16,
                bars: Bars {
                    identity: 0.6,
                    direction: 0.6,
                    consistency: 0.7,
                },
            }
        }
    }
}

/// What the run measured.
pub struct Outcome {
    /// The requests measured (digit × direction × `per_combo`).
    pub requests: Vec<measure::Request>,
    /// Real clips for the same requests and their scores.
    pub real: (Vec<f32>, Scores),
    /// The space-time model's clips and scores.
    pub space_time: (Vec<f32>, Scores),
    /// The per-frame baseline's clips and scores.
    pub per_frame: (Vec<f32>, Scores),
    /// The judge's accuracy on windows of real test frames.
    pub judge_accuracy: f64,
}

/// Runs the milestone with the mode's settings.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    run_with(run, SoraSettings::for_mode(run.full()))
}

/// Runs the milestone with explicit settings (tests use tiny ones).
pub fn run_with(run: &mut Run, s: SoraSettings) -> Result<(), MilestoneError> {
    let (train_set, test_set, identity) = if run.full() {
        let locator = run.data();
        let train = locator.load(Dataset::Mnist, Split::Train)?;
        let test = locator.load(Dataset::Mnist, Split::Test)?;
        let id = format!("MNIST {}/{}", train.n, test.n);
        (train, test, id)
    } else {
        let (train, test) = mnist_subset();
        (train, test, "MNIST embedded subset".to_string())
    };
    let train_set = s.max_train.map_or(train_set.clone(), |n| train_set.take(n));
    run.uses_data(
        &format!("{identity}, train {}, digits {:?}", train_set.n, s.digits),
        &format!(
            "Moving MNIST made on the fly from {identity} (train {} images): {DIGIT}×{DIGIT} digits in {CANVAS}×{CANVAS}, {} frames",
            train_set.n, s.frames
        ),
    );
    let (train, test) = (SmallDigits::from_set(&train_set), SmallDigits::from_set(&test_set));
    let phase = run.phase("frame judge", (train.labels.len() * s.judge_epochs) as u64);
    let judge = frame_judge(&train, &test, s.judge_epochs, run.seed(), &phase);
    run.log(&format!(
        "frame judge: {:.2}% on windows of real test frames",
        judge.test_accuracy * 100.0
    ));
    let space_time = build_model(&s, &s.temporal_levels, run.seed());
    let per_frame = build_model(&s, &[], run.seed());
    run.log(&format!(
        "space-time model: {} parameters; per-frame baseline: {}",
        param_count(&space_time),
        param_count(&per_frame)
    ));
    // Recorded after the verdict's measurements, which the tour's summary shows first.
    let mut zero_shot = None;
    if let Some(c) = &s.contrastive {
        zero_shot = Some(pretrain_text(run, &space_time, &train, &test, &s, c));
        for (to, from) in params(&per_frame.text).iter().zip(params(&space_time.text)) {
            to.set_values(&from.value().to_vec());
        }
    }
    for (model, name, key) in [
        (&space_time, CHECKPOINT, "space_time"),
        (&per_frame, BASELINE_CHECKPOINT, "per_frame"),
    ] {
        train_model(run, model, &train, &s, key);
        run.save(name, Snapshot::of(model), Training::finished(0))?;
    }
    let reqs = requests(&s.digits, s.per_combo);
    let phase = run.phase("sampling", 2 * reqs.len() as u64);
    let options = DdimOptions {
        steps: s.ddim_steps,
        guidance: s.guidance,
        seed: run.seed() ^ 0x50a,
    };
    let scored = |model: &TextToVideo, label: &str| {
        phase.status(label);
        let clips = generate(model, &reqs, options, s.sample_batch, &phase);
        let scores = score(&judge, &reqs, &clips, s.frames);
        (clips, scores)
    };
    let st = scored(&space_time, "space-time model");
    let pf = scored(&per_frame, "per-frame baseline");
    let real = real_clips(&test, &reqs, s.frames, run.seed() ^ 0x4ea1);
    let real_scores = score(&judge, &reqs, &real, s.frames);
    let outcome = Outcome {
        requests: reqs,
        real: (real, real_scores),
        space_time: st,
        per_frame: pf,
        judge_accuracy: judge.test_accuracy as f64,
    };
    run.measure(fact_keys::PARAMS, param_count(&space_time) as u64);
    run.measure(fact_keys::EXAMPLES_SEEN, (2 * s.train.steps * s.train.batch_size) as u64);
    report::conclude(run, &s, &outcome);
    if let Some(accuracy) = zero_shot {
        run.measure("text_zero_shot_accuracy", accuracy);
    }
    report::artifacts(run, &space_time, &s, &outcome)
}

/// A fresh caption encoder and video U-Net with temporal attention after `levels`
/// (empty: the per-frame baseline); the vocabulary covers every caption of every digit.
pub fn build_model(s: &SoraSettings, levels: &[usize], seed: u64) -> TextToVideo {
    let all: Vec<String> = (0..10)
        .flat_map(|d| data::Direction::ALL.into_iter().flat_map(move |dir| data::captions(d, dir)))
        .collect();
    let vocab = CaptionVocab::build(all.iter().map(String::as_str));
    let (d_model, n_heads, n_layers) = s.text;
    let text = CaptionEncoderConfig {
        vocab_size: vocab.len(),
        max_len: 16,
        d_model,
        n_heads,
        n_layers,
        out_dim: d_model,
    };
    let unet = UNetConfig {
        in_channels: 1,
        channels: s.channels,
        emb_dim: s.emb_dim,
        time_dim: 64,
        groups: 8,
        condition: Condition::Vector(d_model),
        scale_shift: s.scale_shift,
        prediction: s.train.prediction,
    };
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

/// unCLIP's first stage on clips; returns the caption encoder's zero-shot accuracy on
/// fresh test clips over the (digit, direction) combinations.
fn pretrain_text(
    run: &mut Run,
    model: &TextToVideo,
    train: &SmallDigits,
    test: &SmallDigits,
    s: &SoraSettings,
    c: &ContrastiveSettings,
) -> f64 {
    let shape = [s.frames, 1, CANVAS, CANVAS];
    let usable = train.indices_of(&s.digits);
    let phase = run.phase("caption pre-training", c.steps as u64);
    let mut draw = item_drawer(model, train, &usable, s.frames, usize::MAX);
    let outcome = pretrain_captions(&model.text, &shape, c, run.seed(), &phase, &mut draw);
    record_losses(run, &outcome.losses);
    let combos: Vec<(usize, data::Direction)> = s
        .digits
        .iter()
        .flat_map(|&d| data::Direction::ALL.into_iter().map(move |dir| (d, dir)))
        .collect();
    let prototypes: Vec<Vec<Vec<usize>>> = combos
        .iter()
        .map(|&(d, dir)| {
            data::captions(d, dir)
                .iter()
                .map(|t| {
                    model
                        .vocab
                        .encode(t, model.text.config.max_len)
                        .expect("captions use the vocabulary")
                })
                .collect()
        })
        .collect();
    let usable = test.indices_of(&s.digits);
    let mut rng = Rng::new(run.seed() ^ 0x2e50);
    let (mut values, mut labels) = (Vec::new(), Vec::new());
    for _ in 0..400 {
        let (pixels, digit, dir, _) = random_clip(test, &usable, s.frames, &mut rng);
        values.extend(pixels);
        labels.push(combos.iter().position(|&c| c == (digit, dir)).expect("drawn from the run's digits"));
    }
    let accuracy = zero_shot_accuracy(&outcome.items, &model.text, &shape, &values, &labels, &prototypes);
    run.log(&format!(
        "caption pre-training: zero-shot {:.1}% on 400 test clips over {} (digit, direction) pairs",
        accuracy * 100.0,
        combos.len()
    ));
    run.note(&format!(
        "Caption encoder: pre-trained {} steps of {} pairs by the CLIP objective against a small encoder of whole clips (frames as channels; text_zero_shot_accuracy: zero-shot over the (digit, direction) pairs on test clips), then frozen and shared by both models while they train (unCLIP's two stages).",
        c.steps, c.batch_size
    ));
    accuracy
}

/// Trains one model by velocity (or noise) prediction on fresh clips (its caption encoder
/// too, unless pre-trained and frozen); records its loss as `loss_{key}`.
fn train_model(run: &mut Run, model: &TextToVideo, digits: &SmallDigits, s: &SoraSettings, key: &str) {
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
