//! Scoring the VQA milestone's models: greedy answers to the fixed test sets, exact match
//! for words; for boxes, IoU ≥ 0.5 and the coordinate error in pixels; for lists, the
//! share of objects named with a box of IoU ≥ 0.5.

use super::data::{ExampleSet, Kind, Truth, Vocabularies};
use super::scenes::{iou, QuestionKind, CANVAS};
use super::train::{images_tensor, question_ids};
use crate::Run;
use descent_models::vqa::{AnswerVocab, Vqa, VqaInputs};
use descent_nn::param_count;
use descent_text::Tokenizer;

/// One trained model, its training losses and its scores.
pub(crate) struct Tested {
    /// Which inputs it saw.
    pub(crate) inputs: VqaInputs,
    /// The model.
    pub(crate) model: Vqa,
    /// Loss per step.
    pub(crate) losses: Vec<f32>,
    /// Scores on both test sets.
    pub(crate) scores: Scores,
    /// Its greedy answers to the scene test set (ids).
    pub(crate) scene_answers: Vec<Vec<usize>>,
}

/// Scores `model` on the easy-VQA and the scene test sets; logs the scores.
pub(crate) fn test(run: &Run, model: Vqa, losses: Vec<f32>, easy: &ExampleSet, scenes: &ExampleSet, vocabs: &Vocabularies) -> Tested {
    let mut scores = Scores::default();
    let easy_answers = answer_all(&model, easy, &vocabs.questions);
    score(easy, &easy_answers, &vocabs.answers, &mut scores);
    let scene_answers = answer_all(&model, scenes, &vocabs.questions);
    score(scenes, &scene_answers, &vocabs.answers, &mut scores);
    let inputs = model.config.inputs;
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
    Tested {
        inputs,
        model,
        losses,
        scores,
        scene_answers,
    }
}

/// The share of "where" boxes with IoU ≥ 0.5: the image+question model's (the first)
/// and the better of its blind baselines'.
pub(crate) fn where_shares(tested: &[Tested]) -> (f64, f64) {
    let share = |t: &Tested| t.scores.where_iou50.unwrap_or(0.0);
    (share(&tested[0]), share(&tested[1]).max(share(&tested[2])))
}

/// Greedy answers (ids) to every example of a set, 128 at a time.
fn answer_all(model: &Vqa, set: &ExampleSet, tokenizer: &Tokenizer) -> Vec<Vec<usize>> {
    let mut out = Vec::with_capacity(set.len());
    for start in (0..set.len()).step_by(128) {
        let indices: Vec<usize> = (start..(start + 128).min(set.len())).collect();
        let questions: Vec<Vec<usize>> = indices.iter().map(|&i| question_ids(tokenizer, &set.questions[i])).collect();
        let (images, image_of) = images_tensor(set, &indices);
        out.extend(model.answer(&images, &image_of, &questions));
    }
    out
}

/// Scores of one model on one set.
#[derive(Clone, Debug, Default)]
pub(crate) struct Scores {
    /// Exact-match accuracy on easy-VQA questions.
    pub(crate) easy_vqa: Option<f64>,
    /// Share of "where" answers with IoU ≥ 0.5.
    pub(crate) where_iou50: Option<f64>,
    /// Mean absolute coordinate error of "where" answers, pixels (a malformed answer
    /// counts as the whole canvas).
    pub(crate) where_error_px: Option<f64>,
    /// Mean distance between predicted and true box centres, pixels.
    pub(crate) where_centre_error_px: Option<f64>,
    /// Share of "where" answers that are not four coordinates.
    pub(crate) where_malformed: Option<f64>,
    /// Exact-match accuracy on "what is left of".
    pub(crate) left_of: Option<f64>,
    /// Exact-match accuracy on "how many".
    pub(crate) count: Option<f64>,
    /// "What is in the picture": share of objects named, in an entry whose box has
    /// IoU ≥ 0.5 with theirs.
    pub(crate) list_recall: Option<f64>,
}

/// The share of `truth`'s objects found in a predicted list (entries of a name token
/// and four coordinates; one predicted entry matches one object at most).
fn list_recall(vocab: &AnswerVocab, predicted: &[usize], truth: &[(String, [f32; 4])]) -> f64 {
    let mut entries: Vec<(String, [f32; 4])> = predicted
        .chunks_exact(5)
        .filter_map(|c| Some((vocab.decode(&c[..1]).text, vocab.decode(&c[1..]).bbox?)))
        .collect();
    let mut found = 0;
    for (name, b) in truth {
        if let Some(k) = entries.iter().position(|(n, p)| n == name && iou(p, b) >= 0.5) {
            entries.remove(k);
            found += 1;
        }
    }
    found as f64 / truth.len().max(1) as f64
}

/// Scores answers `predicted` (ids) against a set's truths.
fn score(set: &ExampleSet, predicted: &[Vec<usize>], vocab: &AnswerVocab, scores: &mut Scores) {
    let mut tallies: std::collections::HashMap<Kind, (f64, usize)> = Default::default();
    let (mut error, mut centre, mut malformed) = (0.0f64, 0.0f64, 0usize);
    let canvas = [0.0, 0.0, CANVAS as f32, CANVAS as f32];
    for (i, ids) in predicted.iter().enumerate() {
        let decoded = vocab.decode(ids);
        let hit = match &set.truths[i] {
            Truth::Word(w) => f64::from(decoded.text == *w),
            Truth::Box(truth) => {
                let b = decoded.bbox.unwrap_or(canvas);
                malformed += usize::from(decoded.bbox.is_none());
                error += (0..4).map(|k| (b[k] - truth[k]).abs() as f64).sum::<f64>() / 4.0;
                let (cx, cy) = (
                    (b[0] + b[2]) / 2.0 - (truth[0] + truth[2]) / 2.0,
                    (b[1] + b[3]) / 2.0 - (truth[1] + truth[3]) / 2.0,
                );
                centre += ((cx * cx + cy * cy) as f64).sqrt();
                f64::from(iou(&b, truth) >= 0.5)
            }
            Truth::List(objects) => list_recall(vocab, ids, objects),
        };
        let tally = tallies.entry(set.kinds[i]).or_default();
        tally.0 += hit;
        tally.1 += 1;
    }
    let rate = |kind: Kind| tallies.get(&kind).map(|t| t.0 / t.1 as f64);
    if let Some(v) = rate(Kind::EasyVqa) {
        scores.easy_vqa = Some(v);
    }
    if let Some(&(_, n)) = tallies.get(&Kind::Scene(QuestionKind::Where)) {
        scores.where_iou50 = rate(Kind::Scene(QuestionKind::Where));
        scores.where_error_px = Some(error / n as f64);
        scores.where_centre_error_px = Some(centre / n as f64);
        scores.where_malformed = Some(malformed as f64 / n as f64);
    }
    if let Some(v) = rate(Kind::Scene(QuestionKind::LeftOf)) {
        scores.left_of = Some(v);
    }
    if let Some(v) = rate(Kind::Scene(QuestionKind::Count)) {
        scores.count = Some(v);
    }
    if let Some(v) = rate(Kind::Scene(QuestionKind::List)) {
        scores.list_recall = Some(v);
    }
}
