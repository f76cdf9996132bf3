//! Numerically stable softmax and log-softmax along one dim (forwarding to
//! `descent_kernels::softmax`, which works on rows), and cross-entropy on top.

use crate::op::Op;
use crate::Tensor;
use descent_kernels::softmax::{log_softmax_backward, log_softmax_forward, softmax_backward, softmax_forward};

/// A row kernel of `descent_kernels::softmax`: two inputs, row length, output.
type RowKernel<'a> = &'a dyn Fn(&[f32], &[f32], usize, &mut [f32]);

/// Applies a row kernel along `dim` to `a` and `b` (same shape; `a` twice when `b` is
/// `None`), moving `dim` last when it is not already; returns the result dense, in the
/// input's shape.
fn along_dim(op: &str, a: &Tensor, b: Option<&Tensor>, dim: usize, kernel: RowKernel) -> Vec<f32> {
    let rank = a.rank();
    assert!(dim < rank, "{op}: dim {dim} out of range for shape {:?}", a.shape());
    if let Some(b) = b {
        assert_eq!(
            a.shape(),
            b.shape(),
            "{op}: gradient {:?} does not match output {:?}",
            b.shape(),
            a.shape()
        );
    }
    let n = a.shape()[dim];
    let mut out = vec![0.0f32; a.numel()];
    if dim == rank - 1 {
        let (a, b) = (a.contiguous_data(), b.map(|b| b.contiguous_data()));
        kernel(&a, b.as_deref().unwrap_or(&a), n, &mut out);
        return out;
    }
    let last = |t: &Tensor| t.detach().transpose(dim, rank - 1).to_vec();
    let (a_moved, b_moved) = (last(a), b.map(last));
    kernel(&a_moved, b_moved.as_deref().unwrap_or(&a_moved), n, &mut out);
    let moved_shape = a.detach().transpose(dim, rank - 1).shape().to_vec();
    Tensor::from_vec(out, &moved_shape).transpose(dim, rank - 1).to_vec()
}

impl Tensor {
    /// softmax along `dim`: exp(x − max) / Σ exp(x − max).
    pub fn softmax(&self, dim: usize) -> Tensor {
        let out = along_dim("softmax", self, None, dim, &|x, _, n, y| softmax_forward(x, n, y));
        Tensor::from_op(out, self.shape(), &[self], || Op::Softmax { arg: self.clone(), dim })
    }

    /// log-softmax along `dim`: x − max − log Σ exp(x − max).
    pub fn log_softmax(&self, dim: usize) -> Tensor {
        let out = along_dim("log_softmax", self, None, dim, &|x, _, n, y| log_softmax_forward(x, n, y));
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

/// Softmax backward along `dim` from the output `y`: dx = y · (dy − Σ dy·y).
pub(crate) fn softmax_grad(y: &Tensor, dy: &Tensor, dim: usize) -> Tensor {
    Tensor::from_vec(along_dim("softmax", y, Some(dy), dim, &softmax_backward), y.shape())
}

/// Log-softmax backward along `dim` from the output `y`: dx = dy − exp(y) · Σ dy.
pub(crate) fn log_softmax_grad(y: &Tensor, dy: &Tensor, dim: usize) -> Tensor {
    Tensor::from_vec(along_dim("log_softmax", y, Some(dy), dim, &log_softmax_backward), y.shape())
}
