//! Fast convolution kernels against their naive references.

mod common;
use common::{backward_matches_reference, fill, forward_matches_reference, LayerLens};
use descent_kernels::conv::*;

#[rustfmt::skip]
const fn geom(batch: usize, in_channels: usize, (in_h, in_w): (usize, usize), out_channels: usize,
              (kernel_h, kernel_w): (usize, usize), stride: usize, padding: usize) -> Conv2dGeometry {
    Conv2dGeometry { batch, in_channels, in_h, in_w, out_channels, kernel_h, kernel_w, stride, padding }
}

/// Odd sizes, strides 1-3, padding 0-2, batch 0 to 64; the last two are LeNet's
/// layers, big enough to run several chunks in parallel.
const GEOMETRIES: &[Conv2dGeometry] = &[
    geom(1, 1, (5, 5), 1, (3, 3), 1, 0),
    geom(2, 3, (7, 6), 4, (3, 2), 2, 1),
    geom(3, 2, (9, 9), 5, (4, 4), 2, 0),
    geom(5, 4, (6, 7), 3, (3, 3), 1, 1),
    geom(2, 1, (2, 2), 2, (3, 3), 1, 1),
    geom(2, 2, (3, 3), 2, (1, 1), 2, 2),
    geom(1, 3, (11, 13), 7, (5, 3), 3, 2),
    geom(2, 0, (3, 3), 2, (2, 2), 1, 0), // no input channels: out = bias
    geom(0, 2, (4, 4), 3, (3, 3), 1, 1), // empty batch: zero gradients
    geom(64, 1, (28, 28), 6, (5, 5), 1, 0),
    geom(64, 6, (12, 12), 16, (5, 5), 1, 0),
    LARGE_WEIGHT,
    // Few taps, stride 1, no padding, non-square kernels.
    geom(3, 2, (9, 13), 5, (3, 4), 1, 0),
    geom(2, 3, (12, 11), 4, (2, 3), 1, 0),
    // A large weight whose single image's col passes the group size: one image a group.
    geom(2, 256, (34, 34), 64, (2, 2), 1, 0),
    // 3×3, stride 1, padding 1 with 16+ channels and 100+ pixels: the Winograd route. Odd
    // and even sides, and (last) three chunks of which the third is short.
    geom(3, 16, (11, 11), 16, (3, 3), 1, 1),
    geom(2, 17, (10, 13), 20, (3, 3), 1, 1),
    geom(2, 16, (50, 2), 16, (3, 3), 1, 1),
    WINOGRAD_CHUNKS,
];

/// A Winograd geometry of three image chunks (5, 5, then 2 images).
const WINOGRAD_CHUNKS: Conv2dGeometry = geom(12, 64, (28, 28), 32, (3, 3), 1, 1);

/// DCGAN's 64→128 layer at batch 41: a weight large enough (131,072 elements) for the
/// accumulated weight-gradient route, and a batch of three image groups (20 images
/// each), so both halves run and the second ends in a short group.
const LARGE_WEIGHT: Conv2dGeometry = geom(41, 64, (14, 14), 128, (4, 4), 2, 1);

fn lens(g: &Conv2dGeometry) -> LayerLens {
    [g.input_len(), g.weight_len(), g.out_channels, g.output_len()]
}

#[test]
fn conv2d_forward_matches_reference() {
    for g in GEOMETRIES {
        forward_matches_reference(
            &format!("{g:?}"),
            lens(g),
            |x, w, b, out| conv2d_forward(g, x, w, b, out),
            |x, w, b, out| conv2d_forward_reference(g, x, w, b, out),
        );
    }
}

#[test]
fn conv2d_backward_matches_reference() {
    for g in GEOMETRIES {
        let ([x, w, dy], fast) = backward_matches_reference(
            &format!("{g:?}"),
            lens(g),
            |x, w, dy, [gi, gw, gb]| conv2d_backward(g, x, w, dy, Some(gi), Some(gw), Some(gb)),
            |x, w, dy, [gi, gw, gb]| conv2d_backward_reference(g, x, w, dy, Some(gi), Some(gw), Some(gb)),
        );
        // Weight gradient alone (a first layer): same numbers, grad_input skipped.
        let mut only_w = vec![f32::NAN; g.weight_len()];
        conv2d_backward(g, &x, &w, &dy, None, Some(&mut only_w), None);
        assert_eq!(only_w, fast[1]);
    }
}

/// Output, input gradient and weight gradient of `g` on `threads` threads.
fn forward_backward(g: &Conv2dGeometry, seed: u32, threads: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let (x, w, dy) = (
        fill(g.input_len(), seed, 1.0),
        fill(g.weight_len(), seed + 1, 1.0),
        fill(g.output_len(), seed + 2, 1.0),
    );
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let mut out = vec![0.0; g.output_len()];
        let (mut gi, mut gw) = (vec![0.0; g.input_len()], vec![0.0; g.weight_len()]);
        conv2d_forward(g, &x, &w, None, &mut out);
        conv2d_backward(g, &x, &w, &dy, Some(&mut gi), Some(&mut gw), None);
        (out, gi, gw)
    })
}

#[test]
fn conv2d_is_deterministic_across_thread_counts() {
    // The im2col route: a large weight whose images each make a group.
    let g = &geom(2, 256, (34, 34), 64, (2, 2), 1, 0);
    assert_eq!(forward_backward(g, 7, 1), forward_backward(g, 7, 3));
}

#[test]
fn large_weight_gradients_are_deterministic_across_thread_counts() {
    let g = &LARGE_WEIGHT;
    let (x, w, dy) = (
        fill(g.input_len(), 10, 1.0),
        fill(g.weight_len(), 11, 1.0),
        fill(g.output_len(), 12, 1.0),
    );
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let mut gw = vec![0.0; g.weight_len()];
            conv2d_backward(g, &x, &w, &dy, None, Some(&mut gw), None);
            gw
        })
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn winograd_route_is_deterministic_across_thread_counts() {
    let g = &WINOGRAD_CHUNKS;
    assert_eq!(forward_backward(g, 13, 1), forward_backward(g, 13, 3));
}

#[test]
#[should_panic(expected = "does not fit")]
fn conv2d_rejects_a_kernel_larger_than_the_padded_input() {
    geom(1, 1, (4, 4), 1, (7, 3), 1, 1).out_h();
}

#[test]
#[should_panic(expected = "weight has 8 elements, expected 9")]
fn conv2d_rejects_a_wrong_weight_size() {
    let g = geom(1, 1, (4, 4), 1, (3, 3), 1, 0);
    conv2d_forward(&g, &[0.0; 16], &[0.0; 8], None, &mut [0.0; 4]);
}
