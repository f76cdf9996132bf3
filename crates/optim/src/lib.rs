//! `descent-optim`: optimizers, learning-rate schedules and gradient clipping over a
//! parameter list.
//!
//! This crate sits at layer L2, beside `nn` and `data`, and depends only on
//! `descent-tensor`. An optimizer never sees a `Module`: it receives a slice of
//! [`Param`]s (cheap handles with a stable id) and the [`GradStore`] a backward pass
//! produced, and updates each parameter in place. A training step therefore reads
//!
//! ```text
//! let grads = loss.backward();
//! clip_grad_norm(&mut grads, &params, 1.0);          // optional
//! optimizer.set_learning_rate(schedule.lr_at(step)); // optional
//! optimizer.step(&params, &grads);
//! ```
//!
//! Three conventions hold for every [`Optimizer`]:
//!
//! - **Skipping.** A parameter with no gradient in the store is left alone, and so is
//!   its state (momentum, moments, step counter): a frozen layer does not age.
//! - **State by id.** Per-parameter state is kept in a map keyed by the parameter's
//!   [`TensorId`], so the caller may pass the parameters in any order, or a subset.
//! - **Checkpoints by position.** [`Optimizer::export_state`] names each buffer
//!   `"<index>.<slot>"` by the parameter's position in the slice it is given (ids are
//!   not stable across processes), and [`Optimizer::import_state`] restores it into a
//!   fresh optimizer over fresh parameters listed in the same order, so a resumed run
//!   continues bit for bit. The learning rate is not part of the state.
//! - **Plain f32 loops.** Updates run on slices, outside the autograd graph, one pass
//!   per parameter that reads the gradient, updates the state and writes the value.
//!
//! The formulas are PyTorch's (`torch.optim.SGD`, `Adam`, `AdamW`), written out in the
//! golden README's "Optimizers" section and checked against its `optim.*` dumps in
//! `tests/golden_optim.rs`. The details that those dumps pin down are noted where the
//! code makes them: the first momentum buffer is the gradient itself, Adam adds ε
//! after bias-correcting √v, and AdamW decays the weights before its Adam update.
//!
//! Files: [`Sgd`] in `sgd.rs`, [`Adam`] and [`AdamW`] in `adam.rs`, [`LrSchedule`] in
//! `schedule.rs`, [`clip_grad_norm`] in `clip.rs`, the checkpoint names and step
//! encoding in `state.rs`.
#![warn(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod adam;
mod clip;
mod schedule;
mod sgd;
mod state;
mod wide;

pub use adam::{Adam, AdamConfig, AdamW, AdamWConfig};
pub use clip::clip_grad_norm;
pub use schedule::LrSchedule;
pub use sgd::{Sgd, SgdConfig};

use descent_tensor::{GradStore, Param, Tensor, TensorId};
use std::borrow::Cow;

/// Updates parameters from their gradients; the object-safe interface every optimizer
/// shares, so training loops can hold a `Box<dyn Optimizer>`.
///
/// One SGD step on the loss Σ p², whose gradient is 2p, moves every element toward 0:
///
/// ```
/// use descent_optim::{Optimizer, Sgd, SgdConfig};
/// use descent_tensor::{Param, Tensor};
///
/// let p = Param::new(Tensor::from_vec(vec![1.0, -2.0], &[2]));
/// let loss = p.value().mul(&p.value()).sum_all();
/// let grads = loss.backward();
/// let mut sgd = Sgd::new(SgdConfig { lr: 0.1, ..SgdConfig::default() });
/// sgd.step(&[p.clone()], &grads);
/// let after = p.value().to_vec(); // p − 0.1·2p = 0.8·p
/// assert!((after[0] - 0.8).abs() < 1e-6 && (after[1] + 1.6).abs() < 1e-6, "{after:?}");
/// ```
pub trait Optimizer {
    /// Applies one update to every parameter that has a gradient in `grads`.
    ///
    /// Parameters without a gradient are skipped and their state is untouched.
    /// Panics when a gradient's element count differs from its parameter's.
    fn step(&mut self, params: &[Param], grads: &GradStore);

    /// The learning rate the next [`Optimizer::step`] will use.
    fn learning_rate(&self) -> f32;

    /// Sets the learning rate for the following steps (how an [`LrSchedule`] is applied).
    fn set_learning_rate(&mut self, lr: f32);

    /// Per-parameter state as named flat f32 vectors, for checkpoints.
    ///
    /// Names are `"<index>.<slot>"`, where `index` is the parameter's position in
    /// `params`: `"3.momentum"` for [`Sgd`]; `"3.m"`, `"3.v"` and `"3.step"` for
    /// [`Adam`] and [`AdamW`]. Buffers hold one value per element of the parameter; a
    /// step counter is two f32s `[step mod 2²⁴, step div 2²⁴]`, both exact integers (so
    /// the first is the count itself below 2²⁴ steps). Parameters without state (never
    /// stepped, or plain SGD) are absent. Entries come ordered by index, then slot.
    /// The learning rate and other hyper-parameters are not included: the caller
    /// rebuilds the optimizer from its config and restores the rate from its schedule.
    fn export_state(&self, params: &[Param]) -> Vec<(String, Vec<f32>)>;

    /// Restores state exported by the same optimizer type for the same parameter list
    /// (matched by position, so the parameters may be new handles with new ids).
    ///
    /// The state of every parameter in `params` is replaced by what `state` holds for
    /// it (a parameter with no entries starts fresh); state kept for parameters not in
    /// `params` is left alone. Returns `Err` describing the problem, changing nothing,
    /// when a name is malformed, unknown to this optimizer or repeated, its index is out
    /// of range, a buffer's length differs from the parameter's element count, a step
    /// counter is not a valid count, or an entry the others need is missing (Adam's
    /// `m`, `v` and `step` come together). A step counter may also be given as a single
    /// exact f32, `[step]`.
    fn import_state(&mut self, params: &[Param], state: &[(String, Vec<f32>)]) -> Result<(), String>;
}

/// Elements per parallel task in the update loops: large enough that a task costs more
/// than its hand-off, small enough that a big matrix splits across every thread.
pub(crate) const CHUNK: usize = 1 << 15;

/// The gradient of `param` as a dense slice, or `None` when the store has none.
///
/// Panics, naming the optimizer and both shapes, when the element counts differ: a
/// gradient of the wrong size means the store was filled for a different model.
pub(crate) fn dense_grad<'a>(optimizer: &str, id: TensorId, param: &Param, grads: &'a GradStore) -> Option<Cow<'a, [f32]>> {
    let grad: &Tensor = grads.get_id(id)?;
    let numel = param.numel();
    assert_eq!(
        grad.numel(),
        numel,
        "{optimizer}: gradient of shape {:?} for a parameter of shape {:?}",
        grad.shape(),
        param.shape()
    );
    Some(grad.contiguous_data())
}
