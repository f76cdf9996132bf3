//! 2014 — Goodfellow et al., "Generative Adversarial Nets"; Mirza & Osindero,
//! "Conditional Generative Adversarial Nets"; 2015 — Radford, Metz & Chintala, DCGAN.
//!
//! Introduced: a generator G and a discriminator D trained against each other,
//! `min_G max_D E_x[log D(x)] + E_z[log(1 − D(G(z)))]` — "machines begin to *create*
//! realistic images". G never sees a training image; it learns only from D's verdicts.
//!
//! We train, on MNIST (default) or Fashion-MNIST, an unconditional GAN and a
//! class-conditional one (so "draw a 7" works: `descent draw`), with the 2014 paper's
//! fully connected networks (`--variant mlp`) or DCGAN's convolutional ones (`dcgan`,
//! the W7 networks at full width), non-saturating G loss, Adam (2e-4, β₁ 0.5).
//!
//! Measured, not eyeballed, with a LeNet trained in the same run on the same data:
//! 1. the Fréchet distance between its features of generated and of real test images,
//!    calibrated by real vs real (two disjoint halves of the test set) and by two weak
//!    generators that know only pixel statistics;
//! 2. the share of class-conditional samples it reads as the class asked for;
//! 3. the class histogram of unconditional samples (its entropy, the rarest class).
//!
//! The claim holds when the unconditional GAN lands far nearer the real end of the
//! Fréchet scale (at most a quarter of the way from real-vs-real to the pixel-Gaussian
//! generator, and below the class-mixture one) and the conditional GAN's samples are
//! read as the requested class at least 80% as often as real test images are read
//! correctly.
//!
//! Where we differ from the papers: Adam with DCGAN's settings for both architectures
//! (the 2014 paper used SGD with momentum), the non-saturating G loss throughout (the
//! 2014 paper's own practical fix), and quality judged by Fréchet distances on an in-run
//! LeNet's features instead of the paper's Parzen-window log-likelihoods; the quick run
//! trains on the embedded subset for a few epochs (12 MLP, 6 DCGAN at a quarter of W7's
//! channels), the full one on all of the set (20 MLP, 2 DCGAN at full width).
//!
//! Layout: `data.rs` (the images), `train.rs` (the adversarial game), `measure.rs` (the
//! LeNet instrument, Fréchet distances, conditional accuracy, mode coverage),
//! `report.rs` (measurements, notes, saved generators, pictures).
//!
//! Run: `descent run gan [--variant mlp|dcgan|mlp-fashion|dcgan-fashion] [--full]
//! [--epochs N]`; then `descent draw --model runs/gan/conditional_gan.safetensors
//! --label 7 --out seven.png`.

mod data;
mod measure;
mod report;
mod train;

use crate::{MilestoneError, Run, RunSettings};
use descent_data::Dataset;
use descent_models::gan::{GanConfig, GanKind};
use train::GanTraining;

/// Architecture and data set of a run, from `--variant`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GanVariant {
    /// Networks.
    pub kind: GanKind,
    /// Images.
    pub dataset: Dataset,
}

impl GanVariant {
    /// Parses `mlp`, `dcgan`, `mlp-fashion`, `dcgan-fashion` (the registry lists them).
    pub fn parse(name: &str) -> Result<GanVariant, MilestoneError> {
        let (arch, dataset) = match name.strip_suffix("-fashion") {
            Some(arch) => (arch, Dataset::FashionMnist),
            None => (name, Dataset::Mnist),
        };
        let kind = match arch {
            "mlp" => GanKind::Mlp,
            "dcgan" => GanKind::Dcgan,
            _ => {
                return Err(MilestoneError::Config(format!(
                    "unknown gan variant '{name}'; use mlp, dcgan, mlp-fashion or dcgan-fashion"
                )))
            }
        };
        Ok(GanVariant { kind, dataset })
    }
}

/// Sizes and budgets of a run, for either architecture (the variant picks one).
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// How `--variant mlp` trains both GANs (the conditional one adds 10 classes).
    pub(crate) mlp: GanTraining,
    /// How `--variant dcgan` trains them.
    pub(crate) dcgan: GanTraining,
    /// Epochs of the feature classifier.
    pub classifier_epochs: usize,
}

impl Settings {
    /// How the GANs of `kind` are trained.
    fn training(&self, kind: GanKind) -> GanTraining {
        match kind {
            GanKind::Mlp => self.mlp,
            GanKind::Dcgan => self.dcgan,
        }
    }
}

impl RunSettings for Settings {
    /// The embedded subset: MLPs for 12 epochs; DCGAN at a quarter of W7's channels (16×
    /// fewer multiply-adds in G's big layer) for 6.
    fn quick() -> Settings {
        Settings {
            mlp: gan_training(GanKind::Mlp, (256, 512), 12),
            dcgan: gan_training(GanKind::Dcgan, (64, 32), 6),
            classifier_epochs: 6,
        }
    }

    /// The whole set: MLPs for 20 epochs; W7's DCGAN at full width, whose steps are
    /// costly enough that two epochs fit the full-run budget.
    fn full() -> Settings {
        Settings {
            mlp: gan_training(GanKind::Mlp, (256, 512), 20),
            dcgan: gan_training(GanKind::Dcgan, (256, 64), 2),
            classifier_epochs: 3,
        }
    }

    /// `--epochs N`: the GANs train for N epochs (the feature classifier keeps its own).
    fn with_epochs(mut self, epochs: usize) -> Settings {
        self.mlp.epochs = epochs;
        self.dcgan.epochs = epochs;
        self
    }
}

/// The training of `kind`'s networks with G and D widths `(g_width, d_width)`, 100-d
/// noise, batches of 64 and DCGAN's Adam rate, for `epochs` epochs.
fn gan_training(kind: GanKind, (g_width, d_width): (usize, usize), epochs: usize) -> GanTraining {
    GanTraining {
        config: GanConfig {
            kind,
            z_dim: 100,
            classes: 0,
            g_width,
            d_width,
        },
        epochs,
        batch_size: 64,
        lr: 2e-4,
    }
}

/// Runs the milestone with the run's variant and the settings of its mode and `--epochs`.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let variant = GanVariant::parse(run.variant())?;
    let settings = run.settings();
    run_with(run, variant, settings)
}

/// Runs the milestone with explicit settings (tests use tiny ones): the data, the
/// feature classifier, an unconditional and a class-conditional GAN, the measurements,
/// the verdict, the report.
pub fn run_with(run: &mut Run, variant: GanVariant, settings: Settings) -> Result<(), MilestoneError> {
    let data = data::load(run, variant.dataset)?;
    let classifier = measure::train_classifier(run, &data, settings.classifier_epochs);
    let training = settings.training(variant.kind);
    let mut trained = Vec::new();
    for (key, classes) in [("gan", 0), ("conditional_gan", 10)] {
        let mut training = training;
        training.config.classes = classes;
        let model = train::train(run, key, training, &data.scaled, &data.labels, run.seed() ^ classes as u64)?;
        report::save(run, key, &model, variant)?;
        trained.push(model);
    }
    let (unconditional, conditional) = (&trained[0], &trained[1]);
    let labelled = (&data.train_pixels[..], &data.labels[..]);
    let measures = measure::measure(&classifier, unconditional, conditional, labelled, &data.test_pixels, run.seed());
    let passed = measures.passed(classifier.test_accuracy);
    run.judge(passed);
    report::measurements(run, &measures, &classifier, variant, &training);
    report::notes(run, &measures, &classifier, variant, passed);
    report::pictures(run, unconditional, conditional, &measures, variant.dataset)
}
