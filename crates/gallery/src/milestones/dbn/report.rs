//! What the `dbn` run reports: the fine-tuning comparisons and the RBMs' measurements
//! with their notes (the published figures beside ours), and the pictures and curves —
//! filters, Gibbs samples, mixing strips, the RBM monitors and the fine-tuning curves.

use super::data::PIXELS;
use super::measure::{Dreams, Likelihood, SampleQuality};
use super::train::{Comparison, TrainedRbm};
use super::Settings;
use crate::{MilestoneError, Run};
use descent_models::rbm::{DeepBeliefNet, RandomInit};
use descent_report::{GridOptions, LineChart, Normalize, Series};
use descent_tensor::Rng;

/// What the report says of one pixel-level RBM, kept after the CD-1 RBM joins the stack.
pub(crate) struct RbmSummary {
    /// `cd1`, `pcd1`: the prefix of its measurements.
    key: String,
    /// Held-out reconstruction error after the first and the last epoch.
    reconstruction_error: (f32, f32),
    /// Held-out pseudo-log-likelihood after the first and the last epoch.
    pseudo_log_likelihood: (f32, f32),
    /// Its AIS test log-likelihood.
    likelihood: Likelihood,
    /// How digit-like its samples are.
    quality: SampleQuality,
}

impl RbmSummary {
    /// The summary of `trained`, with what was measured of it.
    pub(crate) fn of(trained: &TrainedRbm, likelihood: Likelihood, dreams: &Dreams) -> RbmSummary {
        RbmSummary {
            key: trained.key(),
            reconstruction_error: trained.reconstruction_error,
            pseudo_log_likelihood: trained.pseudo_log_likelihood,
            likelihood,
            quality: dreams.quality,
        }
    }
}

/// Filters of the first RBM, a sample grid and a mixing strip per RBM, and the
/// monitors' curves.
pub(crate) fn rbm_pictures(run: &mut Run, rbms: &[TrainedRbm], dreams: &[Dreams]) -> Result<(), MilestoneError> {
    let first = &rbms[0].rbm;
    let shown = first.hidden().min(100);
    let filters = first.weight.value().to_vec()[..shown * PIXELS].to_vec(); // (100, 784)
    let filter_grid = GridOptions {
        normalize: Normalize::PerImage,
        ..GridOptions::unit_grey(10, 2)
    };
    run.image_grid("filters.png", &filters, 28, 28, &filter_grid)?;
    for (trained, dream) in rbms.iter().zip(dreams) {
        let key = trained.key();
        let grid = GridOptions::unit_grey(10, 2);
        run.image_grid(&format!("{key}_samples.png"), &dream.samples.probs, 28, 28, &grid)?;
        run.image_grid(&format!("{key}_mixing.png"), &dream.strip, 28, 28, &GridOptions::unit_grey(11, 2))?;
    }
    let history = run.history();
    let series = |suffix: &str| -> Vec<Series> {
        rbms.iter()
            .map(|o| history.series(&format!("{}_{suffix}", o.key()), &o.name))
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
    run.line_chart("pseudo_log_likelihood.svg", &pll)
}

/// The comparisons' measurements (the verdict's headline keys first) and notes.
pub(crate) fn comparisons(run: &mut Run, comparisons: &[Comparison], settings: &Settings, dbn: &DeepBeliefNet, passed: bool) {
    let (few, all) = (&comparisons[0], &comparisons[1]);
    run.measure("pretraining_gain_few_labels", round2(few.gap()));
    run.measure("pretraining_gain_all_labels", round2(all.gap()));
    for (c, suffix) in [(few, "_few_labels"), (all, "")] {
        run.measure(&format!("pretrained_test_error{suffix}"), round2(c.pretrained.test_error));
        for (init, finetuned) in &c.random {
            let key = match init {
                RandomInit::GlorotSigmoid => "glorot",
                RandomInit::PytorchDefault => "pytorch_default",
            };
            run.measure(&format!("random_{key}_test_error{suffix}"), round2(finetuned.test_error));
        }
    }
    run.measure("mnist_test_error", round2(all.pretrained.test_error));
    run.measure("few_labels", few.labels as u64);
    run.measure("all_labels", all.labels as u64);
    run.measure("stack", format!("{:?}", dbn.sizes()));
    run.measure("params", descent_nn::param_count(&dbn.unroll(10, &mut Rng::new(0))) as u64);
    run.note(&format!(
        "Pre-training vs the better random start, same SGD budget ({} epochs with {} labels, {} with {}): \
         {:+.2} and {:+.2} points of test error (claim: ≥ +1 with few labels, ≥ 0 with all). Random starts: \
         Glorot's sigmoid scaling (2010) and PyTorch's small default; with the latter a deep sigmoid net can sit \
         on a plateau for many epochs, the trouble pre-training was invented for.",
        settings.finetune_few.epochs,
        few.labels,
        settings.finetune_all.epochs,
        all.labels,
        few.gap(),
        all.gap()
    ));
    run.note(
        "Hinton et al. (2006) report 1.25% test error for the 784-500-500-2000 DBN on full MNIST (generative \
         fine-tuning); Hinton & Salakhutdinov (2006) 1.2% with backprop fine-tuning, against 1.6% for the best \
         randomly initialised backprop nets of the time.",
    );
    if !passed {
        run.note(
            "FAIL: at this scale and budget pre-training did not give the claimed advantage; the numbers above are what was measured.",
        );
    }
}

/// Measurements and notes of the RBMs (after the verdict's headline keys), with the
/// published AIS figures beside ours.
pub(crate) fn rbms(run: &mut Run, summaries: &[RbmSummary]) {
    for r in summaries {
        let (key, ais) = (&r.key, r.likelihood.ais);
        run.measure(
            &format!("{key}_test_log_likelihood"),
            round2(r.likelihood.test_log_likelihood as f32),
        );
        run.measure(&format!("{key}_log_z"), round2(ais.log_z as f32));
        run.measure(
            &format!("{key}_log_z_band"),
            format!("[{}, {:.2}]", format_bound(ais.log_z_low), ais.log_z_high),
        );
        run.measure(
            &format!("{key}_reconstruction_error_first_last"),
            format!("{:.2} → {:.2}", r.reconstruction_error.0, r.reconstruction_error.1),
        );
        run.measure(&format!("{key}_pseudo_log_likelihood"), round2(r.pseudo_log_likelihood.1));
        run.measure(&format!("{key}_sample_nearest_overlap"), round2(r.quality.sample_overlap));
    }
    if let Some(q) = summaries.first().map(|r| r.quality) {
        run.measure("noise_nearest_overlap", round2(q.noise_overlap));
        run.measure("test_digit_nearest_overlap", round2(q.data_overlap));
    }
    run.note(
        "Salakhutdinov & Murray (2008, Table 2) estimate by AIS, for 500-hidden-unit RBMs on binarised MNIST, \
         about −125.5 nats per test digit after CD-1 training, −105.5 after CD-3 and −86.3 after CD-25 \
         (CD steps raised gradually); ours above are one AIS estimate each after this run's (much shorter) training.",
    );
    run.note(
        "Sample overlap: mean intersection-over-union of a Gibbs sample's ink (chains started from base-rate \
         noise) with its best-matching binarised training digit, beside the same for base-rate noise (the far \
         end) and for held-out test digits (the near end); a blank page or an ink blot scores low. The log Z band is AIS's ±3 standard errors; `unbounded` below means \
         a few runs dominate the estimate (more annealing steps narrow it).",
    );
}

/// Test error during fine-tuning, pre-trained vs random, for each label budget.
pub(crate) fn finetune_curves(run: &mut Run, comparisons: &[Comparison]) -> Result<(), MilestoneError> {
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

/// A lower bound for reports: `unbounded` when the ±3σ band reaches zero weight.
fn format_bound(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2}")
    } else {
        "unbounded".into()
    }
}

/// `x` rounded to two decimals, as the report shows it.
fn round2(x: f32) -> f64 {
    (x as f64 * 100.0).round() / 100.0
}
