//! The images of the text-to-image milestone: MNIST and Fashion-MNIST in one label space
//! (digits 0..10, clothes 10..20, [`ClassId`]), pixels in [−1, 1] for the diffusion
//! model. Full runs read both sets from the data folder; quick runs use the MNIST subset
//! embedded in the binary (there is no embedded Fashion-MNIST subset yet, so a quick run
//! generates digits only and says so).

use super::captions::{ClassId, Domain};
use crate::MilestoneError;
use descent_data::{mnist_subset, DataLocator, Dataset, ImageSet, Split};

/// One data set's train and test images.
#[derive(Clone, Debug)]
pub(crate) struct DomainSet {
    /// Which data set.
    pub(crate) domain: Domain,
    /// Training images (also what the judge classifier learns from).
    pub(crate) train: ImageSet,
    /// Test images (the judge's accuracy and the real side of the Fréchet distance).
    pub(crate) test: ImageSet,
}

/// Everything the run trains and measures on.
#[derive(Clone, Debug)]
pub(crate) struct DalleData {
    /// MNIST, then Fashion-MNIST when present.
    pub(crate) sets: Vec<DomainSet>,
    /// Which data, without paths (compared on resume).
    pub(crate) identity: String,
    /// For the reader: what and from where.
    pub(crate) source: String,
}

/// Training images in [−1, 1] with their joint classes.
pub(crate) struct TrainImages {
    /// (n, 28·28) pixels.
    pub(crate) pixels: Vec<f32>,
    /// Class of each image.
    pub(crate) classes: Vec<ClassId>,
}

/// Pixels 0..255 → [−1, 1].
pub fn to_signed(pixels: &[u8]) -> Vec<f32> {
    pixels.iter().map(|&p| p as f32 / 127.5 - 1.0).collect()
}

/// Loads the run's data: both data sets in full (`fashion` false: MNIST only), or the
/// embedded MNIST subset for quick runs; `max_train` caps each training set.
pub(crate) fn load(locator: &DataLocator, full: bool, fashion: bool, max_train: Option<usize>) -> Result<DalleData, MilestoneError> {
    let cap = |set: ImageSet| match max_train {
        Some(n) => set.take(n),
        None => set,
    };
    if !full {
        let (train, test) = mnist_subset();
        let train = cap(train);
        let identity = format!("MNIST embedded subset {}/{}", train.n, test.n);
        let source = format!(
            "MNIST subset embedded in the binary ({}/{} real images); no Fashion-MNIST in quick runs (no embedded subset yet)",
            train.n, test.n
        );
        return Ok(DalleData {
            sets: vec![DomainSet {
                domain: Domain::Digits,
                train,
                test,
            }],
            identity,
            source,
        });
    }
    let mut sets = Vec::new();
    let mut parts = Vec::new();
    let datasets: &[(Dataset, Domain)] = if fashion {
        &[(Dataset::Mnist, Domain::Digits), (Dataset::FashionMnist, Domain::Fashion)]
    } else {
        &[(Dataset::Mnist, Domain::Digits)]
    };
    for &(dataset, domain) in datasets {
        let dir = locator.find(dataset)?;
        let train = cap(locator.load(dataset, Split::Train)?);
        let test = locator.load(dataset, Split::Test)?;
        parts.push((format!("{} {}/{}", dataset.title(), train.n, test.n), dir));
        sets.push(DomainSet { domain, train, test });
    }
    let identity = parts.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>().join(" + ");
    let source = parts
        .iter()
        .map(|(p, d)| format!("{p} from {}", d.display()))
        .collect::<Vec<_>>()
        .join("; ");
    Ok(DalleData { sets, identity, source })
}

impl DalleData {
    /// Every class present.
    pub(crate) fn classes(&self) -> Vec<ClassId> {
        self.sets
            .iter()
            .flat_map(|s| (0..10).map(move |i| ClassId::of(s.domain, i)))
            .collect()
    }

    /// All training images of all sets, in [−1, 1].
    pub(crate) fn training_images(&self) -> TrainImages {
        let mut pixels = Vec::new();
        let mut classes = Vec::new();
        for set in &self.sets {
            pixels.extend(to_signed(&set.train.images));
            classes.extend(set.train.labels.iter().map(|&l| ClassId::of(set.domain, l as usize)));
        }
        TrainImages { pixels, classes }
    }
}
