//! W1, W1s, W2 (image classification epochs) and W5 (matrix products).

use super::{median, with_flops, BenchContext, FlopWindow};
use crate::common::classifier::{evaluate, train_epoch, ClassificationData, EpochPlan};
use crate::MilestoneError;
use crate::Phase;
use descent_kernels::matmul::{matmul as gemm, MatRef};
use descent_models::lenet::{LeNet, Variant};
use descent_nn::{params, Activation, Forward, Linear, Sequential};
use descent_optim::{Optimizer, Sgd, SgdConfig};
use descent_report::BenchRecord;
use descent_tensor::Rng;
use std::time::Instant;

/// The machine's measured matrix-product rate: the best of 10 products at n = 1024 on
/// the current pool, in GFLOP/s (what `descent bench` divides a workload's rate by).
pub fn matmul_peak_gflops() -> f64 {
    let n = 1024usize;
    let mut rng = Rng::new(0);
    let a: Vec<f32> = (0..n * n).map(|_| rng.normal()).collect();
    let b: Vec<f32> = (0..n * n).map(|_| rng.normal()).collect();
    let mut c = vec![0.0f32; n * n];
    let mut best = f64::INFINITY;
    for _ in 0..10 {
        let start = Instant::now();
        gemm(n, n, n, MatRef::row_major(&a, n), MatRef::row_major(&b, n), &mut c, false);
        best = best.min(start.elapsed().as_secs_f64());
    }
    2.0 * (n as f64).powi(3) / best / 1e9
}

/// W5: C = A·B for square n, GFLOP/s = 2n³/t, median of 20 after 3 warm-ups.
fn bench_matmul(threads: usize) -> Vec<BenchRecord> {
    let mut out = Vec::new();
    for n in [1024usize, 256] {
        let mut rng = Rng::new(0);
        let a: Vec<f32> = (0..n * n).map(|_| rng.normal()).collect();
        let b: Vec<f32> = (0..n * n).map(|_| rng.normal()).collect();
        let mut c = vec![0.0f32; n * n];
        let mut times = Vec::new();
        for i in 0..23 {
            let start = Instant::now();
            gemm(n, n, n, MatRef::row_major(&a, n), MatRef::row_major(&b, n), &mut c, false);
            if i >= 3 {
                times.push(start.elapsed().as_secs_f64());
            }
        }
        let t = median(&times);
        out.push(
            BenchRecord::new("matmul", "gflops", 2.0 * (n as f64).powi(3) / t / 1e9)
                .with("n", n as u64)
                .with("threads", threads as u64),
        );
    }
    out
}

/// Trains `model` for `epochs` epochs of W1/W1s/W2; returns (mean epoch seconds, test
/// accuracy, matrix-product FLOPs of one epoch).
fn timed_training(
    model: &dyn Forward,
    optimizer: &mut dyn Optimizer,
    data: &ClassificationData,
    batch: usize,
    epochs: usize,
) -> (f64, f32, f64) {
    let params = params(model);
    let mut seconds = 0.0;
    let window = FlopWindow::open();
    for epoch in 0..epochs {
        let start = Instant::now();
        let plan = EpochPlan {
            batch_size: batch,
            seed: 0,
            schedule: None,
        };
        train_epoch(model, &params, optimizer, data, plan, epoch as u64, &Phase::silent());
        seconds += start.elapsed().as_secs_f64();
    }
    let flops = window.flops() / epochs as f64;
    let (accuracy, _, _) = evaluate(model, &data.test, &data.feature_shape, 1000);
    (seconds / epochs as f64, accuracy, flops)
}

/// W1 (modern LeNet, Adam, 1 epoch) or W1s (1989 LeNet, SGD, 3 epochs).
fn bench_lenet(variant: Variant, data: &ClassificationData, threads: usize) -> BenchRecord {
    let model = LeNet::new(variant, &mut Rng::new(0));
    let mut optimizer = crate::common::lenet_recipe::optimizer(variant);
    let epochs = if variant == Variant::Modern { 1 } else { 3 };
    let (epoch_s, accuracy, flops) = timed_training(&model, optimizer.as_mut(), data, 64, epochs);
    let name = if variant == Variant::Modern { "lenet" } else { "lenet1989" };
    let record = BenchRecord::new(name, "epoch_s", epoch_s)
        .with("test_acc", accuracy as f64)
        .with("images_per_s", data.train.labels.len() as f64 / epoch_s)
        .with("epochs", epochs as u64)
        .with("threads", threads as u64);
    with_flops(record, "epoch", flops, epoch_s)
}

/// W2: 784-512-512-10 ReLU MLP, SGD lr 0.05 momentum 0.9, batch 128, 1 epoch.
fn bench_mlp(data: &ClassificationData, threads: usize) -> BenchRecord {
    let mut rng = Rng::new(0);
    let model = Sequential::new()
        .add(Linear::new(784, 512, &mut rng))
        .add(Activation::Relu)
        .add(Linear::new(512, 512, &mut rng))
        .add(Activation::Relu)
        .add(Linear::new(512, 10, &mut rng));
    let flat = ClassificationData {
        feature_shape: vec![784],
        ..data.clone()
    };
    let mut optimizer = Sgd::new(SgdConfig {
        lr: 0.05,
        momentum: 0.9,
        ..SgdConfig::default()
    });
    let (epoch_s, accuracy, flops) = timed_training(&model, &mut optimizer, &flat, 128, 1);
    let record = BenchRecord::new("mlp", "epoch_s", epoch_s)
        .with("test_acc", accuracy as f64)
        .with("threads", threads as u64);
    with_flops(record, "epoch", flops, epoch_s)
}

/// W1: modern LeNet.
pub fn lenet(ctx: &mut BenchContext) -> Result<Vec<BenchRecord>, MilestoneError> {
    Ok(vec![bench_lenet(Variant::Modern, &ctx.mnist()?, ctx.threads)])
}

/// W1s: the 1989 LeNet.
pub fn lenet1989(ctx: &mut BenchContext) -> Result<Vec<BenchRecord>, MilestoneError> {
    Ok(vec![bench_lenet(Variant::Classic1989, &ctx.mnist()?, ctx.threads)])
}

/// W2: the MLP.
pub fn mlp(ctx: &mut BenchContext) -> Result<Vec<BenchRecord>, MilestoneError> {
    Ok(vec![bench_mlp(&ctx.mnist()?, ctx.threads)])
}

/// W5: matrix products.
pub fn matmul(ctx: &mut BenchContext) -> Result<Vec<BenchRecord>, MilestoneError> {
    Ok(bench_matmul(ctx.threads))
}
