//! Op families, one file each; every forward records its [`crate::Op`] node.

pub(crate) mod attention;
pub(crate) mod batch_norm;
pub(crate) mod bias_gelu;
pub(crate) mod conv;
pub(crate) mod conv_transpose;
pub(crate) mod elementwise;
pub(crate) mod loss;
pub(crate) mod matmul;
pub(crate) mod norm;
pub(crate) mod pointwise_loss;
pub(crate) mod random;
pub(crate) mod recurrent;
pub(crate) mod reduce;
pub(crate) mod shape;
pub(crate) mod softmax;
pub(crate) mod upsample;

/// A vector of `n` values written by `write`, which must write every element (kernels
/// that take uninitialised outputs promise it): a fresh output without a zero-fill.
pub(crate) fn fresh(n: usize, write: impl FnOnce(&mut [std::mem::MaybeUninit<f32>])) -> Vec<f32> {
    // SAFETY: every caller passes a kernel that writes each element of its output.
    unsafe { descent_kernels::written_by(n, write) }
}
