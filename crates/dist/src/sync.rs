//! [`DataParallel`]: one all-reduce per training step that averages the gradients of
//! every rank, sums the step's loss and accuracy counts, and carries an error flag — so
//! a rank that fails is known to all at the same step boundary and they stop together.

use crate::{DistError, World};
use descent_tensor::{GradStore, Param, Tensor};
use std::ops::Range;
use std::time::Instant;

/// Slots after the gradients in the step buffer: loss sum, correct, examples,
/// failed ranks, Σ (rank + 1) over failed ranks.
const TAIL: usize = 5;

/// What one rank did in one step, before the all-reduce.
#[derive(Clone, Debug, Default)]
pub struct LocalStep {
    /// Examples this rank processed.
    pub examples: usize,
    /// Examples in the global batch (all ranks together).
    pub global_examples: usize,
    /// Sum of the per-example losses on this rank.
    pub loss_sum: f64,
    /// Correct predictions on this rank.
    pub correct: usize,
    /// Why this rank cannot go on (e.g. a non-finite loss); the others stop with it.
    pub failure: Option<String>,
}

/// The step summed over all ranks.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GlobalStep {
    /// Sum of per-example losses.
    pub loss_sum: f64,
    /// Correct predictions.
    pub correct: usize,
    /// Examples.
    pub examples: usize,
}

/// Where the time of the synchronisation went.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SyncStats {
    /// All-reduce calls (one per step).
    pub calls: u64,
    /// Seconds inside the all-reduce (waiting for the slowest rank included).
    pub allreduce_seconds: f64,
    /// Seconds packing and unpacking the flat buffer.
    pub pack_seconds: f64,
    /// Floats in one step's buffer.
    pub buffer_len: usize,
}

/// Data-parallel gradient averaging over a [`World`].
pub struct DataParallel {
    world: World,
    buffer: Vec<f32>,
    stats: SyncStats,
}

impl DataParallel {
    /// Averaging over `world`.
    pub fn new(world: World) -> DataParallel {
        DataParallel {
            world,
            buffer: Vec::new(),
            stats: SyncStats::default(),
        }
    }

    /// The world it averages over.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// Time and call counts so far.
    pub fn stats(&self) -> SyncStats {
        self.stats
    }

    /// This rank's positions in a global batch of `n` examples: contiguous, sizes differing
    /// by at most one (rank r of P takes `[r·n/P, (r+1)·n/P)`).
    pub fn shard(&self, n: usize) -> Range<usize> {
        shard_range(n, self.world.rank(), self.world.size())
    }

    /// Makes every rank start from rank 0's parameter values (one broadcast).
    pub fn broadcast_params(&mut self, params: &[Param]) {
        if !self.world.is_distributed() {
            return;
        }
        let mut flat: Vec<f32> = params.iter().flat_map(|p| p.value().to_vec()).collect();
        self.world.comm().broadcast(&mut flat, 0);
        let mut offset = 0;
        for p in params {
            let n = p.numel();
            p.set_values(&flat[offset..offset + n]);
            offset += n;
        }
    }

    /// Replaces every rank's gradients in `grads` by the global-batch gradient — the sum
    /// over ranks of `grad × examples / global_examples`, which is the mean over the global
    /// batch when each rank's loss is the mean over its examples — and sums the step's
    /// counts, in one all-reduce. When any rank reports a failure, every rank returns
    /// [`DistError::RankFailed`] at this same step.
    pub fn all_reduce(&mut self, params: &[Param], grads: &mut GradStore, local: &LocalStep) -> Result<GlobalStep, DistError> {
        let failed_here = local.failure.is_some();
        if !self.world.is_distributed() {
            return match &local.failure {
                Some(reason) => Err(DistError::RankFailed {
                    ranks: vec![0],
                    reason: reason.clone(),
                }),
                None => Ok(GlobalStep {
                    loss_sum: local.loss_sum,
                    correct: local.correct,
                    examples: local.examples,
                }),
            };
        }
        let start = Instant::now();
        let weight = local.examples as f32 / local.global_examples.max(1) as f32;
        self.buffer.clear();
        for p in params {
            match grads.get_param(p) {
                Some(g) if !failed_here => self.buffer.extend(g.contiguous_data().iter().map(|&v| v * weight)),
                _ => self.buffer.resize(self.buffer.len() + p.numel(), 0.0),
            }
        }
        let rank = self.world.rank() as f32;
        let flag = failed_here as u8 as f32;
        self.buffer
            .extend_from_slice(&[local.loss_sum as f32, local.correct as f32, local.examples as f32, flag, flag * (rank + 1.0)]);
        let packed = Instant::now();
        self.world.comm().all_reduce_sum(&mut self.buffer);
        let reduced = Instant::now();
        let tail = &self.buffer[self.buffer.len() - TAIL..];
        let (failed, rank_sum) = (tail[3].round() as usize, tail[4].round() as usize);
        if failed > 0 {
            self.world.mark_failed_together();
            let reason = local.failure.clone().unwrap_or_else(|| "see that rank's message".to_string());
            // One failed rank is named exactly; several are reported by count.
            let ranks = if failed == 1 { vec![rank_sum - 1] } else { Vec::new() };
            return Err(DistError::RankFailed { ranks, reason });
        }
        let totals = GlobalStep {
            loss_sum: tail[0] as f64,
            correct: tail[1].round() as usize,
            examples: tail[2].round() as usize,
        };
        let mut offset = 0;
        for p in params {
            let n = p.numel();
            let values = self.buffer[offset..offset + n].to_vec();
            grads.insert(p.id(), Tensor::from_vec(values, &p.shape()));
            offset += n;
        }
        self.stats.calls += 1;
        self.stats.buffer_len = self.buffer.len();
        self.stats.allreduce_seconds += (reduced - packed).as_secs_f64();
        self.stats.pack_seconds += (packed - start).as_secs_f64() + reduced.elapsed().as_secs_f64();
        Ok(totals)
    }
}

/// Rank `rank` of `size`'s contiguous share of `n` items.
pub fn shard_range(n: usize, rank: usize, size: usize) -> Range<usize> {
    assert!(rank < size, "shard_range: rank {rank} is not below the world size {size}");
    (rank * n / size)..((rank + 1) * n / size)
}
