//! `descent list`, `descent run <id>` and `descent tour`.

use crate::progress::TerminalProgress;
use anyhow::{bail, Context, Result};
use clap::Args;
use descent_gallery::{execute, find, Milestone, MilestoneError, Mode, Progress, RunConfig, Silent, GALLERY};
use descent_report::{article_timeline, summary_table, write_tour_page, Fact, MilestoneReport, TourEntry, TourFacts, TourPage};
use std::path::PathBuf;
use std::sync::Arc;

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
    /// Milestone variant (e.g. `--variant 1989` for lenet; `descent list` shows them).
    #[arg(long)]
    variant: Option<String>,
    /// Number of training epochs (overrides the mode's default; where the milestone has epochs).
    #[arg(long)]
    epochs: Option<usize>,
    /// Continue from the checkpoint in the output folder (where the milestone supports it).
    #[arg(long)]
    resume: bool,
    /// Train across the processes started by `mpirun` (a build with `--features mpi`);
    /// rank 0 writes the output.
    #[arg(long)]
    distributed: bool,
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
    println!("{:<16} {:>4}  {:<44} claim", "id", "year", "title");
    for m in GALLERY {
        println!("{:<16} {:>4}  {:<44} {}", m.id, m.year, m.title, m.claim);
    }
}

fn unknown_milestone(id: &str) -> anyhow::Error {
    let ids: Vec<&str> = GALLERY.iter().map(|m| m.id).collect();
    anyhow::anyhow!("unknown milestone '{id}'; known: {}", ids.join(", "))
}

/// Runs one milestone and prints its summary (and JSON).
pub fn run(args: RunArgs, data_dir: Option<PathBuf>) -> Result<()> {
    let m = find(&args.id).ok_or_else(|| unknown_milestone(&args.id))?;
    let mut cfg = RunConfig::new(m.id);
    cfg.mode = if args.full { Mode::Full } else { Mode::Quick };
    cfg.seed = args.seed;
    cfg.data_dir = data_dir;
    cfg.variant = args.variant;
    cfg.epochs = args.epochs;
    cfg.resume = args.resume;
    if let Some(out) = args.out {
        cfg.out_dir = out;
    }
    let session = if args.distributed {
        Some(crate::distributed::start()?)
    } else {
        None
    };
    if let Some(session) = &session {
        cfg.world = session.world();
    }
    let world = cfg.world.clone();
    let out_dir = cfg.out_dir.clone();
    let progress: Arc<dyn Progress> = if args.json || !world.is_root() {
        Arc::new(Silent)
    } else {
        Arc::new(TerminalProgress::new())
    };
    let report = execute(m, cfg, progress)
        .with_context(|| format!("milestone {} did not finish", m.id))
        .map_err(|e| crate::distributed::fail(&world, e))?;
    if !world.is_root() {
        return Ok(());
    }
    if args.json {
        println!("{}", report.to_json());
    } else {
        println!("{}", report.human_summary());
        println!("artifacts in {}", out_dir.display());
    }
    // FAIL is a finding, not an error: the exit status stays 0 (the tour's does not).
    Ok(())
}

/// The milestones `--only` names (all when empty); an unknown id is an error.
fn tour_selection(only: &[String]) -> Result<Vec<&'static Milestone>> {
    if only.is_empty() {
        return Ok(GALLERY.iter().collect());
    }
    only.iter().map(|id| find(id).ok_or_else(|| unknown_milestone(id))).collect()
}

/// Runs every quick milestone, prints a table, writes the HTML report. Exits non-zero
/// when a milestone fails, errors or is skipped; the last good report page is then kept.
pub fn tour(args: TourArgs, data_dir: Option<PathBuf>) -> Result<()> {
    let selection = tour_selection(&args.only)?;
    let progress: Arc<dyn Progress> = Arc::new(TerminalProgress::new());
    let mut entries = Vec::new();
    let mut not_passed = Vec::new();
    for m in selection {
        println!("== {} ({}) {}", m.id, m.year, m.title);
        let mut cfg = RunConfig::new(m.id);
        cfg.out_dir = args.out.join(m.id);
        cfg.seed = args.seed;
        cfg.data_dir = data_dir.clone();
        let entry = match execute(m, cfg, progress.clone()) {
            Ok(report) => {
                println!("   {} in {:.1}s", if report.passed { "PASS" } else { "FAIL" }, report.seconds);
                if !report.passed {
                    not_passed.push(format!("{} failed", m.id));
                }
                TourEntry::ran(report, m.id)
            }
            Err(MilestoneError::MissingData { reason, fix }) => {
                println!("   SKIPPED: {reason}\n   fix: {fix}");
                not_passed.push(format!("{} skipped", m.id));
                TourEntry::skipped(MilestoneReport::new(m.id, m.title, m.year, m.claim), &reason, &fix)
            }
            Err(e) => {
                println!("   ERROR: {e}");
                not_passed.push(format!("{} stopped with an error", m.id));
                TourEntry::errored(MilestoneReport::new(m.id, m.title, m.year, m.claim), &e.to_string())
            }
        };
        entries.push(entry);
    }
    println!("\n{}", summary_table(&entries));
    let good = not_passed.is_empty() && !entries.is_empty();
    let page = args.out.join(if good { "report.html" } else { "report-failed.html" });
    let mut timeline = article_timeline();
    for event in &mut timeline {
        event.milestones = GALLERY
            .iter()
            .filter(|m| m.event == Some(event.key.as_str()))
            .map(|m| m.id.to_string())
            .collect();
    }
    let mut facts = TourFacts::from_entries(&entries);
    facts.matmul_gflops = Some(Fact::new(
        descent_gallery::bench::matmul_peak_gflops(),
        "f32 matmul, n = 1024, best of 10, this machine",
    ));
    let tour_page = TourPage {
        entries: &entries,
        timeline: &timeline,
        facts: Some(&facts),
    };
    write_tour_page(&page, &tour_page)?;
    println!("report: {}", page.display());
    if !good {
        let kept = args.out.join("report.html");
        if kept.exists() {
            println!("(the last good tour's page, {}, is kept)", kept.display());
        }
        bail!("the tour did not pass: {}", not_passed.join(", "));
    }
    Ok(())
}
