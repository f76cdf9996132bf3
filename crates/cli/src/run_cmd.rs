//! `descent list`, `descent run <id>` and `descent tour`.

use anyhow::{bail, Context, Result};
use clap::Args;
use descent_gallery::{find, Milestone, MilestoneError, Mode, RunConfig, GALLERY};
use descent_report::{summary_table, write_tour_html, MilestoneReport, TourEntry};
use std::path::PathBuf;
use std::time::Instant;

/// Options of `descent run`.
#[derive(Args)]
pub struct RunArgs {
    /// Milestone id (see `descent list`).
    id: String,
    /// The quick version (the default).
    #[arg(long, conflicts_with = "full")]
    quick: bool,
    /// The full experiment.
    #[arg(long)]
    full: bool,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print one final JSON object (claim, measured, passed) on stdout.
    #[arg(long)]
    json: bool,
    /// Output folder for artifacts (default runs/<id>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Milestone variant (e.g. `--variant 1989` for lenet).
    #[arg(long)]
    variant: Option<String>,
    /// Number of training epochs (overrides the mode's default).
    #[arg(long)]
    epochs: Option<usize>,
    /// Continue from the last checkpoint in the output folder.
    #[arg(long)]
    resume: bool,
}

/// Options of `descent tour`.
#[derive(Args)]
pub struct TourArgs {
    /// Output folder (each milestone in a subfolder, report.html at the top).
    #[arg(long, default_value = "runs")]
    out: PathBuf,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Only these milestones (comma-separated ids).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// Prints the gallery.
pub fn list() {
    println!("{:<16} {:>4}  {:<36} claim", "id", "year", "title");
    for m in GALLERY {
        println!("{:<16} {:>4}  {:<36} {}", m.id, m.year, m.title, m.claim);
    }
}

fn execute(m: &Milestone, cfg: &RunConfig) -> Result<MilestoneReport, MilestoneError> {
    let start = Instant::now();
    let mut report = (m.run)(cfg)?;
    report.seconds = start.elapsed().as_secs_f64();
    let path = cfg.out_dir.join("report.json");
    report.write_json(&path)?;
    Ok(report)
}

/// Runs one milestone and prints its summary (and JSON).
pub fn run(args: RunArgs, data_dir: Option<PathBuf>) -> Result<()> {
    let Some(m) = find(&args.id) else {
        let ids: Vec<&str> = GALLERY.iter().map(|m| m.id).collect();
        bail!("unknown milestone '{}'; known: {}", args.id, ids.join(", "));
    };
    let mut cfg = RunConfig::new(m.id);
    cfg.mode = if args.full { Mode::Full } else { Mode::Quick };
    cfg.seed = args.seed;
    cfg.data_dir = data_dir;
    cfg.variant = args.variant;
    cfg.epochs = args.epochs;
    cfg.resume = args.resume;
    cfg.progress = !args.json;
    if let Some(out) = args.out {
        cfg.out_dir = out;
    }
    let report = execute(m, &cfg).with_context(|| format!("milestone {} failed to run", m.id))?;
    if args.json {
        println!("{}", report.to_json());
    } else {
        println!("{}", report.human_summary());
        println!("artifacts in {}", cfg.out_dir.display());
    }
    Ok(())
}

/// Runs every quick milestone, prints a table, writes the HTML report.
pub fn tour(args: TourArgs, data_dir: Option<PathBuf>) -> Result<()> {
    let mut entries = Vec::new();
    for m in GALLERY
        .iter()
        .filter(|m| args.only.is_empty() || args.only.iter().any(|id| id == m.id))
    {
        println!("== {} ({}) {}", m.id, m.year, m.title);
        let mut cfg = RunConfig::new(m.id);
        cfg.out_dir = args.out.join(m.id);
        cfg.seed = args.seed;
        cfg.data_dir = data_dir.clone();
        let entry = match execute(m, &cfg) {
            Ok(report) => {
                println!("   {} in {:.1}s", if report.passed { "PASS" } else { "FAIL" }, report.seconds);
                TourEntry::ran(report, m.id)
            }
            Err(MilestoneError::MissingData { reason, fix }) => {
                println!("   SKIPPED: {reason}\n   fix: {fix}");
                TourEntry::skipped(MilestoneReport::new(m.id, m.title, m.year, m.claim), &reason, &fix)
            }
            Err(e) => {
                println!("   ERROR: {e}");
                let mut report = MilestoneReport::new(m.id, m.title, m.year, m.claim);
                report.note(&format!("the run stopped with an error: {e}"));
                TourEntry::ran(report, m.id)
            }
        };
        entries.push(entry);
    }
    println!("\n{}", summary_table(&entries));
    let html = args.out.join("report.html");
    write_tour_html(&html, &entries)?;
    println!("report: {}", html.display());
    Ok(())
}
