//! The Fashion-MNIST subset compiled into the binary: real images, the start of the
//! official files, every class present.

use descent_data::{
    fashion_mnist_subset, DataLocator, Dataset, ImageSet, Split, DATA_ENV_VAR, FASHION_MNIST_SUBSET_TEST, FASHION_MNIST_SUBSET_TRAIN,
};
use std::path::Path;

#[test]
fn fashion_subset_has_every_class() {
    let (train, test) = fashion_mnist_subset();
    assert_eq!((train.n, train.rows, train.cols), (FASHION_MNIST_SUBSET_TRAIN, 28, 28));
    assert_eq!((test.n, test.rows, test.cols), (FASHION_MNIST_SUBSET_TEST, 28, 28));
    // The first labels of the official files (ankle boot, T-shirt, T-shirt, dress, ...).
    assert_eq!(&train.labels[..8], &[9, 0, 0, 3, 0, 2, 7, 2]);
    assert_eq!(&test.labels[..8], &[9, 2, 1, 1, 6, 1, 4, 6]);
    for class in 0..10u8 {
        let count = train.labels.iter().filter(|&&l| l == class).count();
        assert!((200..=300).contains(&count), "class {class}: {count}");
    }
}

#[test]
fn fashion_fixture_folder_is_a_valid_data_folder() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fashion-mnist-subset");
    let (train, test) = fashion_mnist_subset();
    assert_eq!(ImageSet::load(&dir, Split::Train).unwrap(), train);
    assert_eq!(ImageSet::load(&dir, Split::Test).unwrap(), test);
}

#[test]
fn fashion_subset_is_the_start_of_the_real_files() {
    let Some(root) = std::env::var_os(DATA_ENV_VAR) else {
        println!("skipping: {DATA_ENV_VAR} is not set (CI sets it to ../shared/data)");
        return;
    };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let loc = DataLocator::from_parts(None, Some(root.into()), &workspace);
    let train = loc.load(Dataset::FashionMnist, Split::Train).unwrap();
    let test = loc.load(Dataset::FashionMnist, Split::Test).unwrap();
    let (sub_train, sub_test) = fashion_mnist_subset();
    assert_eq!(train.take(sub_train.n), sub_train);
    assert_eq!(test.take(sub_test.n), sub_test);
}
