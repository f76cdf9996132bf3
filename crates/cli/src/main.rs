//! `descent`: the command line of the descent engine and its history gallery.
//!
//! `list` the milestones, `run` one, `tour` them all (quick runs + an HTML report),
//! `bench` the anchor workloads as JSON lines; use the models the runs save (`classify`,
//! `generate`, `draw`, `clip`, `ask`; `inspect` says what a saved file is), embed and
//! search text with a pretrained MiniLM (`embed`, `search`), and manage data sets
//! (`data list|fetch`). This is the only binary; it owns argv, the thread pool, and
//! `anyhow` errors.
#![deny(clippy::undocumented_unsafe_blocks)]

mod ask;
mod bench;
mod classify;
mod classify_cifar;
mod clip_cmd;
mod data_cmd;
mod digit_image;
mod distributed;
mod draw_cmd;
mod draw_diffusion;
mod draw_gan;
mod embed;
mod generate_cmd;
mod inspect;
mod progress;
mod run_cmd;
mod saved_model;
mod search;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;

/// Most worker threads `--threads` accepts: far above any machine here, low enough that
/// a typo (`--threads 1000000`) is an error instead of a million OS threads.
const MAX_THREADS: usize = 1024;

/// mimalloc keeps freed activation buffers for reuse; glibc's defaults hand large blocks
/// back to the kernel, so every training step page-faulted its activations in again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `purge_delay` option (its C enum's index, the same in mimalloc v2 and v3).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory committed for reuse: by default mimalloc decommits it shortly after
/// a free, so each training step faulted its activations back in as fresh zeroed pages.
/// The cost is that resident memory stays at its peak.
fn keep_freed_memory() {
    // SAFETY: mi_option_set only stores an integer in mimalloc's option table (it ignores
    // an out-of-range index), and this runs first in main, before any other thread exists
    // to race on that table.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// descent — deep-learning history, re-created and measured.
#[derive(Parser)]
#[command(name = "descent", version, about, long_about = None)]
struct Cli {
    /// Worker threads for parallel kernels, 1 to 1024 (default: all cores).
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
    /// Draw images or clips with a trained generative model (`descent run gan`, `dalle` or `sora` saves one).
    Draw(draw_cmd::DrawArgs),
    /// Write text with a trained language model (`descent run lstm` or `descent run gpt` saves one).
    Generate(generate_cmd::GenerateArgs),
    /// Sentence vectors of texts as JSON lines (all-MiniLM-L6-v2 or --model DIR).
    Embed(embed::EmbedArgs),
    /// Corpus lines closest in meaning to a query (cosine of sentence vectors, cached).
    Search(search::SearchArgs),
    /// Score free-text labels against an image with a saved CLIP (`descent run clip` saves one).
    Clip(clip_cmd::ClipArgs),
    /// Answer a question about an image, boxes in its pixels (`descent run vqa` saves a model).
    Ask(ask::AskArgs),
    /// What a saved model is: kind, config, parameter count, and how it was trained.
    Inspect(inspect::InspectArgs),
    /// Data sets: where they are looked for, and fetching missing ones.
    Data {
        #[command(subcommand)]
        command: data_cmd::DataCommand,
    },
}

fn main() {
    keep_freed_memory();
    quiet_exit_when_stdout_closes();
    let cli = Cli::parse();
    if let Err(e) = real_main(cli) {
        // Not eprintln!: it panics when stderr is closed; the exit status still tells.
        let _ = writeln!(std::io::stderr(), "error: {}", one_line(&e));
        std::process::exit(1);
    }
}

/// An error and its causes on one line, `a: b: c`, leaving out a cause whose words the
/// line already holds (many errors quote their cause, and the chain would repeat it),
/// control characters escaped.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = descent_text::single_line(&cause.to_string());
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

/// Exit status when the reader of stdout went away: what a process killed by SIGPIPE
/// reports (128 + 13), so `set -o pipefail` scripts see what they see for `yes | head`.
const EXIT_READER_LEFT: i32 = 141;

/// A closed stdout (`descent list | head -1`, `descent run ... --json | true`) ends the
/// program quietly.
///
/// Rust ignores SIGPIPE, so a write to a closed pipe fails with EPIPE, and `println!`
/// panics on that. We keep SIGPIPE ignored instead of restoring its default disposition
/// (which would end the process silently) because the signal does not say which stream
/// closed: with the default, a closed stderr, where progress goes, would kill a training
/// run, and progress output must never end a run. So write errors are handled: our own
/// writes to stdout check for a broken pipe ([`exit_quietly_if_reader_left`]), stderr
/// writes ignore errors ([`note`]), and for the `println!`s elsewhere this hook turns
/// the "failed printing to stdout: Broken pipe" panic into the same quiet exit (and
/// any other stdout failure, such as a full disk, into a one-line error).
fn quiet_exit_when_stdout_closes() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if let Some(cause) = message.strip_prefix("failed printing to stdout: ") {
            if cause.starts_with("Broken pipe") {
                std::process::exit(EXIT_READER_LEFT);
            }
            // Another failure (a full disk): one line, like every other error.
            let _ = writeln!(std::io::stderr(), "error: cannot write to stdout: {cause}");
            std::process::exit(1);
        }
        default_hook(info);
    }));
}

/// Ends the program quietly when `error` says the reader of stdout went away.
pub(crate) fn exit_quietly_if_reader_left(error: &std::io::Error) {
    if error.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(EXIT_READER_LEFT);
    }
}

/// A `note: ...` line on stderr; a closed or full stderr is ignored (never ends a run).
pub(crate) fn note(message: &str) {
    let _ = writeln!(std::io::stderr(), "note: {message}");
}

fn real_main(cli: Cli) -> Result<()> {
    let threads = cli
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(MAX_THREADS));
    anyhow::ensure!(
        (1..=MAX_THREADS).contains(&threads),
        "--threads {threads} is out of range; use 1 to {MAX_THREADS}"
    );
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .stack_size(WORKER_STACK_BYTES)
        .build_global()?;
    // The command itself runs on a pool thread: a parallel kernel then keeps one of its
    // tasks on that thread and hands the rest to the others, instead of waking the whole
    // pool and putting the caller to sleep until it is done (two thread hand-offs per
    // parallel op from outside the pool).
    rayon::scope(|_| run_command(cli.command, cli.data_dir, threads))
}

/// Stack of each pool thread, where every command runs: as deep as the main thread's
/// (dropping a long recorded graph recurses once per node).
const WORKER_STACK_BYTES: usize = 32 << 20;

fn run_command(command: Command, data_dir: Option<PathBuf>, threads: usize) -> Result<()> {
    match command {
        Command::List => {
            run_cmd::list();
            Ok(())
        }
        Command::Run(args) => run_cmd::run(args, data_dir),
        Command::Tour(args) => run_cmd::tour(args, data_dir),
        Command::Bench(args) => bench::bench(args, data_dir, threads),
        Command::Classify(args) => classify::classify(args),
        Command::Generate(args) => generate_cmd::generate(args),
        Command::Embed(args) => embed::embed(args, data_dir),
        Command::Search(args) => search::search(args, data_dir),
        Command::Draw(args) => draw_cmd::draw(args),
        Command::Clip(args) => clip_cmd::clip(args),
        Command::Ask(args) => ask::ask(args),
        Command::Inspect(args) => inspect::inspect(args),
        Command::Data { command } => data_cmd::data(command, data_dir),
    }
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_cause_quoted_by_its_error_is_not_repeated() {
        let io = std::io::Error::from_raw_os_error(17);
        let quoted = format!("/out: {io}");
        let e = anyhow::Error::new(io)
            .context(quoted.clone())
            .context("milestone lenet did not finish");
        assert_eq!(one_line(&e), format!("milestone lenet did not finish: {quoted}"));
        let e = anyhow::anyhow!("inner cause").context("outer");
        assert_eq!(one_line(&e), "outer: inner cause");
    }
}
