//! The IDX file format (LeCun's MNIST container), raw or gzip-compressed.
//!
//! Layout, all big-endian: two zero bytes, a type byte (0x08 = unsigned byte), the
//! number of dimensions `d`, then `d` u32 sizes, then the elements in row-major order.
//! Only unsigned bytes are read here, which covers MNIST and Fashion-MNIST.
//!
//! Gzip is detected from the first two bytes (`1f 8b`), not from the file name, so a
//! file that was gunzipped but kept its `.gz` name (or the reverse) still reads.

use std::borrow::Cow;
use std::fs;
use std::io::Read;
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::error::DataError;

/// The IDX type byte for unsigned 8-bit elements.
const TYPE_U8: u8 = 0x08;

/// A parsed IDX array of unsigned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray {
    /// Dimension sizes from the header, outermost first (e.g. `[60000, 28, 28]`).
    pub dims: Vec<usize>,
    /// The elements, row-major; `data.len()` is the product of `dims`.
    pub data: Vec<u8>,
}

/// Reads an IDX file (raw or gzip) and checks that its size matches its header.
///
/// Errors name the file: unreadable, corrupt gzip, wrong magic, unsupported element
/// type, truncated, or trailing bytes after the declared data.
pub fn read_idx(path: &Path) -> Result<IdxArray, DataError> {
    let bytes = fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse_idx(&bytes, &path.display().to_string())
}

/// Parses IDX content held in memory (raw or gzip); `name` is used in error messages.
///
/// This is how embedded data (`include_bytes!`) is read.
pub fn parse_idx(bytes: &[u8], name: &str) -> Result<IdxArray, DataError> {
    let raw = decompress_if_gzip(bytes, name)?;
    let dims = parse_header(&raw, name)?;
    let header_len = 4 + 4 * dims.len();
    let data = match raw {
        Cow::Owned(mut v) => {
            v.drain(..header_len);
            v
        }
        Cow::Borrowed(b) => b[header_len..].to_vec(),
    };
    Ok(IdxArray { dims, data })
}

/// True when `bytes` start with the gzip magic number `1f 8b`.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// Returns the uncompressed content: `bytes` itself, or its gzip decompression.
pub(crate) fn decompress_if_gzip<'a>(bytes: &'a [u8], name: &str) -> Result<Cow<'a, [u8]>, DataError> {
    if !is_gzip(bytes) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes).read_to_end(&mut out).map_err(|source| DataError::Gzip {
        name: name.to_string(),
        source,
    })?;
    Ok(Cow::Owned(out))
}

/// Checks uncompressed IDX bytes against their header and returns the dimensions.
fn parse_header(raw: &[u8], name: &str) -> Result<Vec<usize>, DataError> {
    let actual = raw.len() as u64;
    if raw.len() < 4 {
        // Too short to hold a magic number: call it truncated if what is there fits.
        if raw.iter().take(2).all(|&b| b == 0) {
            return Err(DataError::Truncated {
                name: name.to_string(),
                expected: 4,
                actual,
            });
        }
        return Err(bad_magic(raw, name));
    }
    if raw[0] != 0 || raw[1] != 0 || raw[3] == 0 {
        return Err(bad_magic(raw, name));
    }
    if raw[2] != TYPE_U8 {
        return Err(DataError::UnsupportedType {
            name: name.to_string(),
            type_byte: raw[2],
        });
    }
    let ndim = raw[3] as usize;
    let header_len = 4 + 4 * ndim;
    if raw.len() < header_len {
        return Err(DataError::Truncated {
            name: name.to_string(),
            expected: header_len as u64,
            actual,
        });
    }
    let dims: Vec<usize> = raw[4..header_len]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    // u64 with saturation: a hostile header cannot overflow, it just looks huge.
    let data_len = dims.iter().fold(1u64, |acc, &d| acc.saturating_mul(d as u64));
    let expected = (header_len as u64).saturating_add(data_len);
    if actual < expected {
        return Err(DataError::Truncated {
            name: name.to_string(),
            expected,
            actual,
        });
    }
    if actual > expected {
        return Err(DataError::TrailingBytes {
            name: name.to_string(),
            dims,
            extra: actual - expected,
        });
    }
    Ok(dims)
}

fn bad_magic(raw: &[u8], name: &str) -> DataError {
    DataError::BadMagic {
        name: name.to_string(),
        found: raw.iter().take(4).copied().collect(),
    }
}

/// Encodes `data` with `dims` as raw (uncompressed) unsigned-byte IDX.
///
/// The inverse of [`parse_idx`]; used to write subsets and to build test fixtures.
/// Panics if `data.len()` is not the product of `dims` or a dimension exceeds u32.
pub fn encode_idx(dims: &[usize], data: &[u8]) -> Vec<u8> {
    assert_eq!(
        dims.iter().product::<usize>(),
        data.len(),
        "encode_idx: data length does not match dims {dims:?}"
    );
    assert!(dims.len() <= 255, "encode_idx: at most 255 dimensions");
    let mut out = Vec::with_capacity(4 + 4 * dims.len() + data.len());
    out.extend_from_slice(&[0, 0, TYPE_U8, dims.len() as u8]);
    for &d in dims {
        let d = u32::try_from(d).expect("encode_idx: dimension exceeds u32");
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_raw() {
        let data: Vec<u8> = (0..24).collect();
        let bytes = encode_idx(&[2, 3, 4], &data);
        let arr = parse_idx(&bytes, "t").unwrap();
        assert_eq!(arr.dims, vec![2, 3, 4]);
        assert_eq!(arr.data, data);
    }

    #[test]
    fn huge_declared_size_is_truncated_not_overflow() {
        let mut bytes = vec![0, 0, 8, 3];
        for _ in 0..3 {
            bytes.extend_from_slice(&u32::MAX.to_be_bytes());
        }
        assert!(matches!(parse_idx(&bytes, "t"), Err(DataError::Truncated { .. })));
    }

    #[test]
    fn zero_dimensions_is_bad_magic() {
        assert!(matches!(parse_idx(&[0, 0, 8, 0], "t"), Err(DataError::BadMagic { .. })));
    }
}
