//! The LSTM recurrence (Hochreiter & Schmidhuber 1997, with Gers et al.'s 2000 forget
//! gate) over a whole batch-first sequence, forward and backward, beside a naive
//! reference.
//!
//! The caller computes the input projection of every step as one big matmul up front
//! (`x · W_ihᵀ`, shape (B, T, 4H)); these kernels run what must stay sequential:
//!
//! ```text
//! z_t = xp_t + bias + h_{t−1}·W_hhᵀ                      (B, 4H), gate blocks i, f, g, o
//! c_t = σ(f)·c_{t−1} + σ(i)·tanh(g)      h_t = σ(o)·tanh(c_t)
//! ```
//!
//! Per step that is one (B, H)·(H, 4H) gate matmul and one pass of cell arithmetic, with
//! no allocations and vectorised σ/tanh (`cell.rs`). Backward is BPTT in the same style:
//! per step one elementwise pass and one (B, 4H)·(4H, H) matmul, then the weight
//! gradient of all steps as one big matmul.
//!
//! Parallelism (`team.rs`): the hidden units are cut into one chunk per worker. A chunk
//! owns the four gate columns of its units, so each worker computes its gates, cells and
//! hidden values without waiting for the others, keeps its slice of W_hh hot in its own
//! cache, and the workers meet once per step (the next step needs all of h_t). Each
//! value is computed by one chunk in a fixed order, so results are reproducible for a
//! given thread count (the chunking follows the thread count).
//!
//! The GRU and the plain tanh RNN have no fused kernel: `descent-nn` runs them as graphs
//! of primitive ops.

mod cell;
mod lstm;
mod reference;
mod team;

pub use lstm::{lstm_backward, lstm_forward};
pub use reference::{lstm_backward_reference, lstm_forward_reference};

/// Sizes of one LSTM call: `batch` sequences of `steps` steps, `hidden` units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LstmDims {
    /// Sequences (B).
    pub batch: usize,
    /// Time steps (T).
    pub steps: usize,
    /// Hidden units (H); the gates have 4H.
    pub hidden: usize,
}
