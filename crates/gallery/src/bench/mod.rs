//! The anchor workloads of `../shared/bench/WORKLOADS.md` (W1–W10), one table for
//! `descent bench`: each workload runs the same work as bench.py's PyTorch version and
//! returns [`BenchRecord`]s (`"system":"descent"`) to print as JSON lines beside it.
//!
//! One [`StepTimer`] and one [`median`] serve every workload, so "step_ms" means the
//! same thing everywhere: the median of the timed steps after the warm-up steps.

mod cifar;
mod dcgan;
mod gpt;
mod lstm;
mod minilm;
mod vision;

pub use gpt::byte_corpus;

use crate::common::classifier::ClassificationData;
use crate::MilestoneError;
use descent_data::DataLocator;
use descent_report::BenchRecord;
use std::time::Instant;

/// What a workload may need from outside: where data is, how many threads run.
pub struct BenchContext {
    /// Where MNIST and the other data sets are looked for.
    pub locator: DataLocator,
    /// Worker threads of the pool (reported in every record).
    pub threads: usize,
    /// The processes running a workload together (`descent bench cifar --distributed`
    /// under mpirun); one process by default.
    pub world: descent_dist::World,
    mnist: Option<ClassificationData>,
}

impl BenchContext {
    /// A context reading data through `locator`, with `threads` workers.
    pub fn new(locator: DataLocator, threads: usize) -> BenchContext {
        BenchContext {
            locator,
            threads,
            world: descent_dist::World::local(),
            mnist: None,
        }
    }

    /// Full MNIST, read once and kept for the following workloads.
    pub fn mnist(&mut self) -> Result<ClassificationData, MilestoneError> {
        if self.mnist.is_none() {
            self.mnist = Some(crate::common::mnist_data::load_mnist(&self.locator, true)?);
        }
        Ok(self.mnist.clone().expect("loaded above"))
    }
}

/// One anchor workload.
pub struct Workload {
    /// Name on the command line and in the JSON (`lenet`, `gpt`, ...).
    pub name: &'static str,
    /// One line: what it runs (WORKLOADS.md's id and summary).
    pub about: &'static str,
    /// Runs it and returns its records.
    pub run: fn(&mut BenchContext) -> Result<Vec<BenchRecord>, MilestoneError>,
}

/// Every workload `descent bench` knows, in WORKLOADS.md order.
pub static WORKLOADS: &[Workload] = &[
    Workload {
        name: "lenet",
        about: "W1: modern LeNet-5, Adam, one MNIST epoch",
        run: vision::lenet,
    },
    Workload {
        name: "lenet1989",
        about: "W1s: 1989 LeNet (sigmoid, avg-pool), SGD, three MNIST epochs",
        run: vision::lenet1989,
    },
    Workload {
        name: "mlp",
        about: "W2: 784-512-512-10 ReLU MLP, SGD, one MNIST epoch",
        run: vision::mlp,
    },
    Workload {
        name: "gpt",
        about: "W3: GPT training step (context 128, d 128, 4 layers, batch 32)",
        run: gpt::step,
    },
    Workload {
        name: "lstm",
        about: "W4: LSTM language-model step (hidden 256, sequence 100, batch 32)",
        run: lstm::step,
    },
    Workload {
        name: "matmul",
        about: "W5: square f32 matrix products, n = 1024 and 256",
        run: vision::matmul,
    },
    Workload {
        name: "gen",
        about: "W6: 256 generated tokens with and without a KV cache",
        run: gpt::generation,
    },
    Workload {
        name: "dcgan",
        about: "W7: DCGAN step (z 100, batch 64): D on real + fake, then G through D",
        run: dcgan::step,
    },
    Workload {
        name: "cifar",
        about: "W8: AlexNet-style CIFAR-10 CNN (batch norm, dropout), SGD, one epoch (data-parallel with --distributed)",
        run: cifar::epoch,
    },
    Workload {
        name: "minilm",
        about: "W9: all-MiniLM-L6-v2 embeddings of 512 SST-2 dev sentences, batch 32",
        run: minilm::embed,
    },
];

/// The workload called `name`.
pub fn find_workload(name: &str) -> Option<&'static Workload> {
    WORKLOADS.iter().find(|w| w.name == name)
}

/// The middle value (the mean of the two middle values for an even count).
pub fn median(values: &[f64]) -> f64 {
    assert!(!values.is_empty(), "median of no values");
    let mut xs = values.to_vec();
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// Times repeated steps and reports the median of those after `warmup` untimed ones
/// (WORKLOADS.md: "median of steps 11..60" is `StepTimer::new(10)` over 60 steps).
pub struct StepTimer {
    warmup: usize,
    seen: usize,
    seconds: Vec<f64>,
}

impl StepTimer {
    /// A timer that ignores the first `warmup` steps.
    pub fn new(warmup: usize) -> StepTimer {
        StepTimer {
            warmup,
            seen: 0,
            seconds: Vec::new(),
        }
    }

    /// Runs and times one step.
    pub fn time<R>(&mut self, step: impl FnOnce() -> R) -> R {
        let start = Instant::now();
        let out = step();
        let elapsed = start.elapsed().as_secs_f64();
        if self.seen >= self.warmup {
            self.seconds.push(elapsed);
        }
        self.seen += 1;
        out
    }

    /// Median seconds of the timed steps.
    pub fn median_seconds(&self) -> f64 {
        median(&self.seconds)
    }
}
