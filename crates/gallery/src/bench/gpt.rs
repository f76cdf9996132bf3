//! The GPT anchor workloads of `../shared/bench/WORKLOADS.md` (bench.py's `gpt`, `gen`,
//! `gen_kv`), run by `descent bench gpt gen`.
//!
//! * W3 `gpt`: byte vocabulary, context 128, d 128, 4 heads, 4 layers, untied head, batch
//!   32 random windows of bench.py's fixed text, AdamW lr 3e-4 wd 0.1 (every parameter, as
//!   bench.py); step_ms = median of steps 11..60.
//! * W6 `gen`: the same (untrained) model writes 256 tokens after a 16-token prompt,
//!   greedy, batch 1, with the KV cache (`gen_kv`, compare with bench.py's `gen_kv`) and
//!   without (`gen`); tokens/s = 256 / median of 3 runs after a warm-up.

use super::{median, with_flops, BenchContext, FlopWindow, StepTimer};
use crate::MilestoneError;
use descent_models::generation::generate;
use descent_models::gpt::{Gpt, GptConfig};
use descent_nn::{param_count, params};
use descent_optim::{AdamW, AdamWConfig, Optimizer};
use descent_report::BenchRecord;
use descent_tensor::Rng;
use descent_text::{Sampler, SamplingConfig};
use std::time::Instant;

const TEXT_SEED: &str = concat!(
    "The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.\n",
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the\n",
    "age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the\n",
    "season of Light, it was the season of Darkness, it was the spring of hope, it was the winter\n",
    "of despair, we had everything before us, we had nothing before us, we were all going direct\n",
    "to Heaven, we were all going direct the other way.\n",
    "A deep learning framework computes gradients by reverse-mode automatic differentiation over\n",
    "a graph of tensor operations: matrix multiplication, convolution, pooling, normalization,\n",
    "softmax and cross-entropy. Throughput depends on kernels, memory traffic and threading.\n",
    "0123456789 !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ\n",
);

/// bench.py's byte corpus: the paragraph repeated to at least 16 KiB.
pub fn byte_corpus() -> Vec<usize> {
    let raw = TEXT_SEED.as_bytes();
    let reps = 16384usize.div_ceil(raw.len());
    raw.iter().cycle().take(raw.len() * reps).map(|&b| b as usize).collect()
}

/// W3: 60 AdamW steps; step_ms is the median of steps 11..60.
pub fn step(ctx: &mut BenchContext) -> Result<Vec<BenchRecord>, MilestoneError> {
    let threads = ctx.threads;
    const STEPS: usize = 60;
    const SKIP: usize = 10;
    const BATCH: usize = 32;
    let config = GptConfig::bench();
    let model = Gpt::new(config, &mut Rng::new(0));
    let all = params(&model);
    let mut optimizer = AdamW::new(AdamWConfig {
        lr: 3e-4,
        weight_decay: 0.1,
        ..AdamWConfig::default()
    });
    let data = byte_corpus();
    let mut rng = Rng::new(0);
    let t = config.context;
    let mut timer = StepTimer::new(SKIP);
    let mut losses = Vec::new();
    for _ in 0..STEPS {
        let mut x = Vec::with_capacity(BATCH * t);
        let mut y = Vec::with_capacity(BATCH * t);
        for _ in 0..BATCH {
            let s = rng.below(data.len() - t - 1);
            x.extend_from_slice(&data[s..s + t]);
            y.extend_from_slice(&data[s + 1..s + t + 1]);
        }
        let value = timer.time(|| {
            let loss = model.loss(&x, &y, BATCH);
            let grads = loss.backward();
            optimizer.step(&all, &grads);
            loss.item()
        });
        losses.push(value);
    }
    let step_s = timer.median_seconds();
    let record = BenchRecord::new("gpt", "step_ms", step_s * 1e3)
        .with("tokens_per_s", (BATCH * t) as f64 / step_s)
        .with("head", "untied")
        .with("attn", "fused")
        .with("params", param_count(&model) as u64)
        .with("loss_first", losses[0] as f64)
        .with("loss_last", *losses.last().expect("60 steps") as f64)
        .with("threads", threads as u64);
    Ok(vec![timer.with_flops(record)])
}

/// W6: with the KV cache (`gen_kv`), then without (`gen`).
pub fn generation(ctx: &mut BenchContext) -> Result<Vec<BenchRecord>, MilestoneError> {
    Ok(vec![bench_generation(true, ctx.threads), bench_generation(false, ctx.threads)])
}

/// W6: greedy generation of 256 tokens after bench.py's 16-byte prompt.
fn bench_generation(use_cache: bool, threads: usize) -> BenchRecord {
    const NEW: usize = 256;
    const REPS: usize = 3;
    let model = Gpt::new(GptConfig::bench(), &mut Rng::new(0));
    let prompt: Vec<usize> = byte_corpus()[..16].to_vec();
    let run = |n: usize| {
        let mut sampler = Sampler::new(SamplingConfig::greedy());
        generate(&model, &prompt, n, &mut sampler, use_cache, &|_| false)
    };
    run(8); // warm-up
    let mut times = Vec::new();
    let window = FlopWindow::open();
    for _ in 0..REPS {
        let start = Instant::now();
        let out = run(NEW);
        times.push(start.elapsed().as_secs_f64());
        assert_eq!(out.len(), NEW, "generation stopped early");
    }
    let t = median(&times);
    let flops_per_token = window.flops() / (REPS * NEW) as f64;
    let record = BenchRecord::new(if use_cache { "gen_kv" } else { "gen" }, "tokens_per_s", NEW as f64 / t)
        .with("kv_cache", use_cache)
        .with("prompt", 16u64)
        .with("new_tokens", NEW as u64)
        .with("batch", 1u64)
        .with("runs", REPS as u64)
        .with("attn", "fused")
        .with("threads", threads as u64);
    with_flops(record, "token", flops_per_token, t / NEW as f64)
}
