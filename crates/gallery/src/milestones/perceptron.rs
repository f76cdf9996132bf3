//! 1958 — Rosenblatt, "The Perceptron: A Probabilistic Model for Information Storage
//! and Organization in the Brain".
//!
//! Introduced: a threshold unit that *learns*: on each mistake, `w ← w + η·y·x`
//! (y = ±1; not gradient descent). Novikoff (1962) proved it makes at most (R/γ)²
//! mistakes on data separable with margin γ, where R bounds ‖x‖.
//! We test: on real, linearly separable data (iris setosa vs versicolor, all four
//! measurements) it reaches 100% training accuracy, with fewer updates than
//! Novikoff's bound (γ from a max-margin separator we compute).
//! Run: `descent run perceptron`.

use crate::{MilestoneError, Run};
use descent_report::{LineChart, Series};
use descent_tensor::{Rng, Tensor};

/// Rosenblatt's perceptron on inputs augmented with a constant 1 (the bias).
#[derive(Clone, Debug, PartialEq)]
pub struct Perceptron {
    /// Weights, last entry the bias.
    pub weights: Vec<f32>,
}

/// What one training run did.
#[derive(Clone, Debug, Default)]
pub struct PerceptronTrace {
    /// Mistakes (= updates) in each epoch.
    pub mistakes_per_epoch: Vec<usize>,
    /// Training accuracy after each epoch.
    pub accuracy_per_epoch: Vec<f32>,
    /// Weights at the end of each epoch.
    pub weights_per_epoch: Vec<Vec<f32>>,
    /// Total updates.
    pub updates: usize,
}

/// `x` with a trailing 1 appended to each row.
pub fn augment(rows: &[Vec<f32>]) -> Vec<Vec<f32>> {
    rows.iter().map(|r| r.iter().copied().chain([1.0]).collect()).collect()
}

impl Perceptron {
    /// Zero weights for `inputs` features (+ bias).
    pub fn new(inputs: usize) -> Perceptron {
        Perceptron {
            weights: vec![0.0; inputs + 1],
        }
    }

    /// Predictions (1 or 0) for augmented rows, computed as `step(X · w)` on tensors.
    pub fn predict(&self, augmented: &[Vec<f32>]) -> Vec<f32> {
        let d = self.weights.len();
        let x = Tensor::from_vec(augmented.concat(), &[augmented.len(), d]);
        let w = Tensor::from_slice(&self.weights, &[d, 1]);
        x.matmul(&w).step().to_vec()
    }

    /// Accuracy on augmented rows with 0/1 labels.
    pub fn accuracy(&self, augmented: &[Vec<f32>], labels: &[f32]) -> f32 {
        let p = self.predict(augmented);
        p.iter().zip(labels).filter(|(a, b)| a == b).count() as f32 / labels.len() as f32
    }

    /// One epoch of Rosenblatt's rule in the given row order; returns the mistakes.
    pub fn train_in_order(&mut self, augmented: &[Vec<f32>], labels: &[f32]) -> usize {
        let mut mistakes = 0;
        for (x, &l) in augmented.iter().zip(labels) {
            mistakes += self.update(x, l) as usize;
        }
        mistakes
    }

    /// Rosenblatt's update on one example: on a mistake `w ← w + y·x`. Returns whether it updated.
    pub fn update(&mut self, x: &[f32], label: f32) -> bool {
        let y = if label > 0.5 { 1.0 } else { -1.0 };
        let activation: f32 = self.weights.iter().zip(x).map(|(w, x)| w * x).sum();
        // A point exactly on the boundary counts as a mistake (sign(0) is no answer).
        let wrong = y * activation <= 0.0;
        if wrong {
            self.weights.iter_mut().zip(x).for_each(|(w, x)| *w += y * x);
        }
        wrong
    }

    /// Rosenblatt's rule for `epochs` passes in a seeded random order; stops early
    /// after an epoch without mistakes when `stop_when_perfect`.
    pub fn train(&mut self, augmented: &[Vec<f32>], labels: &[f32], epochs: usize, seed: u64, stop_when_perfect: bool) -> PerceptronTrace {
        let mut rng = Rng::new(seed);
        let mut trace = PerceptronTrace::default();
        for _ in 0..epochs {
            let order = rng.permutation(augmented.len());
            let mut mistakes = 0;
            for &i in &order {
                mistakes += self.update(&augmented[i], labels[i]) as usize;
            }
            trace.updates += mistakes;
            trace.mistakes_per_epoch.push(mistakes);
            trace.accuracy_per_epoch.push(self.accuracy(augmented, labels));
            trace.weights_per_epoch.push(self.weights.clone());
            if stop_when_perfect && mistakes == 0 {
                break;
            }
        }
        trace
    }
}

/// Geometric margin of a separator `w` (augmented) on the data, and R = max ‖x‖.
pub fn margin_and_radius(w: &[f32], augmented: &[Vec<f32>], labels: &[f32]) -> (f64, f64) {
    let norm = w.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt();
    let mut margin = f64::INFINITY;
    let mut radius: f64 = 0.0;
    for (x, &l) in augmented.iter().zip(labels) {
        let y = if l > 0.5 { 1.0 } else { -1.0 };
        let dot: f64 = w.iter().zip(x).map(|(&a, &b)| a as f64 * b as f64).sum();
        margin = margin.min(y * dot / norm);
        radius = radius.max(x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>().sqrt());
    }
    (margin, radius)
}

/// A (near) maximum-margin separator of augmented data: dual coordinate descent on the
/// hard-margin linear SVM (Hsieh et al. 2008) with a large box constraint. Any
/// separator gives a valid Novikoff bound; a wider margin gives a tighter one.
pub fn max_margin_separator(augmented: &[Vec<f32>], labels: &[f32], sweeps: usize) -> Vec<f32> {
    let n = augmented.len();
    let d = augmented[0].len();
    let x: Vec<Vec<f64>> = augmented.iter().map(|r| r.iter().map(|&v| v as f64).collect()).collect();
    let y: Vec<f64> = labels.iter().map(|&l| if l > 0.5 { 1.0 } else { -1.0 }).collect();
    let sq: Vec<f64> = x.iter().map(|r| r.iter().map(|v| v * v).sum()).collect();
    let (mut alpha, mut w) = (vec![0.0f64; n], vec![0.0f64; d]);
    let c = 1e6;
    for _ in 0..sweeps {
        for i in 0..n {
            let g = y[i] * w.iter().zip(&x[i]).map(|(a, b)| a * b).sum::<f64>() - 1.0;
            let new_alpha = (alpha[i] - g / sq[i]).clamp(0.0, c);
            let delta = new_alpha - alpha[i];
            if delta != 0.0 {
                w.iter_mut().zip(&x[i]).for_each(|(wj, xj)| *wj += delta * y[i] * xj);
                alpha[i] = new_alpha;
            }
        }
    }
    w.iter().map(|&v| v as f32).collect()
}

/// Iris setosa (0) vs versicolor (1): 100 flowers, four measurements each.
pub fn iris_setosa_vs_versicolor() -> (Vec<Vec<f32>>, Vec<f32>) {
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

/// Runs the milestone on the embedded iris data.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let (rows, labels) = iris_setosa_vs_versicolor();
    let x = augment(&rows);
    let mut p = Perceptron::new(4);
    let trace = p.train(&x, &labels, run.epochs().expect("perceptron declares epochs"), run.seed(), true);
    let accuracy = p.accuracy(&x, &labels);
    let svm = max_margin_separator(&x, &labels, if run.full() { 20000 } else { 5000 });
    let (gamma, radius) = margin_and_radius(&svm, &x, &labels);
    let bound = (radius / gamma).powi(2);
    run.measure("train_accuracy", accuracy as f64);
    run.measure("updates", trace.updates as u64);
    run.measure("epochs", trace.mistakes_per_epoch.len() as u64);
    run.measure("novikoff_bound", bound.round());
    run.measure("margin_gamma", gamma);
    run.measure("radius_R", radius);
    run.measure("weights", p.weights.iter().map(|&w| w as f64).collect::<Vec<f64>>());
    run.judge(accuracy == 1.0 && gamma > 0.0 && (trace.updates as f64) <= bound);
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
    run.line_chart("mistakes.svg", &chart)?;
    Ok(())
}
