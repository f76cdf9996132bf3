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
    /// Workloads to run (`descent bench list` names them): lenet, lenet1989, mlp, gpt, lstm, matmul, gen, dcgan, cifar, minilm.
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
    let session = if args.distributed { Some(crate::distributed::start()?) } else { None };
    let mut ctx = BenchContext::new(DataLocator::new(data_dir), threads);
    if let Some(session) = &session {
        ctx.world = session.world();
    }
    let world = ctx.world.clone();
    for name in &args.workloads {
        let workload = find_workload(name).expect("checked above");
        let records = (workload.run)(&mut ctx).map_err(|e| crate::distributed::fail(&world, e.into()))?;
        if world.is_root() {
            for record in records {
                println!("{}", record.to_json_line());
            }
        }
    }
    Ok(())
}
