//! [`RunSettings`]: the one shape of a milestone's settings — a quick run (the tour's:
//! embedded data, at most minutes on 2 cores) and a full run (the paper's scale, real
//! data sets) — and how `--epochs` changes them. [`Run::settings`](super::Run::settings)
//! picks one for the run.

/// The settings of a milestone: `quick()` and `full()`, and `--epochs` applied.
pub trait RunSettings: Sized {
    /// The quick run: embedded data, the claim tested at a smaller scale.
    fn quick() -> Self;
    /// The full run: the paper's protocol at the scale this machine allows.
    fn full() -> Self;
    /// These settings with `--epochs N` (only milestones whose registry entry accepts
    /// `--epochs` are given one; the harness has checked it against the budget).
    fn with_epochs(self, _epochs: usize) -> Self {
        self
    }
}
