//! `descent-testkit`: what tests need and shipped code does not — finite-difference
//! gradient checks, closeness assertions, tiny files that decode to huge images, and readers for the PyTorch golden files committed in
//! `golden/` (llm.c-style parity tests; a copy of `../shared/golden`, which CI compares). A dev-dependency only.
#![warn(missing_docs)]

mod bomb;
mod golden;
mod gradcheck;

pub use bomb::black_png;
pub use golden::{golden_dir, Golden};
pub use gradcheck::{gradcheck, GradcheckOptions};

/// Panics unless every `|a − b| ≤ atol + rtol·|b|`, naming the first offending index.
pub fn assert_close(actual: &[f32], expected: &[f32], atol: f32, rtol: f32, what: &str) {
    assert_eq!(
        actual.len(),
        expected.len(),
        "{what}: {} values vs {} expected",
        actual.len(),
        expected.len()
    );
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        let ok = (a - e).abs() <= atol + rtol * e.abs();
        assert!(ok, "{what}: index {i}: got {a}, expected {e} (atol {atol}, rtol {rtol})");
    }
}

/// Asserts `|a − e| ≤ tol·max|expected|` elementwise: closeness relative to the largest
/// reference value, for comparing a fused kernel with its composite oracle, where tiny
/// entries carry the absolute rounding of the big ones.
pub fn assert_close_to_scale(actual: &[f32], expected: &[f32], tol: f32, what: &str) {
    let scale = expected.iter().fold(1e-6f32, |m, x| m.max(x.abs()));
    assert_close(actual, expected, tol * scale, 0.0, what);
}
