//! The IDX reader and the MNIST loader on good and broken files: every malformation is
//! an error that names the file, never a panic.

mod common;

use common::{gzip, tiny_images, tiny_labels, write_file, ScratchDir};
use descent_data::{encode_idx, parse_idx, read_idx, DataError, ImageSet, Split};

#[test]
fn reads_raw_and_gzip_by_magic_not_by_name() {
    let dir = ScratchDir::new("idx-ok");
    let raw = tiny_images(3, 4, 5);
    // Raw content under a .gz name and gzip content under a plain name both read.
    let a = read_idx(&write_file(&dir.path, "raw.gz", &raw)).unwrap();
    let b = read_idx(&write_file(&dir.path, "compressed", &gzip(&raw))).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.dims, vec![3, 4, 5]);
    assert_eq!(a.data.len(), 60);
    assert_eq!(a.data[1], 7);
}

#[test]
fn wrong_magic_names_the_file() {
    let dir = ScratchDir::new("idx-magic");
    let path = write_file(&dir.path, "page.html", b"<html>404 Not Found</html>");
    let err = read_idx(&path).unwrap_err();
    assert!(matches!(err, DataError::BadMagic { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("page.html") && msg.contains("not an IDX file"), "{msg}");
}

#[test]
fn unsupported_type_byte() {
    let mut bytes = tiny_labels(4);
    bytes[2] = 0x0D; // float32 elements
    let err = parse_idx(&bytes, "floats.idx").unwrap_err();
    assert!(matches!(err, DataError::UnsupportedType { type_byte: 0x0D, .. }));
    assert!(err.to_string().contains("floats.idx"));
}

#[test]
fn truncated_data_raw_and_gzip() {
    let raw = tiny_images(3, 4, 5);
    let cut = &raw[..raw.len() - 7];
    for (bytes, name) in [(cut.to_vec(), "cut.idx"), (gzip(cut), "cut.idx.gz")] {
        let err = parse_idx(&bytes, name).unwrap_err();
        match &err {
            DataError::Truncated { expected, actual, .. } => {
                assert_eq!(*expected, raw.len() as u64);
                assert_eq!(*actual, cut.len() as u64);
            }
            other => panic!("expected Truncated, got {other:?}"),
        }
        let msg = err.to_string();
        assert!(msg.contains(name) && msg.contains("fetch it again"), "{msg}");
    }
}

#[test]
fn truncated_header() {
    let raw = tiny_images(3, 4, 5);
    let err = parse_idx(&raw[..9], "short").unwrap_err();
    assert!(
        matches!(
            err,
            DataError::Truncated {
                expected: 16,
                actual: 9,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(matches!(parse_idx(&[0, 0], "tiny").unwrap_err(), DataError::Truncated { .. }));
}

#[test]
fn cut_gzip_stream_is_a_gzip_error() {
    let gz = gzip(&tiny_images(50, 28, 28));
    let err = parse_idx(&gz[..gz.len() / 2], "half.gz").unwrap_err();
    assert!(matches!(err, DataError::Gzip { .. }), "{err:?}");
    assert!(err.to_string().contains("half.gz"));
}

#[test]
fn trailing_garbage() {
    let mut bytes = tiny_labels(4);
    bytes.extend_from_slice(b"junk");
    let err = parse_idx(&bytes, "long.idx").unwrap_err();
    assert!(matches!(err, DataError::TrailingBytes { extra: 4, .. }), "{err:?}");
    assert!(err.to_string().contains("long.idx"));
}

#[test]
fn count_mismatch_names_both_files() {
    let dir = ScratchDir::new("idx-count");
    write_file(&dir.path, "train-images-idx3-ubyte.gz", &gzip(&tiny_images(5, 28, 28)));
    write_file(&dir.path, "train-labels-idx1-ubyte.gz", &gzip(&tiny_labels(4)));
    let err = ImageSet::load(&dir.path, Split::Train).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::CountMismatch {
                n_images: 5,
                n_labels: 4,
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("train-images-idx3-ubyte.gz") && msg.contains("train-labels-idx1-ubyte.gz"),
        "{msg}"
    );
}

#[test]
fn label_out_of_range() {
    let dir = ScratchDir::new("idx-label");
    write_file(&dir.path, "t10k-images-idx3-ubyte.gz", &gzip(&tiny_images(3, 28, 28)));
    write_file(&dir.path, "t10k-labels-idx1-ubyte.gz", &encode_idx(&[3], &[1, 10, 2]));
    let err = ImageSet::load(&dir.path, Split::Test).unwrap_err();
    assert!(matches!(err, DataError::LabelOutOfRange { index: 1, label: 10, .. }), "{err:?}");
    assert!(err.to_string().contains("t10k-labels-idx1-ubyte.gz"));
}

#[test]
fn swapped_files_are_a_shape_error() {
    let dir = ScratchDir::new("idx-swap");
    write_file(&dir.path, "train-images-idx3-ubyte.gz", &tiny_labels(4));
    write_file(&dir.path, "train-labels-idx1-ubyte.gz", &tiny_images(4, 2, 2));
    let err = ImageSet::load(&dir.path, Split::Train).unwrap_err();
    assert!(matches!(err, DataError::WrongShape { .. }), "{err:?}");
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let dir = ScratchDir::new("idx-missing");
    let err = ImageSet::load(&dir.path, Split::Train).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("train-images-idx3-ubyte.gz"));
}

#[test]
fn decompressed_files_without_gz_suffix_load() {
    let dir = ScratchDir::new("idx-nogz");
    write_file(&dir.path, "train-images-idx3-ubyte", &tiny_images(6, 28, 28));
    write_file(&dir.path, "train-labels-idx1-ubyte", &tiny_labels(6));
    let set = ImageSet::load(&dir.path, Split::Train).unwrap();
    assert_eq!((set.n, set.rows, set.cols), (6, 28, 28));
    assert_eq!(set.labels, vec![0, 1, 2, 3, 4, 5]);
}

#[test]
fn images_that_are_not_28x28_are_an_error_before_training() {
    let dir = ScratchDir::new("idx-size");
    write_file(&dir.path, "train-images-idx3-ubyte.gz", &gzip(&tiny_images(4, 32, 32)));
    write_file(&dir.path, "train-labels-idx1-ubyte.gz", &gzip(&tiny_labels(4)));
    let err = ImageSet::load(&dir.path, Split::Train).unwrap_err();
    assert!(matches!(err, DataError::WrongShape { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("train-images-idx3-ubyte.gz") && msg.contains("28×28") && msg.contains("[4, 32, 32]"),
        "{msg}"
    );
}

#[test]
fn empty_sets_are_an_error() {
    let dir = ScratchDir::new("idx-empty");
    write_file(&dir.path, "t10k-images-idx3-ubyte.gz", &gzip(&tiny_images(0, 28, 28)));
    write_file(&dir.path, "t10k-labels-idx1-ubyte.gz", &gzip(&tiny_labels(0)));
    let err = ImageSet::load(&dir.path, Split::Test).unwrap_err();
    assert!(matches!(err, DataError::Empty { .. }), "{err:?}");
    assert!(err.to_string().contains("t10k-images-idx3-ubyte.gz") && err.to_string().contains("0 examples"));
}

/// An IDX header declaring `dims`, followed by `data_len` zero bytes.
fn header_then_zeros(dims: &[u32], data_len: usize) -> Vec<u8> {
    let mut bytes = vec![0, 0, 8, dims.len() as u8];
    for d in dims {
        bytes.extend_from_slice(&d.to_be_bytes());
    }
    bytes.resize(bytes.len() + data_len, 0);
    bytes
}

#[test]
fn a_gzip_header_claiming_more_than_the_stream_can_hold_is_refused_before_allocating() {
    // 10^9 images of 28×28 (784 GB), and 10^6 (784 MB, under the 1 GiB cap) in a few
    // hundred bytes of gzip: both exceed what the compressed size can inflate to.
    for count in [1_000_000_000u32, 1_000_000] {
        let gz = gzip(&header_then_zeros(&[count, 28, 28], 1000));
        let err = parse_idx(&gz, "bomb.gz").unwrap_err();
        match &err {
            DataError::IdxTooLarge { declared, limit, .. } => {
                assert_eq!(*declared, count as u64 * 784);
                assert!(*limit <= gz.len() as u64 * 1032, "{err}");
            }
            other => panic!("expected TooLarge, got {other:?}"),
        }
        assert!(err.to_string().contains("bomb.gz"), "{err}");
    }
}

#[test]
fn a_gzip_bomb_after_a_small_header_reads_only_what_is_declared() {
    // One 28×28 image declared, then 64 MB of zeros: trailing bytes, counted up to the
    // stream's ceiling, never held in memory.
    let gz = gzip(&header_then_zeros(&[1, 28, 28], 64 << 20));
    assert!(gz.len() < 1 << 20, "the bomb compresses: {} bytes", gz.len());
    let err = parse_idx(&gz, "bomb.gz").unwrap_err();
    assert!(matches!(err, DataError::TrailingBytes { .. }), "{err:?}");
}

#[test]
fn folders_and_devices_are_not_read_as_idx() {
    let dir = ScratchDir::new("idx-special");
    let err = read_idx(&dir.path).unwrap_err();
    assert!(err.to_string().contains("not a regular file"), "{err}");
    if std::path::Path::new("/dev/zero").exists() {
        let err = read_idx(std::path::Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("/dev/zero"), "{err}");
    }
}
