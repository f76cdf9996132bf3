//! What the `bert` run reports: the gaps the verdict rests on and every accuracy and
//! loss beside them, notes with the published anchors, and the pictures — accuracy
//! curves of the two fine-tunings, language-model loss curves, and PCA views of test
//! sentence embeddings coloured by sentiment.

use super::data::Encoded;
use super::elmo::ElmoOutcome;
use super::minilm::{Minilm, MinilmOutcome};
use super::mlm::MlmOutcome;
use super::train::{FineTuned, FinetuneOutcome};
use super::PASS_GAP;
use crate::common::pca::pca_2d;
use crate::{MilestoneError, Run};
use descent_report::{fact_keys, scatter_chart_svg, LineChart, ScatterChart, ScatterPoint, Series};

/// Published SST-2 accuracies of real pre-trained models, for scale.
const ANCHORS: &str = "published: BERT-Tiny 83.2%, BERT-Mini 85.9% (GLUE test, fine-tuned), all-MiniLM-L6-v2 about 91% (dev)";

/// Everything measured.
pub(crate) struct Outcome {
    /// Part 1.
    pub(crate) elmo: ElmoOutcome,
    /// Part 2, pre-training.
    pub(crate) mlm: MlmOutcome,
    /// Part 2, fine-tuned from the pre-trained encoder and from random initialisation.
    pub(crate) bert: FineTuned,
    /// Part 3.
    pub(crate) real: Minilm,
    /// Mean-pooled test embeddings of the pre-trained (not fine-tuned) encoder.
    pub(crate) pretrained_embeddings: Vec<f32>,
    /// WordPiece vocabulary size.
    pub(crate) vocab: usize,
    /// Tokens of unlabelled pre-training text.
    pub(crate) corpus_tokens: usize,
    /// Sequences processed by every training (pre-training steps × batch, fine-tuning
    /// epochs × examples, both starting points).
    pub(crate) examples_seen: usize,
    /// Bytes of training text (unlabelled and labelled).
    pub(crate) data_bytes: usize,
}

impl Outcome {
    /// Test accuracy of the pre-trained BERT minus the one from random initialisation.
    fn bert_gap(&self) -> f64 {
        self.bert.tuned.best.test - self.bert.scratch.best.test
    }

    /// Test accuracy of ELMo's contextual features minus its static ones.
    fn elmo_gap(&self) -> f64 {
        self.elmo.contextual_probe.test_accuracy - self.elmo.static_probe.test_accuracy
    }

    /// The verdict: both gaps at least [`PASS_GAP`].
    pub(crate) fn passed(&self) -> bool {
        self.bert_gap() >= PASS_GAP && self.elmo_gap() >= PASS_GAP
    }
}

/// `0.735` → `73.5%`.
fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The gaps (the verdict's headline keys first), every accuracy and loss beside them,
/// and the sizes.
pub(crate) fn measurements(run: &mut Run, o: &Outcome) {
    let (tuned, scratch) = (&o.bert.tuned, &o.bert.scratch);
    run.measure("bert_pretraining_gain", o.bert_gap());
    run.measure("bert_pretrained_test_accuracy", tuned.best.test);
    run.measure("bert_scratch_test_accuracy", scratch.best.test);
    run.measure("bert_pass", o.bert_gap() >= PASS_GAP);
    run.measure("elmo_contextual_gain", o.elmo_gap());
    run.measure("elmo_contextual_test_accuracy", o.elmo.contextual_probe.test_accuracy);
    run.measure("elmo_static_test_accuracy", o.elmo.static_probe.test_accuracy);
    run.measure("elmo_pass", o.elmo_gap() >= PASS_GAP);
    run.measure("mlm_held_out_loss", o.mlm.held_out_loss as f64);
    run.measure("mlm_unigram_entropy", o.mlm.unigram_entropy as f64);
    run.measure("bilm_held_out_loss", o.elmo.held_out_loss as f64);
    run.measure("wordpiece_vocab", o.vocab as u64);
    run.measure("pretraining_tokens", o.corpus_tokens as u64);
    run.measure(fact_keys::PARAMS, o.bert.params as u64);
    run.measure(fact_keys::EXAMPLES_SEEN, o.examples_seen as u64);
    run.measure(fact_keys::DATA_BYTES, o.data_bytes as u64);
    run.measure("bert_pretrained_lr", tuned.lr as f64);
    run.measure("bert_scratch_lr", scratch.lr as f64);
}

/// The notes on BERT, its pre-training and ELMo, each with its verdict.
pub(crate) fn notes(run: &mut Run, o: &Outcome) {
    let (tuned, scratch) = (&o.bert.tuned, &o.bert.scratch);
    let verdict = |gap: f64| if gap >= PASS_GAP { "PASS" } else { "FAIL" };
    run.note(&format!(
        "BERT: pre-trained then fine-tuned {} (peak lr {}) vs the same network fine-tuned from random init {} (peak lr {}) on SST-2 test (at the evaluation of best dev accuracy; same examples, batches, schedule and seed; each at the rate of its best dev accuracy): gap {:+.1} points, {} (needs ≥ {:.0}).",
        pct(tuned.best.test),
        tuned.lr,
        pct(scratch.best.test),
        scratch.lr,
        100.0 * o.bert_gap(),
        verdict(o.bert_gap()),
        100.0 * PASS_GAP
    ));
    run.note(&format!(
        "MLM pre-training: held-out loss {:.3} nats per masked token vs the unigram entropy {:.3} (what token frequencies alone give); {} sequences seen.",
        o.mlm.held_out_loss, o.mlm.unigram_entropy, o.mlm.sequences_seen
    ));
    run.note(&format!(
        "ELMo: logistic regression on the biLM's frozen contextual states {} vs on its static token embeddings {}: gap {:+.1} points, {}; biLM held-out loss {:.3} nats.",
        pct(o.elmo.contextual_probe.test_accuracy),
        pct(o.elmo.static_probe.test_accuracy),
        100.0 * o.elmo_gap(),
        verdict(o.elmo_gap()),
        o.elmo.held_out_loss
    ));
}

/// The real model's measurements and notes (or why it was left out), then the
/// published anchors.
pub(crate) fn real_model(run: &mut Run, o: &Outcome) {
    match &o.real {
        Minilm::Measured(m) => {
            run.measure("minilm_probe_test_accuracy", m.probe.test_accuracy);
            run.measure("minilm_neighbour_agreement", m.neighbour_agreement);
            run.note(&format!(
                "Real model: frozen all-MiniLM-L6-v2 embeddings + logistic regression {} on SST-2 test ({} sentences embedded; {}); a test sentence's nearest other test sentence shares its label {} of the time (neighbours.md shows `descent search` results).",
                pct(m.probe.test_accuracy),
                m.sentences,
                m.identity,
                pct(m.neighbour_agreement)
            ));
            fine_tuned_minilm(run, m);
        }
        Minilm::Absent { reason, fix } => {
            run.note(&format!(
                "Real model: left out, the MiniLM folder is not on this machine ({reason}); get it with `{fix}`."
            ));
        }
    }
    run.note(&format!(
        "For scale, {ANCHORS}: models pre-trained on billions of words, ours on {} tokens.",
        o.corpus_tokens
    ));
    run.log(&format!("anchors: {ANCHORS}"));
}

/// MiniLM fine-tuned end to end (full run), or why not.
fn fine_tuned_minilm(run: &mut Run, m: &MinilmOutcome) {
    match &m.tuned {
        Some(t) => {
            run.measure("minilm_finetuned_test_accuracy", t.best.test);
            run.note(&format!(
                "MiniLM fine-tuned end to end (peak lr {}, {} epoch(s)): {} on SST-2 test at the evaluation of best dev accuracy, against {} frozen.",
                t.lr,
                t.epoch_losses.len(),
                pct(t.best.test),
                pct(m.probe.test_accuracy)
            ));
        }
        None => run.note("MiniLM end-to-end fine-tuning: left out of the quick run (`--full` does it)."),
    }
}

/// Accuracy curves of the fine-tunings, the language models' loss curves, and PCA
/// pictures of test sentence embeddings.
pub(crate) fn artifacts(run: &mut Run, o: &Outcome, test: &Encoded) -> Result<(), MilestoneError> {
    let curve = |name: &str, f: &FinetuneOutcome, dev: bool| {
        Series::new(name, f.curve.iter().map(|p| (p.epoch, if dev { p.dev } else { p.test })).collect())
    };
    let mut series = vec![
        curve("pre-trained, test", &o.bert.tuned, false),
        curve("pre-trained, dev", &o.bert.tuned, true),
        curve("random init, test", &o.bert.scratch, false),
        curve("random init, dev", &o.bert.scratch, true),
    ];
    if let Minilm::Measured(MinilmOutcome { tuned: Some(t), .. }) = &o.real {
        series.push(curve("MiniLM fine-tuned, test", t, false));
    }
    let chart = LineChart {
        title: "SST-2 accuracy while fine-tuning (small BERT both ways, at its best rate)".into(),
        x_label: "epoch".into(),
        y_label: "accuracy".into(),
        series,
        log_y: false,
    };
    run.line_chart("accuracy.svg", &chart)?;
    let steps = |losses: &[f32]| losses.iter().enumerate().map(|(i, l)| ((i + 1) as f64, *l as f64)).collect();
    let mut mlm = vec![Series::new("MLM training loss", steps(&o.mlm.losses))];
    let last = o.mlm.losses.len().max(1) as f64;
    mlm.push(Series::new("MLM held-out", vec![(last, o.mlm.held_out_loss as f64)]));
    mlm.push(Series::new(
        "unigram entropy",
        vec![(1.0, o.mlm.unigram_entropy as f64), (last, o.mlm.unigram_entropy as f64)],
    ));
    mlm.push(Series::new("biLM training loss", steps(&o.elmo.losses)));
    let chart = LineChart {
        title: "Pre-training on unlabelled text (nats per predicted token)".into(),
        x_label: "step".into(),
        y_label: "cross-entropy".into(),
        series: mlm,
        log_y: false,
    };
    run.line_chart("pretraining_loss.svg", &chart)?;
    let width = o.pretrained_embeddings.len() / test.ids.len().max(1);
    scatter(
        run,
        "embedding_bert_pretrained.svg",
        "our MLM-pre-trained BERT (mean-pooled, not fine-tuned)",
        &o.pretrained_embeddings,
        width,
        &test.labels,
    )?;
    if let Minilm::Measured(m) = &o.real {
        run.artifact("neighbours.md");
        scatter(
            run,
            "embedding_minilm.svg",
            "all-MiniLM-L6-v2 (frozen)",
            &m.test_embeddings,
            m.width,
            &test.labels,
        )?;
    }
    Ok(())
}

/// A PCA scatter of `rows` (n, width) coloured by sentiment, as `name`.
fn scatter(run: &mut Run, name: &str, what: &str, rows: &[f32], width: usize, labels: &[usize]) -> Result<(), MilestoneError> {
    let points = pca_2d(rows, width)
        .into_iter()
        .zip(labels)
        .map(|((x, y), &group)| ScatterPoint {
            x,
            y,
            group: if group == 1 { 4 } else { 6 }, // green positive, red negative
            label: None,
        })
        .collect();
    let chart = ScatterChart {
        title: format!("SST-2 test sentences, {what}: PCA, green positive, red negative"),
        x_label: "PC 1".into(),
        y_label: "PC 2".into(),
        points,
    };
    scatter_chart_svg(&run.path(name)?, &chart)?;
    run.artifact(name);
    Ok(())
}
