//! The timing loop and inputs the kernel benches share: a plain harness (no criterion,
//! so no new dependencies) that runs 25 timed rounds after a warm-up.

use std::time::{Duration, Instant};

/// Per-call (median, best) of 25 rounds of `f`, after calling it for `warm_up` (which also
/// sizes the rounds, about a tenth of the warm-up each). `None`, without calling `f`,
/// when `name` does not contain the command-line filter (the first argument that does
/// not start with `--`).
pub fn rounds(name: &str, warm_up: Duration, mut f: impl FnMut()) -> Option<(Duration, Duration)> {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with("--"));
    if filter.is_some_and(|filter| !name.contains(&filter)) {
        return None;
    }
    let start = Instant::now();
    let mut calls = 0u32;
    while start.elapsed() < warm_up {
        f();
        calls += 1;
    }
    let reps = (calls / 10).max(1);
    let mut rounds: Vec<Duration> = (0..25)
        .map(|_| {
            let t = Instant::now();
            (0..reps).for_each(|_| f());
            t.elapsed() / reps
        })
        .collect();
    rounds.sort();
    Some((rounds[rounds.len() / 2], rounds[0]))
}

/// `n` deterministic values in [−1, 1).
pub fn fill(n: usize) -> Vec<f32> {
    (0..n).map(|i| ((i * 7919) % 1000) as f32 / 500.0 - 1.0).collect()
}

/// Input, weight, bias and output-gradient values of a layer with these element counts.
pub fn layer_operands(input: usize, weight: usize, bias: usize, output: usize) -> [Vec<f32>; 4] {
    [input, weight, bias, output].map(fill)
}
