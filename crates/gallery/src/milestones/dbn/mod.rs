//! 2006 — Hinton, Osindero & Teh, "A fast learning algorithm for deep belief nets";
//! Hinton & Salakhutdinov, "Reducing the dimensionality of data with neural networks".
//!
//! Introduced: greedy layer-wise pre-training. A restricted Boltzmann machine learns a
//! generative model of the pixels by contrastive divergence; its hidden activities
//! become the data for the next RBM, and so on up a 784-500-500-2000 stack. The stack
//! is a deep belief net; unrolled into a feed-forward sigmoid network and fine-tuned by
//! backprop, it was the first reliable way to train deep networks (1.25% MNIST error
//! in the paper with generative fine-tuning, 1.2% with backprop).
//!
//! We test, on stochastically binarised MNIST:
//! - RBMs with 500 hidden units trained by CD-1 and by persistent CD: reconstruction
//!   error and pseudo-log-likelihood as they learn, filters, Gibbs samples and a
//!   mixing strip, whether the samples are digits (nearest-neighbour distance to the
//!   training set against base-rate noise), and an annealed-importance-sampling
//!   estimate of the test log-likelihood beside Salakhutdinov & Murray's (2008).
//! - The claim: the greedy stack, fine-tuned by backprop, beats the identical sigmoid
//!   network from random initialisation with the same fine-tuning budget — judged on
//!   the measured gap with 1,000 labels (where the 2006 effect is largest: ≥ 1 point)
//!   and with every label (not worse). If pre-training does not help, the run says
//!   FAIL with the numbers.
//!
//! Where we differ from the papers: the stack is fine-tuned by backprop only (Hinton &
//! Salakhutdinov's route, not the 2006 paper's generative up-down fine-tuning); the
//! random-start baselines get exactly the pre-trained net's fine-tuning budget; the AIS
//! walks are shorter than Salakhutdinov & Murray's 14,500 steps (1,000 quick, 14,500
//! full) and the RBMs train for far fewer epochs, so our log-likelihoods sit below theirs.
//!
//! Layout: `data.rs` (binarised MNIST, the base-rate model), `train.rs` (the RBMs, the
//! greedy stack, fine-tuning), `measure.rs` (monitors, AIS test log-likelihoods, samples
//! and their quality), `report.rs` (measurements, notes, pictures); and two files that
//! are one algorithm each, with their own tests: `cd.rs` (contrastive divergence, the
//! RBM's learning rule) and `ais.rs` (annealed importance sampling for log Z).
//!
//! Run: `descent run dbn [--full]` (quick: the embedded 6,000 digits, a 784-500-500-1000
//! stack and short schedules; full: all of MNIST
//! and the paper's 784-500-500-2000).

pub mod ais;
pub mod cd;
mod data;
pub mod measure;
mod report;
pub mod train;

use crate::{MilestoneError, Run, RunSettings, Training};
use ais::AisSettings;
use cd::CdSettings;
use descent_models::saved::Snapshot;
use report::RbmSummary;
use train::FinetuneSettings;

/// The saved deep belief net (weights of every layer; `model` = `dbn`).
const CHECKPOINT: &str = "dbn.safetensors";

/// The sizes and budgets of a run.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Hidden units of the pixel-level RBMs (layer 1 of the stack).
    pub hidden: usize,
    /// How the CD RBM (the stack's first layer, and every upper layer) is trained.
    pub cd: CdSettings,
    /// How the persistent-CD RBM is trained.
    pub pcd: CdSettings,
    /// Epochs of each pixel-level RBM.
    pub rbm_epochs: usize,
    /// Sizes of layers 2 and 3.
    pub upper: [usize; 2],
    /// Epochs of each upper RBM.
    pub upper_epochs: usize,
    /// Size of each AIS estimate.
    pub ais: AisSettings,
    /// Held-out digits the per-epoch monitors read.
    pub monitor_rows: usize,
    /// Gibbs steps of the sample chains.
    pub sample_steps: usize,
    /// Labelled examples of the few-label comparison.
    pub few_labels: usize,
    /// Fine-tuning budget with few labels.
    pub finetune_few: FinetuneSettings,
    /// Fine-tuning budget with every label.
    pub finetune_all: FinetuneSettings,
}

impl RunSettings for Settings {
    /// The embedded 6,000 digits: a 784-500-500-1000 stack, short schedules.
    fn quick() -> Settings {
        Settings {
            hidden: 500,
            cd: CD_1,
            pcd: PCD_1,
            rbm_epochs: 8,
            upper: [500, 1000],
            upper_epochs: 5,
            ais: AisSettings { runs: 100, steps: 1_000 },
            monitor_rows: 100,
            sample_steps: 500,
            few_labels: 1000,
            finetune_few: finetune(40),
            finetune_all: finetune(8),
        }
    }

    /// All of MNIST: the paper's 784-500-500-2000, S&M's 14,500 AIS steps.
    fn full() -> Settings {
        Settings {
            hidden: 500,
            cd: CD_1,
            pcd: PCD_1,
            rbm_epochs: 30,
            upper: [500, 2000],
            upper_epochs: 20,
            ais: AisSettings { runs: 100, steps: 14_500 },
            monitor_rows: 500,
            sample_steps: 2000,
            few_labels: 1000,
            finetune_few: finetune(100),
            finetune_all: finetune(20),
        }
    }
}

/// CD-1 as Hinton's practical guide (2010) sets it: batches of 100, momentum 0.5 then
/// 0.9, a small weight cost.
const CD_1: CdSettings = CdSettings {
    k: 1,
    persistent: false,
    batch_size: 100,
    lr: 0.1,
    lr_decay: false,
    weight_decay: 2e-4,
    initial_momentum: 0.5,
    momentum: 0.9,
    momentum_warmup: 5,
};

/// PCD-1: persistent chains need a calmer momentum and a step size that decays to zero
/// (Tieleman 2008); smaller batches give the chains more updates to follow.
const PCD_1: CdSettings = CdSettings {
    persistent: true,
    batch_size: 50,
    lr: 0.1,
    lr_decay: true,
    momentum: 0.5,
    ..CD_1
};

/// The fine-tuning budget of `epochs` passes (SGD with momentum, the era's).
fn finetune(epochs: usize) -> FinetuneSettings {
    FinetuneSettings {
        epochs,
        batch_size: 100,
        lr: 0.1,
        momentum: 0.9,
        evaluations: 10,
    }
}

/// Runs the milestone with the settings of the run's mode.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let settings = run.settings();
    run_with(run, settings)
}

/// Runs the milestone with explicit settings (tests use tiny ones): two pixel-level
/// RBMs trained and measured, the greedy stack, fine-tuning against random starts,
/// the verdict, the report.
pub fn run_with(run: &mut Run, settings: Settings) -> Result<(), MilestoneError> {
    let data = data::load(run)?;
    let base_bias = data::base_rate_bias(&data.train_bits);
    let (mut rbms, mut likelihoods) = (Vec::new(), Vec::new());
    for (stream, cd) in [(1, settings.cd), (2, settings.pcd)] {
        let trained = train::train_rbm(run, &data, &settings, cd, &base_bias, stream);
        likelihoods.push(measure::test_log_likelihood(run, &trained, &base_bias, &data, settings.ais, stream));
        rbms.push(trained);
    }
    let dreams = measure::dream(run, &rbms, &data, &base_bias, settings.sample_steps);
    report::rbm_pictures(run, &rbms, &dreams)?;
    let summaries: Vec<RbmSummary> = rbms
        .iter()
        .zip(likelihoods)
        .zip(&dreams)
        .map(|((trained, likelihood), dreams)| RbmSummary::of(trained, likelihood, dreams))
        .collect();
    // The CD-1 RBM becomes the stack's first layer.
    let first = rbms.into_iter().next().expect("two RBMs were trained").rbm;
    let dbn = train::greedy_stack(run, first, &data, &settings);
    let comparisons = train::fine_tune(run, &dbn, &data, &settings);
    // Pre-training must beat the better random start by ≥ 1 point with few labels and
    // not lose with all of them.
    let passed = comparisons[0].gap() >= 1.0 && comparisons[1].gap() >= 0.0;
    run.judge(passed);
    report::comparisons(run, &comparisons, &settings, &dbn, passed);
    report::rbms(run, &summaries);
    report::finetune_curves(run, &comparisons)?;
    run.save(CHECKPOINT, Snapshot::of(&dbn), Training::finished(0))
}
