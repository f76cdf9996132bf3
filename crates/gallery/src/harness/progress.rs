//! Progress of a run, reported to whoever drives it: the CLI draws bars and prints log
//! lines; tests and `--json` runs pass [`Silent`]. Library code never prints.

use std::sync::Arc;

/// Receives a run's progress. Implementations must never fail a run: drawing errors
/// (a closed terminal) are theirs to swallow.
pub trait Progress: Send + Sync {
    /// A new phase of `total` steps (a training loop, an evaluation) begins.
    fn start(&self, label: &str, total: u64);
    /// `n` more steps of the current phase are done.
    fn advance(&self, n: u64);
    /// A short status beside the current phase (e.g. "epoch 3/8, loss 0.21").
    fn status(&self, text: &str);
    /// The current phase ended.
    fn finish(&self);
    /// A line for the reader (results as they come), printed above any bar.
    fn log(&self, line: &str);
}

/// Progress that goes nowhere (tests, JSON output).
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _label: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn status(&self, _text: &str) {}
    fn finish(&self) {}
    fn log(&self, _line: &str) {}
}

/// One phase of a run; ends the phase when dropped. Training functions take `&Phase`.
pub struct Phase {
    progress: Arc<dyn Progress>,
}

impl Phase {
    /// Starts a phase on `progress`.
    pub fn start(progress: Arc<dyn Progress>, label: &str, total: u64) -> Phase {
        progress.start(label, total);
        Phase { progress }
    }

    /// A phase that reports nowhere (benchmarks, tests of training functions).
    pub fn silent() -> Phase {
        Phase {
            progress: Arc::new(Silent),
        }
    }

    /// `n` more steps done.
    pub fn advance(&self, n: u64) {
        self.progress.advance(n);
    }

    /// Status text beside the bar.
    pub fn status(&self, text: &str) {
        self.progress.status(text);
    }

    /// A line for the reader.
    pub fn log(&self, line: &str) {
        self.progress.log(line);
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        self.progress.finish();
    }
}
