//! `descent bench`: the anchor workloads of ../shared/bench/WORKLOADS.md as JSON lines
//! (`"system":"descent"`), to compare side by side with bench.py's PyTorch figures.

use anyhow::{bail, Result};
use clap::Args;
use descent_data::DataLocator;
use descent_gallery::bench::{find_workload, matmul_peak_gflops, BenchContext, WORKLOADS};
use descent_report::BenchRecord;
use std::path::PathBuf;

/// Options of `descent bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Workloads to run (`descent bench list` names them): lenet, lenet1989, mlp, gpt, lstm, matmul, gen, dcgan, cifar, minilm, ddpm.
    #[arg(required = true)]
    workloads: Vec<String>,
    /// Run `cifar` data-parallel over the processes started by `mpirun` (a build with
    /// `--features mpi`); rank 0 prints.
    #[arg(long)]
    distributed: bool,
}

/// Runs the named workloads, printing one JSON line per result.
pub fn bench(args: BenchArgs, data_dir: Option<PathBuf>, threads: usize) -> Result<()> {
    if args.workloads.iter().any(|w| w == "list") {
        for w in WORKLOADS {
            println!("{:<10} {}", w.name, w.about);
        }
        return Ok(());
    }
    let unknown: Vec<&String> = args.workloads.iter().filter(|w| find_workload(w).is_none()).collect();
    if !unknown.is_empty() {
        let names: Vec<&str> = WORKLOADS.iter().map(|w| w.name).collect();
        bail!("unknown workload(s) {unknown:?}; available: {}", names.join(", "));
    }
    if args.distributed && args.workloads.iter().any(|w| w != "cifar") {
        bail!("--distributed runs only the cifar workload; drop the others");
    }
    let session = if args.distributed {
        Some(crate::distributed::start()?)
    } else {
        None
    };
    let mut ctx = BenchContext::new(DataLocator::new(data_dir), threads);
    if let Some(session) = &session {
        ctx.world = session.world();
    }
    let world = ctx.world.clone();
    let mut peak = None;
    for name in &args.workloads {
        let workload = find_workload(name).expect("checked above");
        reset_peak_rss();
        let records = (workload.run)(&mut ctx).map_err(|e| crate::distributed::fail(&world, e.into()))?;
        let rss = peak_rss_mb();
        if world.is_root() {
            for record in records {
                println!("{}", with_machine_figures(record, &mut peak, rss).to_json_line());
            }
        }
    }
    Ok(())
}

/// Adds `peak_share` (the record's GFLOP/s over the machine's measured matmul rate,
/// measured once, on first need) and `peak_rss_mb` (the process's peak resident memory
/// during the workload).
fn with_machine_figures(mut record: BenchRecord, peak: &mut Option<f64>, rss_mb: Option<f64>) -> BenchRecord {
    if let Some(rate) = record.extra.get("gflops").and_then(|v| v.as_f64()) {
        let peak = *peak.get_or_insert_with(matmul_peak_gflops);
        record = record.with("matmul_peak_gflops", peak).with("peak_share", rate / peak);
    }
    match rss_mb {
        Some(mb) => record.with("peak_rss_mb", mb),
        None => record,
    }
}

/// Starts a new peak-memory window (Linux: resets the process's VmHWM); elsewhere a no-op.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The process's peak resident memory in MiB since [`reset_peak_rss`] (Linux's VmHWM).
fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
