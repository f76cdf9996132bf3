//! Layer norm kernels against their naive references.

mod common;
use common::{assert_close, fill, with_threads, written};
use descent_kernels::norm::*;

/// (rows, n): single rows and elements, sizes off the SIMD width, and a block big enough
/// to run in parallel.
const SHAPES: &[(usize, usize)] = &[(1, 1), (1, 7), (3, 8), (5, 17), (64, 33), (2, 1000), (300, 128), (0, 5)];

fn inputs(rows: usize, n: usize, seed: u32) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    // An offset per row (up to 1.5, like real activations), so the mean matters.
    let x: Vec<f32> = fill(rows * n, seed, 2.0)
        .iter()
        .enumerate()
        .map(|(i, v)| v + (i / n % 4) as f32 * 0.5)
        .collect();
    let w: Vec<f32> = fill(n, seed + 1, 1.0).iter().map(|v| v + 1.0).collect();
    (x, w, fill(n, seed + 2, 0.5))
}

#[test]
fn layer_norm_forward_matches_reference() {
    for &(rows, n) in SHAPES {
        let (x, w, b) = inputs(rows, n, 1);
        for eps in [1e-5, 1e-12] {
            let mut stats = vec![f32::NAN; 2 * rows];
            let y = written(rows * n, |y| layer_norm_forward(&x, &w, &b, eps, y, &mut stats));
            let (mut y_ref, mut stats_ref) = (vec![0.0; rows * n], vec![0.0; 2 * rows]);
            layer_norm_forward_reference(&x, &w, &b, eps, &mut y_ref, &mut stats_ref);
            let case = format!("({rows}, {n}) eps {eps}");
            assert_close(&format!("y {case}"), &y, &y_ref, 2e-6);
            assert_close(&format!("stats {case}"), &stats, &stats_ref, 2e-6);
        }
    }
}

#[test]
fn layer_norm_backward_matches_reference() {
    for &(rows, n) in SHAPES {
        let (x, w, b) = inputs(rows, n, 4);
        let dy = fill(rows * n, 7, 1.0);
        let eps = 1e-5;
        let mut stats = vec![0.0; 2 * rows];
        written(rows * n, |y| layer_norm_forward(&x, &w, &b, eps, y, &mut stats));
        let mut fast = [rows * n, n, n].map(|len| vec![f32::NAN; len]);
        let [dx, dw, db] = &mut fast;
        layer_norm_backward(&x, &dy, &stats, &w, dx, dw, db);
        let mut slow = [rows * n, n, n].map(|len| vec![0.0; len]);
        let [sx, sw, sb] = &mut slow;
        layer_norm_backward_reference(&x, &dy, &w, eps, sx, sw, sb);
        for (name, f, s) in [("dx", dx, sx), ("dweight", dw, sw), ("dbias", db, sb)] {
            assert_close(&format!("{name} ({rows}, {n})"), f, s, 1e-5);
        }
    }
}

#[test]
fn layer_norm_backward_is_identical_across_thread_counts() {
    let (rows, n) = (512, 96);
    let (x, w, b) = inputs(rows, n, 9);
    let dy = fill(rows * n, 10, 1.0);
    let mut stats = vec![0.0; 2 * rows];
    written(rows * n, |y| layer_norm_forward(&x, &w, &b, 1e-5, y, &mut stats));
    let run = |threads| {
        with_threads(threads, || {
            let mut g = [rows * n, n, n].map(|len| vec![0.0; len]);
            let [dx, dw, db] = &mut g;
            layer_norm_backward(&x, &dy, &stats, &w, dx, dw, db);
            g
        })
    };
    assert_eq!(run(1), run(3));
}
