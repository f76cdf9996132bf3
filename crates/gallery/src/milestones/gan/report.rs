//! The pictures and charts of the `gan` run: progress strips (one row per epoch),
//! a latent interpolation, a 10×10 "draw each class" grid, losses, D(x) and D(G(z)),
//! the Fréchet scale and the class histogram.

use super::measure::Measures;
use super::train::{sample, Trained};
use crate::{MilestoneError, Run};
use descent_data::Dataset;
use descent_report::{BarChart, GridOptions, LineChart};
use descent_tensor::{Rng, Tensor};

/// Writes every artifact after training and measurement.
pub fn write(run: &mut Run, unconditional: &Trained, conditional: &Trained, m: &Measures, dataset: Dataset) -> Result<(), MilestoneError> {
    run.image_grid("progress.png", &unconditional.progress, 28, 28, &GridOptions::unit_grey(10, 2))?;
    run.image_grid(
        "conditional_progress.png",
        &conditional.progress,
        28,
        28,
        &GridOptions::unit_grey(10, 2),
    )?;
    interpolation(run, unconditional)?;
    // Each class, ten times: row r asks for class r.
    let labels: Vec<usize> = (0..100).map(|i| i / 10).collect();
    let z = Tensor::randn(&[100, conditional.gan.generator.config.z_dim], &mut Rng::new(run.seed() ^ 0xC1A55));
    let drawn = sample(&conditional.gan, &z, Some(&labels));
    run.image_grid("conditional_samples.png", &drawn, 28, 28, &GridOptions::unit_grey(10, 2))?;
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
    run.line_chart("discriminator.svg", &d_chart)?;
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
