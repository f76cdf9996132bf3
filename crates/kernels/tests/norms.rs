//! Batch and group normalisation kernels against their naive f64 references.

mod common;
use common::{assert_close, fill, written};
use descent_kernels::batch_norm::*;
use descent_kernels::group_norm::*;

const fn shape(batch: usize, channels: usize, inner: usize) -> ChannelShape {
    ChannelShape { batch, channels, inner }
}

/// (N, C) and (N, C, H·W) layouts; the last three are DCGAN's at batch 64 (parallel).
const SHAPES: &[ChannelShape] = &[
    shape(6, 5, 1),
    shape(4, 3, 25),
    shape(2, 8, 16),
    shape(3, 7, 13),
    shape(64, 1568, 1),
    shape(64, 128, 196),
    shape(64, 16, 49),
];

#[test]
fn batch_norm_statistics_and_backward_match_reference() {
    for s in SHAPES {
        // An offset mean and a small spread: the variance must not come from E[x²] − mean².
        let x: Vec<f32> = fill(s.len(), 1, 1.0).iter().map(|v| 3.0 + 0.01 * v).collect();
        let dy = fill(s.len(), 2, 1.0);
        let weight = fill(s.channels, 3, 1.0);
        let bias = fill(s.channels, 4, 1.0);
        let c = s.channels;
        let (mut mean, mut var, mut ref_mean, mut ref_var) = (vec![0.0; c], vec![0.0; c], vec![0.0; c], vec![0.0; c]);
        batch_norm_statistics(s, &x, &mut mean, &mut var);
        batch_norm_statistics_reference(s, &x, &mut ref_mean, &mut ref_var);
        assert_close(&format!("mean in {s:?}"), &mean, &ref_mean, 1e-6);
        for (i, (v, r)) in var.iter().zip(&ref_var).enumerate() {
            assert!((v - r).abs() <= 1e-3 * r, "var[{i}]: {v} vs {r} in {s:?}");
        }
        let mut y = vec![f32::NAN; s.len()];
        batch_norm_apply(s, &x, &mean, &var, &weight, &bias, 1e-5, &mut y);
        let rstd: Vec<f32> = var.iter().map(|v| 1.0 / (v + 1e-5).sqrt()).collect();
        let expected: Vec<f32> = (0..s.len())
            .map(|j| {
                let ch = j / s.inner % c;
                (x[j] - mean[ch]) * rstd[ch] * weight[ch] + bias[ch]
            })
            .collect();
        assert_close(&format!("y in {s:?}"), &y, &expected, 1e-4);
        for training in [true, false] {
            let (mut dx, mut sg, mut sgx) = (vec![f32::NAN; s.len()], vec![f32::NAN; c], vec![f32::NAN; c]);
            batch_norm_backward(s, &x, &dy, &mean, &rstd, &weight, training, Some(&mut dx), &mut sg, &mut sgx);
            let (mut rdx, mut rsg, mut rsgx) = (vec![0.0; s.len()], vec![0.0; c], vec![0.0; c]);
            batch_norm_backward_reference(s, &x, &dy, &mean, &rstd, &weight, training, &mut rdx, &mut rsg, &mut rsgx);
            assert_close(&format!("grad_input in {s:?}"), &dx, &rdx, 2e-4);
            assert_close(&format!("sum_grad in {s:?}"), &sg, &rsg, 1e-5);
            assert_close(&format!("sum_grad_xhat in {s:?}"), &sgx, &rsgx, 2e-4);
        }
    }
}

#[test]
fn group_norm_matches_reference() {
    for (s, groups) in [
        (shape(2, 8, 16), 4),
        (shape(3, 6, 5), 3),
        (shape(2, 4, 1), 1),
        (shape(2, 4, 9), 4),
        (shape(16, 64, 196), 32),
    ] {
        let x: Vec<f32> = fill(s.len(), 5, 1.0).iter().map(|v| 1.5 * v + 0.5).collect();
        let (dy, weight, bias) = (fill(s.len(), 6, 1.0), fill(s.channels, 7, 1.0), fill(s.channels, 8, 1.0));
        let (mut stats, mut ref_y) = (vec![f32::NAN; 2 * s.batch * groups], vec![0.0; s.len()]);
        let y = written(s.len(), |y| group_norm_forward(&s, groups, &x, &weight, &bias, 1e-5, y, &mut stats));
        group_norm_forward_reference(&s, groups, &x, &weight, &bias, 1e-5, &mut ref_y);
        assert_close(&format!("y in {s:?}"), &y, &ref_y, 1e-5);
        let c = s.channels;
        let (mut dx, mut dw, mut db) = (vec![f32::NAN; s.len()], vec![f32::NAN; c], vec![f32::NAN; c]);
        group_norm_backward(&s, groups, &x, &dy, &stats, &weight, Some(&mut dx), &mut dw, &mut db);
        let (mut rdx, mut rdw, mut rdb) = (vec![0.0; s.len()], vec![0.0; c], vec![0.0; c]);
        group_norm_backward_reference(&s, groups, &x, &dy, &weight, 1e-5, &mut rdx, &mut rdw, &mut rdb);
        assert_close(&format!("grad_input in {s:?}"), &dx, &rdx, 1e-4);
        assert_close(&format!("grad_weight in {s:?}"), &dw, &rdw, 1e-4);
        assert_close(&format!("grad_bias in {s:?}"), &db, &rdb, 1e-5);
        // Without grad_input, the parameter gradients are unchanged.
        let (mut dw2, mut db2) = (vec![0.0; c], vec![0.0; c]);
        group_norm_backward(&s, groups, &x, &dy, &stats, &weight, None, &mut dw2, &mut db2);
        assert_eq!((dw2, db2), (dw, db));
    }
}

#[test]
#[should_panic(expected = "do not split into 3 groups")]
fn group_norm_rejects_groups_that_do_not_divide_the_channels() {
    let s = shape(1, 4, 1);
    written(4, |y| {
        group_norm_forward(&s, 3, &[0.0; 4], &[1.0; 4], &[0.0; 4], 1e-5, y, &mut [0.0; 6])
    });
}
