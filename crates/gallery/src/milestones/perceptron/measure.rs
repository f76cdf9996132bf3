//! Novikoff's bound on the perceptron's mistakes, (R/γ)², for the data at hand: R from
//! the data, γ from a (near) maximum-margin separator found here.

/// Novikoff's bound and its parts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Novikoff {
    /// Geometric margin of the max-margin separator found.
    pub(crate) gamma: f64,
    /// R = max ‖x‖ over the (augmented) rows.
    pub(crate) radius: f64,
    /// (R/γ)²: the most mistakes the perceptron can make.
    pub(crate) bound: f64,
}

/// The bound on augmented rows with 0/1 labels, the separator searched for `sweeps`
/// sweeps.
pub(crate) fn novikoff(augmented: &[Vec<f32>], labels: &[f32], sweeps: usize) -> Novikoff {
    let svm = max_margin_separator(augmented, labels, sweeps);
    let (gamma, radius) = margin_and_radius(&svm, augmented, labels);
    Novikoff {
        gamma,
        radius,
        bound: (radius / gamma).powi(2),
    }
}

/// Geometric margin of a separator `w` (augmented) on the data, and R = max ‖x‖.
fn margin_and_radius(w: &[f32], augmented: &[Vec<f32>], labels: &[f32]) -> (f64, f64) {
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
fn max_margin_separator(augmented: &[Vec<f32>], labels: &[f32], sweeps: usize) -> Vec<f32> {
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
