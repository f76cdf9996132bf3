//! The milestone's measurements, verdict and pictures: accuracy curves of the two
//! fine-tunings, language-model loss curves, and PCA views of test sentence embeddings
//! coloured by sentiment.

use super::data::{eval_batches, pad_batch};
use super::elmo::ElmoOutcome;
use super::finetune::{Encoded, FinetuneOutcome};
use super::minilm::{Minilm, MinilmOutcome};
use super::pretrain::MlmOutcome;
use super::PASS_GAP;
use crate::common::pca::pca_2d;
use crate::{MilestoneError, Run};
use descent_models::bert::{mean_pool, Bert};
use descent_report::{fact_keys, scatter_chart_svg, LineChart, ScatterChart, ScatterPoint, Series};
use descent_tensor::no_grad;

/// Published SST-2 accuracies of real pre-trained models, for scale.
const ANCHORS: &str = "published: BERT-Tiny 83.2%, BERT-Mini 85.9% (GLUE test, fine-tuned), all-MiniLM-L6-v2 about 91% (dev)";

/// Everything measured.
pub struct Outcome {
    /// Part 1.
    pub elmo: ElmoOutcome,
    /// Part 2, pre-training.
    pub mlm: MlmOutcome,
    /// Part 2, fine-tuned from the pre-trained encoder.
    pub tuned: FinetuneOutcome,
    /// Part 2, fine-tuned from random initialisation.
    pub scratch: FinetuneOutcome,
    /// Part 3.
    pub real: Minilm,
    /// Mean-pooled test embeddings of the pre-trained (not fine-tuned) encoder.
    pub pretrained_embeddings: Vec<f32>,
    /// Parameters of the BERT classifier.
    pub params: usize,
    /// WordPiece vocabulary size.
    pub vocab: usize,
    /// Tokens of unlabelled pre-training text.
    pub corpus_tokens: usize,
    /// Sequences processed by every training (pre-training steps × batch, fine-tuning
    /// epochs × examples, both starting points).
    pub examples_seen: usize,
    /// Bytes of training text (unlabelled and labelled).
    pub data_bytes: usize,
}

/// Mean of each sentence's final states under `bert` (n, width), in input order.
pub fn mean_pooled(bert: &Bert, data: &Encoded, pad: usize) -> Vec<f32> {
    let width = bert.config.hidden_size;
    let lengths: Vec<usize> = data.ids.iter().map(Vec::len).collect();
    let mut out = vec![0.0f32; data.ids.len() * width];
    no_grad(|| {
        for batch in eval_batches(&lengths, 128) {
            let rows: Vec<&[usize]> = batch.iter().map(|&i| &data.ids[i][..]).collect();
            let padded = pad_batch(&rows, pad);
            let pooled = mean_pool(&bert.hidden(&padded.ids, &padded.lengths), &padded.lengths).to_vec();
            for (k, &i) in batch.iter().enumerate() {
                out[i * width..(i + 1) * width].copy_from_slice(&pooled[k * width..(k + 1) * width]);
            }
        }
    });
    out
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// Measures, notes, verdict and artifacts.
pub fn record(run: &mut Run, o: &Outcome, test: &Encoded) -> Result<(), MilestoneError> {
    let bert_gap = o.tuned.best.test - o.scratch.best.test;
    let elmo_gap = o.elmo.contextual_probe.test_accuracy - o.elmo.static_probe.test_accuracy;
    let (bert_pass, elmo_pass) = (bert_gap >= PASS_GAP, elmo_gap >= PASS_GAP);
    run.measure("bert_pretraining_gain", bert_gap);
    run.measure("bert_pretrained_test_accuracy", o.tuned.best.test);
    run.measure("bert_scratch_test_accuracy", o.scratch.best.test);
    run.measure("bert_pass", bert_pass);
    run.measure("elmo_contextual_gain", elmo_gap);
    run.measure("elmo_contextual_test_accuracy", o.elmo.contextual_probe.test_accuracy);
    run.measure("elmo_static_test_accuracy", o.elmo.static_probe.test_accuracy);
    run.measure("elmo_pass", elmo_pass);
    run.measure("mlm_held_out_loss", o.mlm.held_out_loss as f64);
    run.measure("mlm_unigram_entropy", o.mlm.unigram_entropy as f64);
    run.measure("bilm_held_out_loss", o.elmo.held_out_loss as f64);
    run.measure("wordpiece_vocab", o.vocab as u64);
    run.measure("pretraining_tokens", o.corpus_tokens as u64);
    run.measure(fact_keys::PARAMS, o.params as u64);
    run.measure(fact_keys::EXAMPLES_SEEN, o.examples_seen as u64);
    run.measure(fact_keys::DATA_BYTES, o.data_bytes as u64);
    run.measure("bert_pretrained_lr", o.tuned.lr as f64);
    run.measure("bert_scratch_lr", o.scratch.lr as f64);
    run.note(&format!(
        "BERT: pre-trained then fine-tuned {} (peak lr {}) vs the same network fine-tuned from random init {} (peak lr {}) on SST-2 test (at the evaluation of best dev accuracy; same examples, batches, schedule and seed; each at the rate of its best dev accuracy): gap {:+.1} points, {} (needs ≥ {:.0}).",
        pct(o.tuned.best.test),
        o.tuned.lr,
        pct(o.scratch.best.test),
        o.scratch.lr,
        100.0 * bert_gap,
        if bert_pass { "PASS" } else { "FAIL" },
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
        100.0 * elmo_gap,
        if elmo_pass { "PASS" } else { "FAIL" },
        o.elmo.held_out_loss
    ));
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
    run.judge(bert_pass && elmo_pass);
    artifacts(run, o, test)
}

fn artifacts(run: &mut Run, o: &Outcome, test: &Encoded) -> Result<(), MilestoneError> {
    let curve = |name: &str, f: &FinetuneOutcome, dev: bool| {
        Series::new(name, f.curve.iter().map(|p| (p.epoch, if dev { p.dev } else { p.test })).collect())
    };
    let mut series = vec![
        curve("pre-trained, test", &o.tuned, false),
        curve("pre-trained, dev", &o.tuned, true),
        curve("random init, test", &o.scratch, false),
        curve("random init, dev", &o.scratch, true),
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
