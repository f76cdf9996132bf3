//! The gemm-based transposed convolution against its naive scatter-loop reference.

mod common;
use common::{backward_matches_reference, forward_matches_reference, LayerLens};
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

fn lens(g: &ConvTranspose2dGeometry) -> LayerLens {
    [g.input_len(), g.weight_len(), g.out_channels, g.output_len()]
}

#[test]
fn conv_transpose2d_forward_matches_reference() {
    for g in GEOMETRIES {
        forward_matches_reference(
            &format!("{g:?}"),
            lens(g),
            |x, w, b, out| conv_transpose2d_forward(g, x, w, b, out),
            |x, w, b, out| conv_transpose2d_forward_reference(g, x, w, b, out),
        );
    }
}

#[test]
fn conv_transpose2d_backward_matches_reference() {
    for g in GEOMETRIES {
        backward_matches_reference(
            &format!("{g:?}"),
            lens(g),
            |x, w, dy, [gi, gw, gb]| conv_transpose2d_backward(g, x, w, dy, Some(gi), Some(gw), Some(gb)),
            |x, w, dy, [gi, gw, gb]| conv_transpose2d_backward_reference(g, x, w, dy, gi, gw, gb),
        );
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
