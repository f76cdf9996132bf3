//! Elementwise losses with mean reduction: binary cross-entropy on logits (one fused,
//! numerically stable op, forwarding to `descent_kernels::bce`) and mean squared error
//! (a composite of primitives: three cheap passes need no kernel of their own).

use crate::op::Op;
use crate::Tensor;
use descent_kernels::bce::{bce_with_logits_backward, bce_with_logits_forward};

impl Tensor {
    /// Binary cross-entropy of logits against targets in [0, 1] (same shape), mean over
    /// all elements (PyTorch's `binary_cross_entropy_with_logits`): stable for any
    /// logit, gradient (σ(x) − y)/n, including at x = 0. Returns a 0-d tensor.
    pub fn bce_with_logits(&self, targets: &Tensor) -> Tensor {
        assert_eq!(
            self.shape(),
            targets.shape(),
            "bce_with_logits: logits {:?} vs targets {:?}",
            self.shape(),
            targets.shape()
        );
        let loss = bce_with_logits_forward(&self.contiguous_data(), &targets.contiguous_data());
        Tensor::from_op(vec![loss], &[], &[self, targets], || Op::BceWithLogits {
            logits: self.clone(),
            targets: targets.clone(),
        })
    }

    /// Mean squared error against `target` (same shape): mean of (self − target)²,
    /// gradients to both sides. Returns a 0-d tensor.
    pub fn mse_loss(&self, target: &Tensor) -> Tensor {
        assert_eq!(
            self.shape(),
            target.shape(),
            "mse_loss: prediction {:?} vs target {:?}",
            self.shape(),
            target.shape()
        );
        let diff = self.sub(target);
        diff.mul(&diff).mean_all()
    }
}

/// Gradients of the mean BCE: (logits, targets), each computed only when needed.
pub(crate) fn bce_with_logits_grads(logits: &Tensor, targets: &Tensor, grad: &Tensor) -> (Option<Tensor>, Option<Tensor>) {
    let mut gl = logits.requires_grad().then(|| vec![0.0f32; logits.numel()]);
    let mut gt = targets.requires_grad().then(|| vec![0.0f32; targets.numel()]);
    bce_with_logits_backward(
        &logits.contiguous_data(),
        &targets.contiguous_data(),
        grad.item(),
        gl.as_deref_mut(),
        gt.as_deref_mut(),
    );
    (
        gl.map(|v| Tensor::from_vec(v, logits.shape())),
        gt.map(|v| Tensor::from_vec(v, targets.shape())),
    )
}
