//! MNIST for the vision milestones: the full set from the data locator, or the
//! 6000/1000 real subset embedded in the binary (quick runs, tests, offline tours).

use crate::common::classifier::{ClassificationData, Split};
use crate::MilestoneError;
use descent_data::{mnist_subset, normalize_mnist, DataLocator, Dataset, ImageSet};

fn split(set: &ImageSet) -> Split {
    Split {
        inputs: normalize_mnist(&set.images),
        labels: set.labels_usize(),
    }
}

/// Normalised MNIST as `(N, 1, 28, 28)`: full files when `full` (an error naming where
/// it looked when they are missing), else the embedded subset.
pub fn load_mnist(locator: &DataLocator, full: bool) -> Result<ClassificationData, MilestoneError> {
    if full {
        let dir = locator.find(Dataset::Mnist)?;
        let train = locator.load(Dataset::Mnist, descent_data::Split::Train)?;
        let test = locator.load(Dataset::Mnist, descent_data::Split::Test)?;
        let source = format!("MNIST {}/{} from {}", train.n, test.n, dir.display());
        return Ok(ClassificationData {
            train: split(&train),
            test: split(&test),
            feature_shape: vec![1, 28, 28],
            identity: format!("MNIST {}/{}", train.n, test.n),
            source,
        });
    }
    let (train, test) = mnist_subset();
    let source = format!(
        "MNIST subset embedded in the binary ({}/{} real images: the first of each official split)",
        train.n, test.n
    );
    Ok(ClassificationData {
        train: split(&train),
        test: split(&test),
        feature_shape: vec![1, 28, 28],
        identity: format!("MNIST embedded subset {}/{}", train.n, test.n),
        source,
    })
}
