//! Fused `gelu(x + bias)` over rows, forward and backward, beside naive references.
//!
//! The first layer of a Transformer's feed-forward adds a bias and applies the exact
//! (erf) GELU to the widest activation of the model (B·T × 4·d); fused, that is one pass
//! forward and one backward instead of two and four. Backward recomputes `x + bias`
//! instead of saving it. The erf is [`crate::fast_math::erf`] (absolute error ≤ 4.2e-7),
//! well inside PyTorch parity.
//!
//! Rows are cut into blocks whose size depends only on the row length; the bias gradient
//! sums each block's column sums in block order, so results do not depend on the thread
//! count.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use crate::fast_math::{dispatch, gelu, gelu_grad};
use crate::PARALLEL_THRESHOLD;

/// Rows per block: about a quarter of the parallel threshold's elements.
fn block_rows(n: usize) -> usize {
    (PARALLEL_THRESHOLD / 4 / n.max(1)).max(1)
}

fn check(what: &str, x: usize, other: usize, n: usize) {
    assert!(
        x == other && (n == 0 && x == 0 || n > 0 && x % n == 0),
        "bias_gelu: {what} has {other} elements, input {x}, rows of {n} (the bias length)"
    );
}

dispatch! {
    /// `y = gelu(x + b)` over rows of `b.len()` values.
    fn bias_gelu_rows(x: &[f32], b: &[f32], y: &mut [MaybeUninit<f32>]) {
        for (yr, xr) in y.chunks_mut(b.len()).zip(x.chunks(b.len())) {
            yr.iter_mut().zip(xr.iter().zip(b)).for_each(|(o, (&xv, &bv))| {
                o.write(gelu(xv + bv));
            });
        }
    }
}

dispatch! {
    /// `dx = dy · gelu'(x + b)` over rows of `b.len()` values.
    fn bias_gelu_grad_rows(x: &[f32], b: &[f32], dy: &[f32], dx: &mut [MaybeUninit<f32>]) {
        let n = b.len();
        for ((dr, xr), gr) in dx.chunks_mut(n).zip(x.chunks(n)).zip(dy.chunks(n)) {
            for i in 0..n {
                dr[i].write(gr[i] * gelu_grad(xr[i] + b[i]));
            }
        }
    }
}

/// One block's slices: its column sums, dx (written), then x and dy.
type BackwardBlock<'a> = (&'a mut [f32], (&'a mut [MaybeUninit<f32>], (&'a [f32], &'a [f32])));

/// `y = gelu(x + bias)` (exact erf GELU) with `bias` broadcast over rows.
///
/// Shapes: x, y (rows, n); bias (n). Writes every element of `y` (which may be
/// uninitialised).
pub fn bias_gelu_forward(x: &[f32], bias: &[f32], y: &mut [MaybeUninit<f32>]) {
    let n = bias.len();
    check("output", x.len(), y.len(), n);
    if n == 0 {
        return;
    }
    let block = block_rows(n) * n;
    if x.len() >= PARALLEL_THRESHOLD {
        y.par_chunks_mut(block)
            .zip(x.par_chunks(block))
            .for_each(|(y, x)| bias_gelu_rows(x, bias, y));
    } else {
        bias_gelu_rows(x, bias, y);
    }
}

/// Gradients of [`bias_gelu_forward`]: `dx = dy·gelu'(x + bias)` and `dbias` = the column
/// sums of `dx`.
///
/// Shapes: x, dy, dx (rows, n); bias, dbias (n). Writes every element of `dx` (which may
/// be uninitialised) and overwrites `dbias`.
pub fn bias_gelu_backward(x: &[f32], bias: &[f32], dy: &[f32], dx: &mut [MaybeUninit<f32>], dbias: &mut [f32]) {
    let n = bias.len();
    check("dy", x.len(), dy.len(), n);
    check("dx", x.len(), dx.len(), n);
    assert_eq!(dbias.len(), n, "bias_gelu: dbias has {} elements, bias {n}", dbias.len());
    dbias.fill(0.0);
    if n == 0 {
        return;
    }
    let block = block_rows(n) * n;
    let blocks = x.len().div_ceil(block);
    // Column sums of each block (blocks, n), added in block order below.
    let mut partial = vec![0.0f32; blocks * n];
    let work = |(s, (d, (x, g))): BackwardBlock| {
        bias_gelu_grad_rows(x, bias, g, d);
        // SAFETY: the kernel above wrote every element of `d`.
        let d = unsafe { &*(d as *const [MaybeUninit<f32>] as *const [f32]) };
        d.chunks(n).for_each(|row| s.iter_mut().zip(row).for_each(|(s, v)| *s += v));
    };
    if x.len() >= PARALLEL_THRESHOLD {
        let inputs = dx.par_chunks_mut(block).zip(x.par_chunks(block).zip(dy.par_chunks(block)));
        partial.par_chunks_mut(n).zip(inputs).for_each(work);
    } else {
        let inputs = dx.chunks_mut(block).zip(x.chunks(block).zip(dy.chunks(block)));
        partial.chunks_mut(n).zip(inputs).for_each(work);
    }
    for s in partial.chunks(n) {
        dbias.iter_mut().zip(s).for_each(|(d, v)| *d += v);
    }
}

/// GELU and its derivative in f64 through libm's erf.
fn gelu_f64(z: f64) -> (f64, f64) {
    let cdf = 0.5 * (1.0 + libm::erf(z * std::f64::consts::FRAC_1_SQRT_2));
    let pdf = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    (z * cdf, cdf + z * pdf)
}

/// Naive reference for [`bias_gelu_forward`] (f64, libm's erf; tests only).
pub fn bias_gelu_forward_reference(x: &[f32], bias: &[f32], y: &mut [f32]) {
    let n = bias.len();
    for (i, (o, &v)) in y.iter_mut().zip(x).enumerate() {
        *o = gelu_f64(v as f64 + bias[i % n] as f64).0 as f32;
    }
}

/// Naive reference for [`bias_gelu_backward`] (f64 accumulation; tests only).
pub fn bias_gelu_backward_reference(x: &[f32], bias: &[f32], dy: &[f32], dx: &mut [f32], dbias: &mut [f32]) {
    let n = bias.len();
    let mut db = vec![0.0f64; n];
    for (i, (d, (&v, &g))) in dx.iter_mut().zip(x.iter().zip(dy)).enumerate() {
        let grad = g as f64 * gelu_f64(v as f64 + bias[i % n] as f64).1;
        *d = grad as f32;
        db[i % n] += grad;
    }
    dbias.iter_mut().zip(&db).for_each(|(d, &s)| *d = s as f32);
}
