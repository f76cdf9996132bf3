//! `descent`: the command line of the descent engine and its history gallery.
//!
//! `list` the milestones, `run` one, `tour` them all (quick runs + an HTML report),
//! `bench` the anchor workloads as JSON lines, and manage data sets (`data list|fetch`).
//! This is the only binary; it owns argv, the thread pool, and `anyhow` errors.

mod bench;
mod classify;
mod classify_cifar;
mod data_cmd;
mod distributed;
mod progress;
mod run_cmd;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// mimalloc keeps freed activation buffers for reuse; glibc's defaults hand large blocks
/// back to the kernel, so every step page-faulted its activations in again (15–20% of a
/// GPT step, W3).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Predict digits (LeNet) or CIFAR-10 classes (alexnet) in image files with a trained checkpoint.
    Classify(classify::ClassifyArgs),
    /// Write text with a trained language model (`descent run lstm` or `descent run gpt` saves one).
    Generate(GenerateArgs),
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
        Command::Generate(args) => generate(args),
        Command::Data { command } => data_cmd::data(command, cli.data_dir),
    }
}

/// Options of `descent generate`.
#[derive(clap::Args)]
struct GenerateArgs {
    /// Checkpoint of a language model (runs/lstm/charlm.safetensors, runs/gpt/gpt.safetensors).
    #[arg(long)]
    model: PathBuf,
    /// Text to continue.
    #[arg(long)]
    prompt: String,
    /// New tokens (characters for the character models) to write.
    #[arg(long, default_value_t = 200)]
    tokens: usize,
    /// Sampling temperature: below 1 sharper, above 1 more random, 0 always the likeliest.
    #[arg(long, default_value_t = 0.8)]
    temperature: f32,
    /// Keep only the k likeliest tokens.
    #[arg(long)]
    top_k: Option<usize>,
    /// Keep the likeliest tokens up to this total probability (nucleus sampling).
    #[arg(long)]
    top_p: Option<f32>,
    /// Seed of the random draws.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Drop prompt characters the model does not know instead of stopping with an error.
    #[arg(long)]
    skip_unknown: bool,
}

/// `descent generate`: dispatches on the checkpoint's metadata (character LSTM or GPT).
fn generate(args: GenerateArgs) -> Result<()> {
    use descent_gallery::saved::{char_lstm as charlm, gpt};
    let sampling = descent_text::SamplingConfig {
        temperature: args.temperature,
        top_k: args.top_k,
        top_p: args.top_p,
        seed: args.seed,
    };
    // The checkpoint error already names the file and the cause; no need for anyhow's chain.
    let metadata = descent_nn::Checkpoint::load(&args.model)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .metadata;
    let (text, dropped) = if charlm::is_char_lstm(&metadata) {
        let mut sampler = descent_text::Sampler::new(sampling);
        charlm::generate_text(&args.model, &args.prompt, args.tokens, &mut sampler, args.skip_unknown)?
    } else if metadata.get("milestone").map(String::as_str) == Some(gpt::GPT_MILESTONE) {
        let options = gpt::GenerateOptions {
            max_new_tokens: args.tokens,
            sampling,
            skip_unknown: args.skip_unknown,
            use_cache: true,
        };
        gpt::generate_text(&gpt::load_gpt(&args.model)?, &args.prompt, options)?
    } else {
        let what = metadata
            .get("milestone")
            .map_or("an unlabelled checkpoint".to_string(), |m| format!("a '{m}' checkpoint"));
        anyhow::bail!(
            "{}: {what} cannot write text; use one saved by `descent run lstm` or `descent run gpt`",
            args.model.display()
        );
    };
    if !dropped.is_empty() {
        eprintln!("note: dropped prompt characters the model does not know: {dropped:?}");
    }
    println!("{}{text}", args.prompt);
    Ok(())
}
