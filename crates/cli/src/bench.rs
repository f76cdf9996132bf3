//! `descent bench`: the anchor workloads of ../shared/bench/WORKLOADS.md as JSON lines
//! (`"system":"descent"`), to compare side by side with bench.py's PyTorch figures.

use anyhow::{bail, Result};
use clap::Args;
use descent_data::DataLocator;
use descent_gallery::bench::{find_workload, BenchContext, WORKLOADS};
use std::path::PathBuf;

/// Options of `descent bench`.
#[derive(Args)]
pub struct BenchArgs {
    /// Workloads to run (`descent bench list` names them): lenet, lenet1989, mlp, gpt, lstm, matmul, gen, ddpm.
    #[arg(required = true)]
    workloads: Vec<String>,
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
    let mut ctx = BenchContext::new(DataLocator::new(data_dir), threads);
    for name in &args.workloads {
        let workload = find_workload(name).expect("checked above");
        for record in (workload.run)(&mut ctx)? {
            println!("{}", record.to_json_line());
        }
    }
    Ok(())
}
