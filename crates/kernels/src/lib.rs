//! `descent-kernels`: the f32 number-crunching routines under every tensor op.
//!
//! Kernels work on plain slices with explicit shapes and strides; they know nothing of
//! `Tensor`, autograd or devices, and the caller allocates every output (kernels that write
//! every element take it uninitialised: see [`written_by`]). Each fast kernel
//! sits beside a naive reference (`*_reference`: plain loops, f64 accumulation) that the
//! tests in `tests/` compare it with over awkward shapes, in the llm.c habit. Large work
//! goes parallel through rayon; small work stays on the calling thread, because a thread
//! hop costs more than a 16-element add. Work is cut in pieces whose size depends only on
//! the shapes and reduced in a fixed order, so a result does not depend on timing.
//!
//! The map, one op family per module:
//!
//! | module | kernels (forward and backward) |
//! | --- | --- |
//! | [`matmul`] | strided matrix product through the `gemm` crate |
//! | [`conv`] | 2-D convolution (im2col + gemm) |
//! | [`pool`] | max and average 2-D pooling |
//! | [`conv_transpose`] | transposed 2-D convolution (gemm + col2im) |
//! | [`batch_norm`], [`group_norm`], [`normalize`] | batch and group normalisation, per-row L2 normalisation |
//! | [`bce`], [`rectifiers`], [`upsample`] | binary cross-entropy with logits, ReLU relatives (leaky ReLU, SiLU, softplus, sigmoid), nearest upsampling |
//! | [`norm`] | layer normalisation over the last dim |
//! | [`softmax`] | softmax, log-softmax, fused softmax cross-entropy |
//! | [`attention`] | scaled dot-product attention with causal and key-length masks |
//! | [`gelu`] | fused `gelu(x + bias)` |
//! | [`recurrent`] | the LSTM recurrence over a whole sequence, on a team of workers |
//! | [`flops`] | the running count of matrix-product FLOPs that `descent bench` reports |
//! | [`fast_math`] | vectorisable exp, erf, GELU, sum and max that the others build on |
#![warn(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]

pub mod attention;
pub mod batch_norm;
pub mod bce;
pub mod conv;
pub mod conv_transpose;
pub mod fast_math;
pub mod flops;
pub mod gelu;
pub mod group_norm;
pub mod matmul;
pub mod norm;
pub mod normalize;
pub mod pool;
pub mod rectifiers;
pub mod recurrent;
pub mod softmax;
pub mod upsample;

/// A vector of `n` values written by `write`, without a zero-fill first: kernels that
/// write every element of their output take it as `&mut [MaybeUninit<f32>]`, and a fresh
/// output then costs no memset pass ahead of the kernel's own pass over it.
///
/// # Safety
/// `write` must initialise every element of the slice it is given.
pub unsafe fn written_by(n: usize, write: impl FnOnce(&mut [std::mem::MaybeUninit<f32>])) -> Vec<f32> {
    let mut out = Vec::with_capacity(n);
    write(&mut out.spare_capacity_mut()[..n]);
    // SAFETY: the caller promises that `write` initialised all `n` elements.
    unsafe { out.set_len(n) };
    out
}

/// Work (in multiply-adds or elements) below which a kernel stays single-threaded:
/// smaller work costs less done in place than handed to another thread. The CLI runs its
/// commands on a pool thread, where a split keeps one part on the caller and costs little,
/// so the bar sits lower than it must from outside the pool (where each split costs two
/// thread hand-offs); a lower bar still gained nothing.
pub const PARALLEL_THRESHOLD: usize = 1 << 15;
