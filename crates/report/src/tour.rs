//! [`TourEntry`]: one row of `descent tour`, a report plus how the tour treated it.

use crate::MilestoneReport;

/// How a milestone fared in a tour.
#[derive(Debug, Clone, PartialEq)]
pub enum TourStatus {
    /// It ran and its measurements upheld the claim.
    Passed,
    /// It ran and its measurements did not uphold the claim.
    Failed,
    /// It started but stopped with an error before it could judge the claim.
    Errored {
        /// The error, one line, e.g. `"cannot read checkpoint: file is empty"`.
        message: String,
    },
    /// It did not run; says why and what would let it run (e.g. a dataset to fetch).
    Skipped {
        /// Why it was skipped, e.g. `"MNIST not found in data/mnist"`.
        reason: String,
        /// What the user can do about it, e.g. `"descent fetch mnist"`.
        fix: String,
    },
}

impl TourStatus {
    /// `"PASS"`, `"FAIL"`, `"ERROR"` or `"SKIPPED"`, as shown in tables (and used as
    /// the CSS class of the status on the tour page).
    pub fn label(&self) -> &'static str {
        match self {
            TourStatus::Passed => "PASS",
            TourStatus::Failed => "FAIL",
            TourStatus::Errored { .. } => "ERROR",
            TourStatus::Skipped { .. } => "SKIPPED",
        }
    }

    /// Whether the milestone ran to its verdict (passed or failed), so that its
    /// measurements are complete and its time counts.
    pub fn ran(&self) -> bool {
        matches!(self, TourStatus::Passed | TourStatus::Failed)
    }
}

/// A milestone as the tour page and summary table see it.
///
/// The artifact paths differ from [`MilestoneReport::artifacts`]: those are relative
/// to the run's output directory, these to the HTML file that embeds them (usually
/// `"<milestone>/<artifact>"`), so the page works when the whole run folder is moved.
#[derive(Debug, Clone, PartialEq)]
pub struct TourEntry {
    /// What the milestone claimed and measured (for a skipped one: just the claim).
    pub report: MilestoneReport,
    /// Passed, failed, errored, or skipped with a reason.
    pub status: TourStatus,
    /// Artifact paths relative to the HTML file.
    pub artifacts: Vec<String>,
}

impl TourEntry {
    /// An entry for a milestone that ran: status from `report.passed`, artifacts
    /// prefixed by `artifact_dir` (the run's output directory relative to the HTML
    /// file, e.g. `"perceptron"`; empty for the same directory).
    pub fn ran(report: MilestoneReport, artifact_dir: &str) -> Self {
        let status = if report.passed { TourStatus::Passed } else { TourStatus::Failed };
        let prefix = artifact_dir.trim_end_matches('/');
        let artifacts = report
            .artifacts
            .iter()
            .map(|a| if prefix.is_empty() { a.clone() } else { format!("{prefix}/{a}") })
            .collect();
        TourEntry { report, status, artifacts }
    }

    /// An entry for a milestone that stopped with an error; `report` carries its id,
    /// title, year and claim, and whatever it measured before the error (shown, not
    /// judged, and not collected by [`crate::TourFacts::from_entries`]).
    pub fn errored(report: MilestoneReport, message: &str) -> Self {
        TourEntry {
            report,
            status: TourStatus::Errored {
                message: message.to_string(),
            },
            artifacts: Vec::new(),
        }
    }

    /// An entry for a milestone that did not run; `report` carries its id, title,
    /// year and claim (its measurements, if any, are shown but not judged).
    pub fn skipped(report: MilestoneReport, reason: &str, fix: &str) -> Self {
        TourEntry {
            report,
            status: TourStatus::Skipped {
                reason: reason.to_string(),
                fix: fix.to_string(),
            },
            artifacts: Vec::new(),
        }
    }
}
