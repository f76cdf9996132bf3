//! `--distributed`: the MPI session of a run started by `mpirun` (built with the `mpi`
//! feature), and what a rank does when a run fails.

use anyhow::Result;
use descent_dist::World;

/// Keeps MPI running (finalised on drop) and hands out its world.
pub struct Session {
    #[cfg(feature = "mpi")]
    _mpi: descent_dist::mpi_world::MpiSession,
    world: World,
}

impl Session {
    /// The ranks started by mpirun.
    pub fn world(&self) -> World {
        self.world.clone()
    }
}

/// Starts MPI.
#[cfg(feature = "mpi")]
pub fn start() -> Result<Session> {
    let mpi = descent_dist::start_mpi()?;
    let world = mpi.world();
    Ok(Session { _mpi: mpi, world })
}

/// Without the `mpi` feature: an error saying how to get one.
#[cfg(not(feature = "mpi"))]
pub fn start() -> Result<Session> {
    anyhow::bail!(
        "--distributed needs a descent built with MPI: `cargo build --release --features mpi` \
         (Debian: apt-get install openmpi-bin libopenmpi-dev libclang-dev), then \
         `mpirun -np 2 target/release/descent run alexnet --distributed`"
    )
}

/// After a failed distributed run: when the ranks stopped together at a step boundary,
/// each returns its error and MPI finalises normally; otherwise the other ranks may be
/// waiting in a collective, so this rank prints its error and ends them all (MPI_Abort).
pub fn fail(world: &World, error: anyhow::Error) -> anyhow::Error {
    if world.is_distributed() && !world.failed_together() {
        eprintln!("error (rank {}): {error:#}", world.rank());
        world.abort(1);
    }
    error
}
