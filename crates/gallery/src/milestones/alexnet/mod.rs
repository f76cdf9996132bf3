//! 2012 — Krizhevsky, Sutskever & Hinton, "ImageNet Classification with Deep
//! Convolutional Neural Networks" (NeurIPS 2012): AlexNet won ILSVRC-2012 with 16.4%
//! top-5 error against 26.2% for the best hand-engineered pipeline (SIFT/Fisher vectors).
//! It introduced the recipe every later CNN kept: ReLU units ("several times faster"
//! than tanh: 25% CIFAR-10 training error six times sooner, their Figure 1), dropout in
//! the fully connected layers, overlapping max-pooling, data augmentation, and training
//! on GPUs — split over two.
//!
//! We test, on CIFAR-10 (32×32, ten classes; AlexNet's own CIFAR experiments), each claim
//! side by side with the same budget and seeds:
//! 1. an AlexNet-style CNN (ReLU, overlapping max-pool 3/2, dropout) against the 2011
//!    state of the art without deep learning — k-means patch features + a linear
//!    classifier (Coates, Lee & Ng 2011, `features.rs`): both errors and their ratio,
//!    beside the article's 16.4 / 26.2. PASS if the CNN's error is lower by more than
//!    two standard errors of the difference;
//! 2. ReLU against tanh (no dropout, same initial weights): steps until the training error
//!    over a sliding window falls to 25%, each network at its fastest rate of a small grid
//!    (the paper chose each network's rate independently); PASS if tanh needs at least
//!    twice as many. The share of hidden units that ended dead is reported beside it;
//! 3. dropout: train and test accuracy with and without; PASS if the train−test gap
//!    shrinks and test accuracy does not drop;
//! 4. later additions, reported with their own verdicts: batch normalisation (Ioffe &
//!    Szegedy 2015: steps to reach the plain network's final test accuracy) and data
//!    augmentation (random crops and flips: test accuracy).
//!
//! The run's verdict is claims 1–3 (the article's); claim 4's verdicts are measurements.
//! "GPU acceleration" is re-created as data parallelism across processes: with the `mpi`
//! build, `mpirun -np 2 descent run alexnet --full --distributed` trains every network on
//! two ranks (one all-reduce per step, `descent-dist`); rank 0 writes everything.
//!
//! Where we differ from the paper: CIFAR-10 (32×32, AlexNet's own small-image experiments)
//! instead of ImageNet, narrower networks (three convolutions; quick: 16-32-64 wide on the
//! embedded 1,500/400 images, full: 24-48-96 on the shared 10,000/10,000 subset), ten
//! epochs with a cosine-decayed rate, top-1 error rather than top-5, and a CIFAR-scale
//! traditional baseline (Coates et al.) rather than the ILSVRC runner-up's pipeline.
//!
//! Layout: `data.rs` (CIFAR-10, augmentation), `train.rs` (the baseline, the five
//! networks, the learning-rate grid), `measure.rs` (sliding training error, dead units,
//! the four comparisons), `report.rs` (measurements, notes, pictures, the saved
//! network); and `features.rs`, the 2011 baseline pipeline on its own (patches,
//! whitening, k-means, triangle encoding, pooling, a linear classifier): one thing,
//! with its own eigen-solver and test.
//!
//! Run: `descent run alexnet [--full] [--epochs N] [--distributed]`.

pub mod data;
mod features;
mod measure;
mod report;
pub mod train;

use crate::{MilestoneError, Run, RunSettings};
use features::FeatureConfig;
use train::Budget;

/// Sizes and budget of a run.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Channels of the three convolutions.
    widths: [usize; 3],
    /// Units of the hidden fully connected layer.
    hidden: usize,
    /// The budget every network gets (`--epochs` sets its epochs).
    budget: Budget,
    /// The k-means feature pipeline.
    features: FeatureConfig,
}

impl RunSettings for Settings {
    /// The embedded 1,500/400 images: narrow networks, a 256-word dictionary.
    fn quick() -> Settings {
        Settings {
            widths: [16, 32, 64],
            hidden: 128,
            budget: Budget {
                epochs: 10,
                batch_size: 32,
                lr: 0.02,
                monitor: 400,
                window: 750,
            },
            features: FeatureConfig {
                patch: 6,
                centroids: 256,
                stride: 1,
                kmeans_patches: 20_000,
                kmeans_iterations: 10,
                classifier_epochs: 40,
                weight_decay: 1e-3,
            },
        }
    }

    /// The shared 10,000/10,000 subset, wider networks; sized from the quick run's
    /// throughput to fit the full-run budget.
    fn full() -> Settings {
        Settings {
            widths: [24, 48, 96],
            hidden: 256,
            budget: Budget {
                epochs: 10,
                batch_size: 64,
                lr: 0.02,
                monitor: 2000,
                window: 2000,
            },
            features: FeatureConfig {
                patch: 6,
                centroids: 1024,
                stride: 1,
                kmeans_patches: 100_000,
                kmeans_iterations: 10,
                classifier_epochs: 40,
                weight_decay: 1e-3,
            },
        }
    }

    /// `--epochs N`: every network trains for N epochs.
    fn with_epochs(mut self, epochs: usize) -> Settings {
        self.budget.epochs = epochs;
        self
    }
}

/// Runs the milestone with the settings of the run's mode and `--epochs`.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let settings = run.settings();
    run_with(run, settings)
}

/// Runs the milestone with explicit settings: the k-means baseline, the five networks,
/// the four comparisons, the verdict (claims 1–3), the report.
pub fn run_with(run: &mut Run, settings: Settings) -> Result<(), MilestoneError> {
    let data = data::load(&run.data(), run.full())?;
    run.uses_data(&data.normalized.identity, &data.normalized.source);
    let features = train::feature_baseline(run, &data, &settings);
    let features_error = 100.0 * (1.0 - features.test_accuracy as f64);
    let variants = train::variants(&settings);
    let trained = train::train_variants(run, &variants, &data, settings.budget)?;
    let outcomes = &trained.outcomes;
    let claims = measure::claims(outcomes, features_error, data.test.n);
    report::claims(run, &claims, outcomes, data.train.n * settings.budget.epochs);
    report::parallel(run, outcomes);
    report::notes(run, &claims, &trained);
    run.judge(claims.passed());
    report::pictures(run, &data, &variants, outcomes, features_error)?;
    report::save(run, &data, &variants[0], &outcomes[0], settings.budget.epochs)
}
