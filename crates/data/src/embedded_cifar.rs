//! A real CIFAR-10 subset compiled into the binary: the first 1,500 training and the
//! first 400 test records of `cifar10-jpeg-subset/` (balanced: the files go round-robin
//! over the classes), for the `alexnet` quick run, the tests and offline tours.
//!
//! Photos barely compress with gzip, so `tools/make_cifar_subset.py` packs them
//! losslessly first: colour planes G, R−G, B−G (a reversible colour transform), each
//! replaced by its residual from the JPEG-LS median-edge predictor, then gzip — about
//! 1.6 kB an image instead of 2.9 kB. [`decode_packed`] inverts it exactly; a test checks
//! the result against the shared files byte for byte. The layout is described in the
//! script and in `fixtures/README.md`.

use crate::cifar::{CifarSet, CIFAR10_CLASSES, CIFAR_IMAGE_BYTES};
use crate::error::DataError;

const MAGIC: &[u8; 8] = b"DCIFAR1\n";
const SIDE: usize = 32;
const PLANE: usize = SIDE * SIDE;

/// Number of training images in [`cifar_subset`].
pub const CIFAR_SUBSET_TRAIN: usize = 1500;
/// Number of test images in [`cifar_subset`].
pub const CIFAR_SUBSET_TEST: usize = 400;

/// The embedded CIFAR-10 subset as `(train, test)`: 1,500 and 400 32×32 colour images.
pub fn cifar_subset() -> (CifarSet, CifarSet) {
    // The bytes are compiled in and covered by tests, so a failure is a build defect.
    let bytes = |name: &str| {
        crate::embedded::get(name)
            .unwrap_or_else(|| panic!("{name} is in the embedded table"))
            .bytes
    };
    let train = decode_packed(bytes("cifar-subset/cifar10-train.dcr.gz"), "embedded cifar10-train.dcr.gz")
        .expect("embedded CIFAR subset decodes (tested)");
    let test = decode_packed(bytes("cifar-subset/cifar10-test.dcr.gz"), "embedded cifar10-test.dcr.gz")
        .expect("embedded CIFAR subset decodes (tested)");
    (train, test)
}

/// The JPEG-LS median-edge prediction from the left (`a`), upper (`b`) and upper-left
/// (`c`) neighbours.
fn med(a: i32, b: i32, c: i32) -> i32 {
    if c >= a.max(b) {
        a.min(b)
    } else if c <= a.min(b) {
        a.max(b)
    } else {
        a + b - c
    }
}

/// Rebuilds one 32×32 plane of true values from its residuals: `value(p)` turns the
/// decoded byte `(prediction + residual) mod 256` at pixel `p` into the true value (and
/// writes the pixel), since predictions use true, unwrapped neighbours.
fn unpredict(residuals: &[u8], mut value: impl FnMut(usize, u8) -> i32) {
    let mut plane = [0i32; PLANE];
    for y in 0..SIDE {
        for x in 0..SIDE {
            let at = |dy: usize, dx: usize| plane[(y - dy) * SIDE + x - dx];
            let a = if x > 0 { at(0, 1) } else { 0 };
            let b = if y > 0 { at(1, 0) } else { 0 };
            let c = if x > 0 && y > 0 { at(1, 1) } else { 0 };
            let p = y * SIDE + x;
            let byte = (med(a, b, c) + residuals[p] as i32).rem_euclid(256) as u8;
            plane[p] = value(p, byte);
        }
    }
}

/// Decodes the packed form written by `tools/make_cifar_subset.py` (gzip or not).
pub fn decode_packed(bytes: &[u8], name: &str) -> Result<CifarSet, DataError> {
    let raw = crate::bounded::gunzip_at_most(bytes, name, crate::cifar::MAX_CIFAR_BYTES)?;
    let bad = |expected: &str| DataError::InvalidContent {
        name: name.to_string(),
        reason: format!("{} bytes, not {expected}; the file is damaged", raw.len()),
    };
    if raw.len() < 12 || &raw[..8] != MAGIC {
        return Err(bad("a packed CIFAR subset starting with DCIFAR1"));
    }
    let n = u32::from_le_bytes([raw[8], raw[9], raw[10], raw[11]]) as usize;
    if raw.len() != 12 + n + n * CIFAR_IMAGE_BYTES {
        return Err(bad(&format!("{n} labels and {n} packed images")));
    }
    let labels = raw[12..12 + n].to_vec();
    if let Some(index) = labels.iter().position(|&l| l as usize >= CIFAR10_CLASSES.len()) {
        return Err(DataError::LabelOutOfRange {
            name: name.to_string(),
            index,
            label: labels[index],
            n_classes: CIFAR10_CLASSES.len(),
        });
    }
    let planes = &raw[12 + n..];
    let residual = |plane: usize, image: usize| &planes[(plane * n + image) * PLANE..][..PLANE];
    let mut images = vec![0u8; n * CIFAR_IMAGE_BYTES];
    for (i, image) in images.chunks_exact_mut(CIFAR_IMAGE_BYTES).enumerate() {
        let (red, rest) = image.split_at_mut(PLANE);
        let (green, blue) = rest.split_at_mut(PLANE);
        unpredict(residual(0, i), |p, byte| {
            green[p] = byte;
            byte as i32
        });
        // Chroma planes hold R − G and B − G; only their value mod 256 is needed for the
        // pixel, the true difference for the next predictions.
        for (plane, out) in [(1, &mut *red), (2, &mut *blue)] {
            unpredict(residual(plane, i), |p, byte| {
                out[p] = green[p].wrapping_add(byte);
                out[p] as i32 - green[p] as i32
            });
        }
    }
    Ok(CifarSet { n, images, labels })
}
