//! [`DistError`]: why distributed training could not go on.

/// The error type of `descent-dist`.
#[derive(Debug, thiserror::Error)]
pub enum DistError {
    /// A rank could not go on; every rank stopped at the same step.
    #[error("{} stopped the job at a step boundary: {reason}", describe_ranks(.ranks))]
    RankFailed {
        /// The failed ranks (empty when several failed: then only their count is known).
        ranks: Vec<usize>,
        /// What the failing rank said (on the other ranks: where to look).
        reason: String,
    },
    /// MPI could not be used (not started by mpirun, too little threading, built without it).
    #[error("MPI: {0}")]
    Mpi(String),
}

fn describe_ranks(ranks: &[usize]) -> String {
    match ranks {
        [] => "several ranks".to_string(),
        [one] => format!("rank {one}"),
        many => format!("ranks {many:?}"),
    }
}
