//! 1986 — Rumelhart, Hinton & Williams, "Learning representations by back-propagating
//! errors".
//!
//! Introduced: training hidden units by propagating the error derivative backwards
//! through the network (the chain rule, applied layer by layer), so a multi-layer
//! network can learn what a perceptron cannot.
//! We test: a 2-4-1 sigmoid network trained by the engine's autograd with gradient
//! descent solves XOR (4/4 correct), and its autograd gradients agree with central
//! finite differences. Run: `descent run backprop`.

use crate::common::perceptron::xor_data;
use crate::{MilestoneError, Run};
use descent_nn::{loss::mse_loss, named_params, Activation, Forward, Linear, Sequential};
use descent_report::{LineChart, Series};
use descent_tensor::{no_grad, Rng, Tensor};

/// The 2-H-1 sigmoid network of the paper's XOR experiment.
pub fn xor_net(hidden: usize, rng: &mut Rng) -> Sequential {
    Sequential::new()
        .add(Linear::new(2, hidden, rng))
        .add(Activation::Sigmoid)
        .add(Linear::new(hidden, 1, rng))
        .add(Activation::Sigmoid)
}

/// Relative gap ‖a − n‖ / max(‖a‖, ‖n‖) between the autograd gradient `a` and the
/// central-difference gradient `n` over every parameter element of `net`.
pub fn finite_difference_gap(net: &Sequential, loss_fn: &dyn Fn(&Sequential) -> Tensor) -> f64 {
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

/// Runs the milestone.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let (rows, labels) = xor_data();
    let x = Tensor::from_vec(rows.concat(), &[4, 2]);
    let y = Tensor::from_vec(labels.clone(), &[4, 1]);
    let mut rng = Rng::new(run.seed());
    let net = xor_net(4, &mut rng);
    let loss_fn = |net: &Sequential| mse_loss(&net.forward(&x), &y);
    let gap = finite_difference_gap(&net, &loss_fn);

    // Full-batch gradient descent with momentum, the paper's η = 0.5, α = 0.9.
    let (lr, momentum) = (0.5f32, 0.9f32);
    let epochs = run.epochs().expect("backprop declares epochs");
    let params = named_params(&net);
    let mut velocity: Vec<Vec<f32>> = params.iter().map(|(_, p)| vec![0.0; p.numel()]).collect();
    let mut losses = Vec::with_capacity(epochs);
    let phase = run.phase("backprop", epochs as u64);
    for _ in 0..epochs {
        let loss = loss_fn(&net);
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
    drop(phase);
    let outputs = no_grad(|| net.forward(&x)).to_vec();
    let correct = outputs.iter().zip(&labels).filter(|(o, l)| (**o > 0.5) == (**l > 0.5)).count();
    run.measure("xor_correct", format!("{correct}/4"));
    run.measure("final_mse", *losses.last().unwrap_or(&f32::NAN) as f64);
    run.measure("outputs", outputs.iter().map(|&o| o as f64).collect::<Vec<f64>>());
    run.measure("gradcheck_rel_error", gap);
    run.measure("epochs", epochs as u64);
    run.judge(correct == 4 && gap < 1e-2);
    run.note("2-4-1 sigmoid network, squared error, full-batch gradient descent with momentum (η = 0.5, α = 0.9, as in the paper).");
    run.log(&format!(
        "backprop: XOR {correct}/4, outputs {outputs:.3?}, final MSE {:.5}, gradient check relative error {gap:.2e}",
        losses.last().unwrap_or(&f32::NAN)
    ));
    let chart = LineChart {
        title: "Backprop on XOR: squared error".into(),
        x_label: "epoch".into(),
        y_label: "MSE".into(),
        series: vec![Series::indexed_f32("train MSE", &losses)],
        log_y: true,
    };
    run.line_chart("loss.svg", &chart)?;
    Ok(())
}
