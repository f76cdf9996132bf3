//! What the `alexnet` run reports: the four comparisons' measurements and notes (the
//! article's ImageNet numbers beside ours), throughput, the pictures — training-error and
//! test-accuracy curves per variant, the errors side by side, the first-layer filters in
//! colour, the confusion matrix with class names, a grid of misclassified test images —
//! and the saved network `descent classify` reads.

use super::data::{denormalize, CifarData};
use super::measure::{gap, Claims};
use super::train::{Probe, Trained, Variant, VariantOutcome, LR_GRID};
use crate::common::classifier::confusion;
use crate::{MilestoneError, Run, Training};
use descent_models::alexnet::{CifarClassifier, CifarClassifierConfig};
use descent_models::saved::Snapshot;
use descent_report::{BarChart, GridOptions, LineChart, Normalize, Series};

/// The checkpoint `descent classify` reads (the AlexNet-style network).
const CHECKPOINT: &str = "alexnet.safetensors";

/// The article's ILSVRC-2012 top-5 errors: AlexNet and the runner-up.
const ARTICLE: (f64, f64) = (16.4, 26.2);

/// The claims' measurements, in the order the tour table shows them, then the size
/// of the AlexNet-style network and the examples each network saw.
pub(crate) fn claims(run: &mut Run, claims: &Claims, outcomes: &[VariantOutcome], examples_seen: usize) {
    let [alexnet, relu, tanh, batchnorm, augmented] = outcomes else {
        unreachable!("five variants")
    };
    let (f, r, later) = (&claims.features, &claims.relu, &claims.later);
    run.measure("cifar_test_error", f.cnn_error);
    run.measure("features_test_error", f.features_error);
    run.measure("error_ratio", f.cnn_error / f.features_error);
    run.measure("article_error_ratio", ARTICLE.0 / ARTICLE.1);
    run.measure("claim1_cnn_beats_features", f.passed);
    run.measure("relu_steps_to_25_percent", r.relu_steps.map(|s| s as u64));
    run.measure("tanh_steps_to_25_percent", r.tanh_steps.map(|s| s as u64));
    run.measure("relu_speedup", r.speedup);
    run.measure("relu_lr", relu.lr as f64);
    run.measure("tanh_lr", tanh.lr as f64);
    run.measure("relu_dead_hidden_share", relu.dead_hidden_share);
    run.measure("claim2_relu_faster", r.passed);
    run.measure("dropout_train_accuracy", alexnet.train_accuracy as f64);
    run.measure("dropout_test_accuracy", alexnet.test_accuracy as f64);
    run.measure("no_dropout_train_accuracy", relu.train_accuracy as f64);
    run.measure("no_dropout_test_accuracy", relu.test_accuracy as f64);
    run.measure("dropout_gap_points", gap(alexnet));
    run.measure("no_dropout_gap_points", gap(relu));
    run.measure("claim3_dropout_narrows_gap", claims.dropout);
    run.measure("bn_target_accuracy", later.target);
    run.measure("bn_steps_to_target", later.bn_steps.map(|s| s as u64));
    run.measure("plain_steps_to_target", later.plain_steps.map(|s| s as u64));
    run.measure("bn_test_accuracy", batchnorm.test_accuracy as f64);
    run.measure("claim4_batchnorm_faster", later.bn_faster);
    run.measure("augment_test_accuracy", augmented.test_accuracy as f64);
    run.measure("augment_gap_points", gap(augmented));
    run.measure("claim4_augment_better", later.augment_better);
    run.measure("params", descent_nn::param_count(&alexnet.model) as u64);
    run.measure("examples_seen", examples_seen as u64);
}

/// Throughput and the all-reduce's share of training time, summed over the networks.
pub(crate) fn parallel(run: &mut Run, outcomes: &[VariantOutcome]) {
    let seconds: f64 = outcomes.iter().map(|o| o.train_seconds).sum();
    let allreduce: f64 = outcomes.iter().map(|o| o.sync.allreduce_seconds).sum();
    let images: f64 = outcomes.iter().map(|o| o.images_per_s * o.train_seconds).sum();
    let world = run.world().clone();
    run.measure("ranks", world.size() as u64);
    run.measure("train_images_per_s", images / seconds.max(1e-9));
    if world.is_distributed() {
        run.measure("allreduce_share", allreduce / seconds.max(1e-9));
        run.note(&format!(
            "Data-parallel over {world:?}: every step's gradients averaged by one all-reduce of {} floats; {:.1}% of training time in it. Dropout masks and batch-norm statistics are per rank; the k-means baseline ran on every rank.",
            outcomes[0].sync.buffer_len,
            100.0 * allreduce / seconds.max(1e-9)
        ));
    }
}

/// The notes beside the numbers: the article's errors against ours, ReLU against tanh,
/// and how each network's learning rate was chosen.
pub(crate) fn notes(run: &mut Run, claims: &Claims, trained: &Trained) {
    let (f, r) = (&claims.features, &claims.relu);
    let (relu, tanh) = (&trained.outcomes[1], &trained.outcomes[2]);
    run.note(&format!(
        "Article (ImageNet, top-5): AlexNet {:.1}% vs runner-up {:.1}%, ratio {:.2}. Here (CIFAR-10, top-1): CNN {:.1}% vs k-means features {:.1}%, ratio {:.2} (standard error of the difference {:.1} points).",
        ARTICLE.0,
        ARTICLE.1,
        ARTICLE.0 / ARTICLE.1,
        f.cnn_error,
        f.features_error,
        f.cnn_error / f.features_error,
        f.standard_error
    ));
    let total_steps = r.total_steps;
    run.note(&format!(
        "ReLU vs tanh: 25% training error after {} vs {} steps (Krizhevsky et al.: about 6x faster with ReLU); the budget was {total_steps} steps.",
        r.relu_steps.map_or("never".into(), |s| s.to_string()),
        r.tanh_steps.map_or(format!("not within {total_steps}"), |s| s.to_string())
    ));
    run.note(&format!(
        "Learning rates: each of the ReLU and tanh networks trained at every rate of {:?} (the grid extended past an edge while the best rate sat there) and kept its fastest (Krizhevsky et al. chose each network's rate independently, to train as fast as possible); steps to 25% training error (or the error at the end): ReLU {}; tanh {}. The other ReLU networks use ReLU's rate {}. Hidden units off on all of 500 training images at the end: ReLU {:.0}%, tanh {:.0}% (a ReLU unit pushed below zero for every input stops learning).",
        LR_GRID,
        describe_probes(&trained.relu_probes),
        describe_probes(&trained.tanh_probes),
        relu.lr,
        100.0 * relu.dead_hidden_share,
        100.0 * tanh.dead_hidden_share
    ));
    if !run.full() {
        run.note("Quick run: narrower networks on the embedded 1,500/400 subset; `--full` runs them on the shared 10,000/10,000 CIFAR-10 subset.");
    }
}

/// `lr 0.005: 412 steps, lr 0.01: never (31.0% at the end), …` for a report note.
fn describe_probes(probes: &[Probe]) -> String {
    let one = |p: &Probe| match p.steps_to_target {
        Some(steps) => format!("lr {}: {steps} steps", p.lr),
        None => format!("lr {}: never ({:.1}% at the end)", p.lr, 100.0 * p.final_error),
    };
    probes.iter().map(one).collect::<Vec<_>>().join(", ")
}

/// Writes every picture: the curves, the errors side by side, the confusion matrix,
/// the misclassified images and the first layer's filters.
pub(crate) fn pictures(
    run: &mut Run,
    data: &CifarData,
    variants: &[Variant],
    outcomes: &[VariantOutcome],
    features_error: f64,
) -> Result<(), MilestoneError> {
    curves(run, variants, outcomes)?;
    let mut bars = vec![("k-means + linear".to_string(), features_error)];
    bars.extend(
        variants
            .iter()
            .zip(outcomes)
            .map(|(v, o)| (v.name.to_string(), 100.0 * (1.0 - o.test_accuracy as f64))),
    );
    run.bar_chart(
        "test_error.svg",
        &BarChart {
            title: "CIFAR-10 test error (%)".into(),
            x_label: "model".into(),
            y_label: "test error (%)".into(),
            bars,
            log_y: false,
        },
    )?;
    let main = &outcomes[0];
    let names: Vec<&str> = data.class_names.iter().map(String::as_str).collect();
    run.confusion(
        "confusion.svg",
        &confusion(&data.normalized.test.labels, &main.predictions, 10),
        &names,
    )?;
    misclassified(run, data, &main.predictions)?;
    filters(run, main)
}

/// Training error (sliding window) and watched test accuracy per variant.
fn curves(run: &mut Run, variants: &[Variant], outcomes: &[VariantOutcome]) -> Result<(), MilestoneError> {
    let steps = outcomes.iter().map(|o| o.steps).max().unwrap_or(1) as f64;
    let mut error_series: Vec<Series> = variants
        .iter()
        .zip(outcomes)
        .map(|(v, o)| Series::new(v.label, o.train_error.clone()))
        .collect();
    error_series.push(Series::new("25% (Krizhevsky et al.'s mark)", vec![(0.0, 0.25), (steps, 0.25)]));
    run.line_chart(
        "train_error.svg",
        &LineChart {
            title: "Training error (sliding window) per variant, same budget".into(),
            x_label: "step".into(),
            y_label: "training error".into(),
            series: error_series,
            log_y: false,
        },
    )?;
    run.line_chart(
        "test_accuracy.svg",
        &LineChart {
            title: "Accuracy on the watched test images, per variant".into(),
            x_label: "step".into(),
            y_label: "test accuracy".into(),
            series: variants
                .iter()
                .zip(outcomes)
                .map(|(v, o)| Series::new(v.label, o.monitor.clone()))
                .collect(),
            log_y: false,
        },
    )
}

/// The first convolution's filters in colour.
fn filters(run: &mut Run, main: &VariantOutcome) -> Result<(), MilestoneError> {
    let weight = main.model.convs[0].weight.value(); // (w0, 3, k, k)
    let k = weight.dim(2);
    run.image_grid(
        "conv1_filters.png",
        &weight.to_vec(),
        k,
        k,
        &GridOptions {
            cols: 8,
            scale: 10,
            channels: 3,
            normalize: Normalize::PerImage,
            borders: vec![],
        },
    )
}

/// Saves the AlexNet-style network with its class names, as `descent classify` reads it.
pub(crate) fn save(
    run: &mut Run,
    data: &CifarData,
    variant: &Variant,
    outcome: &VariantOutcome,
    epochs: usize,
) -> Result<(), MilestoneError> {
    let config = CifarClassifierConfig {
        net: variant.config.clone(),
        class_names: data.class_names.iter().map(|n| n.to_string()).collect(),
    };
    let snapshot = Snapshot::parts::<CifarClassifier>(&config, &outcome.model);
    run.save(CHECKPOINT, snapshot, Training::finished(epochs))
}

/// Up to 48 misclassified test images, framed in red, with their labels in a text file.
fn misclassified(run: &mut Run, data: &CifarData, predictions: &[usize]) -> Result<(), MilestoneError> {
    let labels = &data.normalized.test.labels;
    let wrong: Vec<usize> = (0..predictions.len()).filter(|&i| predictions[i] != labels[i]).take(48).collect();
    if wrong.is_empty() {
        return Ok(());
    }
    let pixels: Vec<f32> = wrong
        .iter()
        .flat_map(|&i| denormalize(&data.normalized.test.inputs[i * 3072..(i + 1) * 3072]))
        .collect();
    run.image_grid(
        "misclassified.png",
        &pixels,
        32,
        32,
        &GridOptions {
            cols: 8,
            scale: 3,
            channels: 3,
            normalize: Normalize::Fixed { low: 0.0, high: 1.0 },
            borders: vec![Some([220, 30, 30]); wrong.len()],
        },
    )?;
    let text: String = wrong
        .iter()
        .map(|&i| {
            format!(
                "test #{i}: a {} taken for a {}\n",
                data.class_names[labels[i]], data.class_names[predictions[i]]
            )
        })
        .collect();
    run.write_text("misclassified.txt", &text)
}
