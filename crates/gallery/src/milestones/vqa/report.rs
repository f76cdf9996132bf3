//! What the VQA milestone reports: the scores of the model and its blind baselines,
//! the verdict, and the artifacts (scenes with boxes, per-type accuracy, loss curves,
//! sample answers, the saved model).

use super::data::{ExampleSet, Kind, Truth, Vocabularies, VqaData};
use super::measure::{where_shares, Tested};
use super::scenes::{QuestionKind, CANVAS};
use super::{Settings, CHECKPOINT, MARGIN};
use crate::{MilestoneError, Run, Training};
use descent_models::saved::Snapshot;
use descent_models::vqa::AnswerVocab;
use descent_models::vqa::{VqaModel, VqaModelConfig};
use descent_nn::param_count;
use descent_report::{fact_keys, BarChart, GridOptions, LineChart, Normalize, Series};

/// easy-VQA's CNN+LSTM baseline accuracy as its author reports it.
const EASY_VQA_BASELINE: f64 = 0.88;

/// Logs the sizes of the vocabularies and the test sets.
pub(crate) fn log_sizes(run: &Run, vocabs: &Vocabularies, easy: &ExampleSet, scenes: &ExampleSet) {
    run.log(&format!(
        "vqa: {} question tokens, {} answer tokens, {} easy-VQA and {} scene test questions",
        vocabs.questions.vocab_size(),
        vocabs.answers.len(),
        easy.len(),
        scenes.len()
    ));
}

/// The measurements (the verdict's first), the verdict's log line (`passed`) and the
/// notes.
pub(crate) fn record(run: &mut Run, tested: &[Tested], settings: &Settings, data: &VqaData, passed: bool) {
    let get = |v: Option<f64>| v.unwrap_or(0.0);
    let (question_only, image_only) = (&tested[1].scores, &tested[2].scores);
    let ours = where_shares(tested).0;
    run.measure("where_iou50", ours);
    run.measure("where_iou50_question_only", get(question_only.where_iou50));
    run.measure("where_iou50_image_only", get(image_only.where_iou50));
    scores(run, tested);
    facts(run, tested, settings, data);
    run.log(&format!(
        "vqa: boxes with IoU ≥ 0.5: {:.1}% (image+question) vs {:.1}% (question only), {:.1}% (image only) — {}",
        100.0 * ours,
        100.0 * get(question_only.where_iou50),
        100.0 * get(image_only.where_iou50),
        if passed { "PASS" } else { "FAIL" }
    ));
    notes(run, tested, settings, data, passed);
}

/// Every score of every model, keys suffixed by the blind baseline's inputs.
fn scores(run: &mut Run, tested: &[Tested]) {
    for (t, suffix) in tested.iter().zip(["", "_question_only", "_image_only"]) {
        let s = &t.scores;
        for (key, value) in [
            ("where_coordinate_error_px", s.where_error_px),
            ("where_centre_error_px", s.where_centre_error_px),
            ("where_malformed", s.where_malformed),
            ("left_of_accuracy", s.left_of),
            ("count_accuracy", s.count),
            ("list_recall", s.list_recall),
            ("easy_vqa_accuracy", s.easy_vqa),
        ] {
            if let Some(v) = value {
                run.measure(&format!("{key}{suffix}"), v);
            }
        }
    }
}

/// The easy-VQA reference, the budget and the report's key facts for the tour.
fn facts(run: &mut Run, tested: &[Tested], settings: &Settings, data: &VqaData) {
    run.measure("easy_vqa_cnn_lstm_baseline", EASY_VQA_BASELINE);
    run.measure("steps", settings.budget.steps as u64);
    run.measure("batch_size", settings.budget.batch_size as u64);
    run.measure("params", param_count(&tested[0].model) as u64);
    run.measure(fact_keys::PARAMS, param_count(&tested[0].model) as u64);
    run.measure(
        fact_keys::EXAMPLES_SEEN,
        (3 * settings.budget.steps * settings.budget.batch_size) as u64,
    );
    if let Some(easy) = &data.easy {
        run.measure(fact_keys::DATA_BYTES, easy.train.images.len() as u64);
    }
}

/// How the verdict, the baselines and easy-VQA were measured, and what a failed run shows.
fn notes(run: &mut Run, tested: &[Tested], settings: &Settings, data: &VqaData, passed: bool) {
    let get = |v: Option<f64>| v.unwrap_or(0.0);
    let (ours, blind) = where_shares(tested);
    run.note(&format!(
        "Verdict on \"where\" questions about test scenes (digits never seen in training): the share of predicted boxes with IoU ≥ 0.5 against the true ink box must be at least twice the better blind baseline's and {:.0} points above it. Boxes are four coordinate tokens (2-pixel steps on the 64-pixel canvas); an answer that is not four coordinates counts as the whole canvas.",
        100.0 * MARGIN
    ));
    run.note("Blind baselines: the same architecture, initialisation, batches and steps, with the image left out of the encoder (question only) or the question left out (image only).");
    run.note(&format!(
        "easy-VQA: exact-match accuracy on its test questions (the author's CNN+LSTM baseline: about {:.0}%).",
        100.0 * EASY_VQA_BASELINE
    ));
    if !passed {
        run.note(&format!(
            "Not reproduced in this run: after {} steps of {} questions the image+question model's boxes reach IoU ≥ 0.5 {:.1}% of the time against {:.1}% for the better blind baseline (mean centre error {:.1} px vs {:.1} px without the image): it has not yet learned to find the object asked about. Training localisation from scratch takes far longer than this budget.",
            settings.budget.steps,
            settings.budget.batch_size,
            100.0 * ours,
            100.0 * blind,
            get(tested[0].scores.where_centre_error_px),
            get(tested[1].scores.where_centre_error_px)
        ));
    }
    if data.train_objects.1.is_none() {
        run.note("Scenes hold MNIST digits only in this build (no embedded Fashion-MNIST subset), so \"what is left of\" names digits and \"how many\" counts digits.");
    }
    if !run.full() {
        run.note("Quick run: the embedded easy-VQA and MNIST subsets, a small model and a few hundred steps; `--full` trains a larger model longer on all of easy-VQA, MNIST and Fashion-MNIST.");
    }
}

/// Draws a box outline into an RGB (3, 64, 64) image.
fn draw_box(pixels: &mut [f32], b: &[f32; 4], colour: [f32; 3]) {
    let plane = CANVAS * CANVAS;
    let clampi = |v: f32| (v.round().max(0.0) as usize).min(CANVAS - 1);
    let (x0, y0, x1, y1) = (clampi(b[0]), clampi(b[1]), clampi(b[2] - 1.0), clampi(b[3] - 1.0));
    let mut set = |x: usize, y: usize| (0..3).for_each(|c| pixels[c * plane + y * CANVAS + x] = colour[c]);
    for x in x0..=x1.max(x0) {
        set(x, y0);
        set(x, y1);
    }
    for y in y0..=y1.max(y0) {
        set(x0, y);
        set(x1, y);
    }
}

/// The artifacts, and the image+question model saved with its tokenizer and vocabulary.
pub(crate) fn artifacts(run: &mut Run, tested: &[Tested], scenes: &ExampleSet, vocabs: &Vocabularies) -> Result<(), MilestoneError> {
    scene_pictures(run, tested, scenes, &vocabs.answers)?;
    answers_text(run, tested, scenes, &vocabs.answers)?;
    charts(run, tested)?;
    let model = &tested[0].model;
    let config = VqaModelConfig {
        net: model.config,
        tokenizer: vocabs.questions.clone(),
        answers: vocabs.answers.clone(),
    };
    run.save(CHECKPOINT, Snapshot::parts::<VqaModel>(&config, model), Training::finished(0))
}

/// Up to 24 test scenes of "where" questions with the true box (green) and the
/// image+question model's (red).
fn scene_pictures(run: &mut Run, tested: &[Tested], scenes: &ExampleSet, vocab: &AnswerVocab) -> Result<(), MilestoneError> {
    let where_items: Vec<usize> = (0..scenes.len())
        .filter(|&i| scenes.kinds[i] == Kind::Scene(QuestionKind::Where))
        .take(24)
        .collect();
    let mut pixels = Vec::new();
    for &i in &where_items {
        let mut image: Vec<f32> = scenes.image(i).iter().map(|&v| v as f32 / 255.0).collect();
        if let Truth::Box(b) = &scenes.truths[i] {
            draw_box(&mut image, b, [0.1, 0.9, 0.1]);
        }
        if let Some(b) = vocab.decode(&tested[0].scene_answers[i]).bbox {
            draw_box(&mut image, &b, [0.95, 0.15, 0.15]);
        }
        pixels.extend(image);
    }
    let options = GridOptions {
        cols: 6,
        scale: 3,
        channels: 3,
        normalize: Normalize::Fixed { low: 0.0, high: 1.0 },
        borders: vec![],
    };
    if !where_items.is_empty() {
        run.image_grid("scenes.png", &pixels, CANVAS, CANVAS, &options)?;
    }
    Ok(())
}

/// The first 60 scene questions with the true answer and each model's.
fn answers_text(run: &mut Run, tested: &[Tested], scenes: &ExampleSet, vocab: &AnswerVocab) -> Result<(), MilestoneError> {
    let mut text = String::from(
        "# scenes.png, left to right, top to bottom: question | true answer | image+question | question only | image only\n\n",
    );
    for i in 0..scenes.len().min(60) {
        let truth = match &scenes.truths[i] {
            Truth::Word(w) => w.clone(),
            Truth::Box(b) => format!("box {b:?}"),
            Truth::List(objects) => objects.iter().map(|(n, b)| format!("{n} {b:?}")).collect::<Vec<_>>().join(", "),
        };
        let answers: Vec<String> = tested.iter().map(|t| describe(vocab, &t.scene_answers[i])).collect();
        text.push_str(&format!("{} | {truth} | {}\n", scenes.questions[i], answers.join(" | ")));
    }
    run.write_text("answers.txt", &text)
}

/// Accuracy per question type of each model, and the training losses.
fn charts(run: &mut Run, tested: &[Tested]) -> Result<(), MilestoneError> {
    let mut bars = Vec::new();
    for t in tested {
        let s = &t.scores;
        for (what, value) in [
            ("easy-VQA", s.easy_vqa),
            ("where IoU≥0.5", s.where_iou50),
            ("left of", s.left_of),
            ("count", s.count),
            ("list", s.list_recall),
        ] {
            if let Some(v) = value {
                bars.push((format!("{what}: {}", t.inputs.name()), v));
            }
        }
    }
    let chart = BarChart {
        title: "Accuracy per question type: the model and its blind baselines".into(),
        x_label: "question type: inputs".into(),
        y_label: "accuracy".into(),
        bars,
        log_y: false,
    };
    run.bar_chart("accuracy_per_type.svg", &chart)?;
    let curves = LineChart {
        title: "Training loss (answer tokens)".into(),
        x_label: "step".into(),
        y_label: "cross-entropy".into(),
        series: tested.iter().map(|t| Series::indexed_f32(t.inputs.name(), &t.losses)).collect(),
        log_y: false,
    };
    run.line_chart("loss.svg", &curves)
}

/// An answer as text: its box, or its words.
fn describe(vocab: &AnswerVocab, ids: &[usize]) -> String {
    let decoded = vocab.decode(ids);
    match decoded.bbox {
        Some(b) => format!("box {b:?}"),
        None => decoded.text,
    }
}
