//! Helpers shared by the kernel-vs-reference tests.
#![allow(dead_code)]

/// `n` deterministic values in [−scale, scale) (a hash of the index and `seed`).
pub fn fill(n: usize, seed: u32, scale: f32) -> Vec<f32> {
    let hash = |i: usize| ((i as u32).wrapping_mul(2654435761) ^ seed).wrapping_mul(40503);
    (0..n).map(|i| ((hash(i) % 2000) as f32 / 1000.0 - 1.0) * scale).collect()
}

/// Asserts `|fast − slow| ≤ tol·(1 + max|slow|)` element by element, naming the case.
pub fn assert_close(what: &str, fast: &[f32], slow: &[f32], tol: f32) {
    assert_eq!(fast.len(), slow.len(), "{what}: lengths differ");
    let scale = 1.0 + slow.iter().fold(0.0f32, |m, y| m.max(y.abs()));
    for (i, (x, y)) in fast.iter().zip(slow).enumerate() {
        assert!((x - y).abs() <= tol * scale, "{what}[{i}]: fast {x} vs reference {y}");
    }
}

/// Runs `f` on a rayon pool of `threads` workers.
pub fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}
