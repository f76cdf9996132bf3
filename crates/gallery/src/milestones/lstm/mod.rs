//! 1997 — Hochreiter & Schmidhuber, "Long Short-Term Memory" (Neural Computation 9(8));
//! the forget gate is Gers, Schmidhuber & Cummins 2000.
//!
//! Introduced: a recurrent unit whose memory is a cell updated additively,
//! `C_t = f_t·C_{t−1} + i_t·C̃_t`, read out as `h_t = o_t·tanh(C_t)`. The error flowing
//! back along C is multiplied by the forget gate rather than by a weight matrix and a
//! squashing derivative at every step, so it does not vanish over long time lags the
//! way it does in a tanh RNN (Hochreiter 1991; Bengio, Simard & Frasconi 1994).
//! We test: the adding problem (their experiment 4, `adding.rs`): with the same hidden
//! size, optimizer and number of steps, the LSTM reaches test MSE < 0.01 at T = 100
//! while a tanh RNN stays near the variance baseline 2/12 ≈ 0.167 (full run; it also
//! reports T = 200; the quick run uses T = 40). We plot ‖∂loss/∂h_t‖ against t for
//! both on the same input: the vanishing gradient made visible. And we train a
//! character-level LSTM on tiny Shakespeare with truncated BPTT (`charlm.rs`), report
//! its validation bits per character (it must beat a unigram model by 0.5 bits), save
//! it, and sample from it.
//! Run: `descent run lstm [--full]`, then
//! `descent generate --model runs/lstm/charlm.safetensors --prompt "ROMEO:" --tokens 200 --temperature 0.8`.

pub mod adding;
pub mod charlm;

use crate::{MilestoneError, Run, Training};
use adding::{adding_batch, hidden_gradient_norms, train_adding, AddingModel, AddingOutcome, AddingSettings, VARIANCE_BASELINE};
use charlm::{train, TrainSettings, Validation};
use descent_models::char_lstm::{sample, CharLstm, CharLstmConfig};
use descent_models::saved::Snapshot;
use descent_models::text_model::{TextModel, TextModelConfig};
use descent_nn::{param_count, CellKind};
use descent_report::{fact_keys, LineChart, Series};
use descent_tensor::Rng;
use descent_text::{CharTokenizer, Tokenizer};
use descent_text::{Sampler, SamplingConfig};

/// Test MSE the LSTM must get under at the judged length.
pub const LSTM_TARGET_MSE: f32 = 0.01;
/// Test MSE above which the RNN counts as "near the variance baseline" (0.167).
pub const RNN_BASELINE_MSE: f32 = 0.1;

/// Where the gradient-norm plot draws values that underflowed to 0.
const GRADIENT_FLOOR: f64 = 1e-40;

/// Adding-problem settings of a run: the judged length first.
pub fn adding_settings(full: bool, seed: u64) -> Vec<AddingSettings> {
    let at = |seq_len, hidden, batch_size, train_steps| AddingSettings {
        seq_len,
        hidden,
        batch_size,
        train_steps,
        lr: 3e-3,
        clip_norm: 1.0,
        test_size: if full { 5000 } else { 1000 },
        seed,
    };
    if full {
        vec![at(100, 128, 64, 3000), at(200, 128, 64, 4000)]
    } else {
        vec![at(40, 64, 64, 1000)]
    }
}

/// Character-model settings: (model, training, validation streams).
fn charlm_settings(full: bool, vocab_size: usize) -> (CharLstmConfig, TrainSettings) {
    if full {
        let model = CharLstmConfig {
            vocab_size,
            embed_dim: 64,
            hidden_size: 512,
            num_layers: 1,
        };
        (
            model,
            TrainSettings {
                batch_size: 32,
                seq_len: 100,
                steps: 2500,
                lr: 2e-3,
                clip_norm: 5.0,
            },
        )
    } else {
        let model = CharLstmConfig {
            vocab_size,
            embed_dim: 32,
            hidden_size: 128,
            num_layers: 1,
        };
        (
            model,
            TrainSettings {
                batch_size: 32,
                seq_len: 64,
                steps: 800,
                lr: 4e-3,
                clip_norm: 5.0,
            },
        )
    }
}

/// The RNN and the LSTM trained at the judged sequence length.
struct Comparison<'a> {
    settings: &'a AddingSettings,
    rnn: AddingModel,
    lstm: AddingModel,
    rnn_mse: f32,
    lstm_mse: f32,
}

/// Runs the milestone.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let settings = adding_settings(run.full(), run.seed());
    let mut judged: Option<Comparison> = None;
    let mut curves = Vec::new();
    for s in &settings {
        let phase = run.phase("adding", 2 * s.train_steps as u64);
        let (rnn, rnn_out) = train_adding(CellKind::Tanh, s, &phase);
        let (lstm, lstm_out) = train_adding(CellKind::Lstm, s, &phase);
        drop(phase);
        let t = s.seq_len;
        run.log(&format!(
            "adding problem T={t}: LSTM test MSE {:.4}, tanh RNN {:.4} (baseline {VARIANCE_BASELINE:.3})",
            lstm_out.test_mse, rnn_out.test_mse
        ));
        run.measure(&format!("lstm_test_mse_T{t}"), lstm_out.test_mse as f64);
        run.measure(&format!("rnn_test_mse_T{t}"), rnn_out.test_mse as f64);
        run.measure(&format!("train_seconds_T{t}"), rnn_out.seconds + lstm_out.seconds);
        curves.push(Series::new(&format!("LSTM T={t}"), curve_points(&lstm_out)));
        curves.push(Series::new(&format!("RNN T={t}"), curve_points(&rnn_out)));
        if judged.is_none() {
            judged = Some(Comparison {
                settings: s,
                rnn,
                lstm,
                rnn_mse: rnn_out.test_mse,
                lstm_mse: lstm_out.test_mse,
            });
        }
    }
    let Comparison {
        settings: s,
        rnn,
        lstm,
        rnn_mse,
        lstm_mse,
    } = judged.expect("at least one length");
    run.measure("judged_seq_len", s.seq_len as u64);
    run.measure("variance_baseline_mse", VARIANCE_BASELINE as f64);
    run.measure("hidden", s.hidden as u64);
    run.measure("train_steps", s.train_steps as u64);
    run.judge(lstm_mse < LSTM_TARGET_MSE && rnn_mse > RNN_BASELINE_MSE);
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
    run.line_chart("adding_curves.svg", &chart)?;
    gradient_plot(run, s, &rnn, &lstm)?;
    run.note("Adding problem as in Le, Jaitly & Hinton 2015 (values U(0,1), one marker in each half, target their sum); Hochreiter & Schmidhuber's experiment 4 used values in [−1, 1] and a scaled target.");
    run.note(&format!(
        "Both models: one layer of {} units, Adam lr {}, batch {}, {} steps, gradient clip {}; the LSTM's forget-gate bias starts at +1.",
        s.hidden, s.lr, s.batch_size, s.train_steps, s.clip_norm
    ));
    if !run.full() {
        run.note("Quick run: T = 40 and a smaller model; `--full` tests the claim at T = 100 and also runs T = 200.");
    }
    match char_language_model(run) {
        Ok(()) => {}
        Err(MilestoneError::MissingData { reason, fix }) => {
            run.note(&format!("Character model skipped: {reason} ({fix})."));
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

fn curve_points(outcome: &AddingOutcome) -> Vec<(f64, f64)> {
    outcome
        .curve
        .iter()
        .map(|&(step, mse)| (step as f64, (mse as f64).max(1e-5)))
        .collect()
}

/// ‖∂loss/∂h_t‖ against t for the trained and the untrained models, on one batch.
fn gradient_plot(run: &mut Run, s: &AddingSettings, rnn: &AddingModel, lstm: &AddingModel) -> Result<(), MilestoneError> {
    let (x, y) = adding_batch(64, s.seq_len, &mut Rng::new(run.seed() ^ 0x6AD));
    let mut rng = Rng::new(run.seed());
    let fresh_rnn = AddingModel::new(CellKind::Tanh, s.hidden, &mut rng);
    let fresh_lstm = AddingModel::new(CellKind::Lstm, s.hidden, &mut rng);
    let mut series = Vec::new();
    for (name, model) in [
        ("tanh RNN, trained", rnn),
        ("LSTM, trained", lstm),
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

/// Trains the character model on tiny Shakespeare; measures bits per character; saves
/// the model and a sample.
fn char_language_model(run: &mut Run) -> Result<(), MilestoneError> {
    // Quick: the excerpt compiled into the binary (the tour runs offline); full: the whole text.
    let (text, source) = if run.full() {
        let path = descent_data::TINY_SHAKESPEARE.find(&run.data())?;
        let text = descent_data::read_text_file(&path, descent_data::MAX_TEXT_BYTES)?;
        (text, path.display().to_string())
    } else {
        (
            descent_data::tiny_shakespeare_head(),
            "its first 300,000 characters, embedded".to_string(),
        )
    };
    let chars = CharTokenizer::from_texts([text.as_str()]);
    let tokenizer = Tokenizer::Char(chars);
    let ids = tokenizer.encode(&text).expect("the vocabulary is built from this text");
    let split = ids.len() * 9 / 10;
    let (train_ids, val_ids) = (&ids[..split], &ids[split..]);
    let (config, settings) = charlm_settings(run.full(), tokenizer.vocab_size());
    let model = CharLstm::new(config, &mut Rng::new(run.seed()));
    let phase = run.phase("char-lstm", settings.steps as u64);
    let start = std::time::Instant::now();
    let validation = Validation {
        ids: val_ids,
        every: settings.steps / 8,
    };
    let log = train(&model, train_ids, &settings, &phase, Some(&validation));
    drop(phase);
    let seconds = start.elapsed().as_secs_f64();
    let val_bpc = log.val_bpc.last().expect("scored after the last step").1;
    let unigram = unigram_bits(train_ids, val_ids, tokenizer.vocab_size());
    run.log(&format!(
        "char LSTM: validation {val_bpc:.3} bits/char (unigram model {unigram:.3}) after {} steps",
        settings.steps
    ));
    run.measure("charlm_val_bpc", val_bpc);
    run.measure("charlm_best_val_bpc", log.val_bpc.iter().map(|v| v.1).fold(f64::INFINITY, f64::min));
    run.measure("charlm_unigram_bpc", unigram);
    run.measure("charlm_steps", settings.steps as u64);
    run.measure("charlm_hidden", config.hidden_size as u64);
    run.measure("charlm_params", param_count(&model) as u64);
    run.measure("charlm_train_seconds", seconds);
    run.measure(fact_keys::PARAMS, param_count(&model) as u64);
    run.measure(fact_keys::EXAMPLES_SEEN, (settings.steps * settings.batch_size) as u64);
    run.measure(fact_keys::DATA_BYTES, text.len() as u64);
    let passed = run.passed() && val_bpc < unigram - 0.5;
    run.judge(passed);
    let saved_config = TextModelConfig {
        net: config,
        tokenizer: tokenizer.clone(),
        bos: String::new(),
        stop: String::new(),
        prompt_format: None,
    };
    let snapshot = Snapshot::parts::<TextModel<CharLstm>>(&saved_config, &model);
    run.save("charlm.safetensors", snapshot, Training::finished(0))?;
    let mut sampler = Sampler::new(SamplingConfig {
        temperature: 0.8,
        top_k: None,
        top_p: None,
        seed: run.seed(),
    });
    let prompt = tokenizer.encode("ROMEO:").expect("tiny Shakespeare has these letters");
    let written = format!("ROMEO:{}", tokenizer.decode(&sample(&model, &prompt, 500, &mut sampler)));
    run.write_text("sample.txt", &format!("{written}\n"))?;
    run.log(&format!("sample (temperature 0.8):\n{written}\n"));
    let smooth: Vec<(f64, f64)> = log
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
    let chart = LineChart {
        title: "Character LSTM on tiny Shakespeare".into(),
        x_label: "training step".into(),
        y_label: "bits per character".into(),
        series: vec![
            Series::new("training (mean of 20 steps)", smooth),
            Series::new("validation", log.val_bpc.iter().map(|&(s, b)| (s as f64, b)).collect()),
            Series::new("unigram model", vec![(0.0, unigram), (settings.steps as f64, unigram)]),
        ],
        log_y: false,
    };
    run.line_chart("charlm_loss.svg", &chart)?;
    run.note(&format!(
        "Character LSTM on tiny Shakespeare ({source}): {} layer(s) of {} units, embedding {}, truncated BPTT over {}-character chunks of {} streams, Adam lr {} (cosine decay); validation = last 10% of the text.",
        config.num_layers, config.hidden_size, config.embed_dim, settings.seq_len, settings.batch_size, settings.lr
    ));
    Ok(())
}

/// Bits per character of the best context-free model (training-set character
/// frequencies, add-one smoothed) on the validation text: the bar a sequence model must clear.
fn unigram_bits(train_ids: &[usize], val_ids: &[usize], vocab: usize) -> f64 {
    let mut counts = vec![1.0f64; vocab];
    train_ids.iter().for_each(|&i| counts[i] += 1.0);
    let total: f64 = counts.iter().sum();
    val_ids.iter().map(|&i| -(counts[i] / total).log2()).sum::<f64>() / val_ids.len() as f64
}
