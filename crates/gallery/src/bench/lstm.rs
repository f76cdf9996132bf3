//! W4 (`descent bench lstm`).

use super::{byte_corpus, BenchContext, StepTimer};
use crate::MilestoneError;
use descent_models::char_lstm::{CharLstm, CharLstmConfig};
use descent_nn::{param_count, params};
use descent_optim::{Adam, AdamConfig, Optimizer};
use descent_report::BenchRecord;
use descent_tensor::Rng;

/// W4 (`descent bench lstm`): `CharLSTM(256, 64, 256)`, batch 32 random 100-byte windows
/// of bench.py's text, Adam lr 2e-3; step_ms is the median of steps 11..60.
pub fn step(ctx: &mut BenchContext) -> Result<Vec<BenchRecord>, MilestoneError> {
    let threads = ctx.threads;
    const STEPS: usize = 60;
    const SKIP: usize = 10;
    const BATCH: usize = 32;
    const SEQ: usize = 100;
    let model = CharLstm::new(CharLstmConfig::bench(), &mut Rng::new(0));
    let all = params(&model);
    let mut optimizer = Adam::new(AdamConfig {
        lr: 2e-3,
        ..AdamConfig::default()
    });
    let data = byte_corpus();
    let mut rng = Rng::new(0);
    let mut timer = StepTimer::new(SKIP);
    let mut losses = Vec::new();
    for _ in 0..STEPS {
        let (mut x, mut y) = (Vec::with_capacity(BATCH * SEQ), Vec::with_capacity(BATCH * SEQ));
        for _ in 0..BATCH {
            let s = rng.below(data.len() - SEQ - 1);
            x.extend_from_slice(&data[s..s + SEQ]);
            y.extend_from_slice(&data[s + 1..s + SEQ + 1]);
        }
        let value = timer.time(|| {
            let (loss, _) = model.loss(&x, &y, BATCH, None);
            let grads = loss.backward();
            optimizer.step(&all, &grads);
            loss.item()
        });
        losses.push(value);
    }
    let step_s = timer.median_seconds();
    let record = BenchRecord::new("lstm", "step_ms", step_s * 1e3)
        .with("tokens_per_s", (BATCH * SEQ) as f64 / step_s)
        .with("params", param_count(&model) as u64)
        .with("loss_first", losses[0] as f64)
        .with("loss_last", losses[STEPS - 1] as f64)
        .with("threads", threads as u64);
    Ok(vec![timer.with_flops(record)])
}
