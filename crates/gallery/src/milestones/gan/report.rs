//! What the `gan` run reports: the Fréchet scale, conditional accuracy and mode
//! coverage with their notes; the saved generators; and the pictures and charts —
//! progress strips (one row per epoch), a latent interpolation, a 10×10 "draw each
//! class" grid, losses, D(x) and D(G(z)), the Fréchet scale and the class histogram.

use super::measure::{entropy, Measures};
use super::train::{sample, GanTraining, Trained};
use super::GanVariant;
use crate::common::image_judge::ImageJudge;
use crate::{MilestoneError, Run, Training};
use descent_data::Dataset;
use descent_models::gan::{Gan, ImageGan, ImageGanConfig};
use descent_models::saved::Snapshot;
use descent_report::{BarChart, GridOptions, LineChart};
use descent_tensor::{Rng, Tensor};

/// Saves a trained GAN as `<key>.safetensors`, with its data set's class names (what
/// `descent draw` reads).
pub(crate) fn save(run: &mut Run, key: &str, model: &Trained, variant: GanVariant) -> Result<(), MilestoneError> {
    let config = ImageGanConfig {
        net: model.gan.generator.config,
        dataset: variant.dataset.title().to_string(),
        class_names: variant.dataset.class_names().iter().map(|n| n.to_string()).collect(),
    };
    let snapshot = Snapshot::parts::<ImageGan>(&config, &model.gan);
    run.save(&format!("{key}.safetensors"), snapshot, Training::finished(model.epochs))
}

/// `x` rounded to `places` decimals, as the report shows it.
fn round(x: f64, places: i32) -> f64 {
    (x * 10f64.powi(places)).round() / 10f64.powi(places)
}

/// The measurements: the Fréchet scale, conditional accuracy, mode coverage, sizes.
pub(crate) fn measurements(run: &mut Run, m: &Measures, classifier: &ImageJudge, variant: GanVariant, training: &GanTraining) {
    let d = m.distances;
    let (rarest, rare_count, total) = rarest_class(m);
    run.measure("frechet_gan", round(d.gan, 2));
    run.measure("frechet_position", round(m.position(), 3));
    run.measure("frechet_real_vs_real", round(d.real, 2));
    run.measure("frechet_pixel_gaussian", round(d.pixel_gaussian, 2));
    run.measure("frechet_class_mixture", round(d.class_mixture, 2));
    run.measure("frechet_conditional_gan", round(d.conditional, 2));
    run.measure("conditional_accuracy", round(m.conditional_accuracy as f64, 4));
    run.measure("classifier_test_accuracy", round(classifier.test_accuracy as f64, 4));
    run.measure("mode_entropy", round(entropy(&m.histogram), 3));
    run.measure("mode_entropy_real", round(entropy(&m.real_histogram), 3));
    let names = variant.dataset.class_names();
    run.measure("rarest_class", names.get(rarest).copied().unwrap_or("?"));
    run.measure("rarest_class_share", round(rare_count as f64 / total.max(1) as f64, 4));
    run.measure("samples_per_measure", m.sample_size as u64);
    run.measure("architecture", variant.kind.name());
    run.measure("epochs", training.epochs as u64);
    let mut config = training.config;
    config.classes = 10;
    run.measure("params", descent_nn::param_count(&Gan::new(config, &mut Rng::new(0))) as u64);
}

/// The class the unconditional samples show least, how many showed it, and how many
/// samples were read.
fn rarest_class(m: &Measures) -> (usize, usize, usize) {
    let total: usize = m.histogram.iter().sum();
    let (rarest, rare_count) = m
        .histogram
        .iter()
        .enumerate()
        .min_by_key(|(_, &c)| c)
        .map(|(c, &n)| (c, n))
        .unwrap_or((0, 0));
    (rarest, rare_count, total)
}

/// The notes beside the numbers, and the run's summary line.
pub(crate) fn notes(run: &mut Run, m: &Measures, classifier: &ImageJudge, variant: GanVariant, passed: bool) {
    let d = m.distances;
    let position = m.position();
    let (rarest, rare_count, total) = rarest_class(m);
    let gan_entropy = entropy(&m.histogram);
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
        100.0 * classifier.test_accuracy,
        gan_entropy,
        entropy(&m.real_histogram),
        10f64.ln(),
        variant.dataset.class_names().get(rarest).copied().unwrap_or("?"),
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

/// Writes every picture and chart after training and measurement.
pub(crate) fn pictures(
    run: &mut Run,
    unconditional: &Trained,
    conditional: &Trained,
    m: &Measures,
    dataset: Dataset,
) -> Result<(), MilestoneError> {
    let grid = GridOptions::unit_grey(10, 2);
    run.image_grid("progress.png", &unconditional.progress, 28, 28, &grid)?;
    run.image_grid("conditional_progress.png", &conditional.progress, 28, 28, &grid)?;
    interpolation(run, unconditional)?;
    // Each class, ten times: row r asks for class r.
    let labels: Vec<usize> = (0..100).map(|i| i / 10).collect();
    let z = Tensor::randn(&[100, conditional.gan.generator.config.z_dim], &mut Rng::new(run.seed() ^ 0xC1A55));
    let drawn = sample(&conditional.gan, &z, Some(&labels));
    run.image_grid("conditional_samples.png", &drawn, 28, 28, &grid)?;
    training_curves(run)?;
    scales(run, m, dataset)
}

/// The adversarial losses and the discriminator's beliefs over training, both GANs.
fn training_curves(run: &mut Run) -> Result<(), MilestoneError> {
    let history = run.history();
    let series = |name: &str, label: &str| {
        [("gan", "GAN"), ("conditional_gan", "conditional")]
            .iter()
            .map(|(key, who)| history.series(&format!("{key}_{name}"), &format!("{label}, {who}")))
            .collect::<Vec<_>>()
    };
    let mut losses = series("d_loss", "D loss");
    losses.extend(series("g_loss", "G loss"));
    let mut probabilities = series("d_real", "D(x)");
    probabilities.extend(series("d_fake", "D(G(z))"));
    let loss_chart = LineChart {
        title: "Adversarial losses".into(),
        x_label: "epoch".into(),
        y_label: "binary cross-entropy".into(),
        series: losses,
        log_y: false,
    };
    let d_chart = LineChart {
        title: "The discriminator's belief: real images and fakes".into(),
        x_label: "epoch".into(),
        y_label: "mean D (probability of real)".into(),
        series: probabilities,
        log_y: false,
    };
    run.line_chart("losses.svg", &loss_chart)?;
    run.line_chart("discriminator.svg", &d_chart)
}

/// The Fréchet scale as bars, and the classes the unconditional samples show.
fn scales(run: &mut Run, m: &Measures, dataset: Dataset) -> Result<(), MilestoneError> {
    let d = m.distances;
    let frechet = BarChart {
        title: format!("Fréchet distance to real test images ({} each, LeNet features)", m.sample_size),
        x_label: "images from".into(),
        y_label: "Fréchet distance".into(),
        bars: vec![
            ("real (other half)".into(), d.real),
            ("GAN".into(), d.gan),
            ("conditional GAN".into(), d.conditional),
            ("class mixture".into(), d.class_mixture),
            ("pixel Gaussian".into(), d.pixel_gaussian),
        ],
        log_y: true,
    };
    run.bar_chart("frechet.svg", &frechet)?;
    let names = dataset.class_names();
    let modes = BarChart {
        title: "Classes of unconditional GAN samples, as the classifier reads them".into(),
        x_label: "class".into(),
        y_label: "samples".into(),
        bars: m
            .histogram
            .iter()
            .enumerate()
            .map(|(c, &n)| (names.get(c).map_or(c.to_string(), |s| s.to_string()), n as f64))
            .collect(),
        log_y: false,
    };
    run.bar_chart("modes.svg", &modes)
}

/// Eight rows, each walking in ten steps along the straight line between two noise
/// vectors: a smooth morph says G learned a continuous map, not a lookup table.
fn interpolation(run: &mut Run, trained: &Trained) -> Result<(), MilestoneError> {
    let z_dim = trained.gan.generator.config.z_dim;
    let mut rng = Rng::new(run.seed() ^ 0x1E4);
    let mut rows = Vec::with_capacity(80 * z_dim);
    for _ in 0..8 {
        let (a, b): (Vec<f32>, Vec<f32>) = (0..z_dim).map(|_| (rng.normal(), rng.normal())).unzip();
        for step in 0..10 {
            let t = step as f32 / 9.0;
            rows.extend(a.iter().zip(&b).map(|(x, y)| (1.0 - t) * x + t * y));
        }
    }
    let images = sample(&trained.gan, &Tensor::from_vec(rows, &[80, z_dim]), None);
    run.image_grid("interpolation.png", &images, 28, 28, &GridOptions::unit_grey(10, 2))
}
