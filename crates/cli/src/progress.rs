//! Progress bars and result lines for milestone runs: the terminal side of the
//! gallery's `Progress` trait. Drawing never ends a run: a closed terminal or pipe is
//! ignored here.

use descent_gallery::Progress;
use descent_report::format_seconds;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Instant;

/// One bar at a time on stderr; log lines on stdout, above the bar. When stderr is not a
/// terminal (a log file, CI), a plain line at each tenth of a phase instead (at most one
/// per 10 s, so short phases stay quiet): a long run written to a file still shows that
/// it is moving and when it will end.
pub struct TerminalProgress {
    bar: Mutex<Option<ProgressBar>>,
    plain: Option<Mutex<PlainPhase>>,
}

/// The phase being reported in plain lines.
#[derive(Default)]
struct PlainPhase {
    label: String,
    total: u64,
    done: u64,
    /// Tenths of `total` already reported.
    tenths: u64,
    status: String,
    started: Option<Instant>,
    /// When the last line was printed (or the phase started).
    last: Option<Instant>,
}

/// Least time between two plain progress lines.
const PLAIN_INTERVAL_S: f64 = 10.0;

impl PlainPhase {
    /// Prints a line if `done` has crossed into a new tenth of the phase.
    fn report(&mut self) {
        if self.total == 0 {
            return;
        }
        let tenths = (self.done.min(self.total) * 10 / self.total).min(10);
        let quiet = self.last.is_some_and(|t| t.elapsed().as_secs_f64() < PLAIN_INTERVAL_S);
        if tenths <= self.tenths || quiet {
            return;
        }
        self.tenths = tenths;
        self.last = Some(Instant::now());
        let elapsed = self.started.map_or(0.0, |t| t.elapsed().as_secs_f64());
        let left = elapsed * (self.total - self.done.min(self.total)) as f64 / self.done.max(1) as f64;
        let _ = writeln!(
            std::io::stderr(),
            "{:>12} {}/{} ({}%) {} elapsed, eta {} {}",
            self.label,
            self.done,
            self.total,
            tenths * 10,
            format_seconds(elapsed),
            format_seconds(left),
            self.status
        );
    }
}

impl TerminalProgress {
    /// No bar yet; plain lines if stderr is not a terminal.
    pub fn new() -> TerminalProgress {
        TerminalProgress {
            bar: Mutex::new(None),
            plain: (!std::io::stderr().is_terminal()).then(|| Mutex::new(PlainPhase::default())),
        }
    }

    fn with_plain(&self, f: impl FnOnce(&mut PlainPhase)) {
        if let Some(Ok(mut phase)) = self.plain.as_ref().map(Mutex::lock) {
            f(&mut phase);
        }
    }

    fn with_bar(&self, f: impl FnOnce(&ProgressBar)) {
        if let Ok(guard) = self.bar.lock() {
            if let Some(bar) = guard.as_ref() {
                f(bar);
            }
        }
    }
}

impl Progress for TerminalProgress {
    fn start(&self, label: &str, total: u64) {
        self.with_plain(|phase| {
            *phase = PlainPhase {
                label: label.to_string(),
                total,
                started: Some(Instant::now()),
                last: Some(Instant::now()),
                ..PlainPhase::default()
            }
        });
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{msg:>12} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta} {prefix}")
            .expect("static template")
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(label.to_string());
        if let Ok(mut guard) = self.bar.lock() {
            if let Some(old) = guard.replace(bar) {
                old.finish_and_clear();
            }
        }
    }

    fn advance(&self, n: u64) {
        self.with_plain(|phase| {
            phase.done += n;
            phase.report();
        });
        self.with_bar(|bar| bar.inc(n));
    }

    fn status(&self, text: &str) {
        self.with_plain(|phase| phase.status = text.to_string());
        self.with_bar(|bar| bar.set_prefix(text.to_string()));
    }

    fn finish(&self) {
        if let Ok(mut guard) = self.bar.lock() {
            if let Some(bar) = guard.take() {
                bar.finish_and_clear();
            }
        }
    }

    fn log(&self, line: &str) {
        let print = || {
            let _ = writeln!(std::io::stdout(), "{line}");
        };
        match self.bar.lock().ok().and_then(|g| g.clone()) {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }
}
