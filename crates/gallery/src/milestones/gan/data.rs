//! The `gan` milestone's images: MNIST or Fashion-MNIST (the embedded subset in a quick
//! run, the whole set in a full one) as unit-range pixels for the measurements and
//! scaled to [−1, 1] for the generators' tanh.

use crate::common::images::{load_images, unit_pixels, ImageSplits};
use crate::{MilestoneError, Run};
use descent_data::Dataset;

/// The images of a run, in the forms the run uses.
pub(crate) struct GanData {
    /// The train and test sets as loaded (the feature classifier trains on them).
    pub(crate) images: ImageSplits,
    /// Training pixels in [0, 1], (N, 784).
    pub(crate) train_pixels: Vec<f32>,
    /// The same in [−1, 1], as the generators' tanh draws them.
    pub(crate) scaled: Vec<f32>,
    /// Training labels.
    pub(crate) labels: Vec<usize>,
    /// Test pixels in [0, 1].
    pub(crate) test_pixels: Vec<f32>,
}

/// Loads `dataset` for the run's mode.
pub(crate) fn load(run: &mut Run, dataset: Dataset) -> Result<GanData, MilestoneError> {
    let images = load_images(&run.data(), dataset, run.full())?;
    run.uses_data(&images.identity, &images.source);
    let train_pixels = unit_pixels(&images.train);
    let scaled: Vec<f32> = train_pixels.iter().map(|&p| 2.0 * p - 1.0).collect(); // [−1, 1], as tanh
    let labels = images.train.labels_usize();
    let test_pixels = unit_pixels(&images.test);
    Ok(GanData {
        images,
        train_pixels,
        scaled,
        labels,
        test_pixels,
    })
}
