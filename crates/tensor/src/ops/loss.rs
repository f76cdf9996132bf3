//! Fused softmax cross-entropy over (N, classes) logits, with an optional ignored target
//! (padding), forwarding to `descent_kernels::softmax`. [`Tensor::cross_entropy`] (the
//! composite `log_softmax → gather → mean`) is its test oracle.

use crate::op::Op;
use crate::Tensor;
use descent_kernels::softmax::{softmax_cross_entropy_backward, softmax_cross_entropy_forward};
use std::sync::Arc;

impl Tensor {
    /// Mean cross-entropy of (N, classes) logits against `targets`, skipping rows whose
    /// target equals `ignore_index` (padding); the mean is over the rows kept. Fused:
    /// one pass forward, one backward. Returns a 0-d tensor (0 when every row is ignored).
    pub fn softmax_cross_entropy(&self, targets: &[usize], ignore_index: Option<usize>) -> Tensor {
        assert!(
            self.rank() == 2 && self.dim(0) == targets.len(),
            "softmax_cross_entropy: logits {:?} do not match {} targets",
            self.shape(),
            targets.len()
        );
        let mut lse = vec![0.0f32; targets.len()];
        let loss = softmax_cross_entropy_forward(&self.contiguous_data(), self.dim(1), targets, ignore_index, &mut lse);
        let (targets, lse) = (Arc::new(targets.to_vec()), Arc::new(lse));
        Tensor::from_op(vec![loss], &[], &[self], || Op::CrossEntropy {
            logits: self.clone(),
            targets,
            ignore_index,
            lse,
        })
    }
}

/// Backward: `dlogits = g/count · (softmax − onehot)` on kept rows, 0 on ignored rows.
pub(crate) fn cross_entropy_grad(logits: &Tensor, targets: &[usize], ignore_index: Option<usize>, lse: &[f32], grad: &Tensor) -> Tensor {
    let mut out = vec![0.0f32; logits.numel()];
    let data = logits.contiguous_data();
    softmax_cross_entropy_backward(&data, logits.dim(1), targets, ignore_index, lse, grad.item(), &mut out);
    Tensor::from_vec(out, logits.shape())
}
