//! 1969 — Minsky & Papert, "Perceptrons".
//!
//! Introduced: proofs of what a single-layer perceptron cannot compute; the best known
//! is XOR, which no line separates. The book is often blamed for the first "AI winter".
//! We test: the very perceptron that learned iris (1958), trained on XOR's four points
//! for many epochs, never classifies more than 3 of 4 correctly; its weights fall into
//! a cycle instead of converging. The reason (no separating line) is printed.
//! Differs from the book: Minsky & Papert proved it for every linear threshold unit and
//! ran no experiment; we run Rosenblatt's rule and watch it fail, in a fixed order (the
//! weights then cycle exactly) and in a seeded random order each epoch, and print the
//! proof beside it.
//! Run: `descent run xor [--full] [--epochs N]`.

use crate::common::perceptron::{augment, xor_data, Perceptron, PerceptronTrace};
use crate::{MilestoneError, Run, RunSettings};
use descent_report::{LineChart, Series};

/// Why no single threshold unit computes XOR, in words.
const NOT_SEPARABLE: &str = "XOR is not linearly separable: a unit w1·a + w2·b + c > 0 would need \
c ≤ 0 (0,0→0), w1 + c > 0 (1,0→1), w2 + c > 0 (0,1→1) and w1 + w2 + c ≤ 0 (1,1→0). \
Adding the middle two gives w1 + w2 + 2c > 0, so w1 + w2 + c > −c ≥ 0: a contradiction.";

/// End-of-epoch weights kept for the cycle search and `weights.txt` (fixed order).
const KEPT_WEIGHTS: usize = 10_000;

/// How long the perceptron trains on XOR.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Passes over the four points, in each of the two orders.
    pub epochs: usize,
}

impl RunSettings for Settings {
    fn quick() -> Self {
        Settings { epochs: 2_000 }
    }

    fn full() -> Self {
        Settings { epochs: 100_000 }
    }

    fn with_epochs(self, epochs: usize) -> Self {
        Settings { epochs }
    }
}

/// Runs the milestone with the settings of the run's mode and `--epochs`.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let settings = run.settings();
    run_with(run, settings)
}

/// The recipe: XOR's four points → the perceptron in a fixed and in a random order →
/// best accuracy and the weight cycle → verdict → chart and weights.
pub fn run_with(run: &mut Run, settings: Settings) -> Result<(), MilestoneError> {
    let (rows, labels) = xor_data();
    let x = augment(&rows);
    let epochs = settings.epochs;
    let fixed = train_in_fixed_order(&x, &labels, epochs);
    // And in seeded random orders: no order helps.
    let random = Perceptron::new(2).train(&x, &labels, epochs, run.seed(), false);
    let best = fixed
        .accuracy_per_epoch
        .iter()
        .chain(&random.accuracy_per_epoch)
        .fold(0.0f32, |m, &a| m.max(a));
    let cycle = find_cycle(&fixed.weights_per_epoch);
    let still_updating = fixed.mistakes_per_epoch.last().copied().unwrap_or(0) > 0;
    record(run, &fixed, best, epochs, cycle);
    run.judge(best <= 0.75 && still_updating);
    report(run, &fixed, &random)
}

/// Rosenblatt's rule in a fixed presentation order, as his machine saw its inputs: the
/// weights then cycle exactly. Keeps the first [`KEPT_WEIGHTS`] epochs' weights.
fn train_in_fixed_order(x: &[Vec<f32>], labels: &[f32], epochs: usize) -> PerceptronTrace {
    let mut p = Perceptron::new(2);
    let mut trace = PerceptronTrace::default();
    for epoch in 0..epochs {
        let t = p.train_in_order(x, labels);
        trace.updates += t;
        trace.mistakes_per_epoch.push(t);
        trace.accuracy_per_epoch.push(p.accuracy(x, labels));
        if epoch < KEPT_WEIGHTS {
            trace.weights_per_epoch.push(p.weights.clone());
        }
    }
    trace
}

/// First epoch `start` and period `p` such that the end-of-epoch weights repeat.
fn find_cycle(weights: &[Vec<f32>]) -> Option<(usize, usize)> {
    for end in 1..weights.len() {
        if let Some(start) = (0..end).find(|&s| weights[s] == weights[end]) {
            return Some((start, end - start));
        }
    }
    None
}

/// The measurements, the notes (with the proof) and the log line.
fn record(run: &mut Run, fixed: &PerceptronTrace, best: f32, epochs: usize, cycle: Option<(usize, usize)>) {
    run.measure("best_accuracy", best as f64);
    run.measure("epochs", epochs as u64);
    run.measure("updates", fixed.updates as u64);
    run.measure("still_updating_in_last_epoch", *fixed.mistakes_per_epoch.last().unwrap_or(&0) > 0);
    if let Some((start, period)) = cycle {
        run.measure("weight_cycle", format!("from epoch {start}, period {period} epochs"));
    }
    run.note(NOT_SEPARABLE);
    run.note("Two orders were tried: a fixed order (weights cycle exactly) and a seeded random order each epoch.");
    run.log(&format!(
        "xor: best accuracy {best} over {epochs} epochs; cycle {cycle:?}\n{NOT_SEPARABLE}"
    ));
}

/// The accuracy chart of both orders (first 60 epochs) and the first 12 epochs' weights.
fn report(run: &mut Run, fixed: &PerceptronTrace, random: &PerceptronTrace) -> Result<(), MilestoneError> {
    let shown = fixed.accuracy_per_epoch.len().min(60);
    let chart = LineChart {
        title: "Perceptron on XOR: accuracy per epoch (first 60)".into(),
        x_label: "epoch".into(),
        y_label: "training accuracy".into(),
        series: vec![
            Series::indexed_f32("fixed order", &fixed.accuracy_per_epoch[..shown]),
            Series::indexed_f32(
                "random order",
                &random.accuracy_per_epoch[..shown.min(random.accuracy_per_epoch.len())],
            ),
        ],
        log_y: false,
    };
    run.line_chart("accuracy.svg", &chart)?;
    let text: String = fixed
        .weights_per_epoch
        .iter()
        .take(12)
        .enumerate()
        .map(|(e, w)| format!("epoch {e}: w = {w:?}\n"))
        .collect();
    run.write_text("weights.txt", &text)
}
