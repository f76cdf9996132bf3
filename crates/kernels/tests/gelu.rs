//! Bias + GELU kernels against their naive references.

mod common;
use common::{assert_close, fill, with_threads, written};
use descent_kernels::gelu::*;

/// (rows, n): a single element, sizes off the 8-lane width, and a parallel-sized block.
const SHAPES: &[(usize, usize)] = &[(1, 1), (3, 7), (5, 8), (2, 9), (4, 33), (100, 512), (0, 3)];

#[test]
fn bias_gelu_forward_matches_reference() {
    for &(rows, n) in SHAPES {
        let (x, b) = (fill(rows * n, 1, 6.0), fill(n, 2, 1.0));
        let mut y_ref = vec![0.0; rows * n];
        let y = written(rows * n, |y| bias_gelu_forward(&x, &b, y));
        bias_gelu_forward_reference(&x, &b, &mut y_ref);
        assert_close(&format!("y ({rows}, {n})"), &y, &y_ref, 1e-6);
    }
}

#[test]
fn bias_gelu_backward_matches_reference() {
    for &(rows, n) in SHAPES {
        let (x, b, dy) = (fill(rows * n, 3, 6.0), fill(n, 4, 1.0), fill(rows * n, 5, 1.0));
        let mut db = vec![f32::NAN; n];
        let dx = written(rows * n, |dx| bias_gelu_backward(&x, &b, &dy, dx, &mut db));
        let (mut dx_ref, mut db_ref) = (vec![0.0; rows * n], vec![0.0; n]);
        bias_gelu_backward_reference(&x, &b, &dy, &mut dx_ref, &mut db_ref);
        assert_close(&format!("dx ({rows}, {n})"), &dx, &dx_ref, 2e-6);
        assert_close(&format!("dbias ({rows}, {n})"), &db, &db_ref, 1e-5);
    }
}

#[test]
fn bias_gelu_backward_is_identical_across_thread_counts() {
    let (rows, n) = (200, 384);
    let (x, b, dy) = (fill(rows * n, 6, 4.0), fill(n, 7, 1.0), fill(rows * n, 8, 1.0));
    let run = |threads| {
        with_threads(threads, || {
            let mut db = vec![0.0; n];
            let dx = written(rows * n, |dx| bias_gelu_backward(&x, &b, &dy, dx, &mut db));
            (dx, db)
        })
    };
    assert_eq!(run(1), run(4));
}
