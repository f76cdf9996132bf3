//! Open MPI underneath a [`World`] (feature `mpi`, through the `mpi` crate, rsmpi).
//!
//! [`init`] starts MPI once per process and returns an [`MpiSession`] that finalises it
//! when dropped; keep it alive in `main` for the whole run. It also installs a panic hook
//! that calls `MPI_Abort`: a rank that panics takes the whole job down at once instead of
//! leaving the others waiting forever in their next all-reduce.
//!
//! MPI is initialised at `MPI_THREAD_SERIALIZED`: rayon's worker threads never call MPI,
//! and the calls this module makes are serialised by a lock, so any one thread may make
//! them. The communicator is `MPI_COMM_WORLD`, fetched per call, so the handle holds only
//! plain numbers and is `Send + Sync` without unsafe code.

use crate::{Communicator, DistError, World};
use mpi::collective::SystemOperation;
use mpi::environment::Universe;
use mpi::topology::{Communicator as _, SimpleCommunicator};
use mpi::traits::{CommunicatorCollectives, Root};
use mpi::Threading;
use std::sync::{Arc, Mutex};

/// A running MPI environment; finalises MPI when dropped.
pub struct MpiSession {
    _universe: Universe,
    world: World,
}

impl MpiSession {
    /// The world of all ranks started by `mpirun`.
    pub fn world(&self) -> World {
        self.world.clone()
    }
}

struct MpiComm {
    rank: usize,
    size: usize,
    version: String,
    lock: Mutex<()>,
}

impl MpiComm {
    fn with_world<R>(&self, f: impl FnOnce(&SimpleCommunicator) -> R) -> R {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        f(&SimpleCommunicator::world())
    }
}

impl Communicator for MpiComm {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn all_reduce_sum(&self, buffer: &mut [f32]) {
        // rsmpi has no MPI_IN_PLACE; the copy is small next to a training step.
        let send = buffer.to_vec();
        self.with_world(|w| w.all_reduce_into(&send[..], buffer, SystemOperation::sum()));
    }

    fn broadcast(&self, buffer: &mut [f32], root: usize) {
        self.with_world(|w| w.process_at_rank(root as i32).broadcast_into(buffer));
    }

    fn barrier(&self) {
        self.with_world(|w| w.barrier());
    }

    fn abort(&self, code: i32) -> ! {
        SimpleCommunicator::world().abort(code)
    }

    fn describe(&self) -> String {
        format!("MPI ({}), {} ranks", self.version, self.size)
    }
}

/// Starts MPI (once per process) and returns the session holding the world of all ranks.
pub fn init() -> Result<MpiSession, DistError> {
    let (universe, provided) = mpi::initialize_with_threading(Threading::Serialized)
        .ok_or_else(|| DistError::Mpi("MPI was already initialised in this process".into()))?;
    if provided < Threading::Serialized {
        return Err(DistError::Mpi(format!(
            "this MPI library offers only {provided:?} threading; descent needs Serialized"
        )));
    }
    let world = universe.world();
    let (rank, size) = (world.rank() as usize, world.size() as usize);
    let version = mpi::environment::library_version().unwrap_or_else(|_| "MPI".into());
    let version = version.lines().next().unwrap_or("MPI").trim().trim_end_matches(',').to_string();
    let comm = MpiComm {
        rank,
        size,
        version,
        lock: Mutex::new(()),
    };
    install_abort_on_panic();
    Ok(MpiSession {
        _universe: universe,
        world: World::new(Arc::new(comm)),
    })
}

/// After the usual panic message, `MPI_Abort` ends every rank of the job.
fn install_abort_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        previous(info);
        // Open MPI itself reports "MPI_ABORT was invoked on rank r ... errorcode 101".
        SimpleCommunicator::world().abort(101);
    }));
}
