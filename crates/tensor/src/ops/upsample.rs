//! Nearest-neighbour upsampling and L2 row normalisation, forwarding to
//! `descent_kernels::{upsample, normalize}`.

use crate::op::Op;
use crate::Tensor;
use descent_kernels::normalize::{normalize_rows_backward, normalize_rows_forward};
use descent_kernels::upsample::{upsample_nearest2d_backward, upsample_nearest2d_forward};
use std::sync::Arc;

/// The floor of [`Tensor::normalize`]'s divisor (PyTorch's `F.normalize` default).
pub const NORMALIZE_EPS: f32 = 1e-12;

impl Tensor {
    /// Nearest-neighbour upsampling of (N, C, H, W) by an integer `scale` on both axes
    /// (PyTorch's `F.interpolate(x, scale_factor=scale, mode="nearest")`).
    pub fn upsample_nearest2d(&self, scale: usize) -> Tensor {
        assert!(
            self.rank() == 4 && scale >= 1,
            "upsample_nearest2d: input must be (N, C, H, W) and scale at least 1, got {:?} and {scale}",
            self.shape()
        );
        let (planes, h, w) = (self.dim(0) * self.dim(1), self.dim(2), self.dim(3));
        let shape = [self.dim(0), self.dim(1), h * scale, w * scale];
        let mut out = vec![0.0f32; shape.iter().product()];
        upsample_nearest2d_forward(planes, (h, w), scale, &self.contiguous_data(), &mut out);
        Tensor::from_op(out, &shape, &[self], || Op::UpsampleNearest2d {
            input: self.clone(),
            scale,
        })
    }

    /// Each vector along the last dim divided by its L2 norm, floored at 1e-12
    /// (PyTorch's `F.normalize(x, dim=-1)`): unit vectors, all-zero rows stay zero.
    pub fn normalize(&self) -> Tensor {
        assert!(self.rank() >= 1, "normalize: needs at least one dim, got shape {:?}", self.shape());
        let n = self.dim(self.rank() - 1);
        let mut y = vec![0.0f32; self.numel()];
        let mut norms = vec![0.0f32; self.numel() / n.max(1)];
        normalize_rows_forward(&self.contiguous_data(), n, NORMALIZE_EPS, &mut y, &mut norms);
        let norms = Arc::new(norms);
        Tensor::from_op(y, self.shape(), &[self], || Op::Normalize {
            input: self.clone(),
            eps: NORMALIZE_EPS,
            norms,
        })
    }
}

/// Gradient of nearest upsampling: each block of the output gradient summed.
pub(crate) fn upsample_nearest2d_grad(input: &Tensor, scale: usize, grad: &Tensor) -> Tensor {
    let (planes, h, w) = (input.dim(0) * input.dim(1), input.dim(2), input.dim(3));
    let mut gi = vec![0.0f32; input.numel()];
    upsample_nearest2d_backward(planes, (h, w), scale, &grad.contiguous_data(), &mut gi);
    Tensor::from_vec(gi, input.shape())
}

/// Gradient of `normalize` from its output `y` and the saved norms.
pub(crate) fn normalize_grad(y: &Tensor, norms: &[f32], eps: f32, grad: &Tensor) -> Tensor {
    let n = y.dim(y.rank() - 1);
    let mut gi = vec![0.0f32; y.numel()];
    normalize_rows_backward(&y.contiguous_data(), norms, n, eps, &grad.contiguous_data(), &mut gi);
    Tensor::from_vec(gi, y.shape())
}
