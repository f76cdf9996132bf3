//! [`Communicator`]: the few collective operations data-parallel training needs, and
//! [`World`], the cheap handle to one that a run carries. [`Local`] is the world of one
//! process (every operation a no-op); the `mpi` feature adds Open MPI's.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Collective operations over the processes (ranks) of one training job. Every rank must
/// call the same collectives in the same order with buffers of the same length.
pub trait Communicator: Send + Sync {
    /// This process's rank, 0-based.
    fn rank(&self) -> usize;
    /// Number of ranks.
    fn size(&self) -> usize;
    /// Element-wise sum of `buffer` over all ranks, left in every rank's `buffer`.
    fn all_reduce_sum(&self, buffer: &mut [f32]);
    /// Overwrites every rank's `buffer` with rank `root`'s.
    fn broadcast(&self, buffer: &mut [f32], root: usize);
    /// Returns when every rank has called it.
    fn barrier(&self);
    /// Ends every rank of the job at once (MPI_Abort); for errors that the other ranks
    /// cannot learn of at a step boundary.
    fn abort(&self, code: i32) -> !;
    /// What runs underneath, for reports (`local`, `Open MPI 4.1.4`).
    fn describe(&self) -> String;
}

/// A single process: rank 0 of 1.
pub struct Local;

impl Communicator for Local {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn all_reduce_sum(&self, _buffer: &mut [f32]) {}
    fn broadcast(&self, _buffer: &mut [f32], _root: usize) {}
    fn barrier(&self) {}
    fn abort(&self, code: i32) -> ! {
        std::process::exit(code)
    }
    fn describe(&self) -> String {
        "local (one process)".into()
    }
}

/// A shared handle to the job's communicator, plus whether the ranks already stopped
/// together on an error (then no abort is needed: every rank knows).
#[derive(Clone)]
pub struct World {
    comm: Arc<dyn Communicator>,
    failed_together: Arc<AtomicBool>,
}

impl World {
    /// The world of one process.
    pub fn local() -> World {
        World::new(Arc::new(Local))
    }

    /// A world over `comm`.
    pub fn new(comm: Arc<dyn Communicator>) -> World {
        World {
            comm,
            failed_together: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The communicator.
    pub fn comm(&self) -> &dyn Communicator {
        self.comm.as_ref()
    }

    /// This rank.
    pub fn rank(&self) -> usize {
        self.comm.rank()
    }

    /// Number of ranks.
    pub fn size(&self) -> usize {
        self.comm.size()
    }

    /// True on rank 0, the one that writes checkpoints, reports and progress.
    pub fn is_root(&self) -> bool {
        self.rank() == 0
    }

    /// True when there is more than one rank.
    pub fn is_distributed(&self) -> bool {
        self.size() > 1
    }

    /// Records that every rank saw the same failure at a step boundary.
    pub(crate) fn mark_failed_together(&self) {
        self.failed_together.store(true, Ordering::SeqCst);
    }

    /// True when the ranks stopped together on an error (each returns it; no abort needed).
    pub fn failed_together(&self) -> bool {
        self.failed_together.load(Ordering::SeqCst)
    }

    /// Ends every rank now (see [`Communicator::abort`]).
    pub fn abort(&self, code: i32) -> ! {
        self.comm.abort(code)
    }
}

impl Default for World {
    fn default() -> World {
        World::local()
    }
}

impl fmt::Debug for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "World(rank {} of {}, {})", self.rank(), self.size(), self.comm.describe())
    }
}
