//! Fused `gelu(x + bias)`: the first layer of a Transformer's feed-forward, whose bias add
//! and exact (erf) GELU would otherwise be two passes forward and four backward over the
//! widest activation of the model (B·T × 4·d). Backward recomputes `x + bias` instead of
//! saving it. The erf is the vectorised rational approximation of `fast_math` (error
//! ≤ 4.2e-7), well inside PyTorch parity; the composite `x.add(b).gelu()` is the oracle.

use super::fast_math::{bias_gelu_grad_rows, bias_gelu_rows};
use crate::op::Op;
use crate::Tensor;
use descent_kernels::PARALLEL_THRESHOLD;
use rayon::prelude::*;

/// Rows per task: about a quarter of the parallel threshold's elements.
fn chunk_len(n: usize) -> usize {
    (PARALLEL_THRESHOLD / 4 / n.max(1)).max(1) * n
}

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
        let mut y = vec![0.0f32; x.len()];
        let chunk = chunk_len(n);
        if x.len() >= PARALLEL_THRESHOLD {
            y.par_chunks_mut(chunk)
                .zip(x.par_chunks(chunk))
                .for_each(|(y, x)| bias_gelu_rows(x, &b, y));
        } else if n > 0 {
            bias_gelu_rows(&x, &b, &mut y);
        }
        Tensor::from_op(y, self.shape(), &[self, bias], || Op::BiasGelu {
            input: self.clone(),
            bias: bias.clone(),
        })
    }
}

/// Gradients `(dx, dbias)` of `gelu(x + bias)`.
pub(crate) fn bias_gelu_grads(input: &Tensor, bias: &Tensor, grad: &Tensor) -> (Tensor, Tensor) {
    let n = bias.numel();
    let (x, b, g) = (input.contiguous_data(), bias.contiguous_data(), grad.contiguous_data());
    let mut dx = vec![0.0f32; x.len()];
    let chunk = chunk_len(n);
    let column_sums = |d: &[f32]| {
        let mut s = vec![0.0f32; n];
        d.chunks(n).for_each(|row| s.iter_mut().zip(row).for_each(|(s, v)| *s += v));
        s
    };
    let db = if x.len() >= PARALLEL_THRESHOLD {
        dx.par_chunks_mut(chunk)
            .zip(x.par_chunks(chunk).zip(g.par_chunks(chunk)))
            .map(|(d, (x, g))| {
                bias_gelu_grad_rows(x, &b, g, d);
                column_sums(d)
            })
            .reduce(
                || vec![0.0f32; n],
                |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
                    a
                },
            )
    } else if n > 0 {
        bias_gelu_grad_rows(&x, &b, &g, &mut dx);
        column_sums(&dx)
    } else {
        Vec::new()
    };
    (Tensor::from_vec(dx, input.shape()), Tensor::from_vec(db, &[n]))
}
