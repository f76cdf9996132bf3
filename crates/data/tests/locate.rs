//! Finding data: search order, the not-found message, relative `$DESCENT_DATA`, the
//! status report, and (when `DESCENT_DATA` is set) the real MNIST and Fashion-MNIST.

mod common;

use std::path::{Path, PathBuf};

use common::{write_file, write_tiny_dataset, ScratchDir};
use descent_data::{mnist_subset, status, DataError, DataLocator, Dataset, FileState, RootSource, Split, DATA_ENV_VAR};

#[test]
fn cli_dir_wins_over_env_and_default() {
    let scratch = ScratchDir::new("loc-order");
    let cli = scratch.path.join("cli");
    let env = scratch.path.join("env");
    write_tiny_dataset(&cli.join("mnist"));
    write_tiny_dataset(&env.join("mnist"));
    write_tiny_dataset(&env.join("fashion-mnist"));
    let loc = DataLocator::from_parts(Some(cli.clone()), Some(env.clone()), &scratch.path);
    let found = loc.find(Dataset::Mnist).unwrap();
    assert!(found.starts_with(cli.canonicalize().unwrap()), "{found:?}");
    // Fashion-MNIST is only under the env root: the search goes on past --data-dir.
    let found = loc.find(Dataset::FashionMnist).unwrap();
    assert!(found.starts_with(env.canonicalize().unwrap()), "{found:?}");
    assert_eq!(loc.fetch_root(), cli.canonicalize().unwrap());
    let set = loc.load(Dataset::Mnist, Split::Test).unwrap();
    assert_eq!((set.n, set.rows, set.cols), (5, 28, 28));
}

#[test]
fn not_found_lists_every_place_and_the_fixes() {
    let scratch = ScratchDir::new("loc-missing");
    let cli = scratch.path.join("cli");
    let env = scratch.path.join("env");
    // The env root has a half-finished MNIST folder.
    write_file(&env.join("mnist"), "train-images-idx3-ubyte.gz", b"x");
    let loc = DataLocator::from_parts(Some(cli), Some(env), &scratch.path);
    let err = loc.find(Dataset::Mnist).unwrap_err();
    let DataError::NotFound { looked, .. } = &err else {
        panic!("expected NotFound, got {err:?}");
    };
    let sources: Vec<RootSource> = looked.iter().map(|l| l.source).collect();
    assert_eq!(sources, vec![RootSource::CommandLine, RootSource::Environment, RootSource::Default]);
    let msg = err.to_string();
    for l in looked {
        assert!(msg.contains(&l.dir.display().to_string()), "{msg}");
    }
    assert!(msg.contains("no such folder"), "{msg}");
    assert!(msg.contains("missing train-labels-idx1-ubyte.gz"), "{msg}");
    assert!(msg.contains("DESCENT_DATA"), "{msg}");
    assert!(msg.contains("descent data fetch mnist"), "{msg}");
}

#[test]
fn relative_env_dir_is_found_from_a_subfolder() {
    // Layout like CI: <scratch>/main/crates/data is the cwd, data at <scratch>/shared/data.
    let scratch = ScratchDir::new("loc-relative");
    let cwd = scratch.path.join("main/crates/data");
    std::fs::create_dir_all(&cwd).unwrap();
    write_tiny_dataset(&scratch.path.join("shared/data/mnist"));
    let loc = DataLocator::from_parts(None, Some(PathBuf::from("../shared/data")), &cwd);
    let found = loc.find(Dataset::Mnist).unwrap();
    let expected = scratch.path.join("shared/data/mnist").canonicalize().unwrap();
    assert_eq!(found, expected);
}

#[test]
fn status_reports_missing_and_bad_checksums() {
    let scratch = ScratchDir::new("loc-status");
    // Real MNIST bytes, but only the subset: present, parseable, wrong checksum.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mnist-subset");
    let mnist_dir = scratch.path.join("mnist");
    std::fs::create_dir_all(&mnist_dir).unwrap();
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), mnist_dir.join(entry.file_name())).unwrap();
    }
    std::fs::remove_file(mnist_dir.join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let loc = DataLocator::from_parts(Some(scratch.path.clone()), None, &scratch.path);
    let report = status(&loc);
    assert_eq!(report.len(), 2);
    let mnist = &report[0];
    assert_eq!(mnist.dataset, Dataset::Mnist);
    assert!(!mnist.is_ready());
    assert_eq!(mnist.summary(), "corrupt");
    assert!(matches!(mnist.files[0].state, FileState::BadChecksum { .. }));
    assert_eq!(mnist.files[3].state, FileState::Missing);
    let fashion = &report[1];
    assert_eq!(fashion.summary(), "missing");
    assert!(fashion.dir.is_none() && fashion.files.is_empty());
    assert!(!fashion.looked.is_empty());
}

/// `DESCENT_DATA` as set by `.ci/run` (relative to the repository root), or `None`.
fn real_data_locator(test: &str) -> Option<DataLocator> {
    let Some(value) = std::env::var_os(DATA_ENV_VAR) else {
        println!("skipping {test}: {DATA_ENV_VAR} is not set (CI sets it to ../shared/data)");
        return None;
    };
    let value = PathBuf::from(value);
    // As-is (relative to the current folder, walking up), then relative to the
    // workspace root, for `cargo test` run from the crate folder.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let loc = DataLocator::from_parts(None, Some(value.clone()), &std::env::current_dir().ok()?);
    if loc.find(Dataset::Mnist).is_ok() {
        return Some(loc);
    }
    Some(DataLocator::from_parts(None, Some(value), &workspace))
}

#[test]
fn real_mnist_loads_with_published_counts() {
    let Some(loc) = real_data_locator("real_mnist_loads_with_published_counts") else {
        return;
    };
    let train = loc.load(Dataset::Mnist, Split::Train).unwrap();
    let test = loc.load(Dataset::Mnist, Split::Test).unwrap();
    assert_eq!((train.n, train.rows, train.cols), (60000, 28, 28));
    assert_eq!(test.n, 10000);
    let counts = |labels: &[u8]| {
        let mut c = [0usize; 10];
        labels.iter().for_each(|&l| c[l as usize] += 1);
        c
    };
    assert_eq!(counts(&train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert_eq!(counts(&test.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    // The embedded subset is exactly the start of the real files.
    let (sub_train, sub_test) = mnist_subset();
    assert_eq!(train.take(sub_train.n), sub_train);
    assert_eq!(test.take(sub_test.n), sub_test);
}

#[test]
fn real_fashion_mnist_loads_and_status_is_ok() {
    let Some(loc) = real_data_locator("real_fashion_mnist_loads_and_status_is_ok") else {
        return;
    };
    let train = loc.load(Dataset::FashionMnist, Split::Train).unwrap();
    assert_eq!(train.n, 60000);
    for class in 0..10u8 {
        assert_eq!(train.labels.iter().filter(|&&l| l == class).count(), 6000);
    }
    let start = std::time::Instant::now();
    let report = status(&loc);
    for s in &report {
        assert!(s.is_ready(), "{s:?}");
        assert_eq!(s.summary(), "ok");
    }
    println!("status of {} data sets verified in {:?}", report.len(), start.elapsed());
}
