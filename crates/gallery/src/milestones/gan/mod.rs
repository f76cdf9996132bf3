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
//! Run: `descent run gan [--variant mlp|dcgan|mlp-fashion|dcgan-fashion] [--full]
//! [--epochs N]`; then `descent draw --model runs/gan/conditional_gan.safetensors
//! --label 7 --out seven.png`.

mod artifacts;
pub mod measure;
pub mod train;

use crate::common::image_judge::{ImageJudge, JudgeRecipe};
use crate::common::images::{load_images, unit_pixels};
use crate::{MilestoneError, Run, Training};
use descent_data::Dataset;
use descent_models::gan::{GanConfig, GanKind, ImageGan, ImageGanConfig};
use descent_models::saved::Snapshot;
use measure::{entropy, Measures};
use train::{GanTraining, Trained};

/// The unconditional GAN's checkpoint (kind `gan`).
pub const UNCONDITIONAL: &str = "gan.safetensors";
/// The class-conditional GAN's checkpoint, the one `descent draw --label` uses.
pub const CONDITIONAL: &str = "conditional_gan.safetensors";

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

/// Sizes and budgets of a run.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// How both GANs are trained (the conditional one adds 10 classes).
    pub training: GanTraining,
    /// Epochs of the feature classifier.
    pub classifier_epochs: usize,
}

impl Settings {
    /// Defaults for a variant in quick or full mode; `epochs` overrides the GAN epochs.
    pub fn new(variant: GanVariant, full: bool, epochs: Option<usize>) -> Settings {
        let (g_width, d_width, default_epochs) = match (variant.kind, full) {
            (GanKind::Mlp, false) => (256, 512, 12),
            (GanKind::Mlp, true) => (256, 512, 20),
            // Quick: a quarter of W7's channels (16× fewer multiply-adds in G's big layer).
            (GanKind::Dcgan, false) => (64, 32, 6),
            // W7 at full width costs about 1.5 CPU-seconds a step here: two epochs.
            (GanKind::Dcgan, true) => (256, 64, 2),
        };
        Settings {
            training: GanTraining {
                config: GanConfig {
                    kind: variant.kind,
                    z_dim: 100,
                    classes: 0,
                    g_width,
                    d_width,
                },
                epochs: epochs.unwrap_or(default_epochs),
                batch_size: 64,
                lr: 2e-4,
            },
            classifier_epochs: if full { 3 } else { 6 },
        }
    }
}

/// Runs the milestone.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let variant = GanVariant::parse(run.variant())?;
    let settings = Settings::new(variant, run.full(), run.epochs());
    run_with(run, variant, settings)
}

/// Runs the milestone with explicit settings (tests use tiny ones).
pub fn run_with(run: &mut Run, variant: GanVariant, settings: Settings) -> Result<(), MilestoneError> {
    let images = load_images(&run.data(), variant.dataset, run.full())?;
    run.uses_data(&images.identity, &images.source);
    let phase = run.phase("feature classifier (LeNet)", (images.train.n * settings.classifier_epochs) as u64);
    let recipe = JudgeRecipe {
        epochs: settings.classifier_epochs,
        init_seed: run.seed() ^ 0x1E7E7,
        seed: run.seed(),
        cosine: false,
    };
    let classifier = ImageJudge::train(&images.train, &images.test, recipe, &phase);
    drop(phase);
    run.log(&format!(
        "feature classifier: LeNet reads {:.2}% of the real test images correctly",
        classifier.test_accuracy * 100.0
    ));
    let train_pixels = unit_pixels(&images.train);
    let scaled: Vec<f32> = train_pixels.iter().map(|&p| 2.0 * p - 1.0).collect(); // [−1, 1], as tanh
    let labels = images.train.labels_usize();
    let mut trained = Vec::new();
    for (key, classes) in [("gan", 0), ("conditional_gan", 10)] {
        let mut training = settings.training;
        training.config.classes = classes;
        let model = train::train(run, key, training, &scaled, &labels, run.seed() ^ classes as u64)?;
        save(run, key, &model, variant)?;
        trained.push(model);
    }
    let (unconditional, conditional) = (&trained[0], &trained[1]);
    let measures = measure::measure(
        &classifier,
        unconditional,
        conditional,
        (&train_pixels, &labels),
        &unit_pixels(&images.test),
        run.seed(),
    );
    judge(run, &measures, &classifier, variant, &settings);
    artifacts::write(run, unconditional, conditional, &measures, variant.dataset)
}

fn save(run: &mut Run, key: &str, model: &Trained, variant: GanVariant) -> Result<(), MilestoneError> {
    let config = ImageGanConfig {
        net: model.gan.generator.config,
        dataset: variant.dataset.title().to_string(),
        class_names: variant.dataset.class_names().iter().map(|n| n.to_string()).collect(),
    };
    let snapshot = Snapshot::parts::<ImageGan>(&config, &model.gan);
    run.save(&format!("{key}.safetensors"), snapshot, Training::finished(model.epochs))
}

/// Measurements, verdict and notes.
fn judge(run: &mut Run, m: &Measures, classifier: &ImageJudge, variant: GanVariant, settings: &Settings) {
    let d = m.distances;
    let position = d.position(d.gan);
    let ceiling = classifier.test_accuracy;
    let gan_entropy = entropy(&m.histogram);
    let total: usize = m.histogram.iter().sum();
    let (rarest, rare_count) = m
        .histogram
        .iter()
        .enumerate()
        .min_by_key(|(_, &c)| c)
        .map(|(c, &n)| (c, n))
        .unwrap_or((0, 0));
    let round = |x: f64, places: i32| (x * 10f64.powi(places)).round() / 10f64.powi(places);
    run.measure("frechet_gan", round(d.gan, 2));
    run.measure("frechet_position", round(position, 3));
    run.measure("frechet_real_vs_real", round(d.real, 2));
    run.measure("frechet_pixel_gaussian", round(d.pixel_gaussian, 2));
    run.measure("frechet_class_mixture", round(d.class_mixture, 2));
    run.measure("frechet_conditional_gan", round(d.conditional, 2));
    run.measure("conditional_accuracy", round(m.conditional_accuracy as f64, 4));
    run.measure("classifier_test_accuracy", round(ceiling as f64, 4));
    run.measure("mode_entropy", round(gan_entropy, 3));
    run.measure("mode_entropy_real", round(entropy(&m.real_histogram), 3));
    let names = variant.dataset.class_names();
    run.measure("rarest_class", names.get(rarest).copied().unwrap_or("?"));
    run.measure("rarest_class_share", round(rare_count as f64 / total.max(1) as f64, 4));
    run.measure("samples_per_measure", m.sample_size as u64);
    run.measure("architecture", variant.kind.name());
    run.measure("epochs", settings.training.epochs as u64);
    let params = |classes| {
        let mut config = settings.training.config;
        config.classes = classes;
        descent_nn::param_count(&descent_models::gan::Gan::new(config, &mut descent_tensor::Rng::new(0)))
    };
    run.measure("params", params(10) as u64);
    let passed = position <= 0.25 && d.gan < d.class_mixture && m.conditional_accuracy >= 0.8 * ceiling;
    run.judge(passed);
    run.note(&format!(
        "Fréchet distances on the run's LeNet features ({} images each, against the same reference half of the \
         test set): real vs real {:.2}, GAN {:.2}, conditional GAN {:.2}, class mixture of pixel Gaussians {:.2}, \
         pixel Gaussians {:.2}. The GAN sits {:.1}% of the way from the real floor to the pixel-Gaussian end (claim: \
         ≤ 25% and below the class mixture).",
        m.sample_size,
        d.real,
        d.gan,
        d.conditional,
        d.class_mixture,
        d.pixel_gaussian,
        100.0 * position
    ));
    run.note(&format!(
        "Conditional samples read as the class asked for: {:.1}% (the classifier reads {:.1}% of real test images \
         correctly; claim: ≥ 80% of that). Unconditional samples' class entropy {:.3} nats (real {:.3}, even {:.3}); \
         rarest class {} at {:.1}%.",
        100.0 * m.conditional_accuracy,
        100.0 * ceiling,
        gan_entropy,
        entropy(&m.real_histogram),
        10f64.ln(),
        names.get(rarest).copied().unwrap_or("?"),
        100.0 * rare_count as f64 / total.max(1) as f64
    ));
    if !passed {
        run.note("FAIL: the measured numbers above do not meet the claim at this budget.");
    }
    run.log(&format!(
        "gan: Fréchet {:.2} (real {:.2}, pixel Gaussian {:.2}; position {:.1}%), conditional accuracy {:.1}%, mode entropy {:.3}",
        d.gan,
        d.real,
        d.pixel_gaussian,
        100.0 * position,
        100.0 * m.conditional_accuracy,
        gan_entropy
    ));
}
