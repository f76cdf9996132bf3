//! 2019 — Neftci, Mostafa & Zenke, "Surrogate gradient learning in spiking neural
//! networks" (IEEE Signal Processing Magazine, 2019); the method behind snnTorch
//! (Eshraghian et al., Proc. IEEE 2023), Norse and SpikingJelly (Fang et al., Science
//! Advances 2023). The article's trend 类脑计算, brain-like computing, "with about 1% of
//! the energy".
//!
//! Introduced: training spiking networks end to end by backpropagation through time.
//! A leaky integrate-and-fire (LIF) neuron integrates its input current with decay β,
//! fires when its membrane potential passes the threshold θ and then subtracts θ; the
//! spike is a step, whose derivative is zero almost everywhere, so backward replaces it
//! by a smooth surrogate (here the fast sigmoid 1/(1 + k|u − θ|)², Zenke & Ganguli's
//! SuperSpike, snnTorch's default).
//!
//! We test: a 784-H-10 SNN (LIF hidden layer, inputs spike-coded over T steps) comes
//! within 1.5 points of a same-shape ReLU MLP's MNIST test accuracy, trained on the same
//! data with the same budget (epochs, batches, Adam), at an estimated energy ≤ 10% of
//! the ANN's. Energy is counted by the standard method (`energy.rs`: MACs for the ANN at
//! 4.6 pJ, synaptic accumulates at 0.9 pJ plus membrane updates for the SNN, Horowitz
//! 2014 at 45 nm). Both bars were set before any run. Each rests on a paired bootstrap
//! over test images: a claim passes when its one-sided 95% bound clears the bar, fails
//! when the opposite bound is past it, and is otherwise "inconclusive" (not a pass). A
//! sweep over T shows how near 1% the SNN gets and what accuracy that costs.
//!
//! Setup as snnTorch's tutorial 5 (784-1000-10, β = 0.95, θ = 1, fast sigmoid k = 25,
//! rate-coded inputs over T = 25 steps, Adam lr 5e-4, batch 128; 93.9% after one epoch)
//! and SpikingJelly's single-hidden-layer MNIST example (784-196-10, ≈ 92%), with these
//! differences: the output layer is a non-spiking leaky integrator (Norse's readout) and
//! the prediction the largest summed potential, where snnTorch's output neurons spike and
//! it counts their spikes; the loss is the per-step cross-entropy averaged, not summed;
//! the quick run has 256 hidden units and the 6,000/1,000 embedded MNIST images. The
//! latency variant codes each pixel brighter than 0.01 as one spike, brighter earlier
//! (snnTorch's `spikegen.latency`, linear). The estimate is an operation count, not a
//! chip: Davidson & Furber (2021) find that rate-coded SNNs on the same digital silicon
//! rarely beat the ANN once memory traffic is counted.
//!
//! Run: `descent run snn [--variant rate|latency] [--full] [--epochs N]`.

pub mod data;
pub mod energy;
mod measure;
mod report;
pub mod train;

use crate::{MilestoneError, Run, RunSettings};
use data::{Coding, PIXELS};
use descent_data::Dataset;
use descent_tensor::Rng;
use energy::Shape;
use measure::{bootstrap, eval_ann, eval_snn, mean_ratio, Estimate, SnnEval};
use train::{train_ann, train_snn, Ann, Budget, Lif, Snn, CLASSES};

/// The networks, the budget both share, and what the run measures.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Epochs of each training.
    pub epochs: usize,
    /// Hidden neurons of both networks.
    pub hidden: usize,
    /// Time steps T of the SNN whose accuracy and energy are judged.
    pub steps: usize,
    /// Further T of the accuracy–energy sweep (each a fresh SNN with the same budget).
    pub sweep: Vec<usize>,
    /// Examples per batch.
    pub batch: usize,
    /// Adam's learning rate for the SNN (snnTorch's tutorial: 5e-4).
    pub lr: f32,
    /// Adam's learning rate for the ANN (PyTorch's default, 1e-3: at the SNN's rate the
    /// MLP, whose logits are not summed over steps, learns several times slower).
    pub ann_lr: f32,
    /// The neuron model.
    pub lif: Lif,
    /// Also compare on Fashion-MNIST (reported, not judged).
    pub fashion: bool,
    /// Bootstrap resamples of the test images.
    pub resamples: usize,
}

impl Settings {
    /// The SNN's training budget (the ANN's differs only in its learning rate).
    fn snn_budget(&self, seed: u64) -> Budget {
        Budget {
            epochs: self.epochs,
            batch: self.batch,
            lr: self.lr,
            seed,
        }
    }
}

impl RunSettings for Settings {
    fn quick() -> Self {
        Settings {
            epochs: 15,
            hidden: 256,
            steps: 25,
            sweep: vec![1, 2, 4, 8],
            batch: 128,
            lr: 5e-4,
            ann_lr: 1e-3,
            lif: Lif {
                beta: 0.95,
                threshold: 1.0,
                slope: 25.0,
            },
            fashion: false,
            resamples: 2000,
        }
    }

    fn full() -> Self {
        Settings {
            epochs: 3,
            hidden: 1000,
            sweep: vec![1, 2, 4, 8],
            fashion: true,
            ..Settings::quick()
        }
    }

    fn with_epochs(self, epochs: usize) -> Self {
        Settings { epochs, ..self }
    }
}

/// The variant's spike code.
fn coding(variant: &str) -> Result<Coding, MilestoneError> {
    match variant {
        "rate" => Ok(Coding::Rate),
        "latency" => Ok(Coding::Latency),
        other => Err(MilestoneError::Config(format!(
            "unknown snn variant '{other}'; use rate or latency"
        ))),
    }
}

/// Runs the milestone with the run's variant and the settings of its mode and `--epochs`.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let coding = coding(run.variant())?;
    let settings = run.settings();
    run_with(run, coding, settings)
}

/// One data set's comparison at the judged T.
pub(crate) struct Comparison {
    pub ann: Vec<bool>,
    pub snn: SnnEval,
    pub shape: Shape,
    pub gap: Estimate,
    pub ratio: Estimate,
    pub losses: (Vec<f32>, Vec<f32>),
}

/// Trains both networks on one data set and compares them on its test images.
fn compare(run: &Run, images: &data::Images, coding: Coding, s: &Settings, steps: usize) -> Comparison {
    let budget = s.snn_budget(run.seed());
    let train = (&images.train_x[..], &images.train_y[..]);
    let mut rng = Rng::new(run.seed());
    let snn = Snn::new(s.hidden, s.lif, &mut rng);
    let ann = Ann::new(s.hidden, &mut Rng::new(run.seed()));
    let snn_loss = train_snn(run, &snn, steps, coding, budget, train);
    let ann_loss = train_ann(run, &ann, Budget { lr: s.ann_lr, ..budget }, train);
    let snn_eval = eval_snn(&snn, steps, coding, &images.test_x, &images.test_y, run.seed() ^ 0x7E57);
    let ann_eval = eval_ann(&ann, &images.test_x, &images.test_y);
    let shape = Shape {
        inputs: PIXELS,
        hidden: s.hidden,
        outputs: CLASSES,
        steps,
    };
    let (gap, ratio) = bootstrap(&ann_eval, &snn_eval, shape, s.resamples, run.seed() ^ 0xB007);
    Comparison {
        ann: ann_eval,
        snn: snn_eval,
        shape,
        gap,
        ratio,
        losses: (snn_loss, ann_loss),
    }
}

/// A point of the accuracy–energy sweep: T, SNN test accuracy, energy ratio.
pub(crate) type SweepPoint = (usize, f64, f64);

/// The recipe: MNIST → SNN and ANN trained alike → test accuracy, spikes and counted
/// energy → the bootstrap verdicts → the sweep over T → Fashion-MNIST (full run) →
/// measurements, notes and figures.
pub fn run_with(run: &mut Run, coding: Coding, settings: Settings) -> Result<(), MilestoneError> {
    if settings.steps == 0 || settings.sweep.contains(&0) || settings.resamples == 0 {
        return Err(MilestoneError::Config(
            "snn: time steps and bootstrap resamples must be at least 1".into(),
        ));
    }
    let mnist = data::load(&run.data(), Dataset::Mnist, run.full())?;
    run.uses_data(&mnist.identity, &mnist.source);
    let main = compare(run, &mnist, coding, &settings, settings.steps);
    let mut sweep: Vec<SweepPoint> = Vec::new();
    for &steps in &settings.sweep {
        let point = sweep_point(run, &mnist, coding, &settings, steps);
        run.log(&format!(
            "snn: T = {steps}: accuracy {:.2}%, energy {:.2}% of the ANN's",
            point.1 * 100.0,
            point.2 * 100.0
        ));
        sweep.push(point);
    }
    sweep.push((settings.steps, measure::accuracy(&main.snn.correct), main.ratio.value));
    sweep.sort_by_key(|p| p.0);
    let passed = report::verdict(run, &main, coding);
    run.judge(passed);
    report::sweep(run, &sweep, measure::accuracy(&main.ann))?;
    report::figures(run, &main)?;
    if settings.fashion {
        let fashion = data::load(&run.data(), Dataset::FashionMnist, run.full())?;
        let other = compare(run, &fashion, coding, &settings, settings.steps);
        report::fashion(run, &other, &fashion.identity);
    }
    Ok(())
}

/// Trains an SNN at `steps` with the main budget and measures its accuracy and energy.
fn sweep_point(run: &Run, images: &data::Images, coding: Coding, s: &Settings, steps: usize) -> SweepPoint {
    let budget = s.snn_budget(run.seed());
    let snn = Snn::new(s.hidden, s.lif, &mut Rng::new(run.seed()));
    train_snn(run, &snn, steps, coding, budget, (&images.train_x, &images.train_y));
    let eval = eval_snn(&snn, steps, coding, &images.test_x, &images.test_y, run.seed() ^ 0x7E57);
    let shape = Shape {
        inputs: PIXELS,
        hidden: s.hidden,
        outputs: CLASSES,
        steps,
    };
    (steps, measure::accuracy(&eval.correct), mean_ratio(shape, &eval.spikes).1)
}
