//! The pictures and curves of the `dbn` run: filters, Gibbs samples, mixing strips,
//! the RBM monitors and the fine-tuning curves.

use super::finetune::Comparison;
use super::samples::{base_rate_samples, mixing_strip, nearest_overlap, sample_from_noise};
use super::{Data, RbmOutcome, PIXELS};
use crate::{MilestoneError, Run};
use descent_report::{GridOptions, LineChart, Normalize, Series};
use descent_tensor::Rng;

/// Chains per sample grid.
const CHAINS: usize = 100;

/// How digit-like an RBM's samples are.
#[derive(Clone, Copy, Debug)]
pub struct SampleQuality {
    /// Mean ink overlap (intersection over union) of a Gibbs sample with its
    /// best-matching training image.
    pub sample_overlap: f32,
    /// The same for base-rate noise (independent pixels with the data's marginals).
    pub noise_overlap: f32,
    /// The same for held-out test digits: where real digits lie.
    pub data_overlap: f32,
}

/// Filters of the first RBM, a sample grid and a mixing strip per RBM; returns each
/// RBM's sample quality.
pub fn rbm_pictures(
    run: &mut Run,
    rbms: &[&RbmOutcome],
    data: &Data,
    base_bias: &[f32],
    steps: usize,
) -> Result<Vec<SampleQuality>, MilestoneError> {
    let first = &rbms[0].rbm;
    let shown = first.hidden().min(100);
    let filters = first.weight.value().to_vec()[..shown * PIXELS].to_vec(); // (100, 784)
    let filter_grid = GridOptions {
        normalize: Normalize::PerImage,
        ..GridOptions::unit_grey(10, 2)
    };
    run.image_grid("filters.png", &filters, 28, 28, &filter_grid)?;
    let mut rng = Rng::new(run.seed() ^ 0x5A4D);
    let noise = base_rate_samples(base_bias, CHAINS, &mut rng);
    let noise_overlap = nearest_overlap(&noise, &data.train_bits, PIXELS);
    let held_out = &data.test_bits[..CHAINS.min(data.test_bits.len() / PIXELS) * PIXELS];
    let data_overlap = nearest_overlap(held_out, &data.train_bits, PIXELS);
    // One test digit of each class starts the mixing chains.
    let starts: Vec<f32> = (0..10)
        .filter_map(|digit| data.test.labels.iter().position(|&l| l == digit))
        .flat_map(|i| data.test_bits[i * PIXELS..(i + 1) * PIXELS].iter().copied())
        .collect();
    let every = (steps / 10).max(1);
    let mut qualities = Vec::new();
    for outcome in rbms {
        let key = outcome.report.key();
        let samples = sample_from_noise(&outcome.rbm, base_bias, CHAINS, steps, &mut rng);
        run.image_grid(
            &format!("{key}_samples.png"),
            &samples.probs,
            28,
            28,
            &GridOptions::unit_grey(10, 2),
        )?;
        let strip = mixing_strip(&outcome.rbm, &starts, every, 10, &mut rng);
        run.image_grid(&format!("{key}_mixing.png"), &strip, 28, 28, &GridOptions::unit_grey(11, 2))?;
        let sample_overlap = nearest_overlap(&samples.states, &data.train_bits, PIXELS);
        run.log(&format!(
            "RBM {}: {CHAINS} samples after {steps} Gibbs steps overlap their best-matching training digit by {sample_overlap:.2} \
             (intersection over union; base-rate noise {noise_overlap:.2}, held-out digits {data_overlap:.2})",
            outcome.report.name
        ));
        qualities.push(SampleQuality {
            sample_overlap,
            noise_overlap,
            data_overlap,
        });
    }
    let history = run.history();
    let series = |suffix: &str| -> Vec<Series> {
        rbms.iter()
            .map(|o| history.series(&format!("{}_{suffix}", o.report.key()), &o.report.name))
            .collect()
    };
    let reconstruction = LineChart {
        title: "RBM reconstruction error (held-out digits)".into(),
        x_label: "epoch".into(),
        y_label: "squared error per image".into(),
        series: series("reconstruction_error"),
        log_y: false,
    };
    let pll = LineChart {
        title: "RBM pseudo-log-likelihood (held-out digits)".into(),
        x_label: "epoch".into(),
        y_label: "nats per image".into(),
        series: series("pseudo_log_likelihood"),
        log_y: false,
    };
    run.line_chart("reconstruction_error.svg", &reconstruction)?;
    run.line_chart("pseudo_log_likelihood.svg", &pll)?;
    Ok(qualities)
}

/// Test error during fine-tuning, pre-trained vs random, for each label budget.
pub fn finetune_curves(run: &mut Run, comparisons: &[Comparison]) -> Result<(), MilestoneError> {
    let mut series = Vec::new();
    for c in comparisons {
        series.push(Series::new(&format!("DBN start, {} labels", c.labels), c.pretrained.curve.clone()));
        for (init, run) in &c.random {
            series.push(Series::new(&format!("{}, {} labels", init.name(), c.labels), run.curve.clone()));
        }
    }
    let chart = LineChart {
        title: "Fine-tuning the sigmoid network: DBN start vs random start".into(),
        x_label: "epoch".into(),
        y_label: "test error (%)".into(),
        series,
        log_y: true,
    };
    run.line_chart("finetune.svg", &chart)
}
