//! 1958 — Rosenblatt, "The Perceptron: A Probabilistic Model for Information Storage
//! and Organization in the Brain".
//!
//! Introduced: a threshold unit that *learns*: on each mistake, `w ← w + η·y·x`
//! (y = ±1; not gradient descent). Novikoff (1962) proved it makes at most (R/γ)²
//! mistakes on data separable with margin γ, where R bounds ‖x‖.
//! We test: on real, linearly separable data (iris setosa vs versicolor, all four
//! measurements) it reaches 100% training accuracy, with fewer updates than
//! Novikoff's bound (γ from a max-margin separator we compute, `measure.rs`).
//! Differs from the paper: Rosenblatt's machine learned on the outputs of fixed random
//! "association units" wired to a grid of photocells; ours is the single-layer rule of
//! the later textbooks on the raw measurements (bias as a constant input, η = 1, zero
//! initial weights), in a seeded random order each epoch, stopping after an epoch
//! without mistakes.
//! Run: `descent run perceptron [--epochs N]`.

mod measure;

use crate::common::perceptron::{augment, Perceptron, PerceptronTrace};
use crate::{MilestoneError, Run, RunSettings};
use descent_report::{LineChart, Series};

/// How long the perceptron trains and how hard the margin is searched for.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Most passes over the 100 flowers (training stops after one without mistakes).
    pub epochs: usize,
    /// Sweeps of dual coordinate descent for the max-margin separator behind γ.
    pub separator_sweeps: usize,
}

impl RunSettings for Settings {
    fn quick() -> Self {
        Settings {
            epochs: 100,
            separator_sweeps: 5000,
        }
    }

    fn full() -> Self {
        Settings {
            epochs: 100,
            separator_sweeps: 20000,
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

/// The recipe: iris → Rosenblatt's rule → accuracy and Novikoff's bound → verdict →
/// measurements, notes and the mistakes chart.
pub fn run_with(run: &mut Run, settings: Settings) -> Result<(), MilestoneError> {
    let (rows, labels) = iris_setosa_vs_versicolor();
    let x = augment(&rows);
    let mut p = Perceptron::new(4);
    let trace = p.train(&x, &labels, settings.epochs, run.seed(), true);
    let accuracy = p.accuracy(&x, &labels);
    let novikoff = measure::novikoff(&x, &labels, settings.separator_sweeps);
    record(run, &p, &trace, accuracy, &novikoff);
    run.judge(accuracy == 1.0 && novikoff.gamma > 0.0 && (trace.updates as f64) <= novikoff.bound);
    report(run, &trace, accuracy, &novikoff)
}

/// Iris setosa (0) vs versicolor (1): 100 flowers, four measurements each.
fn iris_setosa_vs_versicolor() -> (Vec<Vec<f32>>, Vec<f32>) {
    let iris = descent_data::iris();
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for (f, &l) in iris.features.iter().zip(&iris.labels) {
        if l < 2 {
            rows.push(f.to_vec());
            labels.push(l as f32);
        }
    }
    (rows, labels)
}

/// The measurements: accuracy, updates, epochs, the bound and its parts, the weights.
fn record(run: &mut Run, p: &Perceptron, trace: &PerceptronTrace, accuracy: f32, novikoff: &measure::Novikoff) {
    run.measure("train_accuracy", accuracy as f64);
    run.measure("updates", trace.updates as u64);
    run.measure("epochs", trace.mistakes_per_epoch.len() as u64);
    run.measure("novikoff_bound", novikoff.bound.round());
    run.measure("margin_gamma", novikoff.gamma);
    run.measure("radius_R", novikoff.radius);
    run.measure("weights", p.weights.iter().map(|&w| w as f64).collect::<Vec<f64>>());
}

/// Notes, the log line, and the chart of mistakes per epoch.
fn report(run: &mut Run, trace: &PerceptronTrace, accuracy: f32, novikoff: &measure::Novikoff) -> Result<(), MilestoneError> {
    let measure::Novikoff { gamma, radius, bound } = novikoff;
    run.note("Data: iris setosa vs versicolor (Fisher 1936, UCI, CC BY 4.0), 100 flowers, 4 features in cm, bias as a constant input.");
    run.note("γ is the margin of a max-margin separator found by dual coordinate descent; any separator gives a valid bound.");
    run.log(&format!(
        "perceptron: {} updates over {} epochs, accuracy {accuracy}; Novikoff bound (R/γ)² = ({radius:.3}/{gamma:.4})² = {bound:.0}",
        trace.updates,
        trace.mistakes_per_epoch.len()
    ));
    let chart = LineChart {
        title: "Perceptron on iris: mistakes per epoch".into(),
        x_label: "epoch".into(),
        y_label: "mistakes (updates)".into(),
        series: vec![Series::indexed(
            "mistakes",
            &trace.mistakes_per_epoch.iter().map(|&m| m as f64).collect::<Vec<_>>(),
        )],
        log_y: false,
    };
    run.line_chart("mistakes.svg", &chart)
}
