//! `descent bench`: the anchor workloads of ../shared/bench/WORKLOADS.md as JSON lines
//! (`"system":"descent"`), to compare side by side with bench.py's PyTorch figures.

use anyhow::{bail, Result};
use clap::Args;
use descent_kernels::matmul::{matmul, MatRef};
use descent_models::classifier::{evaluate, train_epoch, ClassificationData, EpochPlan};
use descent_models::lenet::{LeNet, Variant};
use descent_models::mnist_data::load_mnist;
use descent_models::RunConfig;
use descent_nn::{params, Activation, Forward, Linear, Sequential};
use descent_optim::{Optimizer, Sgd, SgdConfig};
use descent_report::BenchRecord;
use descent_tensor::Rng;
use indicatif::ProgressBar;
use std::path::PathBuf;
use std::time::Instant;

/// Options of `descent bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Workloads to run: matmul, lenet, lenet1989, mlp, gpt, gen, lstm.
    #[arg(required = true)]
    workloads: Vec<String>,
}

/// Median of a list of seconds.
fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(|a, b| a.total_cmp(b));
    xs[xs.len() / 2]
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
            matmul(n, n, n, MatRef::row_major(&a, n), MatRef::row_major(&b, n), &mut c, false);
            if i >= 3 {
                times.push(start.elapsed().as_secs_f64());
            }
        }
        let t = median(times);
        out.push(
            BenchRecord::new("matmul", "gflops", 2.0 * (n as f64).powi(3) / t / 1e9)
                .with("n", n as u64)
                .with("threads", threads as u64),
        );
    }
    out
}

/// Trains `model` for `epochs` epochs of W1/W1s/W2; returns (mean epoch seconds, test accuracy).
fn timed_training(
    model: &dyn Forward,
    optimizer: &mut dyn Optimizer,
    data: &ClassificationData,
    batch: usize,
    epochs: usize,
) -> (f64, f32) {
    let params = params(model);
    let mut seconds = 0.0;
    for epoch in 0..epochs {
        let start = Instant::now();
        let plan = EpochPlan {
            batch_size: batch,
            seed: 0,
            schedule: None,
        };
        train_epoch(model, &params, optimizer, data, plan, epoch as u64, &ProgressBar::hidden());
        seconds += start.elapsed().as_secs_f64();
    }
    let (accuracy, _, _) = evaluate(model, &data.test, &data.feature_shape, 1000);
    (seconds / epochs as f64, accuracy)
}

/// W1 (modern LeNet, Adam, 1 epoch) or W1s (1989 LeNet, SGD, 3 epochs).
fn bench_lenet(variant: Variant, data: &ClassificationData, threads: usize) -> BenchRecord {
    let model = LeNet::new(variant, &mut Rng::new(0));
    let mut optimizer = variant.optimizer();
    let epochs = if variant == Variant::Modern { 1 } else { 3 };
    let (epoch_s, accuracy) = timed_training(&model, optimizer.as_mut(), data, 64, epochs);
    let name = if variant == Variant::Modern { "lenet" } else { "lenet1989" };
    BenchRecord::new(name, "epoch_s", epoch_s)
        .with("test_acc", accuracy as f64)
        .with("images_per_s", data.train.labels.len() as f64 / epoch_s)
        .with("epochs", epochs as u64)
        .with("threads", threads as u64)
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
    let (epoch_s, accuracy) = timed_training(&model, &mut optimizer, &flat, 128, 1);
    BenchRecord::new("mlp", "epoch_s", epoch_s)
        .with("test_acc", accuracy as f64)
        .with("threads", threads as u64)
}

/// Runs the named workloads, printing one JSON line per result.
pub fn bench(args: BenchArgs, data_dir: Option<PathBuf>, threads: usize) -> Result<()> {
    let mut mnist: Option<ClassificationData> = None;
    let mut mnist_data = || -> Result<ClassificationData> {
        if mnist.is_none() {
            let mut cfg = RunConfig::new("bench");
            cfg.data_dir = data_dir.clone();
            mnist = Some(load_mnist(&cfg, true)?);
        }
        Ok(mnist.clone().expect("loaded above"))
    };
    for w in &args.workloads {
        let records = match w.as_str() {
            "matmul" => bench_matmul(threads),
            "lenet" => vec![bench_lenet(Variant::Modern, &mnist_data()?, threads)],
            "lenet1989" => vec![bench_lenet(Variant::Classic1989, &mnist_data()?, threads)],
            "mlp" => vec![bench_mlp(&mnist_data()?, threads)],
            "gpt" => vec![descent_models::gpt_bench::bench_gpt_step(threads)],
            "gen" => vec![
                descent_models::gpt_bench::bench_generation(true, threads),
                descent_models::gpt_bench::bench_generation(false, threads),
            ],
            "lstm" => vec![descent_models::charlm::bench_lstm_step(threads)],
            other => bail!("unknown workload '{other}'; available: matmul, lenet, lenet1989, mlp, gpt, gen, lstm"),
        };
        for r in records {
            println!("{}", r.to_json_line());
        }
    }
    Ok(())
}
