//! W8: one shuffled CIFAR-10 epoch of bench.py's `CifarNet` (three conv blocks, batch norm
//! after the second and third, dropout in the classifier), SGD lr 0.01 momentum 0.9
//! weight decay 5e-4, batch 128, then test accuracy in evaluation mode.
//!
//! Under `mpirun` with `descent bench cifar --distributed`, the epoch is data-parallel:
//! the global batch of 128 is split over the ranks and one all-reduce per step averages
//! the gradients; the record then adds the ranks and the all-reduce's share of the epoch
//! (the scaling figures of `tools/mpi_scaling.sh`).

use super::{with_flops, BenchContext, FlopWindow};
use crate::common::classifier;
use crate::common::classifier::{evaluate, ClassificationData};
use crate::common::parallel::{train_epoch_parallel, ParallelPlan};
use crate::{MilestoneError, Phase};
use descent_data::load_cifar10;
use descent_dist::DataParallel;
use descent_models::{CifarNet, CifarNetConfig};
use descent_nn::params;
use descent_optim::{Sgd, SgdConfig};
use descent_report::BenchRecord;
use descent_tensor::Rng;
use std::time::Instant;

/// The shared CIFAR-10 subset, normalised (10,000 train, 10,000 test).
fn cifar_data(ctx: &BenchContext) -> Result<ClassificationData, MilestoneError> {
    let (train, test, _) = load_cifar10(&ctx.locator)?;
    let identity = format!("CIFAR-10 {}/{}", train.n, test.n);
    Ok(classifier::cifar_data(&train, &test, identity, String::new()))
}

/// W8: epoch seconds, test accuracy, images per second (all ranks together).
pub fn epoch(ctx: &mut BenchContext) -> Result<Vec<BenchRecord>, MilestoneError> {
    let data = cifar_data(ctx)?;
    let world = ctx.world.clone();
    let model = CifarNet::new(&CifarNetConfig::w8(), &mut Rng::new(0), world.rank() as u64);
    let all = params(&model);
    let mut optimizer = Sgd::new(SgdConfig {
        lr: 0.01,
        momentum: 0.9,
        weight_decay: 5e-4,
        ..SgdConfig::default()
    });
    let plan = ParallelPlan {
        batch_size: 128,
        seed: 0,
        schedule: None,
        augment: None,
    };
    let mut parallel = DataParallel::new(world.clone());
    parallel.broadcast_params(&all);
    world.comm().barrier();
    let window = FlopWindow::open();
    let start = Instant::now();
    train_epoch_parallel(&model, &all, &mut optimizer, &data, plan, 0, &mut parallel, &Phase::silent())?;
    world.comm().barrier();
    let epoch_s = start.elapsed().as_secs_f64();
    let epoch_flops = window.flops();
    let (accuracy, _, _) = evaluate(&model, &data.test, &data.feature_shape, 1000);
    let n = data.train.labels.len();
    let mut record = BenchRecord::new("cifar", "epoch_s", epoch_s)
        .with("test_acc", accuracy as f64)
        .with("images_per_s", n as f64 / epoch_s)
        .with("train_images", n as u64)
        .with("threads", ctx.threads as u64)
        .with("ranks", world.size() as u64);
    // This rank's share of the epoch (each rank runs its part of every batch).
    record = with_flops(record, "epoch", epoch_flops, epoch_s);
    if world.is_distributed() {
        let stats = parallel.stats();
        record = record
            .with("allreduce_share", stats.allreduce_seconds / epoch_s)
            .with(
                "allreduce_ms_per_step",
                1000.0 * stats.allreduce_seconds / stats.calls.max(1) as f64,
            )
            .with("floats_per_allreduce", stats.buffer_len as u64);
    }
    Ok(vec![record])
}
