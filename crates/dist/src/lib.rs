//! `descent-dist`: data-parallel training across processes.
//!
//! AlexNet (2012) was split over two GPUs; the modern form of "more than one device" is
//! data parallelism: every rank holds the whole model, trains on its shard of each global
//! batch, and the ranks average their gradients before every optimizer step, so all of
//! them take the same step and stay identical. This crate is that machinery, with the
//! transport behind a seam:
//!
//! - [`world`]: the [`Communicator`] trait (all-reduce, broadcast, barrier, abort) and
//!   [`World`], the handle a run carries; [`Local`] is one process, where every
//!   collective is a no-op and training is exactly the single-process code path.
//! - [`sync`]: [`DataParallel`] — one flat buffer and **one all-reduce per step** holding
//!   every gradient (pre-scaled so the sum is the global-batch mean), the step's loss and
//!   accuracy counts, and an error flag. A rank that fails (a non-finite loss, bad data)
//!   sets the flag; at that same step every rank returns [`DistError::RankFailed`] and the
//!   job ends cleanly instead of hanging in the next collective.
//! - `mpi_world` (feature `mpi`): Open MPI through the `mpi` crate; a panicking rank calls
//!   `MPI_Abort`, which ends every rank of the job.
//!
//! Equivalence: with the same global batch, P ranks compute the same gradient as one
//! process up to float summation order (tested with two real MPI processes in
//! `tests/mpi_two_ranks.rs`). What is *not* identical across ranks: dropout masks (each
//! rank draws its own) and batch-norm statistics (per-rank batches, as PyTorch's DDP
//! without SyncBatchNorm).
#![warn(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod error;
#[cfg(feature = "mpi")]
pub mod mpi_world;
pub mod sync;
pub mod world;

pub use error::DistError;
pub use sync::{shard_range, DataParallel, GlobalStep, LocalStep, SyncStats};
pub use world::{Communicator, Local, World};

/// Starts MPI when the crate is built with the `mpi` feature; otherwise an error saying
/// how to rebuild. Keep the returned session alive until the program ends.
#[cfg(feature = "mpi")]
pub fn start_mpi() -> Result<mpi_world::MpiSession, DistError> {
    mpi_world::init()
}

/// True when this build can run across processes (the `mpi` feature).
pub const MPI_ENABLED: bool = cfg!(feature = "mpi");
