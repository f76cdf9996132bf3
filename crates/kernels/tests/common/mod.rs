//! Helpers shared by the kernel-vs-reference tests.
#![allow(dead_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

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

/// Runs a kernel that writes every element of a (possibly uninitialised) output of `n`
/// values; the output starts as NaN here, so an element the kernel skips shows up in the
/// comparison with its reference.
pub fn written(n: usize, write: impl FnOnce(&mut [std::mem::MaybeUninit<f32>])) -> Vec<f32> {
    let mut out = vec![std::mem::MaybeUninit::new(f32::NAN); n];
    write(&mut out);
    // SAFETY: every element was initialised (to NaN) before the kernel ran.
    out.into_iter().map(|v| unsafe { v.assume_init() }).collect()
}
