//! 2022 — Ramesh et al., "Hierarchical Text-Conditional Image Generation with CLIP
//! Latents" (DALL·E 2, unCLIP); on the shoulders of Ho, Jain & Abbeel, "Denoising
//! Diffusion Probabilistic Models" (2020), Song et al., "Denoising Diffusion Implicit
//! Models" (DDIM, 2021), Nichol et al., "GLIDE" (2021), and Ho & Salimans,
//! "Classifier-Free Diffusion Guidance" (2021).
//!
//! Introduced: generating images from text by diffusion — a network learns to remove
//! noise step by step, conditioned on an embedding of the caption; guidance pushes each
//! step towards the caption. The article: "DALL·E 2 (2022): text-to-image generation".
//! We test: a U-Net (W10's: GroupNorm, SiLU, stride-2 downsampling, nearest upsampling,
//! skip concatenation, sinusoidal time embedding; residual blocks scale and shift their
//! features by the embedding; it predicts the velocity v = √ᾱ·ε − √(1−ᾱ)·x_0 of Salimans &
//! Ho 2022 rather than the noise, since at high noise an ε loss barely asks what the image
//! is, and with it the caption went unused) conditioned on the vector of a small
//! Transformer caption encoder, in unCLIP's two stages: the encoder first learns by the
//! CLIP objective against a small image encoder (its zero-shot accuracy on real test images
//! is reported), then stays frozen while the U-Net learns; on MNIST and Fashion-MNIST with
//! English and Chinese captions ("a handwritten seven", "一个手写的七", "a sneaker", "一只靴子";
//! several templates per class), the null caption 10% of the time; DDIM sampling (25 steps)
//! with classifier-free guidance. Judged: the share of generated images that this project's
//! classifiers (a LeNet per data set, trained in the run) read as the asked class — each
//! headline prompt and the mean over the training captions ≥ 90% (Fashion-MNIST: ≥ 90% of
//! what the classifier reaches on real test images, whose shirts and pullovers it confuses
//! itself); held-out paraphrases are reported, with a Fréchet distance on the classifier's
//! features beside its real-vs-real floor and a sweep of the guidance scale. The model is
//! saved: `descent draw --model runs/dalle/dalle.safetensors --prompt "一个手写的七" --n 16
//! --out sevens.png`.
//! Run: `descent run dalle [--full]` (quick: digits only, from the embedded MNIST subset,
//! a smaller network and bar, about two minutes on 2 cores).

pub mod captions;
pub mod data;
pub mod measure;
mod report;

use crate::common::contrastive::{pretrain_captions, record_losses, zero_shot_accuracy, ContrastiveSettings};
use crate::common::diffusion::{train_denoiser, DiffusionTraining, LossWindows};
use crate::common::image_judge::{ImageJudge, JudgeRecipe};
use crate::{MilestoneError, Run, Training};
use captions::{random_seen, seen_captions, ClassId, Domain};
use data::DalleData;
use descent_models::caption::{CaptionEncoder, CaptionEncoderConfig, CaptionVocab};
use descent_models::diffusion::{DdimOptions, Prediction};
use descent_models::saved::Snapshot;
use descent_models::text_diffusion::TextToImage;
use descent_models::unet::{Condition, UNet, UNetConfig};
use descent_nn::{param_count, params};
use descent_report::fact_keys;
use descent_tensor::Rng;
use measure::{generate, requests, score, CaptionSet, Scores};

/// The checkpoint `descent draw` reads (kind `text-to-image`).
pub const CHECKPOINT: &str = "dalle.safetensors";

/// Sizes and budget of a run.
#[derive(Clone, Debug)]
pub struct DalleSettings {
    /// Train on Fashion-MNIST too (full runs).
    pub fashion: bool,
    /// Cap on each training set (tests use a few hundred).
    pub max_train: Option<usize>,
    /// Restrict to these classes (tests); `None`: every class of the loaded sets.
    pub only_classes: Option<Vec<ClassId>>,
    /// U-Net base width (W10: 64).
    pub channels: usize,
    /// Time/condition embedding width (W10: 128).
    pub emb_dim: usize,
    /// Residual blocks scale and shift their features by the embedding (FiLM) rather
    /// than W10's shift ([`UNetConfig::scale_shift`]).
    pub scale_shift: bool,
    /// Caption encoder width, heads, blocks.
    pub text: (usize, usize, usize),
    /// unCLIP's first stage: the caption encoder pre-trained by the CLIP objective
    /// against the images, then frozen while the U-Net trains (`None`: the encoder
    /// trains with the U-Net by the diffusion loss alone).
    pub contrastive: Option<ContrastiveSettings>,
    /// Optimisation.
    pub train: DiffusionTraining,
    /// Epochs of each judge classifier.
    pub judge_epochs: usize,
    /// DDIM steps per sample.
    pub ddim_steps: usize,
    /// The guidance scale of the headline measurement.
    pub guidance: f32,
    /// Guidance scales swept (should include `guidance`).
    pub sweep: Vec<f32>,
    /// Samples per class for each measured set.
    pub per_class: usize,
    /// Samples per headline prompt.
    pub prompt_samples: usize,
    /// Images generated together.
    pub sample_batch: usize,
    /// Accuracy the seen captions must reach.
    pub target: f64,
}

impl DalleSettings {
    /// Quick (digits, small network, ~2 minutes) or full.
    pub fn for_mode(full: bool) -> DalleSettings {
        let train = |batch_size, steps, lr| DiffusionTraining {
            batch_size,
            steps,
            lr,
            warmup: steps / 20,
            null_prob: 0.1,
            clip_norm: 1.0,
            // Not yet measured at full size here (sora's runs use it); off keeps the
            // recorded full-run figures this code's own.
            ema_decay: 0.0,
            prediction: Prediction::Velocity,
        };
        if full {
            DalleSettings {
                fashion: true,
                max_train: None,
                only_classes: None,
                channels: 32,
                emb_dim: 128,
                scale_shift: true,
                text: (64, 4, 2),
                contrastive: Some(ContrastiveSettings {
                    steps: 1500,
                    batch_size: 128,
                    lr: 1e-3,
                    width: 32,
                }),
                train: train(64, 6000, 1e-3),
                judge_epochs: 4,
                ddim_steps: 25,
                guidance: 3.0,
                sweep: vec![0.0, 1.0, 2.0, 3.0, 5.0],
                per_class: 50,
                prompt_samples: 64,
                sample_batch: 100,
                target: 0.9,
            }
        } else {
            DalleSettings {
                fashion: false,
                max_train: None,
                only_classes: None,
                channels: 16,
                emb_dim: 64,
                scale_shift: true,
                text: (32, 2, 1),
                contrastive: Some(ContrastiveSettings {
                    steps: 1000,
                    batch_size: 64,
                    lr: 2e-3,
                    width: 16,
                }),
                train: train(32, 600, 2e-3),
                judge_epochs: 3,
                ddim_steps: 20,
                guidance: 3.0,
                sweep: vec![0.0, 1.0, 3.0, 5.0],
                per_class: 10,
                prompt_samples: 16,
                sample_batch: 50,
                target: 0.8,
            }
        }
    }
}

/// What the run measured.
pub struct Outcome {
    /// Each swept guidance scale and its scores on the training captions.
    pub sweep: Vec<(f32, Scores)>,
    /// Held-out paraphrases at the headline scale.
    pub unseen: Scores,
    /// Headline prompts: (prompt, class, accuracy, images).
    pub prompts: Vec<(String, ClassId, f64, Vec<f32>)>,
    /// Real-vs-real Fréchet floor per data set.
    pub floor: Vec<(Domain, f64)>,
    /// Judge accuracy on real test images per data set (mean over the run's classes).
    pub judge_accuracy: Vec<(Domain, f64)>,
    /// The training-caption requests and their images at the headline scale.
    pub seen: (Vec<measure::Request>, Vec<f32>),
    /// The held-out requests and their images.
    pub unseen_samples: (Vec<measure::Request>, Vec<f32>),
}

/// Runs the milestone with the mode's settings.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    run_with(run, DalleSettings::for_mode(run.full()))
}

/// Runs the milestone with explicit settings (tests use tiny ones).
pub fn run_with(run: &mut Run, settings: DalleSettings) -> Result<(), MilestoneError> {
    let data = data::load(&run.data(), run.full(), settings.fashion, settings.max_train)?;
    run.uses_data(&data.identity, &data.source);
    let classes = settings.only_classes.clone().unwrap_or_else(|| data.classes());
    let phase = run.phase("judges", data.sets.iter().map(|s| (s.train.n * settings.judge_epochs) as u64).sum());
    let recipe = JudgeRecipe {
        epochs: settings.judge_epochs,
        init_seed: run.seed(),
        seed: run.seed(),
        cosine: true,
    };
    let judges: Vec<(Domain, ImageJudge)> = data
        .sets
        .iter()
        .map(|s| (s.domain, ImageJudge::train(&s.train, &s.test, recipe, &phase)))
        .collect();
    for (domain, j) in &judges {
        run.log(&format!(
            "judge for {domain:?}: {:.2}% on real test images",
            j.test_accuracy * 100.0
        ));
    }
    let model = build_model(&settings, &classes, run.seed());
    run.log(&format!(
        "dalle: {} parameters, {} caption words",
        param_count(&model),
        model.vocab.len()
    ));
    // Recorded after the verdict's measurements, which the tour's summary shows first.
    let images = data.training_images();
    let zero_shot = match &settings.contrastive {
        Some(c) => pretrain_text(run, &model, &images, &data, &classes, c),
        None => Vec::new(),
    };
    let losses = train(run, &model, &images, &classes, &settings);
    drop(images);
    run.save(CHECKPOINT, Snapshot::of(&model), Training::finished(0))?;
    let outcome = measure_all(run, &model, &data, &judges, &classes, &settings);
    run.measure(fact_keys::PARAMS, param_count(&model) as u64);
    run.measure(fact_keys::EXAMPLES_SEEN, (settings.train.steps * settings.train.batch_size) as u64);
    run.measure(
        "final_train_loss",
        losses.iter().rev().take(50).sum::<f32>() as f64 / losses.len().clamp(1, 50) as f64,
    );
    report::conclude(run, &settings, &outcome)?;
    for (key, accuracy) in zero_shot {
        run.measure(&key, accuracy);
    }
    report::artifacts(run, &model, &settings, &outcome, &classes)
}

/// A fresh caption encoder (vocabulary from the seen captions of `classes`) and U-Net.
pub fn build_model(settings: &DalleSettings, classes: &[ClassId], seed: u64) -> TextToImage {
    let seen = seen_captions(classes);
    let vocab = CaptionVocab::build(seen.iter().map(String::as_str));
    let (d_model, n_heads, n_layers) = settings.text;
    let text_config = CaptionEncoderConfig {
        vocab_size: vocab.len(),
        max_len: 16,
        d_model,
        n_heads,
        n_layers,
        out_dim: d_model,
    };
    let unet_config = UNetConfig {
        in_channels: 1,
        channels: settings.channels,
        emb_dim: settings.emb_dim,
        time_dim: 64,
        groups: 8,
        condition: Condition::Vector(d_model),
        scale_shift: settings.scale_shift,
        prediction: settings.train.prediction,
    };
    let mut rng = Rng::new(seed);
    TextToImage {
        side: 28,
        vocab,
        text: CaptionEncoder::new(text_config, &mut rng),
        unet: UNet::new(unet_config, &mut rng),
    }
}

/// Draws a training image of one of `classes` with a random seen caption.
fn item_drawer<'a>(
    images: &'a data::TrainImages,
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
/// training images; its zero-shot accuracy on the real test images (captions of each
/// class as its prototypes) is returned for the seen captions and the paraphrases.
fn pretrain_text(
    run: &mut Run,
    model: &TextToImage,
    images: &data::TrainImages,
    data: &DalleData,
    classes: &[ClassId],
    c: &ContrastiveSettings,
) -> Vec<(String, f64)> {
    let phase = run.phase("caption pre-training", c.steps as u64);
    let mut draw = item_drawer(images, classes, model);
    let outcome = pretrain_captions(&model.text, &[1, 28, 28], c, run.seed(), &phase, &mut draw);
    record_losses(run, &outcome.losses);
    // Real test images of the run's classes, up to 500 per data set.
    let (mut values, mut labels) = (Vec::new(), Vec::new());
    for set in &data.sets {
        let mut taken = 0;
        for (i, &l) in set.test.labels.iter().enumerate() {
            let Some(k) = classes.iter().position(|&c| c == ClassId::of(set.domain, l as usize)) else {
                continue;
            };
            if taken == 500 {
                break;
            }
            values.extend(data::to_signed(&set.test.images[i * 784..(i + 1) * 784]));
            labels.push(k);
            taken += 1;
        }
    }
    let mut zero_shot = Vec::new();
    for (key, unseen) in [("seen", false), ("unseen", true)] {
        let prototypes: Vec<Vec<Vec<usize>>> = classes
            .iter()
            .map(|&class| {
                let set = captions::captions(class);
                let texts = if unseen { set.unseen } else { set.seen };
                texts
                    .iter()
                    .map(|t| {
                        model
                            .vocab
                            .encode(t, model.text.config.max_len)
                            .expect("captions use the vocabulary (tested)")
                    })
                    .collect()
            })
            .collect();
        let accuracy = zero_shot_accuracy(&outcome.items, &model.text, &[1, 28, 28], &values, &labels, &prototypes);
        run.log(&format!(
            "caption pre-training: zero-shot {:.1}% on {} real test images with the {key} captions",
            accuracy * 100.0,
            labels.len()
        ));
        zero_shot.push((format!("text_zero_shot_{key}_captions"), accuracy));
    }
    run.note(&format!(
        "Caption encoder: pre-trained {} steps of {} pairs by the CLIP objective against a small image encoder (text_zero_shot_*: its zero-shot accuracy on real test images), then frozen while the U-Net trains (unCLIP's two stages).",
        c.steps, c.batch_size
    ));
    zero_shot
}

/// Trains the U-Net (and the caption encoder, unless it was pre-trained and stays
/// frozen); records the loss every 20 steps.
fn train(run: &mut Run, model: &TextToImage, images: &data::TrainImages, classes: &[ClassId], settings: &DalleSettings) -> Vec<f32> {
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

/// The sweep, the held-out paraphrases and the headline prompts.
fn measure_all(
    run: &mut Run,
    model: &TextToImage,
    data: &DalleData,
    judges: &[(Domain, ImageJudge)],
    classes: &[ClassId],
    s: &DalleSettings,
) -> Outcome {
    let options = |guidance: f32, seed: u64| DdimOptions {
        steps: s.ddim_steps,
        guidance,
        seed,
    };
    let seed = run.seed() ^ 0x5eed;
    let seen = requests(classes, CaptionSet::Seen, s.per_class);
    let unseen_requests = requests(classes, CaptionSet::Unseen, s.per_class);
    let prompts: Vec<(&str, ClassId)> = captions::headline_prompts()
        .into_iter()
        .filter(|(_, c)| classes.contains(c))
        .collect();
    let total = (seen.len() * s.sweep.len() + unseen_requests.len() + prompts.len() * s.prompt_samples) as u64;
    let phase = run.phase("sampling", total);
    let mut sweep = Vec::new();
    for &w in &s.sweep {
        phase.status(&format!("guidance {w}"));
        let images = generate(model, &seen, options(w, seed), s.sample_batch, &phase);
        let scores = score(judges, data, &seen, &images);
        run.log(&format!(
            "guidance {w}: {:.1}% read as asked (training captions)",
            scores.accuracy * 100.0
        ));
        sweep.push((w, scores, images));
    }
    phase.status("held-out paraphrases");
    let images = generate(model, &unseen_requests, options(s.guidance, seed + 1000), s.sample_batch, &phase);
    let unseen = score(judges, data, &unseen_requests, &images);
    let mut prompt_results = Vec::new();
    for (i, (prompt, class)) in prompts.iter().enumerate() {
        let reqs: Vec<measure::Request> = (0..s.prompt_samples)
            .map(|_| measure::Request {
                class: *class,
                caption: prompt.to_string(),
            })
            .collect();
        let images = generate(
            model,
            &reqs,
            options(s.guidance, seed + 2000 + i as u64 * 100),
            s.sample_batch,
            &phase,
        );
        let scores = score(judges, data, &reqs, &images);
        prompt_results.push((prompt.to_string(), *class, scores.accuracy, images));
    }
    let floor = measure::real_floor(judges, data, 10 * s.per_class);
    let judge_accuracy = judges
        .iter()
        .map(|(domain, j)| {
            let wanted: Vec<f32> = (0..10)
                .filter(|&i| classes.contains(&ClassId::of(*domain, i)))
                .map(|i| j.class_accuracy[i])
                .collect();
            (*domain, wanted.iter().sum::<f32>() as f64 / wanted.len().max(1) as f64)
        })
        .collect();
    let main_images = sweep
        .iter()
        .find(|(w, _, _)| *w == s.guidance)
        .map(|(_, _, i)| i.clone())
        .unwrap_or_default();
    Outcome {
        sweep: sweep.into_iter().map(|(w, sc, _)| (w, sc)).collect(),
        unseen,
        prompts: prompt_results,
        floor,
        judge_accuracy,
        seen: (seen, main_images),
        unseen_samples: (unseen_requests, images),
    }
}
