//! CIFAR-10: the binary-layout reader, the embedded packed subset (checked byte for byte
//! against the shared files when `DESCENT_DATA` points at them), normalisation, and the
//! not-found message.

mod common;

use common::ScratchDir;
use descent_data::embedded_cifar::decode_packed;
use descent_data::{
    cifar_subset, find_cifar10, load_cifar10, normalize_cifar, sha256_hex, CifarSet, DataError, DataLocator, RootSource, SearchRoot,
    CIFAR10_CLASSES, CIFAR_IMAGE_BYTES, CIFAR_SUBSET_TEST, CIFAR_SUBSET_TRAIN,
};

/// sha256 of the decoded subsets in CIFAR binary layout, as printed by
/// `tools/make_cifar_subset.py` (fixtures/README.md).
const TRAIN_SHA256: &str = "9beb7c6ee1b4748d5c2b090df57db10bef7f7e790a1328497d57cb9b9fbd3ffb";
const TEST_SHA256: &str = "7e6bf4040504afef81955ec180532b639adc7571901bfecd475a6db8b2f73000";

#[test]
fn embedded_subset_decodes_to_the_recorded_bytes() {
    let (train, test) = cifar_subset();
    assert_eq!((train.n, test.n), (CIFAR_SUBSET_TRAIN, CIFAR_SUBSET_TEST));
    assert_eq!(train.images.len(), CIFAR_SUBSET_TRAIN * CIFAR_IMAGE_BYTES);
    assert_eq!(sha256_hex(&train.to_records()), TRAIN_SHA256);
    assert_eq!(sha256_hex(&test.to_records()), TEST_SHA256);
    // Round-robin over the classes: balanced, and labels start 0 1 2 ... 9.
    assert_eq!(&train.labels[..10], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for class in 0..10u8 {
        assert_eq!(train.labels.iter().filter(|&&l| l == class).count(), CIFAR_SUBSET_TRAIN / 10);
        assert_eq!(test.labels.iter().filter(|&&l| l == class).count(), CIFAR_SUBSET_TEST / 10);
    }
}

#[test]
fn embedded_subset_is_the_start_of_the_shared_files() {
    let Ok((train, test, names)) = load_cifar10(&DataLocator::new(None)) else {
        eprintln!("skipped: CIFAR-10 subset not found (set DESCENT_DATA to ../shared/data)");
        return;
    };
    assert_eq!((train.n, test.n), (10_000, 10_000));
    assert_eq!(names, CIFAR10_CLASSES);
    let (small_train, small_test) = cifar_subset();
    assert_eq!(train.take(CIFAR_SUBSET_TRAIN), small_train);
    assert_eq!(test.take(CIFAR_SUBSET_TEST), small_test);
}

#[test]
fn packed_form_rejects_damage() {
    let err = decode_packed(b"not a packed file at all", "x.dcr").unwrap_err();
    assert!(err.to_string().contains("x.dcr"), "{err}");
    let mut short = b"DCIFAR1\n".to_vec();
    short.extend_from_slice(&2u32.to_le_bytes());
    short.extend_from_slice(&[0, 1, 7]);
    let err = decode_packed(&short, "s").unwrap_err();
    assert!(matches!(err, DataError::InvalidContent { .. }), "{err}");
    assert!(!err.to_string().contains("IDX"), "{err}");
}

#[test]
fn reader_parses_records_and_rejects_bad_ones() {
    let mut records = vec![3u8];
    records.extend((0..CIFAR_IMAGE_BYTES).map(|i| (i % 251) as u8));
    records.push(9);
    records.extend(vec![200u8; CIFAR_IMAGE_BYTES]);
    let set = CifarSet::parse(&records, "two.bin").unwrap();
    assert_eq!((set.n, set.labels.clone()), (2, vec![3, 9]));
    assert_eq!(set.to_records(), records);

    let err = CifarSet::parse(&records[..100], "cut.bin").unwrap_err();
    assert!(err.to_string().contains("cut.bin"), "{err}");
    assert!(!err.to_string().contains("IDX"), "a CIFAR error speaks of CIFAR records: {err}");
    let mut bad_label = records.clone();
    bad_label[0] = 10;
    assert!(matches!(
        CifarSet::parse(&bad_label, "l.bin").unwrap_err(),
        DataError::LabelOutOfRange { index: 0, label: 10, .. }
    ));
}

#[test]
fn normalize_is_bit_exact_with_pytorch() {
    // Oracle: torch `((p / 255.0) - mean) / std` in float32, per channel (R, G, B).
    let expected: [[(usize, u32); 3]; 3] = [
        [(0, 0xbffe_a713), (77, 0xbf44_5784), (255, 0x4003_c873)],
        [(1, 0xbffb_6a55), (128, 0x3da6_33ae), (254, 0x4007_1088)],
        [(3, 0xbfd4_b6eb), (200, 0x3fa5_4a88), (90, 0xbeb7_1cb1)],
    ];
    let mut image = vec![0u8; CIFAR_IMAGE_BYTES];
    for (c, row) in expected.iter().enumerate() {
        for (k, &(p, _)) in row.iter().enumerate() {
            image[c * 1024 + k] = p as u8;
        }
    }
    let out = normalize_cifar(&image);
    for (c, row) in expected.iter().enumerate() {
        for (k, &(p, bits)) in row.iter().enumerate() {
            assert_eq!(out[c * 1024 + k].to_bits(), bits, "channel {c} pixel {p}");
        }
    }
}

#[test]
fn missing_folder_lists_where_it_looked() {
    let scratch = ScratchDir::new("cifar-missing");
    std::fs::create_dir_all(scratch.path.join("cifar10-jpeg-subset")).unwrap();
    let locator = DataLocator::with_roots(vec![SearchRoot {
        path: scratch.path.clone(),
        source: RootSource::CommandLine,
    }]);
    let err = find_cifar10(&locator).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("CIFAR-10 data not found"), "{text}");
    assert!(text.contains("missing data_batch_1.bin.gz, test_batch.bin.gz"), "{text}");
    assert!(text.contains("--data-dir"), "{text}");
}

#[test]
fn a_gzip_bomb_in_the_data_folder_stops_at_the_cifar_limit() {
    use std::io::Write;
    // 300 MB of zeros (label 0, black pixels) gzip to a few hundred KB.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..300 {
        encoder.write_all(&chunk).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    let err = CifarSet::parse(&bomb, "data_batch_1.bin.gz").unwrap_err();
    assert!(matches!(err, DataError::TooLarge { .. }), "{err}");
    let err = decode_packed(&bomb, "subset.dcr").unwrap_err();
    assert!(matches!(err, DataError::TooLarge { .. }), "{err}");
}
