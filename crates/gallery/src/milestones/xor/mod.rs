//! 1969 — Minsky & Papert, "Perceptrons".
//!
//! Introduced: proofs of what a single-layer perceptron cannot compute; the best known
//! is XOR, which no line separates. The book is often blamed for the first "AI winter".
//! We test: the very perceptron that learned iris (1958), trained on XOR's four points
//! for many epochs, never classifies more than 3 of 4 correctly; its weights fall into
//! a cycle instead of converging. The reason (no separating line) is printed.
//! Run: `descent run xor`.

use crate::common::perceptron::{augment, xor_data, Perceptron, PerceptronTrace};
use crate::{MilestoneError, Run};
use descent_report::{LineChart, Series};

/// Why no single threshold unit computes XOR, in words.
pub const NOT_SEPARABLE: &str = "XOR is not linearly separable: a unit w1·a + w2·b + c > 0 would need \
c ≤ 0 (0,0→0), w1 + c > 0 (1,0→1), w2 + c > 0 (0,1→1) and w1 + w2 + c ≤ 0 (1,1→0). \
Adding the middle two gives w1 + w2 + 2c > 0, so w1 + w2 + c > −c ≥ 0: a contradiction.";

/// First epoch `start` and period `p` such that the end-of-epoch weights repeat.
pub fn find_cycle(weights: &[Vec<f32>]) -> Option<(usize, usize)> {
    for end in 1..weights.len() {
        if let Some(start) = (0..end).find(|&s| weights[s] == weights[end]) {
            return Some((start, end - start));
        }
    }
    None
}

/// Runs the milestone.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let (rows, labels) = xor_data();
    let x = augment(&rows);
    let epochs = run.epochs().expect("xor declares epochs");
    // Fixed presentation order, as Rosenblatt's machine saw its inputs: the weights then cycle exactly.
    let mut p = Perceptron::new(2);
    let mut trace = PerceptronTrace::default();
    for epoch in 0..epochs {
        let t = p.train_in_order(&x, &labels);
        trace.updates += t;
        trace.mistakes_per_epoch.push(t);
        trace.accuracy_per_epoch.push(p.accuracy(&x, &labels));
        if epoch < 10_000 {
            trace.weights_per_epoch.push(p.weights.clone());
        }
    }
    // And in seeded random orders: no order helps.
    let mut shuffled = Perceptron::new(2);
    let random_trace = shuffled.train(&x, &labels, epochs, run.seed(), false);
    let best = trace
        .accuracy_per_epoch
        .iter()
        .chain(&random_trace.accuracy_per_epoch)
        .fold(0.0f32, |m, &a| m.max(a));
    let cycle = find_cycle(&trace.weights_per_epoch);
    run.measure("best_accuracy", best as f64);
    run.measure("epochs", epochs as u64);
    run.measure("updates", trace.updates as u64);
    run.measure("still_updating_in_last_epoch", *trace.mistakes_per_epoch.last().unwrap_or(&0) > 0);
    if let Some((start, period)) = cycle {
        run.measure("weight_cycle", format!("from epoch {start}, period {period} epochs"));
    }
    run.note(NOT_SEPARABLE);
    run.note("Two orders were tried: a fixed order (weights cycle exactly) and a seeded random order each epoch.");
    run.log(&format!(
        "xor: best accuracy {best} over {epochs} epochs; cycle {cycle:?}\n{NOT_SEPARABLE}"
    ));
    run.judge(best <= 0.75 && trace.mistakes_per_epoch.last().copied().unwrap_or(0) > 0);
    let shown = trace.accuracy_per_epoch.len().min(60);
    let chart = LineChart {
        title: "Perceptron on XOR: accuracy per epoch (first 60)".into(),
        x_label: "epoch".into(),
        y_label: "training accuracy".into(),
        series: vec![
            Series::indexed_f32("fixed order", &trace.accuracy_per_epoch[..shown]),
            Series::indexed_f32(
                "random order",
                &random_trace.accuracy_per_epoch[..shown.min(random_trace.accuracy_per_epoch.len())],
            ),
        ],
        log_y: false,
    };
    run.line_chart("accuracy.svg", &chart)?;
    let text: String = trace
        .weights_per_epoch
        .iter()
        .take(12)
        .enumerate()
        .map(|(e, w)| format!("epoch {e}: w = {w:?}\n"))
        .collect();
    run.write_text("weights.txt", &text)?;
    Ok(())
}
