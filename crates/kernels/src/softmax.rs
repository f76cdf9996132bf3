//! Softmax and log-softmax over rows, and the fused softmax cross-entropy, forward and
//! backward, beside naive references.
//!
//! Rows are independent, so the fast kernels run them in parallel when the data is large
//! and every row is computed the same way whatever the thread count. Softmax and
//! log-softmax use libm's `exp` (they feed classifiers whose PyTorch parity is tested at
//! f32 precision); the cross-entropy, which language models run over tens of millions of
//! logits per step, uses the vectorised [`crate::fast_math`] exp: one pass forward (a
//! log-sum-exp per row, saved) and one backward, `(softmax − onehot)·g/count`, instead of
//! the ten passes of `log_softmax → gather → mean`.

use rayon::prelude::*;

use crate::fast_math::{log_sum_exp_rows, scaled_exp};
use crate::PARALLEL_THRESHOLD;

fn check(op: &str, what: &str, actual: usize, expected: usize, n: usize) {
    assert_eq!(
        actual, expected,
        "{op}: {what} has {actual} elements, expected {expected} (rows of {n})"
    );
}

/// Runs `f(row_in…, row_out)` over every length-`n` row, in parallel when large.
fn rows2(a: &[f32], b: &[f32], n: usize, out: &mut [f32], f: impl Fn(&[f32], &[f32], &mut [f32]) + Sync) {
    if n == 0 {
        return;
    }
    if out.len() >= PARALLEL_THRESHOLD {
        out.par_chunks_mut(n)
            .zip(a.par_chunks(n).zip(b.par_chunks(n)))
            .for_each(|(o, (a, b))| f(a, b, o));
    } else {
        out.chunks_mut(n)
            .zip(a.chunks(n).zip(b.chunks(n)))
            .for_each(|(o, (a, b))| f(a, b, o));
    }
}

fn softmax_row(x: &[f32], y: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for (o, &v) in y.iter_mut().zip(x) {
        *o = (v - max).exp();
        sum += *o;
    }
    let inv = 1.0 / sum;
    y.iter_mut().for_each(|o| *o *= inv);
}

fn log_softmax_row(x: &[f32], y: &mut [f32]) {
    let max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = x.iter().map(|&v| (v - max).exp()).sum();
    let log_sum = max + sum.ln();
    y.iter_mut().zip(x).for_each(|(o, &v)| *o = v - log_sum);
}

/// Softmax of every length-`n` row: `exp(x − max) / Σ exp(x − max)`.
///
/// Shapes: x, y (rows, n). Overwrites `y`.
pub fn softmax_forward(x: &[f32], n: usize, y: &mut [f32]) {
    check("softmax", "output", y.len(), x.len(), n);
    rows2(x, x, n, y, |x, _, y| softmax_row(x, y));
}

/// Log-softmax of every length-`n` row: `x − max − log Σ exp(x − max)`.
///
/// Shapes: x, y (rows, n). Overwrites `y`.
pub fn log_softmax_forward(x: &[f32], n: usize, y: &mut [f32]) {
    check("log_softmax", "output", y.len(), x.len(), n);
    rows2(x, x, n, y, |x, _, y| log_softmax_row(x, y));
}

/// Softmax backward from its output `y`: `dx = y · (dy − Σ dy·y)` per row.
///
/// Shapes: y, dy, dx (rows, n). Overwrites `dx`.
pub fn softmax_backward(y: &[f32], dy: &[f32], n: usize, dx: &mut [f32]) {
    check("softmax", "dy", dy.len(), y.len(), n);
    check("softmax", "dx", dx.len(), y.len(), n);
    rows2(y, dy, n, dx, |y, dy, dx| {
        let dot: f32 = y.iter().zip(dy).map(|(a, b)| a * b).sum();
        dx.iter_mut().zip(y.iter().zip(dy)).for_each(|(d, (&y, &g))| *d = (g - dot) * y);
    });
}

/// Log-softmax backward from its output `y`: `dx = dy − exp(y) · Σ dy` per row.
///
/// Shapes: y, dy, dx (rows, n). Overwrites `dx`.
pub fn log_softmax_backward(y: &[f32], dy: &[f32], n: usize, dx: &mut [f32]) {
    check("log_softmax", "dy", dy.len(), y.len(), n);
    check("log_softmax", "dx", dx.len(), y.len(), n);
    rows2(y, dy, n, dx, |y, dy, dx| {
        let total: f32 = dy.iter().sum();
        dx.iter_mut()
            .zip(y.iter().zip(dy))
            .for_each(|(d, (&y, &g))| *d = g - y.exp() * total);
    });
}

/// Rows per rayon task of the cross-entropy.
fn ce_block_rows(classes: usize) -> usize {
    (PARALLEL_THRESHOLD / classes.max(1)).max(1)
}

fn check_targets(logits: usize, classes: usize, targets: &[usize], ignore_index: Option<usize>) {
    check("softmax_cross_entropy", "logits", logits, targets.len() * classes, classes);
    if let Some(&bad) = targets.iter().find(|&&t| Some(t) != ignore_index && t >= classes) {
        panic!("softmax_cross_entropy: target {bad} is not below {classes} classes");
    }
}

/// Mean cross-entropy of (rows, classes) logits against one target class per row,
/// skipping rows whose target is `ignore_index`; 0 when every row is skipped. `lse` gets
/// each row's log-sum-exp (kept for [`softmax_cross_entropy_backward`]).
///
/// Shapes: logits (rows, classes); targets, lse (rows). Overwrites `lse`.
pub fn softmax_cross_entropy_forward(
    logits: &[f32],
    classes: usize,
    targets: &[usize],
    ignore_index: Option<usize>,
    lse: &mut [f32],
) -> f32 {
    check_targets(logits.len(), classes, targets, ignore_index);
    check("softmax_cross_entropy", "lse", lse.len(), targets.len(), 1);
    if classes == 0 {
        lse.fill(f32::NEG_INFINITY);
    } else {
        let block = ce_block_rows(classes);
        let work = |(l, rows): (&mut [f32], &[f32])| log_sum_exp_rows(rows, classes, l);
        if logits.len() >= PARALLEL_THRESHOLD {
            lse.par_chunks_mut(block).zip(logits.par_chunks(block * classes)).for_each(work);
        } else {
            lse.chunks_mut(block).zip(logits.chunks(block * classes)).for_each(work);
        }
    }
    let kept = || targets.iter().enumerate().filter(|(_, &t)| Some(t) != ignore_index);
    let count = kept().count();
    let total: f64 = kept().map(|(r, &t)| (lse[r] - logits[r * classes + t]) as f64).sum();
    mean_or_zero(total, count)
}

/// The mean loss over the `count` kept rows, 0 when every row was skipped.
fn mean_or_zero(total: f64, count: usize) -> f32 {
    if count == 0 {
        0.0
    } else {
        (total / count as f64) as f32
    }
}

/// Gradient of [`softmax_cross_entropy_forward`] times the upstream scalar `grad`:
/// `dlogits = grad/count · (softmax − onehot)` on kept rows, 0 on skipped rows.
///
/// Shapes: logits, dlogits (rows, classes); targets, lse (rows). Overwrites `dlogits`.
pub fn softmax_cross_entropy_backward(
    logits: &[f32],
    classes: usize,
    targets: &[usize],
    ignore_index: Option<usize>,
    lse: &[f32],
    grad: f32,
    dlogits: &mut [f32],
) {
    check_targets(logits.len(), classes, targets, ignore_index);
    check("softmax_cross_entropy", "lse", lse.len(), targets.len(), 1);
    check("softmax_cross_entropy", "dlogits", dlogits.len(), logits.len(), classes);
    if classes == 0 {
        return;
    }
    let count = targets.iter().filter(|&&t| Some(t) != ignore_index).count();
    let g = if count == 0 { 0.0 } else { grad / count as f32 };
    let block = ce_block_rows(classes);
    let work = |(b, (dst, src)): (usize, (&mut [f32], &[f32]))| {
        for (i, (d, s)) in dst.chunks_mut(classes).zip(src.chunks(classes)).enumerate() {
            let row = b * block + i;
            let t = targets[row];
            if Some(t) == ignore_index {
                d.fill(0.0);
                continue;
            }
            scaled_exp(s, lse[row], g, d);
            d[t] -= g;
        }
    };
    if logits.len() >= PARALLEL_THRESHOLD {
        let pairs = dlogits.par_chunks_mut(block * classes).zip(logits.par_chunks(block * classes));
        pairs.enumerate().for_each(work);
    } else {
        let pairs = dlogits.chunks_mut(block * classes).zip(logits.chunks(block * classes));
        pairs.enumerate().for_each(work);
    }
}

/// log Σ exp of a row in f64.
fn log_sum_exp_f64(row: &[f32]) -> f64 {
    let max = row.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64));
    max + row.iter().map(|&v| (v as f64 - max).exp()).sum::<f64>().ln()
}

/// Naive reference for [`softmax_forward`] (f64; tests only).
pub fn softmax_forward_reference(x: &[f32], n: usize, y: &mut [f32]) {
    for (xr, yr) in x.chunks(n.max(1)).zip(y.chunks_mut(n.max(1))) {
        let lse = log_sum_exp_f64(xr);
        yr.iter_mut().zip(xr).for_each(|(o, &v)| *o = (v as f64 - lse).exp() as f32);
    }
}

/// Naive reference for [`log_softmax_forward`] (f64; tests only).
pub fn log_softmax_forward_reference(x: &[f32], n: usize, y: &mut [f32]) {
    for (xr, yr) in x.chunks(n.max(1)).zip(y.chunks_mut(n.max(1))) {
        let lse = log_sum_exp_f64(xr);
        yr.iter_mut().zip(xr).for_each(|(o, &v)| *o = (v as f64 - lse) as f32);
    }
}

/// Naive reference for the softmax backward from the *input* `x` (f64 Jacobian-vector
/// product `dx_i = Σ_j dy_j·y_j·(δ_ij − y_i)`; tests only).
pub fn softmax_backward_reference(x: &[f32], dy: &[f32], n: usize, dx: &mut [f32]) {
    for ((xr, gr), dr) in x.chunks(n.max(1)).zip(dy.chunks(n.max(1))).zip(dx.chunks_mut(n.max(1))) {
        let lse = log_sum_exp_f64(xr);
        let y: Vec<f64> = xr.iter().map(|&v| (v as f64 - lse).exp()).collect();
        for i in 0..n {
            let jvp: f64 = (0..n).map(|j| gr[j] as f64 * y[j] * (if i == j { 1.0 } else { 0.0 } - y[i])).sum();
            dr[i] = jvp as f32;
        }
    }
}

/// Naive reference for the log-softmax backward from the *input* `x` (f64,
/// `dx_i = dy_i − softmax_i · Σ_j dy_j`; tests only).
pub fn log_softmax_backward_reference(x: &[f32], dy: &[f32], n: usize, dx: &mut [f32]) {
    for ((xr, gr), dr) in x.chunks(n.max(1)).zip(dy.chunks(n.max(1))).zip(dx.chunks_mut(n.max(1))) {
        let lse = log_sum_exp_f64(xr);
        let total: f64 = gr.iter().map(|&g| g as f64).sum();
        for i in 0..n {
            dr[i] = (gr[i] as f64 - (xr[i] as f64 - lse).exp() * total) as f32;
        }
    }
}

/// Naive reference for [`softmax_cross_entropy_forward`] (f64; tests only): the loss, and
/// each row's log-sum-exp in `lse`.
pub fn softmax_cross_entropy_forward_reference(
    logits: &[f32],
    classes: usize,
    targets: &[usize],
    ignore_index: Option<usize>,
    lse: &mut [f32],
) -> f32 {
    let (mut total, mut count) = (0.0f64, 0usize);
    for (r, &t) in targets.iter().enumerate() {
        let row = &logits[r * classes..(r + 1) * classes];
        let l = log_sum_exp_f64(row);
        lse[r] = l as f32;
        if Some(t) != ignore_index {
            total += l - row[t] as f64;
            count += 1;
        }
    }
    mean_or_zero(total, count)
}

/// Naive reference for [`softmax_cross_entropy_backward`], recomputing the softmax in f64
/// from the logits (tests only).
pub fn softmax_cross_entropy_backward_reference(
    logits: &[f32],
    classes: usize,
    targets: &[usize],
    ignore_index: Option<usize>,
    grad: f32,
    dlogits: &mut [f32],
) {
    let count = targets.iter().filter(|&&t| Some(t) != ignore_index).count();
    for (r, &t) in targets.iter().enumerate() {
        let row = &logits[r * classes..(r + 1) * classes];
        let l = log_sum_exp_f64(row);
        for (c, d) in dlogits[r * classes..(r + 1) * classes].iter_mut().enumerate() {
            *d = if Some(t) == ignore_index {
                0.0
            } else {
                let onehot = if c == t { 1.0 } else { 0.0 };
                (grad as f64 / count as f64 * ((row[c] as f64 - l).exp() - onehot)) as f32
            };
        }
    }
}
