//! What a LeNet run reports: its measurements, the learning curves, the confusion
//! matrix, the misclassified test digits and the first layer's filters.

use crate::common::classifier::{confusion, ClassificationData};
use crate::{MilestoneError, Run};
use descent_models::lenet::LeNet;
use descent_report::{fact_keys, GridOptions, LineChart, Normalize};

/// Records the final and best test accuracy, the first epoch at 99%, the sizes behind
/// the tour's facts, and LeCun's 1989 number beside ours.
pub(crate) fn record(run: &mut Run, model: &LeNet, data: &ClassificationData, epochs: usize, accuracy: f32, test_loss: f32) {
    let history = run.history();
    let best = history.max("test_accuracy").unwrap_or(0.0);
    let first_99 = history.points("test_accuracy").iter().find(|p| p.1 >= 0.99).map(|p| p.0 as u64);
    run.measure("test_accuracy", accuracy as f64);
    run.measure("test_error_percent", ((1.0 - accuracy) * 100.0) as f64);
    run.measure(fact_keys::MNIST_TEST_ERROR_PERCENT, ((1.0 - accuracy) * 100.0) as f64);
    run.measure("variant", model.variant.name());
    run.measure("epochs", epochs as u64);
    run.measure("best_test_accuracy", best);
    run.measure("first_epoch_at_99", first_99);
    run.measure("test_loss", test_loss as f64);
    run.measure("train_examples", data.train.labels.len() as u64);
    run.measure(fact_keys::PARAMS, descent_nn::param_count(model) as u64);
    run.measure(fact_keys::EXAMPLES_SEEN, (data.train.labels.len() * epochs) as u64);
    run.measure(fact_keys::DATA_BYTES, (data.train.labels.len() * 784) as u64);
    run.note("LeCun et al. 1989 reported 5.0% test error (1.0% train) on 2,007 zip-code test digits, on a smaller, harder set than MNIST.");
}

/// The pictures: curves, confusion matrix, misclassified digits, conv1's filters.
pub(crate) fn write_artifacts(
    run: &mut Run,
    model: &LeNet,
    data: &ClassificationData,
    predictions: &[usize],
) -> Result<(), MilestoneError> {
    curves(run, model)?;
    let counts = confusion(&data.test.labels, predictions, 10);
    let names: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    run.confusion("confusion.svg", &counts, &names)?;
    misclassified(run, data, predictions)?;
    filters(run, model)
}

/// Train loss and test accuracy per epoch.
fn curves(run: &mut Run, model: &LeNet) -> Result<(), MilestoneError> {
    let history = run.history();
    let curves = LineChart {
        title: format!("LeNet ({}) on MNIST", model.variant.name()),
        x_label: "epoch".into(),
        y_label: "train loss / test accuracy".into(),
        series: vec![
            history.series("train_loss", "train loss"),
            history.series("test_accuracy", "test accuracy"),
        ],
        log_y: false,
    };
    run.line_chart("curves.svg", &curves)
}

/// Up to 64 misclassified test digits, each framed in red, and their labels in a list.
fn misclassified(run: &mut Run, data: &ClassificationData, predictions: &[usize]) -> Result<(), MilestoneError> {
    let wrong: Vec<usize> = (0..predictions.len())
        .filter(|&i| predictions[i] != data.test.labels[i])
        .take(64)
        .collect();
    if wrong.is_empty() {
        return Ok(());
    }
    let pixels: Vec<f32> = wrong
        .iter()
        .flat_map(|&i| data.test.inputs[i * 784..(i + 1) * 784].iter().copied())
        .collect();
    let options = GridOptions {
        cols: 8,
        scale: 2,
        channels: 1,
        normalize: Normalize::PerImage,
        borders: vec![Some([220, 30, 30]); wrong.len()],
    };
    run.image_grid("misclassified.png", &pixels, 28, 28, &options)?;
    let text: String = wrong
        .iter()
        .map(|&i| format!("test #{i}: label {} predicted {}\n", data.test.labels[i], predictions[i]))
        .collect();
    run.write_text("misclassified.txt", &text)
}

/// The six 5×5 filters of the first convolution.
fn filters(run: &mut Run, model: &LeNet) -> Result<(), MilestoneError> {
    let filters = model.conv1.weight.value().to_vec(); // (6, 1, 5, 5)
    let options = GridOptions {
        cols: 6,
        scale: 12,
        channels: 1,
        normalize: Normalize::PerImage,
        borders: vec![],
    };
    run.image_grid("conv1_filters.png", &filters, 5, 5, &options)
}
