//! What an LSTM run reports: the adding problem's test errors, curves and gradient norms
//! against t; the character model's bits per character, the saved model, a sample and
//! its learning curve; and the notes that say how each was run.

use super::adding::{adding_batch, hidden_gradient_norms, AddingModel, AddingOutcome, AddingSettings, Comparison, VARIANCE_BASELINE};
use super::charlm::{CharLmSettings, TrainLog};
use crate::{MilestoneError, Run, Training};
use descent_models::char_lstm::{sample, CharLstm};
use descent_models::saved::Snapshot;
use descent_models::text_model::{TextModel, TextModelConfig};
use descent_nn::{param_count, CellKind};
use descent_report::{fact_keys, LineChart, Series};
use descent_tensor::Rng;
use descent_text::{Sampler, SamplingConfig, Tokenizer};

/// Where the gradient-norm plot draws values that underflowed to 0.
const GRADIENT_FLOOR: f64 = 1e-40;

/// The test MSE of both models at one length, and their training time.
pub(crate) fn adding_length(run: &mut Run, c: &Comparison) {
    let t = c.settings.seq_len;
    let (rnn, lstm) = (&c.rnn_outcome, &c.lstm_outcome);
    run.log(&format!(
        "adding problem T={t}: LSTM test MSE {:.4}, tanh RNN {:.4} (baseline {VARIANCE_BASELINE:.3})",
        lstm.test_mse, rnn.test_mse
    ));
    run.measure(&format!("lstm_test_mse_T{t}"), lstm.test_mse as f64);
    run.measure(&format!("rnn_test_mse_T{t}"), rnn.test_mse as f64);
    run.measure(&format!("train_seconds_T{t}"), rnn.seconds + lstm.seconds);
}

/// The judged length, the baseline, and the budget both models had there.
pub(crate) fn judged_length(run: &mut Run, s: &AddingSettings) {
    run.measure("judged_seq_len", s.seq_len as u64);
    run.measure("variance_baseline_mse", VARIANCE_BASELINE as f64);
    run.measure("hidden", s.hidden as u64);
    run.measure("train_steps", s.train_steps as u64);
}

/// Held-out MSE against training step, for both models at every length, beside the
/// variance baseline.
pub(crate) fn adding_curves(run: &mut Run, comparisons: &[Comparison]) -> Result<(), MilestoneError> {
    let mut curves = Vec::new();
    for c in comparisons {
        let t = c.settings.seq_len;
        curves.push(Series::new(&format!("LSTM T={t}"), curve_points(&c.lstm_outcome)));
        curves.push(Series::new(&format!("RNN T={t}"), curve_points(&c.rnn_outcome)));
    }
    let last = curves.iter().filter_map(|c| c.points.last()).fold(0.0f64, |m, p| m.max(p.0));
    curves.push(Series::new(
        "variance baseline",
        vec![(0.0, VARIANCE_BASELINE as f64), (last, VARIANCE_BASELINE as f64)],
    ));
    let chart = LineChart {
        title: "Adding problem: MSE on held-out sequences".into(),
        x_label: "training step".into(),
        y_label: "MSE (log)".into(),
        series: curves,
        log_y: true,
    };
    run.line_chart("adding_curves.svg", &chart)
}

/// A learning curve as chart points, floored at 1e-5 for the log scale.
fn curve_points(outcome: &AddingOutcome) -> Vec<(f64, f64)> {
    outcome
        .curve
        .iter()
        .map(|&(step, mse)| (step as f64, (mse as f64).max(1e-5)))
        .collect()
}

/// ‖∂loss/∂h_t‖ against t for the trained and the untrained models, on one batch: how
/// far back each model's loss still reaches, measured and drawn.
pub(crate) fn gradient_norms(run: &mut Run, c: &Comparison) -> Result<(), MilestoneError> {
    let s = &c.settings;
    let (x, y) = adding_batch(64, s.seq_len, &mut Rng::new(run.seed() ^ 0x6AD));
    let mut rng = Rng::new(run.seed());
    let fresh_rnn = AddingModel::new(CellKind::Tanh, s.hidden, &mut rng);
    let fresh_lstm = AddingModel::new(CellKind::Lstm, s.hidden, &mut rng);
    let mut series = Vec::new();
    for (name, model) in [
        ("tanh RNN, trained", &c.rnn),
        ("LSTM, trained", &c.lstm),
        ("tanh RNN, untrained", &fresh_rnn),
        ("LSTM, untrained", &fresh_lstm),
    ] {
        let norms = hidden_gradient_norms(model, &x, &y);
        let last = norms[norms.len() - 1];
        let key = name.replace(", ", "_").replace(' ', "_").replace("tanh_", "");
        run.measure(
            &format!("grad_ratio_first_to_last_{key}"),
            (norms[0] / last.max(f32::MIN_POSITIVE)) as f64,
        );
        // How far back the loss still reaches: steps before the norm drops below 1e-6 of its last value.
        let span = norms.iter().rev().take_while(|&&n| n >= 1e-6 * last).count();
        run.measure(&format!("grad_span_steps_{key}"), span as u64);
        let points = norms
            .iter()
            .enumerate()
            .map(|(t, &n)| (t as f64, (n as f64).max(GRADIENT_FLOOR)))
            .collect();
        series.push(Series::new(name, points));
    }
    let chart = LineChart {
        title: format!("Vanishing gradient: ‖∂loss/∂h_t‖, adding problem T={}", s.seq_len),
        x_label: "time step t (the loss is at the last step)".into(),
        y_label: "gradient norm (log)".into(),
        series,
        log_y: true,
    };
    run.line_chart("gradient_norms.svg", &chart)?;
    run.note(&format!(
        "gradient_norms.svg: ‖∂loss/∂h_t‖ on one batch of 64 sequences; points on the floor ({GRADIENT_FLOOR:e}) are exact zeros, gradients that underflowed float32 on the way back. grad_span_steps = steps before the norm falls below 1e-6 of its value at the last step."
    ));
    Ok(())
}

/// How the adding problem was posed and both models trained.
pub(crate) fn adding_notes(run: &mut Run, s: &AddingSettings) {
    run.note("Adding problem as in Le, Jaitly & Hinton 2015 (values U(0,1), one marker in each half, target their sum); Hochreiter & Schmidhuber's experiment 4 used values in [−1, 1] and a scaled target.");
    run.note(&format!(
        "Both models: one layer of {} units, Adam lr {}, batch {}, {} steps, gradient clip {}; the LSTM's forget-gate bias starts at +1.",
        s.hidden, s.lr, s.batch_size, s.train_steps, s.clip_norm
    ));
    if !run.full() {
        run.note("Quick run: T = 40 and a smaller model; `--full` tests the claim at T = 100 and also runs T = 200.");
    }
}

/// The trained character model and what its training measured.
pub(crate) struct CharLmOutcome<'a> {
    /// The model.
    pub(crate) model: &'a CharLstm,
    /// How it was made.
    pub(crate) settings: &'a CharLmSettings,
    /// Its training losses and validation scores.
    pub(crate) log: &'a TrainLog,
    /// Validation bits per character after the last step.
    pub(crate) val_bpc: f64,
    /// The unigram model's bits per character on the same text.
    pub(crate) unigram: f64,
    /// Wall-clock seconds of training.
    pub(crate) seconds: f64,
    /// Bytes of the whole text.
    pub(crate) text_bytes: usize,
}

/// Bits per character (final, best, unigram), the budget, and the tour's facts.
pub(crate) fn charlm_measurements(run: &mut Run, o: &CharLmOutcome) {
    let train = &o.settings.train;
    run.log(&format!(
        "char LSTM: validation {:.3} bits/char (unigram model {:.3}) after {} steps",
        o.val_bpc, o.unigram, train.steps
    ));
    run.measure("charlm_val_bpc", o.val_bpc);
    run.measure(
        "charlm_best_val_bpc",
        o.log.val_bpc.iter().map(|v| v.1).fold(f64::INFINITY, f64::min),
    );
    run.measure("charlm_unigram_bpc", o.unigram);
    run.measure("charlm_steps", train.steps as u64);
    run.measure("charlm_hidden", o.settings.hidden_size as u64);
    run.measure("charlm_params", param_count(o.model) as u64);
    run.measure("charlm_train_seconds", o.seconds);
    run.measure(fact_keys::PARAMS, param_count(o.model) as u64);
    run.measure(fact_keys::EXAMPLES_SEEN, (train.steps * train.batch_size) as u64);
    run.measure(fact_keys::DATA_BYTES, o.text_bytes as u64);
}

/// Saves the model for `descent generate` and writes 500 characters it samples after
/// "ROMEO:" at temperature 0.8.
pub(crate) fn save_and_sample(run: &mut Run, model: &CharLstm, tokenizer: &Tokenizer) -> Result<(), MilestoneError> {
    let saved_config = TextModelConfig {
        net: model.config,
        tokenizer: tokenizer.clone(),
        bos: String::new(),
        stop: String::new(),
        prompt_format: None,
    };
    let snapshot = Snapshot::parts::<TextModel<CharLstm>>(&saved_config, model);
    run.save("charlm.safetensors", snapshot, Training::finished(0))?;
    let mut sampler = Sampler::new(SamplingConfig {
        temperature: 0.8,
        top_k: None,
        top_p: None,
        seed: run.seed(),
    });
    let prompt = tokenizer.encode("ROMEO:").expect("tiny Shakespeare has these letters");
    let written = format!("ROMEO:{}", tokenizer.decode(&sample(model, &prompt, 500, &mut sampler)));
    run.write_text("sample.txt", &format!("{written}\n"))?;
    run.log(&format!("sample (temperature 0.8):\n{written}\n"));
    Ok(())
}

/// Training (mean of 20 steps) and validation bits per character beside the unigram bar.
pub(crate) fn charlm_chart(run: &mut Run, o: &CharLmOutcome) -> Result<(), MilestoneError> {
    let smooth: Vec<(f64, f64)> = o
        .log
        .losses
        .chunks(20)
        .enumerate()
        .map(|(i, c)| {
            (
                (i * 20 + c.len()) as f64,
                c.iter().sum::<f32>() as f64 / c.len() as f64 / std::f64::consts::LN_2,
            )
        })
        .collect();
    let steps = o.settings.train.steps as f64;
    let chart = LineChart {
        title: "Character LSTM on tiny Shakespeare".into(),
        x_label: "training step".into(),
        y_label: "bits per character".into(),
        series: vec![
            Series::new("training (mean of 20 steps)", smooth),
            Series::new("validation", o.log.val_bpc.iter().map(|&(s, b)| (s as f64, b)).collect()),
            Series::new("unigram model", vec![(0.0, o.unigram), (steps, o.unigram)]),
        ],
        log_y: false,
    };
    run.line_chart("charlm_loss.svg", &chart)
}

/// How the character model was made, and on which text.
pub(crate) fn charlm_note(run: &mut Run, s: &CharLmSettings, source: &str) {
    run.note(&format!(
        "Character LSTM on tiny Shakespeare ({source}): {} layer(s) of {} units, embedding {}, truncated BPTT over {}-character chunks of {} streams, Adam lr {} (cosine decay); validation = last 10% of the text.",
        s.num_layers, s.hidden_size, s.embed_dim, s.train.seq_len, s.train.batch_size, s.train.lr
    ));
}
