//! Layer normalisation over the last dim (Ba et al. 2016), forward and backward, beside
//! naive references.
//!
//! `y = (x − mean)/√(var + ε) · weight + bias` with the biased variance (÷ n) and ε inside
//! the root, as PyTorch. Forward takes two passes over each row and keeps its mean and
//! 1/σ; backward takes two more. Rows are cut into blocks whose size depends only on the
//! row length, processed in parallel when large; the weight and bias gradients sum each
//! block's share in block order, so results do not depend on the thread count.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use crate::{fast_math, PARALLEL_THRESHOLD};

/// Rows handled per block (enough work per rayon task to pay for the hop).
fn block_rows(n: usize) -> usize {
    (PARALLEL_THRESHOLD / 4 / n.max(1)).max(1)
}

fn check(what: &str, actual: usize, expected: usize, n: usize) {
    assert_eq!(
        actual, expected,
        "layer_norm: {what} has {actual} elements, expected {expected} (rows of {n})"
    );
}

/// Normalises one row; returns (mean, 1/σ).
fn norm_row(x: &[f32], w: &[f32], b: &[f32], eps: f32, y: &mut [MaybeUninit<f32>]) -> (f32, f32) {
    let n = x.len() as f32;
    // Eight-lane sums: a serial sum is latency-bound.
    let mean = fast_math::sum(x) / n;
    let var = fast_math::sum_squared_deviations(x, mean) / n;
    let rstd = 1.0 / (var + eps).sqrt();
    for (((o, &v), &w), &b) in y.iter_mut().zip(x).zip(w).zip(b) {
        o.write((v - mean) * rstd * w + b);
    }
    (mean, rstd)
}

/// One block's slices: y (written), then x and stats.
type ForwardBlock<'a> = (&'a mut [MaybeUninit<f32>], (&'a [f32], &'a mut [f32]));

/// Layer norm of every row of `x`: `y` gets the normalised rows and `stats` each row's
/// mean and 1/√(var + eps), interleaved (kept for [`layer_norm_backward`]).
///
/// Shapes: x, y (rows, n); weight, bias (n); stats (rows, 2). Writes every element of `y`
/// (which may be uninitialised) and overwrites `stats`.
pub fn layer_norm_forward(x: &[f32], weight: &[f32], bias: &[f32], eps: f32, y: &mut [MaybeUninit<f32>], stats: &mut [f32]) {
    let n = weight.len();
    check("bias", bias.len(), n, n);
    check("output", y.len(), x.len(), n);
    if n == 0 {
        return;
    }
    check("stats", stats.len(), 2 * (x.len() / n), n);
    check("input", x.len() % n, 0, n);
    let rows = block_rows(n);
    let work = |(ys, (xs, st)): ForwardBlock| {
        for ((yr, xr), s) in ys.chunks_mut(n).zip(xs.chunks(n)).zip(st.chunks_mut(2)) {
            let (mean, rstd) = norm_row(xr, weight, bias, eps, yr);
            s[0] = mean;
            s[1] = rstd;
        }
    };
    if x.len() >= PARALLEL_THRESHOLD {
        y.par_chunks_mut(rows * n)
            .zip(x.par_chunks(rows * n).zip(stats.par_chunks_mut(rows * 2)))
            .for_each(work);
    } else {
        y.chunks_mut(rows * n)
            .zip(x.chunks(rows * n).zip(stats.chunks_mut(rows * 2)))
            .for_each(work);
    }
}

/// Backward of a block of rows: writes dx and this block's dweight and dbias (`dwb`, 2n).
fn backward_block(x: &[f32], dy: &[f32], stats: &[f32], w: &[f32], dx: &mut [f32], dwb: &mut [f32]) {
    let n = w.len();
    let inv_n = 1.0 / n as f32;
    let (dw, db) = dwb.split_at_mut(n);
    for (((xr, gr), s), dxr) in x.chunks(n).zip(dy.chunks(n)).zip(stats.chunks(2)).zip(dx.chunks_mut(n)) {
        let (mean, rstd) = (s[0], s[1]);
        // dxhat = dy·w; dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)).
        // Eight lanes per sum, so the loop vectorises (a serial sum would not).
        let (mut sum_g, mut sum_gx) = ([0.0f32; 8], [0.0f32; 8]);
        let mut add = |lane: usize, x: f32, dy: f32, w: f32, dw: &mut f32, db: &mut f32| {
            let xhat = (x - mean) * rstd;
            let g = dy * w;
            sum_g[lane] += g;
            sum_gx[lane] += g * xhat;
            *dw += dy * xhat;
            *db += dy;
        };
        let whole = n / 8 * 8;
        let eights = (xr[..whole].chunks_exact(8).zip(gr.chunks_exact(8)).zip(w.chunks_exact(8)))
            .zip(dw.chunks_exact_mut(8).zip(db.chunks_exact_mut(8)));
        for (((x8, g8), w8), (dw8, db8)) in eights {
            for j in 0..8 {
                add(j, x8[j], g8[j], w8[j], &mut dw8[j], &mut db8[j]);
            }
        }
        for i in whole..n {
            add(0, xr[i], gr[i], w[i], &mut dw[i], &mut db[i]);
        }
        let (sum_g, sum_gx) = (sum_g.iter().sum::<f32>(), sum_gx.iter().sum::<f32>());
        let (mg, mgx) = (sum_g * inv_n, sum_gx * inv_n);
        for i in 0..n {
            let xhat = (xr[i] - mean) * rstd;
            dxr[i] = rstd * (gr[i] * w[i] - mg - xhat * mgx);
        }
    }
}

/// One block's slices: its dweight|dbias share, dx (written), then x, dy and the row statistics.
type BackwardBlock<'a> = (&'a mut [f32], (&'a mut [f32], (&'a [f32], (&'a [f32], &'a [f32]))));

/// Gradients of [`layer_norm_forward`] given the upstream gradient `dy` and the saved
/// `stats`.
///
/// Shapes: x, dy, dx (rows, n); stats (rows, 2); weight, dweight, dbias (n). Overwrites
/// `dx`, `dweight` and `dbias`.
pub fn layer_norm_backward(x: &[f32], dy: &[f32], stats: &[f32], weight: &[f32], dx: &mut [f32], dweight: &mut [f32], dbias: &mut [f32]) {
    let n = weight.len();
    check("dy", dy.len(), x.len(), n);
    check("dx", dx.len(), x.len(), n);
    check("dweight", dweight.len(), n, n);
    check("dbias", dbias.len(), n, n);
    dweight.fill(0.0);
    dbias.fill(0.0);
    if n == 0 {
        return;
    }
    check("stats", stats.len(), 2 * (x.len() / n), n);
    let rows = block_rows(n).max(8);
    let blocks = (x.len() / n).div_ceil(rows);
    // Each block's (dweight, dbias) share (blocks, 2n), added in block order below.
    let mut partial = vec![0.0f32; blocks * 2 * n];
    let work = |(dwb, (dxs, (xs, (gs, st)))): BackwardBlock| backward_block(xs, gs, st, weight, dxs, dwb);
    if x.len() >= PARALLEL_THRESHOLD {
        let inputs = x.par_chunks(rows * n).zip(dy.par_chunks(rows * n).zip(stats.par_chunks(rows * 2)));
        partial
            .par_chunks_mut(2 * n)
            .zip(dx.par_chunks_mut(rows * n).zip(inputs))
            .for_each(work);
    } else {
        let inputs = x.chunks(rows * n).zip(dy.chunks(rows * n).zip(stats.chunks(rows * 2)));
        partial.chunks_mut(2 * n).zip(dx.chunks_mut(rows * n).zip(inputs)).for_each(work);
    }
    for share in partial.chunks(2 * n) {
        dweight.iter_mut().zip(&share[..n]).for_each(|(d, v)| *d += v);
        dbias.iter_mut().zip(&share[n..]).for_each(|(d, v)| *d += v);
    }
}

/// Naive reference for [`layer_norm_forward`] (f64, two-pass statistics; tests only).
pub fn layer_norm_forward_reference(x: &[f32], weight: &[f32], bias: &[f32], eps: f32, y: &mut [f32], stats: &mut [f32]) {
    let n = weight.len();
    for (r, (xr, yr)) in x.chunks(n).zip(y.chunks_mut(n)).enumerate() {
        let mean = xr.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        let var = xr.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n as f64;
        let rstd = 1.0 / (var + eps as f64).sqrt();
        for i in 0..n {
            yr[i] = ((xr[i] as f64 - mean) * rstd * weight[i] as f64 + bias[i] as f64) as f32;
        }
        (stats[2 * r], stats[2 * r + 1]) = (mean as f32, rstd as f32);
    }
}

/// Naive reference for [`layer_norm_backward`]: recomputes the statistics in f64 from
/// `x` (so it checks the saved ones too) and differentiates the formula row by row.
pub fn layer_norm_backward_reference(
    x: &[f32],
    dy: &[f32],
    weight: &[f32],
    eps: f32,
    dx: &mut [f32],
    dweight: &mut [f32],
    dbias: &mut [f32],
) {
    let n = weight.len();
    let (mut dw, mut db) = (vec![0.0f64; n], vec![0.0f64; n]);
    for ((xr, gr), dxr) in x.chunks(n).zip(dy.chunks(n)).zip(dx.chunks_mut(n)) {
        let mean = xr.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
        let var = xr.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n as f64;
        let rstd = 1.0 / (var + eps as f64).sqrt();
        let xhat: Vec<f64> = xr.iter().map(|&v| (v as f64 - mean) * rstd).collect();
        let g: Vec<f64> = (0..n).map(|i| gr[i] as f64 * weight[i] as f64).collect();
        let mean_g = g.iter().sum::<f64>() / n as f64;
        let mean_gx = g.iter().zip(&xhat).map(|(a, b)| a * b).sum::<f64>() / n as f64;
        for i in 0..n {
            dxr[i] = (rstd * (g[i] - mean_g - xhat[i] * mean_gx)) as f32;
            dw[i] += gr[i] as f64 * xhat[i];
            db[i] += gr[i] as f64;
        }
    }
    dweight.iter_mut().zip(&dw).for_each(|(d, &s)| *d = s as f32);
    dbias.iter_mut().zip(&db).for_each(|(d, &s)| *d = s as f32);
}
