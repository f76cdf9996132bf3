//! [`Run`]: the context a milestone runs in. It owns the report (claim, title and year
//! come from the registry, never from the milestone), the metric history, the artifacts,
//! progress, checkpoints and the output-folder lock, so a milestone's file is its
//! science: data, model, training, measurement, verdict.

use super::checkpoint::{self, Training};
use super::{History, OutputLock, Phase, Progress, RunConfig, RunSettings};
use crate::registry::Milestone;
use crate::{MilestoneError, Mode};
use descent_data::DataLocator;
use descent_models::saved::{ModelFile, Provenance, SavedModel, Snapshot};
use descent_optim::Optimizer;
use descent_report::{
    bar_chart_svg, confusion_matrix_svg, line_chart_svg, write_heatmap_png, write_image_grid_png, BarChart, GridOptions, LineChart,
    MilestoneReport,
};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// One milestone run in progress.
pub struct Run {
    milestone: &'static Milestone,
    config: RunConfig,
    progress: Arc<dyn Progress>,
    report: MilestoneReport,
    history: History,
    data: String,
    judged: bool,
    started: Instant,
    cpu_at_start: Option<f64>,
    // None on ranks other than 0 of a distributed run: they write nothing.
    _lock: Option<OutputLock>,
}

impl Run {
    /// Checks `config` against what `milestone` supports, locks the output folder, and
    /// (unless resuming) moves an earlier run's checkpoints aside into `previous/`.
    pub fn start(milestone: &'static Milestone, config: RunConfig, progress: Arc<dyn Progress>) -> Result<Run, MilestoneError> {
        config.check_against(milestone)?;
        let writes = config.world.is_root();
        let lock = if writes {
            Some(OutputLock::acquire(&config.out_dir)?)
        } else {
            None
        };
        let mut report = MilestoneReport::new(milestone.id, milestone.title, milestone.year, milestone.claim);
        if !config.resume && writes {
            for kept in keep_previous_checkpoints(&config.out_dir)? {
                let line = format!("kept the earlier run's checkpoint as {kept} (this run starts fresh; --resume continues one)");
                progress.log(&line);
                report.note(&format!("Kept the earlier run's checkpoint as {kept}."));
            }
        }
        Ok(Run {
            milestone,
            config,
            progress,
            report,
            history: History::default(),
            data: String::new(),
            judged: false,
            started: Instant::now(),
            cpu_at_start: super::process_cpu_seconds(),
            _lock: lock,
        })
    }

    /// [`start`](Self::start) with progress going nowhere (tests, JSON output).
    pub fn silent(milestone: &'static Milestone, config: RunConfig) -> Result<Run, MilestoneError> {
        Run::start(milestone, config, Arc::new(super::Silent))
    }

    /// The milestone's registry entry.
    pub fn milestone(&self) -> &'static Milestone {
        self.milestone
    }

    /// Quick or full.
    pub fn mode(&self) -> Mode {
        self.config.mode
    }

    /// True in full mode.
    pub fn full(&self) -> bool {
        self.config.full()
    }

    /// The seed of every random choice.
    pub fn seed(&self) -> u64 {
        self.config.seed
    }

    /// The chosen variant, or the milestone's first (default) one, or `default`.
    pub fn variant(&self) -> &str {
        match &self.config.variant {
            Some(v) => v,
            None => self.milestone.options.variants.first().copied().unwrap_or("default"),
        }
    }

    /// True when `--epochs` was given.
    pub fn epochs_given(&self) -> bool {
        self.config.epochs.is_some()
    }

    /// `--epochs N`, if given (already checked against the milestone's budget).
    pub fn epochs_override(&self) -> Option<usize> {
        self.config.epochs
    }

    /// The milestone's settings for this run: quick or full by the mode, then `--epochs`.
    pub fn settings<S: RunSettings>(&self) -> S {
        let settings = if self.full() { S::full() } else { S::quick() };
        match self.config.epochs {
            Some(epochs) => settings.with_epochs(epochs),
            None => settings,
        }
    }

    /// Where data sets are looked for.
    pub fn data(&self) -> DataLocator {
        self.config.locator()
    }

    /// The settings of this run.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// Records which data the run trains on: `identity` (no paths; compared on resume,
    /// e.g. `MNIST 60000/10000`) and a note for the reader (`description`).
    pub fn uses_data(&mut self, identity: &str, description: &str) {
        self.data = identity.to_string();
        self.report.note(&format!("Data: {description}."));
    }

    /// A line for the reader (printed by the CLI above any progress bar).
    pub fn log(&self, line: &str) {
        self.progress.log(line);
    }

    /// Starts a progress phase of `total` steps.
    pub fn phase(&self, label: &str, total: u64) -> Phase {
        Phase::start(self.progress.clone(), label, total)
    }

    /// Records a measured value (the first ones are the headline in the tour table).
    pub fn measure(&mut self, key: &str, value: impl Into<Value>) {
        self.report.measure(key, value);
    }

    /// Adds a note to the report.
    pub fn note(&mut self, text: &str) {
        self.report.note(text);
    }

    /// Appends `(x, y)` to the history series `name`.
    pub fn record(&mut self, name: &str, x: f64, y: f64) {
        self.history.push(name, x, y);
    }

    /// The metric history so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The verdict on the claim. A run that never calls this is a bug in the milestone.
    pub fn judge(&mut self, passed: bool) {
        self.report.passed = passed;
        self.judged = true;
    }

    /// The verdict so far (false before [`judge`](Self::judge)).
    pub fn passed(&self) -> bool {
        self.judged && self.report.passed
    }

    /// The processes training together (one, unless `--distributed` under mpirun).
    pub fn world(&self) -> &descent_dist::World {
        &self.config.world
    }

    /// False on the ranks other than 0 of a distributed run: their artifact, checkpoint
    /// and report writes are skipped (rank 0 writes the output folder).
    pub fn writes(&self) -> bool {
        self.config.world.is_root()
    }

    /// The output folder, created (on ranks other than 0 of a distributed run, a scratch
    /// folder of that rank under the system temp folder).
    pub fn dir(&self) -> Result<PathBuf, MilestoneError> {
        let dir = if self.writes() {
            self.config.out_dir.clone()
        } else {
            std::env::temp_dir().join(format!("descent-rank{}-{}", self.config.world.rank(), std::process::id()))
        };
        std::fs::create_dir_all(&dir).map_err(|e| MilestoneError::io(&dir, e))?;
        Ok(dir)
    }

    /// `out/name`, with the output folder created (see [`dir`](Self::dir)).
    pub fn path(&self, name: &str) -> Result<PathBuf, MilestoneError> {
        Ok(self.dir()?.join(name))
    }

    /// Lists `name` among the run's artifacts.
    pub fn artifact(&mut self, name: &str) {
        if !self.report.artifacts.iter().any(|a| a == name) {
            self.report.artifact(name);
        }
    }

    /// Writes a text artifact (atomically).
    pub fn write_text(&mut self, name: &str, text: &str) -> Result<(), MilestoneError> {
        if !self.writes() {
            return Ok(());
        }
        let path = self.path(name)?;
        descent_report::write_atomic(&path, text.as_bytes())?;
        self.artifact(name);
        Ok(())
    }

    /// Writes a line chart as SVG.
    pub fn line_chart(&mut self, name: &str, chart: &LineChart) -> Result<(), MilestoneError> {
        if !self.writes() {
            return Ok(());
        }
        line_chart_svg(&self.path(name)?, chart)?;
        self.artifact(name);
        Ok(())
    }

    /// Writes a bar chart as SVG.
    pub fn bar_chart(&mut self, name: &str, chart: &BarChart) -> Result<(), MilestoneError> {
        if !self.writes() {
            return Ok(());
        }
        bar_chart_svg(&self.path(name)?, chart)?;
        self.artifact(name);
        Ok(())
    }

    /// Writes `counts[true][predicted]` as an SVG confusion matrix.
    pub fn confusion(&mut self, name: &str, counts: &[Vec<u64>], class_names: &[&str]) -> Result<(), MilestoneError> {
        if !self.writes() {
            return Ok(());
        }
        confusion_matrix_svg(&self.path(name)?, counts, class_names)?;
        self.artifact(name);
        Ok(())
    }

    /// Writes images `(n, height, width[, channels])` as a PNG grid.
    pub fn image_grid(
        &mut self,
        name: &str,
        pixels: &[f32],
        height: usize,
        width: usize,
        options: &GridOptions,
    ) -> Result<(), MilestoneError> {
        if !self.writes() {
            return Ok(());
        }
        write_image_grid_png(&self.path(name)?, pixels, height, width, options)?;
        self.artifact(name);
        Ok(())
    }

    /// Writes a `(rows, cols)` matrix as a heatmap PNG.
    pub fn heatmap(&mut self, name: &str, values: &[f32], rows: usize, cols: usize, scale: usize) -> Result<(), MilestoneError> {
        if !self.writes() {
            return Ok(());
        }
        write_heatmap_png(&self.path(name)?, values, rows, cols, scale)?;
        self.artifact(name);
        Ok(())
    }

    /// How this run trains, as a saved model's provenance records it.
    fn provenance(&self, epochs_done: usize, epochs_total: usize) -> Provenance {
        Provenance {
            milestone: self.milestone.id.to_string(),
            variant: self.variant().to_string(),
            mode: self.config.mode.name().to_string(),
            data: self.data.clone(),
            seed: self.config.seed,
            epochs_done,
            epochs_total,
            descent_version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// Saves a model (`name`, e.g. `checkpoint.safetensors`) in the one model format,
    /// with this run's provenance and history, atomically; the optimizer's state goes
    /// with it when `training` has one (an exact `--resume`).
    pub fn save(&mut self, name: &str, snapshot: Snapshot, training: Training) -> Result<(), MilestoneError> {
        if !self.writes() {
            return Ok(());
        }
        let provenance = self.provenance(training.epochs_done, training.epochs_total);
        checkpoint::write(&self.path(name)?, &snapshot, &provenance, &self.history, training.optimizer)?;
        self.artifact(name);
        Ok(())
    }

    /// With `--resume`: loads `name` into `model` (and `optimizer`), after checking that it
    /// was made by this milestone with the same variant, mode, data and seed, and holds a
    /// model of the same kind and config; restores the history; returns the provenance
    /// (epochs done and planned). Without `--resume`: `None`. Call after
    /// [`uses_data`](Self::uses_data).
    pub fn resume<M: SavedModel>(
        &mut self,
        name: &str,
        model: &M,
        optimizer: Option<&mut dyn Optimizer>,
    ) -> Result<Option<Provenance>, MilestoneError> {
        if !self.config.resume {
            return Ok(None);
        }
        let path = self.config.out_dir.join(name);
        if !path.exists() {
            return Err(MilestoneError::Config(format!(
                "--resume: there is no {} to continue from; run without --resume to start",
                path.display()
            )));
        }
        let file = ModelFile::read(&path)?;
        let saved = checkpoint::provenance_of(&file)?.clone();
        let differences = saved.differences(&self.provenance(0, 0));
        if !differences.is_empty() {
            return Err(MilestoneError::Config(format!(
                "--resume: {} was made by a different run ({}); rerun with the same settings, or without --resume",
                path.display(),
                differences.join("; ")
            )));
        }
        file.load_into(model)?;
        self.history = checkpoint::restore_training(&file, &descent_nn::params(model.module()), optimizer)?;
        self.log(&format!(
            "resuming from {} ({} of {} epochs done)",
            path.display(),
            saved.epochs_done,
            saved.epochs_total
        ));
        Ok(Some(saved))
    }

    /// Ends the run: the report with its wall time, also written as `report.json`.
    pub fn finish(mut self) -> Result<MilestoneReport, MilestoneError> {
        if !self.judged {
            return Err(MilestoneError::Config(format!(
                "{}: the run ended without a verdict (a bug in the milestone)",
                self.milestone.id
            )));
        }
        self.report.seconds = self.started.elapsed().as_secs_f64();
        if let (Some(start), Some(now)) = (self.cpu_at_start, super::process_cpu_seconds()) {
            self.report.measure(descent_report::fact_keys::CPU_SECONDS, now - start);
        }
        if self.writes() {
            self.report.write_json(&self.path("report.json")?)?;
        }
        Ok(self.report)
    }
}

/// Moves every `*.safetensors` in `dir` to `dir/previous/<stem>.<unix seconds>.safetensors`;
/// returns the new relative paths.
fn keep_previous_checkpoints(dir: &Path) -> Result<Vec<String>, MilestoneError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut kept = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "safetensors") || !path.is_file() {
            continue;
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("checkpoint");
        let previous = dir.join("previous");
        std::fs::create_dir_all(&previous).map_err(|e| MilestoneError::io(&previous, e))?;
        let relative = format!("previous/{stem}.{stamp}.safetensors");
        let target = dir.join(&relative);
        std::fs::rename(&path, &target).map_err(|e| MilestoneError::io(&path, e))?;
        kept.push(relative);
    }
    kept.sort();
    Ok(kept)
}

/// Runs `milestone` with `config`, reporting progress to `progress`: the report, also
/// written to `<out>/report.json`.
pub fn execute(milestone: &'static Milestone, config: RunConfig, progress: Arc<dyn Progress>) -> Result<MilestoneReport, MilestoneError> {
    let mut run = Run::start(milestone, config, progress)?;
    (milestone.run)(&mut run)?;
    run.finish()
}
