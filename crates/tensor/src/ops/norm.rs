//! Fused layer normalisation over the last dim (Ba et al. 2016), forwarding to
//! `descent_kernels::norm`.
//!
//! One op instead of the composite of primitives (`x − mean`, `var`, `/√(var + ε)`, `·w`,
//! `+b`: seven passes over the activations forward and about twenty backward); the
//! kernel takes two and two and keeps each row's mean and 1/σ for the backward.

use crate::op::Op;
use crate::Tensor;
use descent_kernels::norm::{layer_norm_backward, layer_norm_forward};
use std::sync::Arc;

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
        let rows = self.numel() / n.max(1);
        let mut stats = vec![0.0f32; 2 * rows];
        let (x, w, b) = (self.contiguous_data(), weight.contiguous_data(), bias.contiguous_data());
        let y = super::fresh(self.numel(), |y| layer_norm_forward(&x, &w, &b, eps, y, &mut stats));
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
    let (mut dx, mut dw, mut db) = (vec![0.0f32; input.numel()], vec![0.0f32; n], vec![0.0f32; n]);
    let (x, dy, w) = (input.contiguous_data(), grad.contiguous_data(), weight.contiguous_data());
    layer_norm_backward(&x, &dy, stats, &w, &mut dx, &mut dw, &mut db);
    (
        Tensor::from_vec(dx, input.shape()),
        Tensor::from_vec(dw, &[n]),
        Tensor::from_vec(db, &[n]),
    )
}
