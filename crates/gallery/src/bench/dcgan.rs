//! W7 of `../shared/bench/WORKLOADS.md` (bench.py's `dcgan`): DCGAN training steps on
//! MNIST scaled to [−1, 1], z 100, batch 64, Adam lr 2e-4 β (0.5, 0.999) for both
//! networks. One step = fake = G(z); a D update on the real and the detached fake
//! batch; a G update through the updated D. step_ms = median of steps 11..60; the 60
//! (real, z) batches are drawn before timing, as bench.py does.

use super::{BenchContext, StepTimer};
use crate::common::adversarial::{self, Players, StepInput};
use crate::MilestoneError;
use descent_models::{Dcgan, DcganConfig};
use descent_nn::param_count;
use descent_report::BenchRecord;
use descent_tensor::{Rng, Tensor};

/// W7: 60 alternating steps; step_ms is the median of steps 11..60.
pub fn step(ctx: &mut BenchContext) -> Result<Vec<BenchRecord>, MilestoneError> {
    const STEPS: usize = 60;
    const SKIP: usize = 10;
    const BATCH: usize = 64;
    let mnist = ctx.mnist()?;
    let images = &mnist.train.inputs; // normalised (x/255 − 0.1307)/0.3081
    let count = mnist.train.labels.len();
    let config = DcganConfig::w7();
    let model = Dcgan::new(config, &mut Rng::new(0));
    let (mut opt_d, mut opt_g) = (adversarial::adam(2e-4), adversarial::adam(2e-4));
    let (g, d) = model.params();
    let mut rng = Rng::new(0);
    let batches: Vec<(Tensor, Tensor)> = (0..STEPS)
        .map(|_| {
            let mut real = Vec::with_capacity(BATCH * 784);
            for _ in 0..BATCH {
                let at = rng.below(count) * 784;
                // Back to [0, 1], then [−1, 1] (bench.py's order).
                real.extend(images[at..at + 784].iter().map(|x| (x * 0.3081 + 0.1307) * 2.0 - 1.0));
            }
            let z = Tensor::randn(&[BATCH, config.z_dim], &mut rng);
            (Tensor::from_vec(real, &[BATCH, 1, 28, 28]), z)
        })
        .collect();
    let mut timer = StepTimer::new(SKIP);
    let mut losses = Vec::with_capacity(STEPS);
    for (real, z) in &batches {
        let input = StepInput {
            real,
            real_labels: None,
            z,
            fake_labels: None,
        };
        let stats = timer.time(|| adversarial::step(&model, input, &mut opt_d, &mut opt_g, (&g, &d)));
        losses.push(stats.d_loss + stats.g_loss);
    }
    let step_s = timer.median_seconds();
    let record = BenchRecord::new("dcgan", "step_ms", step_s * 1e3)
        .with("images_per_s", BATCH as f64 / step_s)
        .with("params", param_count(&model) as u64)
        .with("loss_first", losses[0] as f64)
        .with("loss_last", *losses.last().expect("60 steps") as f64)
        .with("threads", ctx.threads as u64);
    Ok(vec![timer.with_flops(record)])
}
