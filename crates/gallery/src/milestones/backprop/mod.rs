//! 1986 — Rumelhart, Hinton & Williams, "Learning representations by back-propagating
//! errors".
//!
//! Introduced: training hidden units by propagating the error derivative backwards
//! through the network (the chain rule, applied layer by layer), so a multi-layer
//! network can learn what a perceptron cannot.
//! We test: a 2-4-1 sigmoid network trained by the engine's autograd with gradient
//! descent solves XOR (4/4 correct), and its autograd gradients agree with central
//! finite differences.
//! Differs from the paper: their XOR network had two hidden units (or one, with direct
//! input-to-output connections); ours has four, which converge from more starting
//! points. Their error is the sum of squares over the patterns, ours the mean (the same
//! minimum). The finite-difference check is ours. The rates are theirs: full-batch
//! descent with η = 0.5 and momentum α = 0.9.
//! Run: `descent run backprop [--full] [--epochs N]`. The whole milestone is this page.

use crate::common::perceptron::xor_data;
use crate::{MilestoneError, Run, RunSettings};
use descent_nn::{loss::mse_loss, named_params, Activation, Forward, Linear, Sequential};
use descent_report::{LineChart, Series};
use descent_tensor::{no_grad, Rng, Tensor};

/// The network and its training.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Full-batch gradient steps.
    pub epochs: usize,
    /// Hidden sigmoid units.
    pub hidden: usize,
    /// Learning rate η.
    pub lr: f32,
    /// Momentum α.
    pub momentum: f32,
}

impl RunSettings for Settings {
    fn quick() -> Self {
        Settings {
            epochs: 5_000,
            hidden: 4,
            lr: 0.5,
            momentum: 0.9,
        }
    }

    fn full() -> Self {
        Settings {
            epochs: 20_000,
            ..Settings::quick()
        }
    }

    fn with_epochs(self, epochs: usize) -> Self {
        Settings { epochs, ..self }
    }
}

/// Runs the milestone with the settings of the run's mode and `--epochs`.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let settings = run.settings();
    run_with(run, settings)
}

/// The recipe: XOR's four points → a fresh 2-H-1 network, its gradients checked against
/// finite differences → gradient descent → its answers → verdict → measurements and the
/// loss curve.
pub fn run_with(run: &mut Run, settings: Settings) -> Result<(), MilestoneError> {
    let (rows, labels) = xor_data();
    let x = Tensor::from_vec(rows.concat(), &[4, 2]);
    let y = Tensor::from_vec(labels.clone(), &[4, 1]);
    let net = xor_net(settings.hidden, &mut Rng::new(run.seed()));
    let loss_fn = |net: &Sequential| mse_loss(&net.forward(&x), &y);
    let gap = finite_difference_gap(&net, &loss_fn);
    let losses = train(run, &net, &loss_fn, &settings);
    let outputs = no_grad(|| net.forward(&x)).to_vec();
    let correct = outputs.iter().zip(&labels).filter(|(o, l)| (**o > 0.5) == (**l > 0.5)).count();
    let final_mse = *losses.last().unwrap_or(&f32::NAN);
    run.measure("xor_correct", format!("{correct}/4"));
    run.measure("final_mse", final_mse as f64);
    run.measure("outputs", outputs.iter().map(|&o| o as f64).collect::<Vec<f64>>());
    run.measure("gradcheck_rel_error", gap);
    run.measure("epochs", settings.epochs as u64);
    run.judge(correct == 4 && gap < 1e-2);
    run.note(&format!(
        "2-{}-1 sigmoid network, squared error, full-batch gradient descent with momentum (η = {}, α = {}, as in the paper).",
        settings.hidden, settings.lr, settings.momentum
    ));
    run.log(&format!(
        "backprop: XOR {correct}/4, outputs {outputs:.3?}, final MSE {final_mse:.5}, gradient check relative error {gap:.2e}"
    ));
    let chart = LineChart {
        title: "Backprop on XOR: squared error".into(),
        x_label: "epoch".into(),
        y_label: "MSE".into(),
        series: vec![Series::indexed_f32("train MSE", &losses)],
        log_y: true,
    };
    run.line_chart("loss.svg", &chart)
}

/// The 2-H-1 sigmoid network of the paper's XOR experiment.
fn xor_net(hidden: usize, rng: &mut Rng) -> Sequential {
    Sequential::new()
        .add(Linear::new(2, hidden, rng))
        .add(Activation::Sigmoid)
        .add(Linear::new(hidden, 1, rng))
        .add(Activation::Sigmoid)
}

/// Full-batch gradient descent with momentum (`v ← αv − η∇`, `w ← w + v`) for the
/// settings' epochs; returns the loss before each step.
fn train(run: &Run, net: &Sequential, loss_fn: &dyn Fn(&Sequential) -> Tensor, settings: &Settings) -> Vec<f32> {
    let Settings { epochs, lr, momentum, .. } = *settings;
    let params = named_params(net);
    let mut velocity: Vec<Vec<f32>> = params.iter().map(|(_, p)| vec![0.0; p.numel()]).collect();
    let mut losses = Vec::with_capacity(epochs);
    let phase = run.phase("backprop", epochs as u64);
    for _ in 0..epochs {
        let loss = loss_fn(net);
        losses.push(loss.item());
        let grads = loss.backward();
        for ((_, p), v) in params.iter().zip(velocity.iter_mut()) {
            let g = grads
                .get_param(p)
                .expect("every weight reaches the loss")
                .contiguous_data()
                .into_owned();
            p.update(|w| {
                for ((w, v), g) in w.iter_mut().zip(v.iter_mut()).zip(&g) {
                    *v = momentum * *v - lr * g;
                    *w += *v;
                }
            });
        }
        phase.advance(1);
    }
    losses
}

/// Relative gap ‖a − n‖ / max(‖a‖, ‖n‖) between the autograd gradient `a` and the
/// central-difference gradient `n` over every parameter element of `net`.
fn finite_difference_gap(net: &Sequential, loss_fn: &dyn Fn(&Sequential) -> Tensor) -> f64 {
    let grads = loss_fn(net).backward();
    let eps = 1e-2f32;
    let (mut diff, mut norm_a, mut norm_n) = (0.0f64, 0.0f64, 0.0f64);
    for (_, p) in named_params(net) {
        let analytic = grads.get_param(&p).map(|g| g.to_vec()).unwrap_or_else(|| vec![0.0; p.numel()]);
        let original = p.value().to_vec();
        for i in 0..original.len() {
            let at = |delta: f32| {
                let mut v = original.clone();
                v[i] += delta;
                p.set_values(&v);
                no_grad(|| loss_fn(net).item()) as f64
            };
            let numeric = (at(eps) - at(-eps)) / (2.0 * eps as f64);
            p.set_values(&original);
            diff += (numeric - analytic[i] as f64).powi(2);
            norm_a += (analytic[i] as f64).powi(2);
            norm_n += numeric.powi(2);
        }
    }
    diff.sqrt() / norm_a.sqrt().max(norm_n.sqrt()).max(1e-12)
}
