//! The adding problem (Hochreiter & Schmidhuber 1997, experiment 4), in the form of
//! Le, Jaitly & Hinton 2015 and later work: each step carries two numbers, a value
//! drawn from U(0, 1) and a marker, 1 at exactly two steps (one in each half of the
//! sequence) and 0 elsewhere. The target is the sum of the two marked values, read
//! from the last hidden state. Predicting the mean (1) whatever the input gives the
//! variance baseline, MSE = Var(U₁ + U₂) = 2/12 ≈ 0.167; getting below it means
//! carrying one number across ~T/2 steps of distractors, which is what the vanishing
//! gradient makes hard for a tanh RNN and what the LSTM's additive cell state makes easy.
//!
//! Here: the sequences, the model read out from the last hidden state, its training and
//! test MSE, a tanh RNN and an LSTM trained alike ([`Comparison`]), and ‖∂loss/∂h_t‖ for
//! every step t, the vanishing gradient made visible.

use crate::Phase;
use descent_nn::{join_name, loss::mse_loss, named_params, CellKind, Forward, Linear, Module, Recurrent};
use descent_optim::{clip_grad_norm, Adam, AdamConfig, Optimizer};
use descent_tensor::{no_grad, GradStore, Param, Rng, Tensor};

/// MSE of always predicting 1: the variance of the sum of two U(0, 1) values.
pub const VARIANCE_BASELINE: f32 = 1.0 / 6.0;

/// A batch of adding-problem sequences: inputs (B, T, 2) = (value, marker) per step,
/// targets (B, 1).
pub fn adding_batch(batch: usize, seq_len: usize, rng: &mut Rng) -> (Tensor, Tensor) {
    assert!(seq_len >= 2, "adding problem: sequences need at least 2 steps, got {seq_len}");
    let half = seq_len / 2;
    let mut x = vec![0.0f32; batch * seq_len * 2];
    let mut y = vec![0.0f32; batch];
    for b in 0..batch {
        for t in 0..seq_len {
            x[(b * seq_len + t) * 2] = rng.uniform();
        }
        let first = rng.below(half);
        let second = half + rng.below(seq_len - half);
        for t in [first, second] {
            x[(b * seq_len + t) * 2 + 1] = 1.0;
            y[b] += x[(b * seq_len + t) * 2];
        }
    }
    (Tensor::from_vec(x, &[batch, seq_len, 2]), Tensor::from_vec(y, &[batch, 1]))
}

/// A recurrent layer reading the sequence and a linear read-out of its last hidden state.
pub struct AddingModel {
    /// One layer, input 2 (value, marker).
    pub(crate) rnn: Recurrent,
    /// Hidden → the predicted sum.
    pub(crate) head: Linear,
}

impl AddingModel {
    /// A fresh model. The LSTM's forget gate starts biased open (+1, Gers et al. 2000;
    /// Jozefowicz et al. 2015), so the cell keeps its contents until it learns otherwise.
    pub fn new(kind: CellKind, hidden: usize, rng: &mut Rng) -> AddingModel {
        let rnn = Recurrent::new(kind, 2, hidden, 1, rng);
        if kind == CellKind::Lstm {
            rnn.layers[0]
                .bias_ih
                .update(|b| b[hidden..2 * hidden].iter_mut().for_each(|v| *v += 1.0));
        }
        AddingModel {
            rnn,
            head: Linear::new(hidden, 1, rng),
        }
    }

    /// Predicted sums (B, 1) through the fast path.
    pub(crate) fn predict(&self, x: &Tensor) -> Tensor {
        let (_, last) = self.rnn.forward_seq(x, None);
        self.head.forward(&last.h[0]) // (B, 1)
    }

    /// Predicted sums through the step-by-step graph, with every hidden state (B, H).
    pub(crate) fn predict_unrolled(&self, x: &Tensor) -> (Tensor, Vec<Tensor>) {
        let (hs, _) = self.rnn.forward_unrolled(x, None);
        let prediction = self.head.forward(hs.last().expect("at least one step")); // (B, 1)
        (prediction, hs)
    }
}

impl Forward for AddingModel {
    fn forward(&self, x: &Tensor) -> Tensor {
        self.predict(x)
    }
}

impl Module for AddingModel {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.rnn.visit(&join_name(prefix, "rnn"), f);
        self.head.visit(&join_name(prefix, "head"), f);
    }
}

/// How one model is trained on the adding problem (the same for the RNN and the LSTM).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AddingSettings {
    /// Sequence length T.
    pub seq_len: usize,
    /// Hidden units.
    pub hidden: usize,
    /// Sequences per step (fresh ones every step).
    pub batch_size: usize,
    /// Optimizer steps (the training budget).
    pub train_steps: usize,
    /// Adam learning rate.
    pub lr: f32,
    /// Global gradient-norm clip.
    pub clip_norm: f32,
    /// Held-out sequences for the final test MSE.
    pub test_size: usize,
}

/// What a training run measured.
#[derive(Clone, Debug)]
pub struct AddingOutcome {
    /// Test MSE after training.
    pub test_mse: f32,
    /// (step, MSE on a fixed evaluation batch) during training.
    pub(crate) curve: Vec<(usize, f32)>,
    /// Wall-clock seconds of training.
    pub(crate) seconds: f64,
}

/// MSE of `model` on `count` fresh sequences drawn from `seed`.
fn test_mse(model: &AddingModel, seq_len: usize, count: usize, seed: u64) -> f32 {
    let mut rng = Rng::new(seed);
    no_grad(|| {
        let mut total = 0.0f64;
        let mut done = 0;
        while done < count {
            let n = (count - done).min(500);
            let (x, y) = adding_batch(n, seq_len, &mut rng);
            total += mse_loss(&model.predict(&x), &y).item() as f64 * n as f64;
            done += n;
        }
        (total / count as f64) as f32
    })
}

/// Trains a fresh `kind` model, its weights and every batch drawn from `seed`; returns
/// it with its test MSE and learning curve.
pub fn train_adding(kind: CellKind, s: &AddingSettings, seed: u64, phase: &Phase) -> (AddingModel, AddingOutcome) {
    let start = std::time::Instant::now();
    let mut rng = Rng::new(seed);
    let model = AddingModel::new(kind, s.hidden, &mut rng);
    let params: Vec<Param> = named_params(&model).into_iter().map(|(_, p)| p).collect();
    let mut optimizer = Adam::new(AdamConfig {
        lr: s.lr,
        ..AdamConfig::default()
    });
    let (eval_x, eval_y) = adding_batch(500, s.seq_len, &mut Rng::new(seed ^ 0xE7A1));
    let eval = |m: &AddingModel| no_grad(|| mse_loss(&m.predict(&eval_x), &eval_y).item());
    let every = (s.train_steps / 50).max(1);
    let mut curve = vec![(0, eval(&model))];
    let mut data_rng = Rng::new(seed ^ 0xDA7A);
    for step in 1..=s.train_steps {
        let (x, y) = adding_batch(s.batch_size, s.seq_len, &mut data_rng);
        let loss = mse_loss(&model.predict(&x), &y);
        let mut grads = loss.backward();
        clip_grad_norm(&mut grads, &params, s.clip_norm);
        optimizer.step(&params, &grads);
        if step % every == 0 || step == s.train_steps {
            let mse = eval(&model);
            curve.push((step, mse));
            phase.status(&format!("{} T={} mse {mse:.4}", kind.name(), s.seq_len));
        }
        phase.advance(1);
    }
    let test = test_mse(&model, s.seq_len, s.test_size, seed ^ 0x7E57);
    (
        model,
        AddingOutcome {
            test_mse: test,
            curve,
            seconds: start.elapsed().as_secs_f64(),
        },
    )
}

/// A tanh RNN and an LSTM trained alike at one sequence length.
pub(crate) struct Comparison {
    /// How both were trained.
    pub(crate) settings: AddingSettings,
    /// The tanh RNN.
    pub(crate) rnn: AddingModel,
    /// Its test MSE, curve and time.
    pub(crate) rnn_outcome: AddingOutcome,
    /// The LSTM.
    pub(crate) lstm: AddingModel,
    /// Its test MSE, curve and time.
    pub(crate) lstm_outcome: AddingOutcome,
}

/// Trains the tanh RNN, then the LSTM, with the same settings and seed.
pub(crate) fn compare(settings: &AddingSettings, seed: u64, phase: &Phase) -> Comparison {
    let (rnn, rnn_outcome) = train_adding(CellKind::Tanh, settings, seed, phase);
    let (lstm, lstm_outcome) = train_adding(CellKind::Lstm, settings, seed, phase);
    Comparison {
        settings: *settings,
        rnn,
        rnn_outcome,
        lstm,
        lstm_outcome,
    }
}

/// ‖∂loss/∂h_t‖ (mean over the batch of each sequence's gradient norm) for every step
/// t, through the unrolled graph: how much the loss at the last step still "hears"
/// the hidden state of step t.
pub fn hidden_gradient_norms(model: &AddingModel, x: &Tensor, y: &Tensor) -> Vec<f32> {
    let (prediction, hs) = model.predict_unrolled(x);
    let loss = mse_loss(&prediction, y);
    let mut store = GradStore::new();
    let retain: Vec<&Tensor> = hs.iter().collect();
    loss.backward_with_grad(&Tensor::ones(loss.shape()), &retain, &mut store);
    let batch = x.dim(0);
    hs.iter()
        .map(|h| {
            let g = store.get(h).map(|g| g.to_vec()).unwrap_or_else(|| vec![0.0; h.numel()]);
            let per_row = g.len() / batch;
            g.chunks(per_row)
                .map(|row| row.iter().map(|v| v * v).sum::<f32>().sqrt())
                .sum::<f32>()
                / batch as f32
        })
        .collect()
}
