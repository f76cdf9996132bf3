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
//! Differs from the paper: the adding problem in the form of Le, Jaitly & Hinton 2015
//! (values in U(0, 1), the target their sum) rather than experiment 4's values in
//! [−1, 1] and scaled target; the LSTM has the later forget gate (its bias starting at
//! +1); both models train by Adam with full backpropagation through time, where the
//! paper used online gradient descent with the gradient truncated at the cells' inputs.
//! The character model is not in the paper (Graves 2013; Karpathy 2015).
//! Files: the two experiments are one thing each, so each keeps its own file —
//! `adding.rs` (sequences, models, training, gradient norms) and `charlm.rs` (text,
//! model size, truncated-BPTT training, the unigram bar) — beside `report.rs`
//! (measurements, notes, charts, the saved model and its sample).
//! Run: `descent run lstm [--full]`, then
//! `descent generate --model runs/lstm/charlm.safetensors --prompt "ROMEO:" --tokens 200 --temperature 0.8`.

pub mod adding;
pub mod charlm;
mod report;

use crate::{MilestoneError, Run, RunSettings};
use adding::{AddingSettings, Comparison};
use charlm::{CharLmSettings, TrainSettings, Validation};
use descent_models::char_lstm::CharLstm;
use descent_tensor::Rng;
use descent_text::{CharTokenizer, Tokenizer};

/// Test MSE the LSTM must get under at the judged length.
const LSTM_TARGET_MSE: f32 = 0.01;
/// Test MSE above which the RNN counts as "near the variance baseline" (0.167).
const RNN_BASELINE_MSE: f32 = 0.1;
/// Bits per character by which the character model must beat the unigram model.
const CHARLM_MARGIN_BITS: f64 = 0.5;

/// The adding-problem lengths and the character model of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// One RNN-against-LSTM comparison per entry; the first is judged.
    pub adding: Vec<AddingSettings>,
    /// The character language model.
    pub charlm: CharLmSettings,
}

impl RunSettings for Settings {
    fn quick() -> Self {
        Settings {
            adding: vec![adding_at(40, 64, 1000, 1000)],
            charlm: CharLmSettings {
                whole_text: false,
                embed_dim: 32,
                hidden_size: 128,
                num_layers: 1,
                train: TrainSettings {
                    batch_size: 32,
                    seq_len: 64,
                    steps: 800,
                    lr: 4e-3,
                    clip_norm: 5.0,
                },
            },
        }
    }

    fn full() -> Self {
        Settings {
            adding: vec![adding_at(100, 128, 3000, 5000), adding_at(200, 128, 4000, 5000)],
            charlm: CharLmSettings {
                whole_text: true,
                embed_dim: 64,
                hidden_size: 512,
                num_layers: 1,
                train: TrainSettings {
                    batch_size: 32,
                    seq_len: 100,
                    steps: 2500,
                    lr: 2e-3,
                    clip_norm: 5.0,
                },
            },
        }
    }
}

/// One adding-problem length: batches of 64, Adam at 3e-3, gradients clipped at norm 1.
fn adding_at(seq_len: usize, hidden: usize, train_steps: usize, test_size: usize) -> AddingSettings {
    AddingSettings {
        seq_len,
        hidden,
        batch_size: 64,
        train_steps,
        lr: 3e-3,
        clip_norm: 1.0,
        test_size,
    }
}

/// Runs the milestone with the settings of the run's mode.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let settings = run.settings();
    run_with(run, settings)
}

/// The recipe: the adding problem at each length (RNN against LSTM) → verdict on the
/// first → curves and gradient norms; then the character model (skipped with a note
/// when its text is missing), which must also pass.
pub fn run_with(run: &mut Run, settings: Settings) -> Result<(), MilestoneError> {
    let mut comparisons = Vec::new();
    for s in &settings.adding {
        let phase = run.phase("adding", 2 * s.train_steps as u64);
        let comparison = adding::compare(s, run.seed(), &phase);
        drop(phase);
        report::adding_length(run, &comparison);
        comparisons.push(comparison);
    }
    let judged: &Comparison = comparisons.first().expect("at least one length");
    report::judged_length(run, &judged.settings);
    run.judge(judged.lstm_outcome.test_mse < LSTM_TARGET_MSE && judged.rnn_outcome.test_mse > RNN_BASELINE_MSE);
    report::adding_curves(run, &comparisons)?;
    report::gradient_norms(run, judged)?;
    report::adding_notes(run, &judged.settings);
    match char_language_model(run, &settings.charlm) {
        Ok(()) => Ok(()),
        Err(MilestoneError::MissingData { reason, fix }) => {
            run.note(&format!("Character model skipped: {reason} ({fix})."));
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// The character model's recipe: text → 90/10 split → truncated-BPTT training, scored on
/// the held-out tenth → bits per character against the unigram bar → verdict → saved
/// model, sample, chart.
fn char_language_model(run: &mut Run, settings: &CharLmSettings) -> Result<(), MilestoneError> {
    let (text, source) = charlm::load_text(run, settings.whole_text)?;
    let identity = format!("tiny Shakespeare {} characters", text.chars().count());
    run.uses_data(&identity, &format!("tiny Shakespeare, {source}"));
    let tokenizer = Tokenizer::Char(CharTokenizer::from_texts([text.as_str()]));
    let ids = tokenizer.encode(&text).expect("the vocabulary is built from this text");
    let split = ids.len() * 9 / 10;
    let (train_ids, val_ids) = (&ids[..split], &ids[split..]);
    let config = settings.model(tokenizer.vocab_size());
    let model = CharLstm::new(config, &mut Rng::new(run.seed()));
    let s = &settings.train;
    let phase = run.phase("char-lstm", s.steps as u64);
    let start = std::time::Instant::now();
    let validation = Validation {
        ids: val_ids,
        every: s.steps / 8,
    };
    let log = charlm::train(&model, train_ids, s, &phase, Some(&validation));
    drop(phase);
    let seconds = start.elapsed().as_secs_f64();
    let val_bpc = log.val_bpc.last().expect("scored after the last step").1;
    let unigram = charlm::unigram_bits(train_ids, val_ids, tokenizer.vocab_size());
    let outcome = report::CharLmOutcome {
        model: &model,
        settings,
        log: &log,
        val_bpc,
        unigram,
        seconds,
        text_bytes: text.len(),
    };
    report::charlm_measurements(run, &outcome);
    let passed = run.passed() && val_bpc < unigram - CHARLM_MARGIN_BITS;
    run.judge(passed);
    report::save_and_sample(run, &model, &tokenizer)?;
    report::charlm_chart(run, &outcome)?;
    report::charlm_note(run, settings, &source);
    Ok(())
}
