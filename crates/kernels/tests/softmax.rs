//! Softmax, log-softmax and softmax cross-entropy kernels against naive references.

mod common;
use common::{assert_close, fill};
use descent_kernels::softmax::*;

/// (rows, n): one class, sizes off the 8-lane width, and a parallel-sized block.
const SHAPES: &[(usize, usize)] = &[(1, 1), (3, 7), (2, 8), (4, 9), (5, 37), (40, 1000), (0, 4)];

#[test]
fn softmax_and_log_softmax_match_reference() {
    for &(rows, n) in SHAPES {
        let x = fill(rows * n, 1, 8.0);
        let dy = fill(rows * n, 2, 1.0);
        let len = rows * n;
        let (mut y, mut y_ref) = (vec![f32::NAN; len], vec![0.0; len]);
        softmax_forward(&x, n, &mut y);
        softmax_forward_reference(&x, n, &mut y_ref);
        assert_close(&format!("softmax ({rows}, {n})"), &y, &y_ref, 1e-6);
        let (mut dx, mut dx_ref) = (vec![f32::NAN; len], vec![0.0; len]);
        softmax_backward(&y, &dy, n, &mut dx);
        softmax_backward_reference(&x, &dy, n, &mut dx_ref);
        assert_close(&format!("softmax backward ({rows}, {n})"), &dx, &dx_ref, 1e-6);

        let (mut ly, mut ly_ref) = (vec![f32::NAN; len], vec![0.0; len]);
        log_softmax_forward(&x, n, &mut ly);
        log_softmax_forward_reference(&x, n, &mut ly_ref);
        assert_close(&format!("log_softmax ({rows}, {n})"), &ly, &ly_ref, 1e-6);
        log_softmax_backward(&ly, &dy, n, &mut dx);
        log_softmax_backward_reference(&x, &dy, n, &mut dx_ref);
        assert_close(&format!("log_softmax backward ({rows}, {n})"), &dx, &dx_ref, 1e-5);
    }
}

#[test]
fn softmax_cross_entropy_matches_reference() {
    let ignore = Some(0);
    for &(rows, classes) in SHAPES {
        let logits = fill(rows * classes, 3, 6.0);
        // Every fifth row ignored (target 0 is the ignore index here).
        let targets: Vec<usize> = (0..rows).map(|r| if r % 5 == 4 { 0 } else { (r * 7 + 3) % classes }).collect();
        for ignore_index in [None, ignore] {
            let case = format!("({rows}, {classes}) ignore {ignore_index:?}");
            let (mut lse, mut lse_ref) = (vec![f32::NAN; rows], vec![0.0; rows]);
            let loss = softmax_cross_entropy_forward(&logits, classes, &targets, ignore_index, &mut lse);
            let loss_ref = softmax_cross_entropy_forward_reference(&logits, classes, &targets, ignore_index, &mut lse_ref);
            assert_close(&format!("loss {case}"), &[loss], &[loss_ref], 1e-6);
            assert_close(&format!("lse {case}"), &lse, &lse_ref, 1e-6);
            let (mut d, mut d_ref) = (vec![f32::NAN; rows * classes], vec![0.0; rows * classes]);
            softmax_cross_entropy_backward(&logits, classes, &targets, ignore_index, &lse, 0.7, &mut d);
            softmax_cross_entropy_backward_reference(&logits, classes, &targets, ignore_index, 0.7, &mut d_ref);
            assert_close(&format!("dlogits {case}"), &d, &d_ref, 1e-6);
        }
    }
}

#[test]
fn softmax_cross_entropy_of_only_ignored_rows_is_zero() {
    let logits = fill(3 * 4, 4, 2.0);
    let mut lse = vec![0.0; 3];
    assert_eq!(softmax_cross_entropy_forward(&logits, 4, &[2, 2, 2], Some(2), &mut lse), 0.0);
    let mut d = vec![f32::NAN; 12];
    softmax_cross_entropy_backward(&logits, 4, &[2, 2, 2], Some(2), &lse, 1.0, &mut d);
    assert!(d.iter().all(|&v| v == 0.0));
}

#[test]
#[should_panic(expected = "target 4 is not below 4 classes")]
fn softmax_cross_entropy_rejects_a_target_out_of_range() {
    let mut lse = vec![0.0; 2];
    softmax_cross_entropy_forward(&fill(8, 5, 1.0), 4, &[1, 4], None, &mut lse);
}
