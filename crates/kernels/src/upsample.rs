//! Nearest-neighbour upsampling of NCHW planes by an integer factor (PyTorch's
//! `F.interpolate(x, scale_factor=s, mode="nearest")`), forward and backward.
//!
//! Output pixel (i, j) copies input pixel (i / s, j / s); the backward pass sums each
//! s×s block of the output gradient back onto its source pixel. Planes are independent
//! and go parallel in blocks when the tensor is large.

use rayon::prelude::*;

use crate::PARALLEL_THRESHOLD;

/// Runs `body(first_plane, block)` over `out`, cut into blocks of whole planes of
/// `plane` elements: in parallel when `out` is large.
fn for_plane_blocks(out: &mut [f32], plane: usize, body: impl Fn(usize, &mut [f32]) + Sync) {
    let plane = plane.max(1);
    if out.len() >= PARALLEL_THRESHOLD && rayon::current_num_threads() > 1 {
        let per = (PARALLEL_THRESHOLD / 4 / plane).max(1);
        out.par_chunks_mut(per * plane).enumerate().for_each(|(t, b)| body(t * per, b));
    } else {
        body(0, out);
    }
}

fn check(what: &str, actual: usize, expected: usize, planes: usize, (h, w): (usize, usize), scale: usize) {
    assert!(scale >= 1, "upsample_nearest2d: scale must be at least 1");
    assert_eq!(
        actual, expected,
        "upsample_nearest2d: {what} has {actual} elements, expected {expected} for {planes} planes of {h}x{w}, scale {scale}"
    );
}

/// Overwrites `out` (planes, h·scale, w·scale) with `input` (planes, h, w) upsampled.
pub fn upsample_nearest2d_forward(planes: usize, (h, w): (usize, usize), scale: usize, input: &[f32], out: &mut [f32]) {
    check("input", input.len(), planes * h * w, planes, (h, w), scale);
    check("output", out.len(), planes * h * w * scale * scale, planes, (h, w), scale);
    let (ow, out_plane) = (w * scale, h * w * scale * scale);
    for_plane_blocks(out, out_plane, |first, block| {
        for (p, dst) in (first..).zip(block.chunks_exact_mut(out_plane.max(1))) {
            let src = &input[p * h * w..][..h * w];
            for (i, row) in dst.chunks_exact_mut(ow.max(1)).enumerate() {
                let src_row = &src[i / scale * w..][..w];
                for (d, &v) in row.chunks_exact_mut(scale).zip(src_row) {
                    d.fill(v);
                }
            }
        }
    });
}

/// Overwrites `grad_input` (planes, h, w) with the sums of each scale×scale block of
/// `grad_out` (planes, h·scale, w·scale).
pub fn upsample_nearest2d_backward(planes: usize, (h, w): (usize, usize), scale: usize, grad_out: &[f32], grad_input: &mut [f32]) {
    check("grad_input", grad_input.len(), planes * h * w, planes, (h, w), scale);
    check("grad_out", grad_out.len(), planes * h * w * scale * scale, planes, (h, w), scale);
    let (ow, out_plane) = (w * scale, h * w * scale * scale);
    for_plane_blocks(grad_input, h * w, |first, block| {
        block.fill(0.0);
        for (p, dst) in (first..).zip(block.chunks_exact_mut((h * w).max(1))) {
            let src = &grad_out[p * out_plane..][..out_plane];
            for (i, row) in src.chunks_exact(ow.max(1)).enumerate() {
                let dst_row = &mut dst[i / scale * w..][..w];
                for (d, block) in dst_row.iter_mut().zip(row.chunks_exact(scale)) {
                    *d += block.iter().sum::<f32>();
                }
            }
        }
    });
}

/// Naive reference for [`upsample_nearest2d_forward`] (tests only).
pub fn upsample_nearest2d_forward_reference(planes: usize, (h, w): (usize, usize), scale: usize, input: &[f32], out: &mut [f32]) {
    let (oh, ow) = (h * scale, w * scale);
    for p in 0..planes {
        for i in 0..oh {
            for j in 0..ow {
                out[(p * oh + i) * ow + j] = input[(p * h + i / scale) * w + j / scale];
            }
        }
    }
}

/// Naive f64 reference for [`upsample_nearest2d_backward`] (tests only).
pub fn upsample_nearest2d_backward_reference(
    planes: usize,
    (h, w): (usize, usize),
    scale: usize,
    grad_out: &[f32],
    grad_input: &mut [f32],
) {
    let (oh, ow) = (h * scale, w * scale);
    let mut acc = vec![0.0f64; grad_input.len()];
    for p in 0..planes {
        for i in 0..oh {
            for j in 0..ow {
                acc[(p * h + i / scale) * w + j / scale] += grad_out[(p * oh + i) * ow + j] as f64;
            }
        }
    }
    grad_input.iter_mut().zip(&acc).for_each(|(d, &a)| *d = a as f32);
}
