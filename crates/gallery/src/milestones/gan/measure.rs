//! Measured, not eyeballed, with a LeNet trained in the same run on the same data (the
//! instrument): Fréchet distances on its features,
//! calibrated by real-vs-real (two disjoint halves of the test set: the floor) and by
//! two weak generators that know only pixel statistics (the far end); the share of
//! class-conditional samples the classifier reads as the class asked for; and the
//! class histogram of unconditional samples (mode coverage).

use super::data::GanData;
use super::train::{sample, Trained};
use crate::common::frechet::{frechet_distance, Gaussian};
use crate::common::image_judge::{ImageJudge, JudgeRecipe, FEATURES};
use crate::Run;
use descent_tensor::{Rng, Tensor};

/// Images per generator batch when sampling for measurement.
const BATCH: usize = 500;

/// Trains the LeNet that reads the generated images, for `epochs` epochs on the run's
/// real training images.
pub(crate) fn train_classifier(run: &Run, data: &GanData, epochs: usize) -> ImageJudge {
    let images = &data.images;
    let phase = run.phase("feature classifier (LeNet)", (images.train.n * epochs) as u64);
    let recipe = JudgeRecipe {
        epochs,
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
    classifier
}

/// Fréchet distances, all against the same reference half of the test set, each from
/// the same number of images.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Distances {
    /// The other half of the test set: the floor at this sample size.
    pub(crate) real: f64,
    /// The unconditional GAN.
    pub(crate) gan: f64,
    /// The class-conditional GAN (classes asked for in equal shares).
    pub(crate) conditional: f64,
    /// Independent per-pixel Gaussians fitted to the training images.
    pub(crate) pixel_gaussian: f64,
    /// A mixture of per-pixel Gaussians, one per class.
    pub(crate) class_mixture: f64,
}

impl Distances {
    /// Where `fid` sits between the floor (0) and the pixel-Gaussian baseline (1).
    pub(crate) fn position(&self, fid: f64) -> f64 {
        (fid - self.real) / (self.pixel_gaussian - self.real).max(f64::MIN_POSITIVE)
    }
}

/// Everything measured of one run's generators.
#[derive(Clone, Debug)]
pub(crate) struct Measures {
    /// Images per compared set.
    pub(crate) sample_size: usize,
    /// The Fréchet distances.
    pub(crate) distances: Distances,
    /// Share of conditional samples classified as the class asked for.
    pub(crate) conditional_accuracy: f32,
    /// Classes the classifier reads in unconditional samples.
    pub(crate) histogram: Vec<usize>,
    /// The same for the real test half (the reference shape).
    pub(crate) real_histogram: Vec<usize>,
}

impl Measures {
    /// Where the unconditional GAN sits between real-vs-real (0) and the pixel
    /// Gaussians (1).
    pub(crate) fn position(&self) -> f64 {
        self.distances.position(self.distances.gan)
    }

    /// The claim: the unconditional GAN at most a quarter of the way to the pixel
    /// Gaussians and below the class mixture, and conditional samples read as asked at
    /// least 80% as often as the classifier reads real test images right (`ceiling`).
    pub(crate) fn passed(&self, ceiling: f32) -> bool {
        let d = self.distances;
        self.position() <= 0.25 && d.gan < d.class_mixture && self.conditional_accuracy >= 0.8 * ceiling
    }
}

/// Samples both generators and the baselines and measures them; `train` and `test`
/// are unit-range pixels (N, 784).
pub(crate) fn measure(
    classifier: &ImageJudge,
    unconditional: &Trained,
    conditional: &Trained,
    (train, train_labels): (&[f32], &[usize]),
    test: &[f32],
    seed: u64,
) -> Measures {
    let test_n = test.len() / 784;
    let half = test_n / 2;
    let order = Rng::new(seed ^ 0x4A1F).permutation(test_n);
    let pick = |rows: &[usize]| -> Vec<f32> { rows.iter().flat_map(|&r| test[r * 784..(r + 1) * 784].iter().copied()).collect() };
    let (reference, other) = (pick(&order[..half]), pick(&order[half..2 * half]));
    let reference_stats = Gaussian::fit(&classifier.features(&reference), FEATURES);
    let fid = |pixels: &[f32]| frechet_distance(&reference_stats, &Gaussian::fit(&classifier.features(pixels), FEATURES));
    let mut rng = Rng::new(seed ^ 0x5A3);
    let gan_images = generate(unconditional, half, None, &mut rng);
    let asked: Vec<usize> = (0..half).map(|i| i % 10).collect();
    let conditional_images = generate(conditional, half, Some(&asked), &mut rng);
    let distances = Distances {
        real: fid(&other),
        gan: fid(&gan_images),
        conditional: fid(&conditional_images),
        pixel_gaussian: fid(&pixel_gaussian(train, half, &mut rng)),
        class_mixture: fid(&class_mixture(train, train_labels, half, &mut rng)),
    };
    let read = classifier.classify(&conditional_images);
    let correct = asked.iter().zip(&read).filter(|(want, got)| want == got).count();
    Measures {
        sample_size: half,
        distances,
        conditional_accuracy: correct as f32 / half.max(1) as f32,
        histogram: histogram(&classifier.classify(&gan_images)),
        real_histogram: histogram(&classifier.classify(&reference)),
    }
}

/// `count` images (unit range) from a trained generator, in batches.
fn generate(trained: &Trained, count: usize, labels: Option<&[usize]>, rng: &mut Rng) -> Vec<f32> {
    let z_dim = trained.gan.generator.config.z_dim;
    let mut out = Vec::with_capacity(count * 784);
    for start in (0..count).step_by(BATCH) {
        let end = (start + BATCH).min(count);
        let z = Tensor::randn(&[end - start, z_dim], rng);
        out.extend(sample(&trained.gan, &z, labels.map(|l| &l[start..end])));
    }
    out
}

/// Counts per class (10 classes).
fn histogram(classes: &[usize]) -> Vec<usize> {
    let mut counts = vec![0usize; 10];
    classes.iter().for_each(|&c| counts[c.min(9)] += 1);
    counts
}

/// Entropy (nats) of a histogram; ln 10 ≈ 2.303 is perfectly even.
pub(crate) fn entropy(counts: &[usize]) -> f64 {
    let total: usize = counts.iter().sum();
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / total as f64;
            -p * p.ln()
        })
        .sum::<f64>()
        .max(0.0)
}

/// Per-pixel mean and standard deviation of rows (N, 784).
fn pixel_moments(rows: &[&[f32]]) -> (Vec<f32>, Vec<f32>) {
    let n = rows.len().max(1) as f32;
    let mut mean = vec![0.0f32; 784];
    rows.iter().for_each(|r| mean.iter_mut().zip(*r).for_each(|(m, &x)| *m += x / n));
    let mut var = vec![0.0f32; 784];
    rows.iter().for_each(|r| {
        var.iter_mut()
            .zip(*r)
            .zip(&mean)
            .for_each(|((v, &x), &m)| *v += (x - m).powi(2) / n)
    });
    (mean, var.iter().map(|v| v.sqrt()).collect())
}

/// One image drawn from independent per-pixel Gaussians, clamped to [0, 1].
fn draw_gaussian(mean: &[f32], std: &[f32], rng: &mut Rng) -> impl Iterator<Item = f32> {
    let values: Vec<f32> = mean
        .iter()
        .zip(std)
        .map(|(&m, &s)| (m + s * rng.normal()).clamp(0.0, 1.0))
        .collect();
    values.into_iter()
}

/// The weakest baseline: every pixel drawn independently from a Gaussian with the
/// training set's mean and spread at that pixel (clamped to [0, 1]).
fn pixel_gaussian(train: &[f32], count: usize, rng: &mut Rng) -> Vec<f32> {
    let rows: Vec<&[f32]> = train.chunks_exact(784).collect();
    let (mean, std) = pixel_moments(&rows);
    (0..count).flat_map(|_| draw_gaussian(&mean, &std, rng)).collect()
}

/// A stronger weak baseline: a class is chosen in the training proportions, then
/// every pixel drawn from that class's per-pixel Gaussian.
fn class_mixture(train: &[f32], labels: &[usize], count: usize, rng: &mut Rng) -> Vec<f32> {
    let moments: Vec<(Vec<f32>, Vec<f32>)> = (0..10)
        .map(|c| {
            let rows: Vec<&[f32]> = train
                .chunks_exact(784)
                .zip(labels)
                .filter(|(_, &l)| l == c)
                .map(|(r, _)| r)
                .collect();
            pixel_moments(&rows)
        })
        .collect();
    (0..count)
        .flat_map(|_| {
            let (mean, std) = &moments[labels[rng.below(labels.len())]];
            draw_gaussian(mean, std, rng)
        })
        .collect()
}
