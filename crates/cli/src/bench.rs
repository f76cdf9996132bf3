//! `descent bench`: the anchor workloads of ../shared/bench/WORKLOADS.md as JSON lines
//! (`"system":"descent"`), to compare side by side with bench.py's PyTorch figures.

use anyhow::{bail, Result};
use clap::Args;
use descent_kernels::matmul::{matmul, MatRef};
use descent_report::BenchRecord;
use descent_tensor::Rng;
use std::path::PathBuf;
use std::time::Instant;

/// Options of `descent bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Workloads to run: matmul (more arrive with their milestones).
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
        out.push(BenchRecord::new("matmul", "gflops", 2.0 * (n as f64).powi(3) / t / 1e9).with("n", n as u64).with("threads", threads as u64));
    }
    out
}

/// Runs the named workloads, printing one JSON line per result.
pub fn bench(args: BenchArgs, _data_dir: Option<PathBuf>, threads: usize) -> Result<()> {
    for w in &args.workloads {
        let records = match w.as_str() {
            "matmul" => bench_matmul(threads),
            other => bail!("unknown workload '{other}'; available: matmul"),
        };
        for r in records {
            println!("{}", r.to_json_line());
        }
    }
    Ok(())
}
