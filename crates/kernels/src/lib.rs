//! `descent-kernels`: the f32 number-crunching routines under every tensor op.
//!
//! Kernels work on plain slices with explicit shapes and strides; they know nothing of
//! `Tensor`, autograd or devices, and the caller allocates every output. Each fast kernel
//! sits beside a naive reference that the tests compare it with, in the llm.c habit.
//! Large work goes parallel through rayon; small work stays on the calling thread,
//! because a thread hop costs more than a 16-element add.
#![warn(missing_docs)]

pub mod batch_norm;
pub mod bce;
pub mod conv;
pub mod conv_transpose;
pub mod group_norm;
pub mod matmul;
pub mod normalize;
pub mod pool;
pub mod rectifiers;
pub mod upsample;

/// Work (in multiply-adds or elements) below which a kernel stays single-threaded.
pub const PARALLEL_THRESHOLD: usize = 1 << 15;
