//! `descent-tensor`: n-d f32 tensors with define-by-run reverse-mode autograd.
//!
//! A [`Tensor`] is an immutable `Arc` handle: storage (shared by views), a layout
//! (shape, strides, offset) and, when autograd is recording, the [`Op`] that made it.
//! Calling [`Tensor::backward`] on a loss walks that graph once in reverse topological
//! order and returns a [`GradStore`] with a gradient for every variable reached.
//! Gradients live outside tensors (as in candle), so the same forward code serves
//! training and evaluation, and accumulation is just adding stores.
//!
//! Trainable values are [`Param`]s: a cell whose value is swapped (or updated in place)
//! by optimizers under a stable id. All randomness comes from an explicit, seeded [`Rng`].
//!
//! Ops live in `ops/`, one family per file. Where there is real compute the op is a thin
//! wrapper over `descent-kernels` (which owns every fused kernel and its naive
//! reference): it checks shapes, allocates the output, calls the kernel and records the
//! [`Op`]; its arm in `backward.rs` calls the kernel's backward.
//!
//! | `ops/` file | kernels in `descent_kernels::` |
//! | --- | --- |
//! | `matmul.rs` | `matmul` |
//! | `conv.rs` (conv2d, max/avg pooling) | `conv`, `pool` |
//! | `norm.rs` (layer norm) | `norm` |
//! | `softmax.rs` (softmax, log-softmax; composite cross-entropy) | `softmax` |
//! | `loss.rs` (fused softmax cross-entropy) | `softmax` |
//! | `attention.rs` (scaled dot-product attention) | `attention` |
//! | `bias_gelu.rs` | `gelu` |
//! | `recurrent.rs` (a whole LSTM layer) | `recurrent` |
//! | `elementwise.rs`, `reduce.rs`, `shape.rs` | (memory-bound loops written in place) |
//!
//! Shape mistakes panic with a message naming the op and both shapes (like ndarray);
//! I/O and configuration errors are `Result`s in the crates above.
#![warn(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod backward;
mod grad_mode;
mod grad_store;
pub mod layout;
mod op;
mod ops;
mod param;
mod rng;
mod storage;
mod tensor;

pub use grad_mode::{is_grad_enabled, no_grad, NoGradGuard};
pub use grad_store::GradStore;
pub use layout::Layout;
pub use op::{AttentionMask, BinaryOp, ConvParams, Op, OpKind, UnaryOp};
pub use ops::batch_norm::BatchStats;
pub use ops::upsample::NORMALIZE_EPS;
pub use param::Param;
pub use rng::Rng;
pub use storage::Storage;
pub use tensor::{Tensor, TensorId};
