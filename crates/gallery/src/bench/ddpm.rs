//! W10 `ddpm` of `../shared/bench/WORKLOADS.md` (bench.py's `w_ddpm`): one DDPM
//! noise-prediction training step of the class-conditioned U-Net (ch 64, embedding 128,
//! `descent_models::unet`) on MNIST scaled to [−1, 1], batch 64, T = 1000 linear betas
//! 1e-4..0.02, the null class 10% of the time; MSE on the noise; AdamW lr 2e-4 (weight
//! decay 0.01, PyTorch's default). step_ms = median of steps 11..60. The batches (images,
//! steps, classes, noise) are drawn before the timed loop, as bench.py does.

use super::{BenchContext, StepTimer};
use crate::MilestoneError;
use descent_models::diffusion::NoiseSchedule;
use descent_models::unet::{CondInput, UNet, UNetConfig};
use descent_nn::{param_count, params};
use descent_optim::{AdamW, AdamWConfig, Optimizer};
use descent_report::BenchRecord;
use descent_tensor::{Rng, Tensor};

const STEPS: usize = 60;
const SKIP: usize = 10;
const BATCH: usize = 64;

/// One prepared step: x_t, the steps, the classes and the noise target.
struct Batch {
    xt: Vec<f32>,
    t: Vec<usize>,
    classes: Vec<usize>,
    noise: Vec<f32>,
}

/// W10: 60 AdamW steps of the U-Net; step_ms is the median of steps 11..60.
pub fn step(ctx: &mut BenchContext) -> Result<Vec<BenchRecord>, MilestoneError> {
    let threads = ctx.threads;
    let mnist = ctx.mnist()?;
    // bench.py: x01 = (x·0.3081 + 0.1307)·2 − 1 from the normalised tensors.
    let images: Vec<f32> = mnist.train.inputs.iter().map(|&x| (x * 0.3081 + 0.1307) * 2.0 - 1.0).collect();
    let labels = &mnist.train.labels;
    let model = UNet::new(UNetConfig::w10(), &mut Rng::new(0));
    let all = params(&model);
    let mut optimizer = AdamW::new(AdamWConfig {
        lr: 2e-4,
        ..AdamWConfig::default()
    });
    let schedule = NoiseSchedule::ddpm();
    let mut rng = Rng::new(0);
    let batches: Vec<Batch> = (0..STEPS)
        .map(|_| {
            let idx: Vec<usize> = (0..BATCH).map(|_| rng.below(labels.len())).collect();
            let t: Vec<usize> = (0..BATCH).map(|_| rng.below(schedule.steps())).collect();
            let classes = idx.iter().map(|&i| if rng.uniform() < 0.1 { 10 } else { labels[i] }).collect();
            let x0: Vec<f32> = idx.iter().flat_map(|&i| images[i * 784..(i + 1) * 784].iter().copied()).collect();
            let noise: Vec<f32> = (0..BATCH * 784).map(|_| rng.normal()).collect();
            Batch {
                xt: schedule.add_noise(&x0, &noise, &t),
                t,
                classes,
                noise,
            }
        })
        .collect();
    let mut timer = StepTimer::new(SKIP);
    let mut losses = Vec::new();
    for b in batches {
        let value = timer.time(|| {
            let shape = [BATCH, 1, 28, 28];
            let xt = Tensor::from_vec(b.xt, &shape);
            let loss = model
                .forward(&xt, &b.t, CondInput::Classes(&b.classes))
                .mse_loss(&Tensor::from_vec(b.noise, &shape));
            let grads = loss.backward();
            let value = loss.item();
            drop(loss); // parameters then have one owner and update in place
            optimizer.step(&all, &grads);
            value
        });
        losses.push(value);
    }
    let step_s = timer.median_seconds();
    let record = BenchRecord::new("ddpm", "step_ms", step_s * 1e3)
        .with("images_per_s", BATCH as f64 / step_s)
        .with("params", param_count(&model) as u64)
        .with("loss_first", losses[0] as f64)
        .with("loss_last", *losses.last().expect("60 steps") as f64)
        .with("threads", threads as u64);
    Ok(vec![timer.with_flops(record)])
}
