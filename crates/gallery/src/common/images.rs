//! 28×28 grey image sets for the generative milestones (RBMs, DBNs, GANs, diffusion):
//! MNIST or Fashion-MNIST as raw bytes with labels, from the data folder for full runs
//! or from the subsets embedded in the binary for quick runs, tests and offline tours.

use crate::MilestoneError;
use descent_data::{DataLocator, Dataset, ImageSet, Split};

/// Train and test images of one data set, and where they came from.
#[derive(Clone, Debug)]
pub struct ImageSplits {
    /// Which data set.
    pub dataset: Dataset,
    /// Training images.
    pub train: ImageSet,
    /// Test images.
    pub test: ImageSet,
    /// Which data, without paths (compared on resume), e.g. `MNIST 60000/10000`.
    pub identity: String,
    /// For the reader: what and from where.
    pub source: String,
}

/// `dataset` in full from the locator when `full`, else its embedded subset.
pub fn load_images(locator: &DataLocator, dataset: Dataset, full: bool) -> Result<ImageSplits, MilestoneError> {
    let title = dataset.title();
    if full {
        let dir = locator.find(dataset)?;
        let train = locator.load(dataset, Split::Train)?;
        let test = locator.load(dataset, Split::Test)?;
        return Ok(ImageSplits {
            dataset,
            identity: format!("{title} {}/{}", train.n, test.n),
            source: format!("{title} {}/{} from {}", train.n, test.n, dir.display()),
            train,
            test,
        });
    }
    let (train, test) = embedded_subset(dataset);
    Ok(ImageSplits {
        dataset,
        identity: format!("{title} embedded subset {}/{}", train.n, test.n),
        source: format!(
            "{title} subset embedded in the binary ({}/{} real images: the first of each official split)",
            train.n, test.n
        ),
        train,
        test,
    })
}

/// The subset of `dataset` compiled into the binary.
pub fn embedded_subset(dataset: Dataset) -> (ImageSet, ImageSet) {
    match dataset {
        Dataset::Mnist => descent_data::mnist_subset(),
        Dataset::FashionMnist => descent_data::fashion_mnist_subset(),
    }
}

/// Pixels scaled to [0, 1] (ink bright), as `ToTensor()`.
pub fn unit_pixels(set: &ImageSet) -> Vec<f32> {
    descent_data::to_unit_range(&set.images)
}
