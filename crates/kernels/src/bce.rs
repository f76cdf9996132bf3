//! Binary cross-entropy on logits (mean over elements), forward and backward, in the
//! numerically stable form `max(x, 0) − x·y + ln(1 + e^−|x|)` that never takes the log
//! of a saturated sigmoid (PyTorch's `binary_cross_entropy_with_logits`).

use crate::fast_math::sigmoid;

fn check(logits: &[f32], targets: &[f32]) {
    assert_eq!(
        logits.len(),
        targets.len(),
        "bce_with_logits: {} logits vs {} targets",
        logits.len(),
        targets.len()
    );
}

/// Mean loss over all elements (0 for none); targets may be soft (in [0, 1]).
pub fn bce_with_logits_forward(logits: &[f32], targets: &[f32]) -> f32 {
    check(logits, targets);
    let total: f64 = logits
        .iter()
        .zip(targets)
        .map(|(&x, &y)| (x.max(0.0) - x * y + (-x.abs()).exp().ln_1p()) as f64)
        .sum();
    (total / logits.len().max(1) as f64) as f32
}

/// Gradients of the mean loss times the upstream `grad`: overwrites `grad_logits` with
/// (σ(x) − y)·grad/n and `grad_targets` with −x·grad/n, each when given.
pub fn bce_with_logits_backward(
    logits: &[f32],
    targets: &[f32],
    grad: f32,
    grad_logits: Option<&mut [f32]>,
    grad_targets: Option<&mut [f32]>,
) {
    check(logits, targets);
    let scale = grad / logits.len().max(1) as f32;
    if let Some(d) = grad_logits {
        check(logits, d);
        for ((d, &x), &y) in d.iter_mut().zip(logits).zip(targets) {
            *d = (sigmoid(x) - y) * scale;
        }
    }
    if let Some(d) = grad_targets {
        check(logits, d);
        d.iter_mut().zip(logits).for_each(|(d, &x)| *d = -x * scale);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bce_matches_the_textbook_formula_and_stays_finite() {
        let x = [-3.0f32, -0.5, 0.0, 0.7, 4.0, 2.5];
        let y = [1.0f32, 0.0, 1.0, 0.3, 0.0, 1.0];
        let naive: f64 = x
            .iter()
            .zip(&y)
            .map(|(&x, &y)| {
                let p = 1.0 / (1.0 + (-(x as f64)).exp());
                -(y as f64 * p.ln() + (1.0 - y as f64) * (1.0 - p).ln())
            })
            .sum::<f64>()
            / 6.0;
        assert!((bce_with_logits_forward(&x, &y) as f64 - naive).abs() < 1e-6);
        let (mut gx, mut gy) = ([0.0; 6], [0.0; 6]);
        bce_with_logits_backward(&x, &y, 2.0, Some(&mut gx), Some(&mut gy));
        assert!((gx[2] - (0.5 - 1.0) * 2.0 / 6.0).abs() < 1e-7, "gradient at x = 0: {}", gx[2]);
        assert!((gy[4] + 4.0 * 2.0 / 6.0).abs() < 1e-6);
        // Saturated logits: the naive log(σ) form gives inf; this one stays exact.
        let far = bce_with_logits_forward(&[-200.0, 200.0], &[1.0, 0.0]);
        assert!((far - 200.0).abs() < 1e-3, "{far}");
    }
}
