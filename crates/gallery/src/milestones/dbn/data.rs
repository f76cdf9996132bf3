//! The `dbn` milestone's data: MNIST (the embedded 6,000/1,000 digits in a quick run,
//! all of it in a full one), binarised once by a fixed seed for the RBMs, and kept as
//! unit-range pixels with labels for fine-tuning; and the base-rate model every chain
//! and AIS walk starts from.

use crate::common::classifier::Split;
use crate::common::images::{load_images, unit_pixels};
use crate::{MilestoneError, Run};
use descent_data::Dataset;
use descent_models::rbm::{bernoulli, logit};
use descent_tensor::{Rng, Tensor};

/// Fixed seed of the binarisation: it is part of the data set, not of the run.
const BINARISE_SEED: u64 = 0xB1A5_0D16;
/// Pixels per image.
pub(crate) const PIXELS: usize = 784;

/// Binarised MNIST plus the unit-range pixels and labels fine-tuning uses.
pub(crate) struct Data {
    /// Training images, one Bernoulli draw per pixel (N, 784).
    pub(crate) train_bits: Vec<f32>,
    /// Test images, binarised the same way.
    pub(crate) test_bits: Vec<f32>,
    /// Training pixels in [0, 1] and labels.
    pub(crate) train: Split,
    /// Test pixels in [0, 1] and labels.
    pub(crate) test: Split,
    /// Which data, without paths (a labelled subset's identity extends it).
    pub(crate) identity: String,
}

/// Loads MNIST for the run's mode and binarises it with the fixed seed.
pub(crate) fn load(run: &mut Run) -> Result<Data, MilestoneError> {
    let images = load_images(&run.data(), Dataset::Mnist, run.full())?;
    run.uses_data(
        &images.identity,
        &format!(
            "{}, binarised by one Bernoulli draw per pixel (fixed seed) for the RBMs",
            images.source
        ),
    );
    let mut rng = Rng::new(BINARISE_SEED);
    let (train_pixels, test_pixels) = (unit_pixels(&images.train), unit_pixels(&images.test));
    let binarise = |pixels: &[f32], rng: &mut Rng| bernoulli(&Tensor::from_slice(pixels, &[pixels.len()]), rng).to_vec();
    Ok(Data {
        train_bits: binarise(&train_pixels, &mut rng),
        test_bits: binarise(&test_pixels, &mut rng),
        train: Split {
            inputs: train_pixels,
            labels: images.train.labels_usize(),
        },
        test: Split {
            inputs: test_pixels,
            labels: images.test.labels_usize(),
        },
        identity: images.identity,
    })
}

/// Logits of the training pixels' marginals, smoothed (`(count + 1) / (n + 2)`): the
/// visible biases of the base-rate model that AIS and the noise baseline start from.
pub(crate) fn base_rate_bias(bits: &[f32]) -> Vec<f32> {
    let n = bits.len() / PIXELS;
    let mut counts = vec![0.0f32; PIXELS];
    for row in bits.chunks_exact(PIXELS) {
        counts.iter_mut().zip(row).for_each(|(c, &b)| *c += b);
    }
    counts.iter().map(|&c| logit((c + 1.0) / (n as f32 + 2.0))).collect()
}
