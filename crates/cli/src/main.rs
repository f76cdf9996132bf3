//! `descent`: the command line of the descent engine and its history gallery.
//!
//! `list` the milestones, `run` one, `tour` them all (quick runs + an HTML report),
//! `bench` the anchor workloads as JSON lines, and manage data sets (`data list|fetch`).
//! This is the only binary; it owns argv, the thread pool, and `anyhow` errors.

mod bench;
mod classify;
mod data_cmd;
mod run_cmd;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// descent — deep-learning history, re-created and measured.
#[derive(Parser)]
#[command(name = "descent", version, about, long_about = None)]
struct Cli {
    /// Worker threads for parallel kernels (default: all cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// Folder holding data sets (searched before $DESCENT_DATA and ./data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Every milestone: id, year, title and the claim it tests.
    List,
    /// Train/run one milestone and judge its claim.
    Run(run_cmd::RunArgs),
    /// Every milestone's quick run, a summary table, and runs/report.html.
    Tour(run_cmd::TourArgs),
    /// Anchor workloads (../shared/bench/WORKLOADS.md) as JSON lines.
    Bench(bench::BenchArgs),
    /// Predict digits in image files with a trained LeNet checkpoint.
    Classify(classify::ClassifyArgs),
    /// Data sets: where they are looked for, and fetching missing ones.
    Data {
        #[command(subcommand)]
        command: data_cmd::DataCommand,
    },
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = real_main(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn real_main(cli: Cli) -> Result<()> {
    let threads = cli
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    anyhow::ensure!(threads > 0, "--threads must be at least 1");
    rayon::ThreadPoolBuilder::new().num_threads(threads).build_global()?;
    match cli.command {
        Command::List => {
            run_cmd::list();
            Ok(())
        }
        Command::Run(args) => run_cmd::run(args, cli.data_dir),
        Command::Tour(args) => run_cmd::tour(args, cli.data_dir),
        Command::Bench(args) => bench::bench(args, cli.data_dir, threads),
        Command::Classify(args) => classify::classify(args),
        Command::Data { command } => data_cmd::data(command, cli.data_dir),
    }
}
