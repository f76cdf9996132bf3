//! 2023 — OpenAI, "GPT-4V(ision) System Card"; the models that answer questions about
//! images in words and coordinates (Pix2Seq, Chen et al. 2022: positions as tokens;
//! Flamingo, PaLI, Kosmos-2: image tokens and text in one Transformer).
//!
//! Introduced: visual understanding in a language model's interface — an image and a
//! question in, an answer out, including *where* things are, as text. The article:
//! `gpt4v.query(image=medical_scan, question="肿瘤位置在哪里?")  # outputs precise
//! coordinates`.
//! Claim: a Transformer where image patches and question tokens meet, decoding words and
//! coordinate tokens alike, answers "where is the 7?" with boxes (IoU ≥ 0.5) at least
//! twice as often as its blind baselines (question only, image only) and 25 points more.
//! We test: a small model where image patches (ViT-style, 8×8 pixels) and question
//! tokens meet in one Transformer encoder, and one decoder writes the answer as tokens —
//! words and quantised coordinate tokens alike — trained from scratch on (a) easy-VQA
//! (real questions about 64×64 shape images; a CNN+LSTM baseline is reported near 88%)
//! and (b) generated 64×64 scenes of 2–4 MNIST digits (and Fashion-MNIST items where
//! available) with questions in English and Chinese ("where is the 7?" / "7在哪里?",
//! "what is left of the 3?", "how many digits?"). The claim is judged on "where":
//! the share of predicted boxes with IoU ≥ 0.5 must beat both blind baselines — the same
//! model and training with the image left out (question only) or the question left out
//! (image only) — by a wide margin: at least twice the better one and 25 points above it.
//! Also measured: easy-VQA test accuracy, accuracy per question type, coordinate error
//! in pixels. Artifacts: test scenes with the true (green) and predicted (red) boxes,
//! per-type accuracy, loss curves, the model for `descent ask --model FILE --image X.png
//! "where is the 7?"`.
//! Where we differ from GPT-4V: no pre-trained language or vision model — a small
//! encoder–decoder trained from scratch on synthetic scenes and easy-VQA's shapes, with
//! a vocabulary of a few hundred question tokens and one token per answer word; boxes are
//! quantised coordinate tokens (Pix2Seq), judged against blind baselines trained the same
//! way rather than against people.
//! Run: `descent run vqa [--full]`.
//!
//! Files: `data.rs` (easy-VQA and the scene questions as examples, the training stream,
//! the test sets), `train.rs`, `measure.rs`, `report.rs`, and `scenes.rs`: the generated
//! scenes of digits and clothes with their true boxes, and the questions about them in
//! both languages — the task the claim is about, drawn by `data.rs` and scored by
//! `measure.rs`.

mod data;
mod measure;
mod report;
pub mod scenes;
pub mod train;

use crate::{MilestoneError, Run, RunSettings};
use descent_models::vqa::{VqaConfig, VqaInputs};
use train::Budget;

/// The checkpoint `descent ask` reads.
pub const CHECKPOINT: &str = "vqa.safetensors";

/// Points by which the model's IoU ≥ 0.5 share must exceed the better blind baseline's.
pub const MARGIN: f64 = 0.25;

/// Sizes and budget of a run.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Model sizes (vocabularies and lengths are set from the data).
    pub model: VqaConfig,
    /// Training of each of the three models.
    pub budget: Budget,
    /// Test scenes (one question of each kind about each).
    pub test_scenes: usize,
    /// Most easy-VQA test questions scored.
    pub easy_test_limit: usize,
    /// BPE vocabulary of the questions.
    pub bpe_vocab: usize,
}

/// A model over the scene canvas in 8×8 patches, 4 heads, image and question both
/// (vocabularies and lengths are set from the data).
fn model(d_model: usize, encoder_layers: usize, decoder_layers: usize, stem: usize) -> VqaConfig {
    VqaConfig {
        image_side: scenes::CANVAS,
        patch: 8,
        stem,
        question_vocab: 1,
        question_len: 1,
        answer_vocab: 1,
        answer_len: 1,
        d_model,
        n_heads: 4,
        encoder_layers,
        decoder_layers,
        inputs: VqaInputs::Both,
    }
}

/// Two questions per image, so that a step sees 32 scenes: telling digits apart in
/// scenes is what the model learns slowest, and it learns it from many images, not many
/// questions about few. Measured on the quick model after 1,500 steps (IoU ≥ 0.5 share of
/// "where" boxes; "how many" accuracy): 8 per image, lr 2e-3, positions ×0.1: 4.5%,
/// 30.5%; 2 per image, lr 1e-3, positions ×1: 23.5%, 82.0%.
impl RunSettings for Settings {
    /// The embedded subsets, 800 steps.
    fn quick() -> Settings {
        Settings {
            model: model(64, 2, 1, 16),
            budget: Budget {
                steps: 800,
                batch_size: 64,
                per_image: 2,
                lr: 1e-3,
                easy_share: 0.25,
            },
            test_scenes: 200,
            easy_test_limit: 500,
            bpe_vocab: 300,
        }
    }

    /// All of easy-VQA, MNIST and Fashion-MNIST, 6,000 steps.
    fn full() -> Settings {
        Settings {
            // The quick run's width and encoder with a second decoder block: at 6,000
            // steps it reached IoU ≥ 0.5 on 73.9% of "where" boxes (blind: 2.6%); the
            // 128-wide 4+2-block model cost several times more a step.
            model: model(64, 2, 2, 16),
            budget: Budget {
                steps: 6000,
                batch_size: 64,
                per_image: 2,
                lr: 1e-3,
                easy_share: 0.5,
            },
            test_scenes: 1000,
            easy_test_limit: usize::MAX,
            bpe_vocab: 400,
        }
    }
}

/// Runs the milestone with the mode's settings.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let settings = run.settings();
    run_with(run, settings)
}

/// Runs the milestone with explicit settings (tests use tiny ones): the model and its
/// two blind baselines train on the same stream and answer the same test questions.
pub fn run_with(run: &mut Run, settings: Settings) -> Result<(), MilestoneError> {
    let data = data::load(&run.data(), run.full())?;
    run.uses_data(&data.identity, &data.source);
    let vocabs = data::vocabularies(&data, settings.bpe_vocab);
    let config = train::model_config(&settings, &vocabs);
    let (easy_test, scene_test) = data::test_sets(&data, settings.test_scenes, settings.easy_test_limit, run.seed());
    report::log_sizes(run, &vocabs, &easy_test, &scene_test);
    let mut tested = Vec::new();
    for inputs in [VqaInputs::Both, VqaInputs::QuestionOnly, VqaInputs::ImageOnly] {
        let (model, losses) = train::train_model(run, VqaConfig { inputs, ..config }, &data, &vocabs, settings.budget);
        tested.push(measure::test(run, model, losses, &easy_test, &scene_test, &vocabs));
    }
    let (ours, blind) = measure::where_shares(&tested);
    let passed = ours >= 2.0 * blind && ours >= blind + MARGIN;
    report::record(run, &tested, &settings, &data, passed);
    run.judge(passed);
    report::artifacts(run, &tested, &scene_test, &vocabs)
}
