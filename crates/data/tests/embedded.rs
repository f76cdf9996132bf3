//! The data compiled into the binary (MNIST subset, Iris) and the normalisation.

use std::path::Path;

use descent_data::{
    iris, mnist_subset, normalize_mnist, parse_iris_csv, DataError, ImageSet, Split, MNIST_SUBSET_TEST, MNIST_SUBSET_TRAIN,
};

#[test]
fn mnist_subset_is_the_start_of_real_mnist() {
    let (train, test) = mnist_subset();
    assert_eq!((train.n, train.rows, train.cols), (MNIST_SUBSET_TRAIN, 28, 28));
    assert_eq!((test.n, test.rows, test.cols), (MNIST_SUBSET_TEST, 28, 28));
    assert_eq!(train.images.len(), 6000 * 784);
    // The famous first training labels of MNIST, and the first test labels.
    assert_eq!(&train.labels[..8], &[5, 0, 4, 1, 9, 2, 1, 3]);
    assert_eq!(&test.labels[..8], &[7, 2, 1, 0, 4, 1, 4, 9]);
    // Every digit is well represented in the first 6,000.
    for digit in 0..10u8 {
        let count = train.labels.iter().filter(|&&l| l == digit).count();
        assert!((450..=750).contains(&count), "digit {digit}: {count}");
    }
}

#[test]
fn fixture_folder_is_a_valid_mnist_folder() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/mnist-subset");
    let (train, test) = mnist_subset();
    assert_eq!(ImageSet::load(&dir, Split::Train).unwrap(), train);
    assert_eq!(ImageSet::load(&dir, Split::Test).unwrap(), test);
}

#[test]
fn normalize_is_bit_exact_with_pytorch_order() {
    // Oracle: each f32 operation done in f64 and rounded to f32 (exact for + - /).
    let expected: [(u8, u32); 6] = [
        (0, 0xbed9_3271),
        (1, 0xbed2_ae20),
        (77, 0x3f0e_4ce9),
        (128, 0x3f9a_3d7a),
        (254, 0x4033_c2b3),
        (255, 0x4034_933d),
    ];
    let pixels: Vec<u8> = expected.iter().map(|&(p, _)| p).collect();
    let out = normalize_mnist(&pixels);
    for ((p, bits), x) in expected.iter().zip(&out) {
        assert_eq!(x.to_bits(), *bits, "pixel {p}: got {x}");
    }
}

#[test]
fn iris_has_150_flowers_in_three_classes() {
    let data = iris();
    assert_eq!(data.features.len(), 150);
    assert_eq!(data.labels.len(), 150);
    assert_eq!(data.class_names, vec!["setosa", "versicolor", "virginica"]);
    assert_eq!(data.features[0], [5.1, 3.5, 1.4, 0.2]);
    assert_eq!(data.features[149], [5.9, 3.0, 5.1, 1.8]);
    for class in 0..3 {
        assert_eq!(data.labels.iter().filter(|&&l| l == class).count(), 50);
    }
    assert_eq!(data.features_flat().len(), 600);
}

#[test]
fn iris_parser_reports_bad_lines() {
    let bad_number = "2,4,a,b\n1.0,2.0,3.0,4.0,0\n1.0,x,3.0,4.0,1\n";
    let err = parse_iris_csv(bad_number, "bad.csv").unwrap_err();
    assert!(matches!(err, DataError::Parse { line: 3, .. }), "{err:?}");
    assert!(err.to_string().contains("bad.csv line 3"));

    let bad_class = "1,4,a,b\n1.0,2.0,3.0,4.0,2\n";
    assert!(parse_iris_csv(bad_class, "c.csv").is_err());
    let short = "3,4,a,b\n1.0,2.0,3.0,4.0,0\n";
    assert!(parse_iris_csv(short, "s.csv").is_err());
    assert!(parse_iris_csv("", "e.csv").is_err());
}
