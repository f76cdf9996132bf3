//! The `alexnet` milestone's pictures: training-error and test-accuracy curves per
//! variant, the errors side by side, the first-layer filters in colour, the confusion
//! matrix with class names, and a grid of misclassified test images.

use super::data::{denormalize, CifarData};
use super::train::{Variant, VariantOutcome};
use crate::common::classifier::confusion;
use crate::{MilestoneError, Run};
use descent_report::{BarChart, GridOptions, LineChart, Normalize, Series};

/// Writes every artifact.
pub fn write(run: &mut Run, data: &CifarData, variants: &[Variant], outcomes: &[VariantOutcome], features_error: f64) -> Result<(), MilestoneError> {
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
            series: variants.iter().zip(outcomes).map(|(v, o)| Series::new(v.label, o.monitor.clone())).collect(),
            log_y: false,
        },
    )?;
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
    run.confusion("confusion.svg", &confusion(&data.normalized.test.labels, &main.predictions, 10), &names)?;
    misclassified(run, data, &main.predictions)?;
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
        .map(|&i| format!("test #{i}: a {} taken for a {}\n", data.class_names[labels[i]], data.class_names[predictions[i]]))
        .collect();
    run.write_text("misclassified.txt", &text)
}
