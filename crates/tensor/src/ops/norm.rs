//! Fused layer normalisation over the last dim (Ba et al. 2016), forward and backward.
//!
//! `y = (x − mean)/√(var + ε) · weight + bias` with the biased variance (÷ n) and ε inside
//! the root, as PyTorch. The composite of primitives (`nn::LayerNorm`) takes seven passes
//! over the activations forward and about twenty backward; this op takes two and two, and
//! keeps per-row mean and 1/σ for the backward. The composite stays as its test oracle.

use crate::op::Op;
use crate::Tensor;
use descent_kernels::PARALLEL_THRESHOLD;
use rayon::prelude::*;
use std::sync::Arc;

/// Rows handled per rayon task (enough work per task to pay for the hop).
fn rows_per_task(n: usize) -> usize {
    (PARALLEL_THRESHOLD / 4 / n.max(1)).max(1)
}

/// Normalises one row; returns (mean, 1/σ).
fn norm_row(x: &[f32], w: &[f32], b: &[f32], eps: f32, y: &mut [f32]) -> (f32, f32) {
    let n = x.len() as f32;
    let mean = x.iter().sum::<f32>() / n;
    let var = x.iter().map(|&v| (v - mean) * (v - mean)).sum::<f32>() / n;
    let rstd = 1.0 / (var + eps).sqrt();
    for (((o, &v), &w), &b) in y.iter_mut().zip(x).zip(w).zip(b) {
        *o = (v - mean) * rstd * w + b;
    }
    (mean, rstd)
}

/// Forward over dense rows of length `n`: output and per-row (mean, 1/σ) interleaved.
pub(crate) fn layer_norm_forward(x: &[f32], w: &[f32], b: &[f32], n: usize, eps: f32) -> (Vec<f32>, Vec<f32>) {
    let rows = x.len() / n.max(1);
    let mut y = vec![0.0f32; x.len()];
    let mut stats = vec![0.0f32; 2 * rows];
    let chunk = rows_per_task(n);
    let work = |(ys, (xs, st)): (&mut [f32], (&[f32], &mut [f32]))| {
        for ((yr, xr), s) in ys.chunks_mut(n).zip(xs.chunks(n)).zip(st.chunks_mut(2)) {
            let (mean, rstd) = norm_row(xr, w, b, eps, yr);
            s[0] = mean;
            s[1] = rstd;
        }
    };
    if x.len() >= PARALLEL_THRESHOLD {
        y.par_chunks_mut(chunk * n)
            .zip(x.par_chunks(chunk * n).zip(stats.par_chunks_mut(chunk * 2)))
            .for_each(work);
    } else {
        y.chunks_mut(chunk * n)
            .zip(x.chunks(chunk * n).zip(stats.chunks_mut(chunk * 2)))
            .for_each(work);
    }
    (y, stats)
}

/// Backward of a block of rows: writes dx, adds this block's share of dweight and dbias.
#[allow(clippy::too_many_arguments)]
fn backward_block(x: &[f32], dy: &[f32], stats: &[f32], w: &[f32], n: usize, dx: &mut [f32], dw: &mut [f32], db: &mut [f32]) {
    let inv_n = 1.0 / n as f32;
    for (((xr, gr), s), dxr) in x.chunks(n).zip(dy.chunks(n)).zip(stats.chunks(2)).zip(dx.chunks_mut(n)) {
        let (mean, rstd) = (s[0], s[1]);
        // dxhat = dy·w; dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)).
        let mut sum_g = 0.0f32;
        let mut sum_gx = 0.0f32;
        for i in 0..n {
            let xhat = (xr[i] - mean) * rstd;
            let g = gr[i] * w[i];
            sum_g += g;
            sum_gx += g * xhat;
            dw[i] += gr[i] * xhat;
            db[i] += gr[i];
        }
        let (mg, mgx) = (sum_g * inv_n, sum_gx * inv_n);
        for i in 0..n {
            let xhat = (xr[i] - mean) * rstd;
            dxr[i] = rstd * (gr[i] * w[i] - mg - xhat * mgx);
        }
    }
}

/// One task's slices: dx (written), then x, dy and the row statistics.
type BackwardChunk<'a> = (&'a mut [f32], (&'a [f32], (&'a [f32], &'a [f32])));

/// Gradients (dx, dweight, dbias) of layer norm given the upstream gradient `dy`.
pub(crate) fn layer_norm_backward(x: &[f32], dy: &[f32], stats: &[f32], w: &[f32], n: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut dx = vec![0.0f32; x.len()];
    let chunk = rows_per_task(n).max(8);
    let partial = |(dxs, (xs, (gs, st))): BackwardChunk| {
        let (mut dw, mut db) = (vec![0.0f32; n], vec![0.0f32; n]);
        backward_block(xs, gs, st, w, n, dxs, &mut dw, &mut db);
        (dw, db)
    };
    let add = |(mut aw, mut ab): (Vec<f32>, Vec<f32>), (bw, bb): (Vec<f32>, Vec<f32>)| {
        aw.iter_mut().zip(&bw).for_each(|(a, b)| *a += b);
        ab.iter_mut().zip(&bb).for_each(|(a, b)| *a += b);
        (aw, ab)
    };
    let zero = || (vec![0.0f32; n], vec![0.0f32; n]);
    let (dw, db) = if x.len() >= PARALLEL_THRESHOLD {
        dx.par_chunks_mut(chunk * n)
            .zip(
                x.par_chunks(chunk * n)
                    .zip(dy.par_chunks(chunk * n).zip(stats.par_chunks(chunk * 2))),
            )
            .map(partial)
            .reduce(zero, add)
    } else {
        dx.chunks_mut(chunk * n)
            .zip(x.chunks(chunk * n).zip(dy.chunks(chunk * n).zip(stats.chunks(chunk * 2))))
            .map(partial)
            .fold(zero(), add)
    };
    (dx, dw, db)
}

impl Tensor {
    /// Layer normalisation over the last dim with gain `weight` and shift `bias` (both of
    /// the last dim's size): biased variance, `eps` inside the square root (PyTorch's
    /// `F.layer_norm`). One fused op: two passes forward, two backward.
    pub fn layer_norm(&self, weight: &Tensor, bias: &Tensor, eps: f32) -> Tensor {
        assert!(self.rank() >= 1, "layer_norm: needs at least one dim, got shape {:?}", self.shape());
        let n = self.dim(self.rank() - 1);
        assert!(
            weight.shape() == [n] && bias.shape() == [n],
            "layer_norm: weight {:?} and bias {:?} must both be [{n}] for input {:?}",
            weight.shape(),
            bias.shape(),
            self.shape()
        );
        let (y, stats) = layer_norm_forward(&self.contiguous_data(), &weight.contiguous_data(), &bias.contiguous_data(), n, eps);
        let stats = Arc::new(stats);
        Tensor::from_op(y, self.shape(), &[self, weight, bias], || Op::LayerNorm {
            input: self.clone(),
            weight: weight.clone(),
            bias: bias.clone(),
            eps,
            stats,
        })
    }
}

/// The backward arm: `(dx, dweight, dbias)` as tensors of their inputs' shapes.
pub(crate) fn layer_norm_grads(input: &Tensor, weight: &Tensor, stats: &[f32], grad: &Tensor) -> (Tensor, Tensor, Tensor) {
    let n = weight.numel();
    let (dx, dw, db) = layer_norm_backward(
        &input.contiguous_data(),
        &grad.contiguous_data(),
        stats,
        &weight.contiguous_data(),
        n,
    );
    (
        Tensor::from_vec(dx, input.shape()),
        Tensor::from_vec(dw, &[n]),
        Tensor::from_vec(db, &[n]),
    )
}
