//! [`MilestoneReport`]: what one gallery milestone claimed, what it measured, and
//! whether the measurement upheld the claim.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::format::format_value;
use crate::{fs::write_atomic, ReportError};

/// The outcome of one milestone run, as plain data.
///
/// A milestone (say, Rosenblatt's perceptron, 1958) makes a historical claim ("a
/// perceptron learns a linearly separable problem to zero training error"); the
/// gallery program trains on real data, records what it measured, and decides
/// `passed`. This struct is the record of that decision: `descent tour` collects them,
/// prints [`crate::summary_table`], and renders [`crate::write_tour_html`].
///
/// Field order is the JSON key order: `milestone`, `claim`, `measured`, `passed`
/// lead, so that a line of `report.json` answers "what was claimed and did it hold"
/// before the bookkeeping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneReport {
    /// Registry id, e.g. `"perceptron"`; also the run's output folder name.
    pub milestone: String,
    /// The historical claim under test, in one sentence.
    pub claim: String,
    /// Measured values in insertion order (put the headline number first: the
    /// summary table shows the first few). Non-finite floats become `null`.
    pub measured: Map<String, Value>,
    /// Whether the measurements upheld the claim.
    pub passed: bool,
    /// Human title, e.g. `"The Perceptron"`.
    pub title: String,
    /// Year of the original paper.
    pub year: u32,
    /// Wall-clock seconds the run took (`null` in JSON if not finite).
    #[serde(deserialize_with = "null_as_nan")]
    pub seconds: f64,
    /// Files the run wrote, relative to the run's output directory.
    pub artifacts: Vec<String>,
    /// Free-form remarks: dataset substitutions, deviations from the paper, caveats.
    pub notes: Vec<String>,
}

impl MilestoneReport {
    /// A report with nothing measured yet and `passed == false`; fill it in with
    /// [`measure`](Self::measure), [`artifact`](Self::artifact), [`note`](Self::note).
    pub fn new(milestone: &str, title: &str, year: u32, claim: &str) -> Self {
        MilestoneReport {
            milestone: milestone.to_string(),
            claim: claim.to_string(),
            measured: Map::new(),
            passed: false,
            title: title.to_string(),
            year,
            seconds: 0.0,
            artifacts: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Records a measured value under `key` (replacing an earlier value but keeping
    /// its position). Generic over `Into<Value>` so that `f64`, `u64`, `bool`,
    /// `String` and `Vec<f64>` all go in without ceremony.
    pub fn measure(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        self.measured.insert(key.to_string(), value.into());
        self
    }

    /// Records an artifact path, relative to the run's output directory.
    pub fn artifact(&mut self, relative_path: &str) -> &mut Self {
        self.artifacts.push(relative_path.to_string());
        self
    }

    /// Adds a free-form note.
    pub fn note(&mut self, note: &str) -> &mut Self {
        self.notes.push(note.to_string());
        self
    }

    /// The report as exactly one compact JSON object on one line:
    /// `{"milestone":..,"claim":..,"measured":{..},"passed":bool,"title":..,...}`.
    pub fn to_json(&self) -> String {
        // Cannot fail: every key is a string and serde_json maps non-finite floats
        // to null.
        serde_json::to_string(self).expect("MilestoneReport always serialises")
    }

    /// Parses a report written by [`to_json`](Self::to_json).
    pub fn from_json(text: &str) -> Result<Self, ReportError> {
        serde_json::from_str(text).map_err(|source| ReportError::Json {
            path: "<string>".into(),
            source,
        })
    }

    /// Writes [`to_json`](Self::to_json) plus a newline to `path`, atomically.
    pub fn write_json(&self, path: &Path) -> Result<(), ReportError> {
        write_atomic(path, format!("{}\n", self.to_json()).as_bytes())
    }

    /// Reads a report written by [`write_json`](Self::write_json).
    pub fn read_json(path: &Path) -> Result<Self, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::io(path, e))?;
        serde_json::from_str(&text).map_err(|source| ReportError::Json {
            path: path.to_path_buf(),
            source,
        })
    }

    /// A readable multi-line block for the terminal at the end of a run:
    ///
    /// ```text
    /// perceptron: The Perceptron (1958)
    ///   claim:    learns a linearly separable problem
    ///   measured: train_accuracy = 1
    ///             epochs = 7
    ///   result:   PASS in 0.42s
    ///   artifacts: loss.svg
    /// ```
    pub fn human_summary(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}: {} ({})", self.milestone, self.title, self.year);
        let _ = writeln!(out, "  claim:     {}", self.claim);
        if self.measured.is_empty() {
            let _ = writeln!(out, "  measured:  (nothing)");
        }
        let width = self.measured.keys().map(|k| k.chars().count()).max();
        for (i, (key, value)) in self.measured.iter().enumerate() {
            let label = if i == 0 { "measured:" } else { "" };
            let width = width.unwrap_or(0);
            let value = format_value(value);
            let _ = writeln!(out, "  {label:<10} {key:<width$} = {value}");
        }
        let verdict = if self.passed { "PASS" } else { "FAIL" };
        let seconds = crate::format::format_seconds(self.seconds);
        let _ = writeln!(out, "  result:    {verdict} in {seconds}");
        for note in &self.notes {
            let _ = writeln!(out, "  note:      {note}");
        }
        if !self.artifacts.is_empty() {
            let _ = writeln!(out, "  artifacts: {}", self.artifacts.join(", "));
        }
        out
    }
}

/// Reads a number, or `null` (how serde_json writes NaN and infinities) as NaN, so that
/// every report [`MilestoneReport::to_json`] writes can be read back.
fn null_as_nan<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}
