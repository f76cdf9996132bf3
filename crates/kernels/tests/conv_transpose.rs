//! The gemm-based transposed convolution against its naive scatter-loop reference.

mod common;
use common::{assert_close, fill};
use descent_kernels::conv_transpose::*;

#[rustfmt::skip]
const fn geom(batch: usize, in_channels: usize, (in_h, in_w): (usize, usize), out_channels: usize,
              (kernel_h, kernel_w): (usize, usize), stride: usize, padding: usize) -> ConvTranspose2dGeometry {
    ConvTranspose2dGeometry { batch, in_channels, in_h, in_w, out_channels, kernel_h, kernel_w, stride, padding }
}

/// Strides 1-3, padding 0-2, odd kernels and sizes; the last two are the W7 DCGAN
/// generator's layers at batch 8 (large enough to go parallel).
const GEOMETRIES: &[ConvTranspose2dGeometry] = &[
    geom(1, 1, (3, 3), 1, (3, 3), 1, 0),
    geom(2, 3, (5, 5), 4, (4, 4), 2, 1), // the golden op's shape
    geom(3, 2, (4, 6), 5, (3, 2), 2, 0),
    geom(2, 4, (5, 4), 3, (5, 5), 3, 2),
    geom(1, 2, (1, 1), 3, (4, 4), 1, 0), // 1x1 input: the kernel itself, scaled
    geom(8, 256, (7, 7), 128, (4, 4), 2, 1),
    geom(8, 128, (14, 14), 1, (4, 4), 2, 1),
];

#[test]
fn conv_transpose2d_forward_matches_reference() {
    for g in GEOMETRIES {
        let (x, w, b) = (
            fill(g.input_len(), 1, 1.0),
            fill(g.weight_len(), 2, 1.0),
            fill(g.out_channels, 3, 1.0),
        );
        for bias in [None, Some(&b[..])] {
            let mut fast = vec![f32::NAN; g.output_len()];
            let mut slow = vec![0.0; g.output_len()];
            conv_transpose2d_forward(g, &x, &w, bias, &mut fast);
            conv_transpose2d_forward_reference(g, &x, &w, bias, &mut slow);
            assert_close(&format!("out in {g:?}"), &fast, &slow, 1e-4);
        }
    }
}

#[test]
fn conv_transpose2d_backward_matches_reference() {
    for g in GEOMETRIES {
        let (x, w, dy) = (
            fill(g.input_len(), 4, 1.0),
            fill(g.weight_len(), 5, 1.0),
            fill(g.output_len(), 6, 1.0),
        );
        let mut fast = [g.input_len(), g.weight_len(), g.out_channels].map(|n| vec![f32::NAN; n]);
        let mut slow = [g.input_len(), g.weight_len(), g.out_channels].map(|n| vec![0.0; n]);
        let [fi, fw, fb] = &mut fast;
        conv_transpose2d_backward(g, &x, &w, &dy, Some(fi), Some(fw), Some(fb));
        let [si, sw, sb] = &mut slow;
        conv_transpose2d_backward_reference(g, &x, &w, &dy, si, sw, sb);
        for (name, f, s) in [("grad_input", fi, si), ("grad_weight", fw, sw), ("grad_bias", fb, sb)] {
            assert_close(&format!("{name} in {g:?}"), f, s, 1e-4);
        }
    }
}

#[test]
fn output_size_follows_pytorch() {
    // (in − 1)·stride − 2·padding + kernel: DCGAN's 7 → 14 → 28.
    assert_eq!((GEOMETRIES[5].out_h(), GEOMETRIES[6].out_w()), (14, 28));
    assert_eq!(geom(1, 1, (5, 5), 1, (4, 4), 2, 1).out_h(), 10);
}

#[test]
#[should_panic(expected = "crops the whole")]
fn padding_that_crops_everything_is_rejected() {
    geom(1, 1, (1, 1), 1, (2, 2), 1, 1).out_h();
}
