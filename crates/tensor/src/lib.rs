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
//! by optimizers under a stable id. Ops live in `ops/`, one family per file; kernels are
//! in `descent-kernels`. All randomness comes from an explicit, seeded [`Rng`].
//!
//! Shape mistakes panic with a message naming the op and both shapes (like ndarray);
//! I/O and configuration errors are `Result`s in the crates above.
#![warn(missing_docs)]

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
