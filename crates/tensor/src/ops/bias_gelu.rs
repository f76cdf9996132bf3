//! Fused `gelu(x + bias)` (the first layer of a Transformer's feed-forward), forwarding
//! to `descent_kernels::gelu`. The composite `x.add(b).gelu()` is its test oracle.

use crate::op::Op;
use crate::Tensor;
use descent_kernels::gelu::{bias_gelu_backward, bias_gelu_forward};

impl Tensor {
    /// `gelu(self + bias)` with the exact (erf) GELU; `bias` has the size of the last dim.
    pub fn bias_gelu(&self, bias: &Tensor) -> Tensor {
        let n = self.shape().last().copied().unwrap_or(0);
        assert!(
            bias.shape() == [n],
            "bias_gelu: bias {:?} must be [{n}] for input {:?}",
            bias.shape(),
            self.shape()
        );
        let (x, b) = (self.contiguous_data(), bias.contiguous_data());
        let y = super::fresh(self.numel(), |y| bias_gelu_forward(&x, &b, y));
        Tensor::from_op(y, self.shape(), &[self, bias], || Op::BiasGelu {
            input: self.clone(),
            bias: bias.clone(),
        })
    }
}

/// Gradients `(dx, dbias)` of `gelu(x + bias)`.
pub(crate) fn bias_gelu_grads(input: &Tensor, bias: &Tensor, grad: &Tensor) -> (Tensor, Tensor) {
    let n = bias.numel();
    let mut db = vec![0.0f32; n];
    let (x, b, dy) = (input.contiguous_data(), bias.contiguous_data(), grad.contiguous_data());
    let dx = super::fresh(input.numel(), |dx| bias_gelu_backward(&x, &b, &dy, dx, &mut db));
    (Tensor::from_vec(dx, input.shape()), Tensor::from_vec(db, &[n]))
}
