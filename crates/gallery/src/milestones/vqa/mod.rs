//! 2023 — OpenAI, "GPT-4V(ision) System Card"; the models that answer questions about
//! images in words and coordinates (Pix2Seq, Chen et al. 2022: positions as tokens;
//! Flamingo, PaLI, Kosmos-2: image tokens and text in one Transformer).
//!
//! Introduced: visual understanding in a language model's interface — an image and a
//! question in, an answer out, including *where* things are, as text. The article:
//! `gpt4v.query(image=medical_scan, question="肿瘤位置在哪里?")  # outputs precise
//! coordinates`.
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
//! Run: `descent run vqa [--full]`.

pub mod data;
mod report;
pub mod scenes;
pub mod train;

use crate::{MilestoneError, Run};
use descent_models::vqa::AnswerVocab;
use descent_models::vqa::{Vqa, VqaConfig, VqaInputs};
use descent_nn::param_count;
use descent_tensor::Rng;
use descent_text::{Bpe, Tokenizer};
use train::{Budget, Scores};

/// The checkpoint `descent ask` reads.
pub const CHECKPOINT: &str = "vqa.safetensors";

/// Points by which the model's IoU ≥ 0.5 share must exceed the better blind baseline's.
pub const MARGIN: f64 = 0.25;

/// Sizes and budget of a run.
#[derive(Clone, Copy, Debug)]
pub struct VqaSettings {
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

impl VqaSettings {
    /// Quick (about two minutes on 2 cores) or full. Two questions per image, so that a
    /// step sees 32 scenes: telling digits apart in scenes is what the model learns
    /// slowest, and it learns it from many images, not many questions about few. Measured
    /// on the quick model after 1,500 steps (IoU ≥ 0.5 share of "where" boxes; "how many"
    /// accuracy): 8 per image, lr 2e-3, positions ×0.1: 4.5%, 30.5%; 2 per image, lr 1e-3,
    /// positions ×1: 23.5%, 82.0%.
    pub fn for_mode(full: bool) -> VqaSettings {
        let model = |d_model, encoder_layers, decoder_layers, stem| VqaConfig {
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
        };
        if full {
            VqaSettings {
                // The quick run's width and encoder with a second decoder block: at 6,000
                // steps it reached IoU ≥ 0.5 on 73.9% of "where" boxes (blind: 2.6%) in
                // about 10 minutes; the 128-wide 4+2-block model was ~8× the cost a step.
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
        } else {
            VqaSettings {
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
    }
}

/// One trained model and its scores.
pub struct Trained {
    /// Which inputs it saw.
    pub inputs: VqaInputs,
    /// The model.
    pub model: Vqa,
    /// Loss per step.
    pub losses: Vec<f32>,
    /// Scores on both test sets.
    pub scores: Scores,
    /// Its greedy answers to the scene test set (ids).
    pub scene_answers: Vec<Vec<usize>>,
}

/// Runs the milestone with the mode's settings.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    run_with(run, VqaSettings::for_mode(run.full()))
}

/// Runs the milestone with explicit settings (tests use tiny ones).
pub fn run_with(run: &mut Run, settings: VqaSettings) -> Result<(), MilestoneError> {
    let data = data::load(&run.data(), run.full())?;
    run.uses_data(&data.identity, &data.source);
    let texts = data::question_texts(&data);
    let tokenizer = Tokenizer::Bpe(Bpe::train(texts.iter().map(String::as_str), settings.bpe_vocab));
    let vocab = AnswerVocab::new(data::answer_words(&data));
    let longest = texts.iter().map(|t| train::question_ids(&tokenizer, t).len()).max().unwrap_or(1);
    let config = VqaConfig {
        question_vocab: tokenizer.vocab_size(),
        question_len: longest + 8,
        answer_vocab: vocab.len(),
        // BOS + up to four objects of a name and four coordinates each.
        answer_len: 1 + 4 * 5,
        ..settings.model
    };
    let (easy_test, scene_test) = data::test_sets(&data, settings.test_scenes, settings.easy_test_limit, run.seed());
    run.log(&format!(
        "vqa: {} question tokens, {} answer tokens, {} easy-VQA and {} scene test questions",
        tokenizer.vocab_size(),
        vocab.len(),
        easy_test.len(),
        scene_test.len()
    ));
    let mut trained = Vec::new();
    for inputs in [VqaInputs::Both, VqaInputs::QuestionOnly, VqaInputs::ImageOnly] {
        let model = Vqa::new(VqaConfig { inputs, ..config }, &mut Rng::new(run.seed()));
        let phase = run.phase(inputs.name(), settings.budget.steps as u64);
        let losses = train::train(&model, &data, &tokenizer, &vocab, settings.budget, run.seed(), &phase);
        let mut scores = Scores::default();
        let easy_answers = train::answer_all(&model, &easy_test, &tokenizer);
        train::score(&easy_test, &easy_answers, &vocab, &mut scores);
        let scene_answers = train::answer_all(&model, &scene_test, &tokenizer);
        train::score(&scene_test, &scene_answers, &vocab, &mut scores);
        run.log(&format!(
            "{}: where IoU≥0.5 {:.1}%, coordinate error {:.1} px, left-of {:.1}%, count {:.1}%, easy-VQA {:.1}% ({} parameters)",
            inputs.name(),
            100.0 * scores.where_iou50.unwrap_or(0.0),
            scores.where_error_px.unwrap_or(f64::NAN),
            100.0 * scores.left_of.unwrap_or(0.0),
            100.0 * scores.count.unwrap_or(0.0),
            100.0 * scores.easy_vqa.unwrap_or(0.0),
            param_count(&model)
        ));
        trained.push(Trained {
            inputs,
            model,
            losses,
            scores,
            scene_answers,
        });
    }
    report::record(run, &trained, &settings, &data);
    report::artifacts(run, &trained, &scene_test, &tokenizer, &vocab)
}
