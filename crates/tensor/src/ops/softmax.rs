//! Numerically stable softmax and log-softmax along one dim, and cross-entropy on top.

use crate::op::Op;
use crate::Tensor;
use descent_kernels::PARALLEL_THRESHOLD;
use rayon::prelude::*;

/// Runs `f(row_in, row_out)` over every length-`n` row of dense data, parallel when large.
fn rows(input: &[f32], n: usize, f: impl Fn(&[f32], &mut [f32]) + Sync) -> Vec<f32> {
    let mut out = vec![0.0f32; input.len()];
    if n == 0 {
        return out;
    }
    if input.len() >= PARALLEL_THRESHOLD {
        out.par_chunks_mut(n).zip(input.par_chunks(n)).for_each(|(o, i)| f(i, o));
    } else {
        out.chunks_mut(n).zip(input.chunks(n)).for_each(|(o, i)| f(i, o));
    }
    out
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

/// Applies a row function along `dim` by moving `dim` last when it is not already.
fn along_dim(x: &Tensor, dim: usize, f: impl Fn(&[f32], &mut [f32]) + Sync) -> Vec<f32> {
    let rank = x.rank();
    assert!(dim < rank, "softmax: dim {dim} out of range for shape {:?}", x.shape());
    if dim == rank - 1 {
        return rows(&x.contiguous_data(), x.shape()[dim], f);
    }
    let moved = x.detach().transpose(dim, rank - 1);
    let out = rows(&moved.to_vec(), x.shape()[dim], f);
    Tensor::from_vec(out, moved.shape()).transpose(dim, rank - 1).to_vec()
}

impl Tensor {
    /// softmax along `dim`: exp(x − max) / Σ exp(x − max).
    pub fn softmax(&self, dim: usize) -> Tensor {
        let out = along_dim(self, dim, softmax_row);
        Tensor::from_op(out, self.shape(), &[self], || Op::Softmax { arg: self.clone(), dim })
    }

    /// log-softmax along `dim`: x − max − log Σ exp(x − max).
    pub fn log_softmax(&self, dim: usize) -> Tensor {
        let out = along_dim(self, dim, log_softmax_row);
        Tensor::from_op(out, self.shape(), &[self], || Op::LogSoftmax { arg: self.clone(), dim })
    }

    /// Mean cross-entropy of `(N, classes)` logits against class indices (PyTorch's
    /// `F.cross_entropy` with mean reduction), composed of log_softmax and gather.
    pub fn cross_entropy(&self, targets: &[usize]) -> Tensor {
        assert!(
            self.rank() == 2 && self.dim(0) == targets.len(),
            "cross_entropy: logits {:?} do not match {} targets",
            self.shape(),
            targets.len()
        );
        let classes = self.dim(1);
        if let Some(&bad) = targets.iter().find(|&&t| t >= classes) {
            panic!("cross_entropy: target {bad} is not below {classes} classes");
        }
        let picked = self.log_softmax(1).gather(1, targets, &[targets.len(), 1]);
        picked.mean_all().neg()
    }
}

/// Softmax backward along `dim`: dx = y · (dy − Σ dy·y).
pub(crate) fn softmax_backward(y: &Tensor, dy: &Tensor, dim: usize) -> Tensor {
    let dot = dy.mul(y).sum(dim, true);
    dy.sub(&dot).mul(y)
}

/// Log-softmax backward along `dim`: dx = dy − exp(y) · Σ dy.
pub(crate) fn log_softmax_backward(y: &Tensor, dy: &Tensor, dim: usize) -> Tensor {
    let total = dy.sum(dim, true);
    dy.sub(&y.exp().mul(&total))
}
