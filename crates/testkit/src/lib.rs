//! `descent-testkit`: what tests need and shipped code does not — finite-difference
//! gradient checks, closeness assertions, and readers for the PyTorch golden files in
//! `../shared/golden` (llm.c-style parity tests). A dev-dependency only.
#![warn(missing_docs)]

mod golden;
mod gradcheck;

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
