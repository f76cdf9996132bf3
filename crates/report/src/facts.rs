//! [`TourFacts`]: this tour's own figures for the article's table of "shocking
//! numbers" (largest model, data, compute, error, cost), as plain data.
//!
//! The caller fills them: [`TourFacts::from_entries`] collects what the milestones
//! recorded under the conventional keys of [`fact_keys`], and the caller adds what
//! only it can measure (a matmul's GFLOP/s on this machine, the process's CPU time).
//! A figure left `None` prints as "not measured": the page never invents a number.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::TourEntry;

/// Conventional keys in [`crate::MilestoneReport::measured`] that
/// [`TourFacts::from_entries`] collects. A milestone opts in by recording them:
///
/// ```
/// use descent_report::{fact_keys, MilestoneReport};
///
/// let mut report = MilestoneReport::new("lenet", "LeNet", 1989, "reads digits");
/// report
///     .measure("test_accuracy", 0.991)
///     .measure(fact_keys::PARAMS, 61_706)
///     .measure(fact_keys::DATA_BYTES, 60_000 * 784)
///     .measure(fact_keys::EXAMPLES_SEEN, 5 * 60_000)
///     .measure(fact_keys::MNIST_TEST_ERROR_PERCENT, 0.9);
/// ```
///
/// Values must be finite numbers (counts may be integers or floats); anything else
/// under these keys is ignored rather than guessed at.
pub mod fact_keys {
    /// Trainable parameters of the largest model the milestone trained.
    pub const PARAMS: &str = "params";
    /// Bytes of training data the milestone read, each byte counted once (a data
    /// set's size as the model sees it: MNIST's training images are 60,000 × 784 bytes).
    pub const DATA_BYTES: &str = "data_bytes";
    /// Training examples processed, counting every epoch (60,000 images × 5 epochs
    /// = 300,000); for a language model, tokens or characters, as the milestone says.
    pub const EXAMPLES_SEEN: &str = "examples_seen";
    /// Test-set error on MNIST, in percent (0.9 means 0.9%).
    pub const MNIST_TEST_ERROR_PERCENT: &str = "mnist_test_error_percent";
    /// Test-set error on CIFAR-10 (or the subset the milestone names in its notes),
    /// in percent.
    pub const CIFAR10_TEST_ERROR_PERCENT: &str = "cifar10_test_error_percent";
    /// CPU time the run used (user + system, all threads), in seconds.
    pub const CPU_SECONDS: &str = "cpu_seconds";
}

/// One measured figure and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact {
    /// The number, in the unit its [`TourFacts`] field names.
    pub value: f64,
    /// Where it was measured: a milestone id (`"lenet"`, linked on the page to that
    /// milestone's section), or a description (`"f32 matmul 1024³, 2 threads"`).
    pub source: String,
}

impl Fact {
    /// A figure `value` measured by `source`.
    pub fn new(value: f64, source: &str) -> Self {
        Fact {
            value,
            source: source.to_string(),
        }
    }
}

/// This tour's figures beside the article's "shocking numbers". Every field is
/// optional: `None` prints "not measured".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TourFacts {
    /// Parameters of the largest model trained ([`fact_keys::PARAMS`]).
    pub largest_model_params: Option<Fact>,
    /// Largest training set read, in bytes ([`fact_keys::DATA_BYTES`]).
    pub largest_data_bytes: Option<Fact>,
    /// Most training examples one milestone processed ([`fact_keys::EXAMPLES_SEEN`]).
    pub most_examples_seen: Option<Fact>,
    /// Matrix-multiply throughput measured on this machine, in GFLOP/s (the caller
    /// measures it; no milestone key).
    pub matmul_gflops: Option<Fact>,
    /// Best MNIST test error, percent ([`fact_keys::MNIST_TEST_ERROR_PERCENT`]).
    pub best_mnist_error_percent: Option<Fact>,
    /// Best CIFAR-10 test error, percent ([`fact_keys::CIFAR10_TEST_ERROR_PERCENT`]).
    pub best_cifar10_error_percent: Option<Fact>,
    /// CPU time of the whole tour, in seconds: the sum of [`fact_keys::CPU_SECONDS`]
    /// when every milestone that ran recorded it, else for the caller to measure.
    pub cpu_seconds: Option<Fact>,
    /// Wall-clock time of the milestones that ran, in seconds.
    pub wall_seconds: Option<Fact>,
}

impl TourFacts {
    /// The figures the milestones recorded under [`fact_keys`]: the largest model,
    /// data set and example count, the lowest errors (each with the milestone that
    /// measured it), the summed CPU time (only if every milestone that ran recorded
    /// one) and the summed wall-clock time. Only milestones that ran to a verdict
    /// (passed or failed) count: a skipped or errored run's figures are incomplete.
    /// Ties go to the earlier entry. `matmul_gflops` is left for the caller.
    pub fn from_entries(entries: &[TourEntry]) -> TourFacts {
        let ran: Vec<&TourEntry> = entries.iter().filter(|e| e.status.ran()).collect();
        let pick = |key: &str, better: fn(f64, f64) -> bool, valid: fn(f64) -> bool| {
            let mut best: Option<Fact> = None;
            for entry in &ran {
                let Some(value) = number(entry, key).filter(|&v| valid(v)) else {
                    continue;
                };
                if best.as_ref().is_none_or(|b| better(value, b.value)) {
                    best = Some(Fact::new(value, &entry.report.milestone));
                }
            }
            best
        };
        let more = |a: f64, b: f64| a > b;
        let less = |a: f64, b: f64| a < b;
        let positive = |v: f64| v > 0.0;
        let percent = |v: f64| (0.0..=100.0).contains(&v);
        let cpu: Option<Vec<f64>> = ran
            .iter()
            .map(|e| number(e, fact_keys::CPU_SECONDS).filter(|&v| v >= 0.0))
            .collect();
        let runs = |n: usize| format!("{n} milestone run{}", if n == 1 { "" } else { "s" });
        TourFacts {
            largest_model_params: pick(fact_keys::PARAMS, more, positive),
            largest_data_bytes: pick(fact_keys::DATA_BYTES, more, positive),
            most_examples_seen: pick(fact_keys::EXAMPLES_SEEN, more, positive),
            matmul_gflops: None,
            best_mnist_error_percent: pick(fact_keys::MNIST_TEST_ERROR_PERCENT, less, percent),
            best_cifar10_error_percent: pick(fact_keys::CIFAR10_TEST_ERROR_PERCENT, less, percent),
            cpu_seconds: cpu
                .filter(|v| !v.is_empty())
                .map(|v| Fact::new(v.iter().fold(0.0, |a, b| a + b), &runs(v.len()))),
            wall_seconds: (!ran.is_empty()).then(|| Fact::new(crate::table::total_seconds(entries), &runs(ran.len()))),
        }
    }
}

/// `measured[key]` as a finite number, if it is one.
fn number(entry: &TourEntry, key: &str) -> Option<f64> {
    match entry.report.measured.get(key) {
        Some(Value::Number(n)) => n.as_f64().filter(|v| v.is_finite()),
        _ => None,
    }
}
