//! 2021 — Radford et al., "Learning Transferable Visual Models From Natural Language
//! Supervision" (CLIP).
//!
//! Introduced: one embedding space for images and text, learned from image–caption
//! pairs by a symmetric contrastive loss with a learned temperature; a classifier then
//! needs no training — class names written into prompts become its weights
//! ("zero-shot"). The article: `image_emb = vision_encoder(photo); text_emb =
//! text_encoder("一只猫在沙发上"); similarity = cos(image_emb, text_emb)`.
//! We test: a small CLIP trained from scratch (CNN image encoder, character-level
//! Transformer text encoder over English and Chinese) on CIFAR-10 photos, Fashion-MNIST
//! clothes and MNIST digits, captioned from templates in both languages, classifies
//! test images zero-shot with prompt templates it never saw in training, well above
//! chance in each language: the mean over the data sets of the 10-way accuracy must
//! reach 4× chance (40%). Reported beside it: a linear probe on the frozen image
//! encoder, the same encoder trained supervised on the labels, image↔text retrieval
//! recall@1/@5 in pools of one pair per class, and a compositional check on
//! (class, template) pairs never shown together in training.
//! Artifacts: the image–caption similarity matrix, zero-shot accuracy per class, the
//! embedding space in 2-D (PCA), loss curves, and the model with its tokenizer for
//! `descent clip --model FILE IMAGE --labels "一只猫,一只狗,a truck"`.
//! Run: `descent run clip [--full] [--epochs N]`.

pub mod captions;
pub mod data;
pub mod eval;
mod report;
pub mod train;

use crate::{MilestoneError, Run};
use captions::{all_captions, Lang, TemplateSet, CLASSES};
use data::{ClipData, DataSizes};
use descent_models::clip::{Clip, ClipConfig, ImageEncoder};
use descent_nn::{param_count, Linear};
use descent_report::fact_keys;
use descent_tensor::{no_grad, Rng};
use descent_text::{CharTokenizer, Tokenizer};
use eval::{EmbeddedImages, PromptEmbeddings};
use std::collections::HashMap;
use train::{map_images, Budget, Prompts, Supervised};

/// The checkpoint `descent clip` reads.
pub const CHECKPOINT: &str = "clip.safetensors";

/// Zero-shot accuracy (mean over data sets, each language) needed to pass: 4× chance.
pub const PASS_ACCURACY: f64 = 0.4;

/// Sizes and budget of a run.
#[derive(Clone, Copy, Debug)]
pub struct ClipSettings {
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

impl ClipSettings {
    /// Quick (about a minute and a half on 2 cores) or full.
    pub fn for_mode(full: bool) -> ClipSettings {
        let model = |conv_width, image_features, text_width, text_layers| ClipConfig {
            conv_width,
            image_features,
            vocab_size: 1,
            context: 48,
            text_width,
            text_heads: 4,
            text_layers,
            embed_dim: 64,
        };
        if full {
            ClipSettings {
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
        } else {
            ClipSettings {
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
    }
}

/// Text embeddings of every caption.
struct PromptTable(HashMap<(usize, Lang, TemplateSet, usize), Vec<f32>>);

impl PromptEmbeddings for PromptTable {
    fn embedding(&self, class: usize, lang: Lang, set: TemplateSet, template: usize) -> &[f32] {
        &self.0[&(class, lang, set, template)]
    }
}

fn embed_prompts(model: &Clip, prompts: &Prompts) -> PromptTable {
    let keys = prompts.keys();
    let mut table = HashMap::new();
    no_grad(|| {
        for chunk in keys.chunks(256) {
            let ids: Vec<Vec<usize>> = chunk.iter().map(|&(c, l, s, t)| prompts.get(c, l, s, t).to_vec()).collect();
            let rows = model.text_embeddings(&ids).to_vec();
            let width = rows.len() / chunk.len();
            for (key, row) in chunk.iter().zip(rows.chunks(width)) {
                table.insert(*key, row.to_vec());
            }
        }
    });
    PromptTable(table)
}

/// Everything measured, for the report and the artifacts.
pub struct Outcome {
    /// Zero-shot, English prompts.
    pub zero_shot_en: eval::ZeroShot,
    /// Zero-shot, Chinese prompts.
    pub zero_shot_zh: eval::ZeroShot,
    /// Linear probe accuracy per domain.
    pub probe: Vec<Option<f64>>,
    /// Supervised accuracy per domain.
    pub supervised: Vec<Option<f64>>,
    /// Retrieval.
    pub recall: eval::Recall,
    /// Compositional check.
    pub compositional: eval::Compositional,
    /// CLIP's mean training loss per epoch.
    pub clip_losses: Vec<f32>,
    /// The supervised network's.
    pub supervised_losses: Vec<f32>,
    /// The learned logit scale exp(t).
    pub logit_scale: f32,
    /// Characters of held-out captions never seen in a training caption.
    pub unseen_chars: Vec<char>,
}

/// Runs the milestone with the mode's settings.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let mut settings = ClipSettings::for_mode(run.full());
    if let Some(epochs) = run.epochs() {
        settings.budget.epochs = epochs;
    }
    run_with(run, settings)
}

/// Runs the milestone with explicit settings (tests use tiny ones).
pub fn run_with(run: &mut Run, settings: ClipSettings) -> Result<(), MilestoneError> {
    let data = data::load(&run.data(), run.full(), settings.sizes)?;
    run.uses_data(&data.identity, &data.source);
    let tokenizer = Tokenizer::Char(CharTokenizer::from_texts(all_captions().iter().map(String::as_str)));
    let prompts = Prompts::new(&tokenizer);
    let config = ClipConfig {
        vocab_size: tokenizer.vocab_size(),
        ..settings.model
    };
    let mut rng = Rng::new(run.seed());
    let model = Clip::new(config, &mut rng);
    run.log(&format!(
        "clip: {} training / {} test images ({}), {} caption characters, {} parameters",
        data.train.len(),
        data.test.len(),
        data.identity,
        tokenizer.vocab_size(),
        param_count(&model)
    ));
    let outcome = measure(run, &model, &data, &prompts, &settings)?;
    report::record(run, &outcome, &data, &settings, &model)?;
    report::artifacts(run, &model, &tokenizer, &data, &prompts, &outcome, &settings)
}

fn measure(run: &mut Run, model: &Clip, data: &ClipData, prompts: &Prompts, settings: &ClipSettings) -> Result<Outcome, MilestoneError> {
    let budget = settings.budget;
    let phase = run.phase("clip", (data.train.len() * budget.epochs) as u64);
    let trained = train::train_clip(model, &data.train, prompts, budget, run.seed(), &phase);
    for (epoch, loss) in trained.epoch_losses.iter().enumerate() {
        run.record("clip_loss", (epoch + 1) as f64, *loss as f64);
    }
    run.log(&format!("clip: contrastive loss {:?} per epoch", trained.epoch_losses));
    let width = model.config.embed_dim;
    let test_rows = map_images(&data.test, |x| model.image_embeddings(x));
    let images = EmbeddedImages {
        rows: &test_rows,
        width,
        labels: &data.test.labels,
    };
    let table = embed_prompts(model, prompts);
    let zero_shot_en = eval::zero_shot(&images, &table, Lang::En);
    let zero_shot_zh = eval::zero_shot(&images, &table, Lang::Zh);
    run.log(&format!(
        "zero-shot (held-out templates): English {:.1}%, Chinese {:.1}%",
        100.0 * zero_shot_en.mean(),
        100.0 * zero_shot_zh.mean()
    ));
    let features = model.config.image_features;
    let train_features = map_images(&data.train, |x| model.visual.features(x));
    let test_features = map_images(&data.test, |x| model.visual.features(x));
    let probe_logits = train::linear_probe(
        &train_features,
        &data.train.labels,
        &test_features,
        features,
        settings.probe_epochs,
        run.seed(),
    );
    let probe = eval::restricted_accuracy(&probe_logits, &data.test.labels);
    let mut rng = Rng::new(run.seed() ^ 0xBA5E);
    let supervised = Supervised {
        encoder: ImageEncoder::new(model.config.conv_width, features, &mut rng),
        head: Linear::new(features, CLASSES.len(), &mut rng),
    };
    let phase = run.phase("supervised", (data.train.len() * budget.epochs) as u64);
    let supervised_trained = train::train_supervised(&supervised, &data.train, budget, run.seed(), &phase);
    let supervised_logits = map_images(&data.test, |x| descent_nn::Forward::forward(&supervised, x));
    let supervised_accuracy = eval::restricted_accuracy(&supervised_logits, &data.test.labels);
    let train_chars: std::collections::HashSet<char> = prompts_text(TemplateSet::Train)
        .flat_map(|c| c.chars().collect::<Vec<_>>())
        .collect();
    let mut unseen_chars: Vec<char> = prompts_text(TemplateSet::HeldOut)
        .flat_map(|c| c.chars().collect::<Vec<_>>())
        .filter(|c| !train_chars.contains(c))
        .collect();
    unseen_chars.sort_unstable();
    unseen_chars.dedup();
    Ok(Outcome {
        recall: eval::retrieval(&images, &table, settings.pools, run.seed()),
        compositional: eval::compositional(&images, &table),
        zero_shot_en,
        zero_shot_zh,
        probe,
        supervised: supervised_accuracy,
        clip_losses: trained.epoch_losses,
        supervised_losses: supervised_trained.epoch_losses,
        logit_scale: model.scale().item(),
        unseen_chars,
    })
}

/// The text of every caption of one template set.
fn prompts_text(set: TemplateSet) -> impl Iterator<Item = String> {
    (0..CLASSES.len()).flat_map(move |class| {
        Lang::ALL.into_iter().flat_map(move |lang| {
            captions::templates(CLASSES[class].domain, lang, set)
                .iter()
                .map(move |t| captions::caption(t, class))
        })
    })
}

/// The report's key facts for the tour.
fn facts(run: &mut Run, model: &Clip, data: &ClipData, settings: &ClipSettings) {
    run.measure(fact_keys::PARAMS, param_count(model) as u64);
    run.measure(fact_keys::EXAMPLES_SEEN, (2 * data.train.len() * settings.budget.epochs) as u64);
    run.measure(fact_keys::DATA_BYTES, (data.train.len() * data::IMAGE_LEN) as u64);
}
