//! 2021 — Radford et al., "Learning Transferable Visual Models From Natural Language
//! Supervision" (CLIP).
//!
//! Introduced: one embedding space for images and text, learned from image–caption
//! pairs by a symmetric contrastive loss with a learned temperature; a classifier then
//! needs no training — class names written into prompts become its weights
//! ("zero-shot"). The article: `image_emb = vision_encoder(photo); text_emb =
//! text_encoder("一只猫在沙发上"); similarity = cos(image_emb, text_emb)`.
//! Claim: a CLIP trained from scratch on captioned CIFAR-10, Fashion-MNIST and MNIST
//! images classifies test images zero-shot, from prompt templates never seen in
//! training, at 4× chance or better in English and in Chinese.
//! We test: a small CLIP trained from scratch (CNN image encoder, character-level
//! Transformer text encoder over English and Chinese) on CIFAR-10 photos, Fashion-MNIST
//! clothes and MNIST digits, captioned from templates in both languages, classifies
//! test images zero-shot with prompt templates it never saw in training, well above
//! chance in each language: the mean over the data sets of the 10-way accuracy must
//! reach 4× chance (40%). Reported beside it: a linear probe on the frozen image
//! encoder, the same encoder trained supervised on the labels, image↔text retrieval
//! recall@1/@5 in pools of one pair per class, and a compositional check on
//! (class, template) pairs never shown together in training.
//! Where we differ from the paper: no web corpus of image–caption pairs — captions are
//! written from templates naming the class, so retrieval is retrieval of the class; a
//! model of a few hundred thousand parameters on tens of thousands of small images,
//! not 400 million pairs; zero-shot is 10-way within each data set.
//! Artifacts: the image–caption similarity matrix, zero-shot accuracy per class, the
//! embedding space in 2-D (PCA), loss curves, and the model with its tokenizer for
//! `descent clip --model FILE IMAGE --labels "一只猫,一只狗,a truck"`.
//! Run: `descent run clip [--full] [--epochs N]`.
//!
//! Files: `data.rs`, `train.rs`, `measure.rs`, `report.rs`, and `captions.rs`: the
//! caption templates in both languages, which ones are held out and which
//! (class, template) pairs training never shows — what the zero-shot claim is about,
//! shared by training, measurement and report.

mod captions;
pub mod data;
mod measure;
mod report;
pub mod train;

use crate::{MilestoneError, Run, RunSettings};
use data::DataSizes;
use descent_models::clip::ClipConfig;
use measure::{EmbeddedImages, Outcome};
use train::{Budget, Prompts};

/// The checkpoint `descent clip` reads.
const CHECKPOINT: &str = "clip.safetensors";

/// Zero-shot accuracy (mean over data sets, each language) needed to pass: 4× chance.
const PASS_ACCURACY: f64 = 0.4;

/// Sizes and budget of a run.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Images per domain.
    pub sizes: DataSizes,
    /// Model sizes (`vocab_size` is set from the tokenizer).
    pub model: ClipConfig,
    /// Contrastive training (the supervised reference gets the same).
    pub budget: Budget,
    /// Epochs of the linear probe.
    pub probe_epochs: usize,
    /// Retrieval pools averaged.
    pub pools: usize,
}

/// A CLIP of 64-wide embeddings and a 48-character, 4-head text encoder (the
/// vocabulary is set from the tokenizer).
fn model(conv_width: usize, image_features: usize, text_width: usize, text_layers: usize) -> ClipConfig {
    ClipConfig {
        conv_width,
        image_features,
        vocab_size: 1,
        context: 48,
        text_width,
        text_heads: 4,
        text_layers,
        embed_dim: 64,
    }
}

impl RunSettings for Settings {
    /// The embedded subsets, a small model.
    fn quick() -> Settings {
        Settings {
            sizes: DataSizes { train: 2_000, test: 500 },
            model: model(16, 128, 64, 2),
            budget: Budget {
                batch_size: 128,
                epochs: 10,
                lr: 5e-4,
            },
            probe_epochs: 20,
            pools: 100,
        }
    }

    /// The full files, a wider model trained longer.
    fn full() -> Settings {
        Settings {
            sizes: DataSizes {
                train: 10_000,
                test: 2_000,
            },
            model: model(32, 256, 128, 3),
            budget: Budget {
                batch_size: 128,
                epochs: 12,
                lr: 5e-4,
            },
            probe_epochs: 30,
            pools: 200,
        }
    }

    /// `--epochs N`: N passes of the contrastive training (and of the supervised
    /// reference, which gets the same budget).
    fn with_epochs(mut self, epochs: usize) -> Settings {
        self.budget.epochs = epochs;
        self
    }
}

/// Runs the milestone with the mode's settings.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let settings = run.settings();
    run_with(run, settings)
}

/// Runs the milestone with explicit settings (tests use tiny ones).
pub fn run_with(run: &mut Run, settings: Settings) -> Result<(), MilestoneError> {
    let data = data::load(&run.data(), run.full(), settings.sizes)?;
    run.uses_data(&data.identity, &data.source);
    let tokenizer = captions::tokenizer();
    let prompts = Prompts::new(&tokenizer);
    let model = train::build_model(run, &settings, &tokenizer, &data);
    train::contrastive(run, &model, &data, &prompts, settings.budget);
    let test_rows = train::map_images(&data.test, |x| model.image_embeddings(x));
    let images = EmbeddedImages {
        rows: &test_rows,
        width: model.config.embed_dim,
        labels: &data.test.labels,
    };
    let table = measure::embed_prompts(&model, &prompts);
    let (zero_shot_en, zero_shot_zh) = measure::zero_shot_both(run, &images, &table);
    let probe = measure::probe_accuracy(&model, &data, settings.probe_epochs, run.seed());
    let supervised = train::supervised(run, &model, &data, settings.budget);
    let supervised_accuracy = measure::supervised_accuracy(&supervised.model, &data);
    let outcome = Outcome {
        recall: measure::retrieval(&images, &table, settings.pools, run.seed()),
        compositional: measure::compositional(&images, &table),
        zero_shot_en,
        zero_shot_zh,
        probe,
        supervised: supervised_accuracy,
        supervised_losses: supervised.trained.epoch_losses,
        logit_scale: model.scale().item(),
        unseen_chars: captions::unseen_characters(),
    };
    let passed = outcome.zero_shot_en.mean() >= PASS_ACCURACY && outcome.zero_shot_zh.mean() >= PASS_ACCURACY;
    report::record(run, &outcome, &data, &settings, &model, passed);
    run.judge(passed);
    report::artifacts(run, &model, &tokenizer, &data, &prompts, &outcome, &settings)
}
