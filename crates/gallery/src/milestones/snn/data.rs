//! The images as intensities in [0, 1] (a spike code needs probabilities, not the
//! mean-and-variance normalisation of the other vision milestones), and the two ways of
//! turning them into input spikes over `T` time steps.

use crate::MilestoneError;
use descent_data::{fashion_mnist_subset, mnist_subset, DataLocator, Dataset, ImageSet, Split};
use descent_tensor::Rng;

/// Pixels of a 28×28 image: the input layer's size.
pub const PIXELS: usize = 784;

/// One data set's images, flattened to (n, 784) in [0, 1].
pub(crate) struct Images {
    pub train_x: Vec<f32>,
    pub train_y: Vec<usize>,
    pub test_x: Vec<f32>,
    pub test_y: Vec<usize>,
    /// Short name for reports, e.g. `MNIST 60000/10000`.
    pub identity: String,
    /// Where the images came from.
    pub source: String,
}

fn unit(set: &ImageSet) -> Vec<f32> {
    set.images.iter().map(|&p| p as f32 / 255.0).collect()
}

/// MNIST or Fashion-MNIST: the full files when `full`, else the subset embedded in the binary.
pub(crate) fn load(locator: &DataLocator, dataset: Dataset, full: bool) -> Result<Images, MilestoneError> {
    let name = match dataset {
        Dataset::Mnist => "MNIST",
        Dataset::FashionMnist => "Fashion-MNIST",
    };
    let (train, test, source) = if full {
        let dir = locator.find(dataset)?;
        let (train, test) = (locator.load(dataset, Split::Train)?, locator.load(dataset, Split::Test)?);
        (train, test, format!("{name} from {}", dir.display()))
    } else {
        let (train, test) = match dataset {
            Dataset::Mnist => mnist_subset(),
            Dataset::FashionMnist => fashion_mnist_subset(),
        };
        (
            train,
            test,
            format!("{name} subset embedded in the binary (the first images of each official split)"),
        )
    };
    Ok(Images {
        train_x: unit(&train),
        train_y: train.labels_usize(),
        test_x: unit(&test),
        test_y: test.labels_usize(),
        identity: format!("{name} {}/{}", train.n, test.n),
        source,
    })
}

/// How intensities become input spikes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coding {
    /// Rate code: at every step a pixel spikes with probability equal to its intensity
    /// (snnTorch's `spikegen.rate`), so it fires about `T·p` times.
    Rate,
    /// Latency (time-to-first-spike) code: a pixel brighter than 0.01 spikes once, at step
    /// `round((1 − p)(T − 1))` (snnTorch's `spikegen.latency`, linear and normalised):
    /// bright pixels first, dark ones never.
    Latency,
}

impl Coding {
    /// Its name in reports and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Rate => "rate",
            Coding::Latency => "latency",
        }
    }
}

/// Input spikes `(T, B, 784)` for `B` images `(B, 784)`; the rate code draws from `rng`.
pub fn encode(images: &[f32], steps: usize, coding: Coding, rng: &mut Rng) -> Vec<f32> {
    let mut spikes = vec![0.0f32; steps * images.len()];
    match coding {
        Coding::Rate => {
            for frame in spikes.chunks_mut(images.len()) {
                for (s, &p) in frame.iter_mut().zip(images) {
                    *s = (rng.uniform() < p) as u8 as f32;
                }
            }
        }
        Coding::Latency => {
            for (i, &p) in images.iter().enumerate() {
                if p > 0.01 {
                    let t = ((1.0 - p) * (steps - 1) as f32).round() as usize;
                    spikes[t * images.len() + i] = 1.0;
                }
            }
        }
    }
    spikes
}
