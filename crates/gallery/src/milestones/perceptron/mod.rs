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

use crate::common::perceptron::{augment, Perceptron};
use crate::{MilestoneError, Run};
use descent_report::{LineChart, Series};

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
