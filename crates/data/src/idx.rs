//! The IDX file format (LeCun's MNIST container), raw or gzip-compressed.
//!
//! Layout, all big-endian: two zero bytes, a type byte (0x08 = unsigned byte), the
//! number of dimensions `d`, then `d` u32 sizes, then the elements in row-major order.
//! Only unsigned bytes are read here, which covers MNIST and Fashion-MNIST.
//!
//! Gzip is detected from the first two bytes (`1f 8b`), not from the file name, so a
//! file that was gunzipped but kept its `.gz` name (or the reverse) still reads.

use std::io::{self, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::checksum::read_up_to;
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

/// Most data bytes an IDX file may declare (1 GiB; MNIST's training images are 47 MB).
pub const MAX_IDX_DATA_BYTES: u64 = 1 << 30;

/// Largest file [`read_idx`] reads: the data limit plus room for a header.
const MAX_IDX_FILE_BYTES: u64 = MAX_IDX_DATA_BYTES + (1 << 12);

/// Deflate's best compression ratio is about 1032:1, so a gzip stream of `n` bytes
/// cannot hold more than `1032·n`; a header declaring more is damaged or hostile.
const MAX_DEFLATE_RATIO: u64 = 1032;

/// Reads an IDX file (raw or gzip) and checks that its size matches its header.
///
/// Errors name the file: unreadable or not a regular file (a FIFO or device is refused
/// before it is opened), corrupt gzip, wrong magic, unsupported element type, a header
/// declaring more than the file can hold, truncated, or trailing bytes.
pub fn read_idx(path: &Path) -> Result<IdxArray, DataError> {
    let bytes = crate::bounded::read_regular_file(path, MAX_IDX_FILE_BYTES)?;
    parse_idx(&bytes, &path.display().to_string())
}

/// Parses IDX content held in memory (raw or gzip); `name` is used in error messages.
///
/// This is how embedded data (`include_bytes!`) is read. Gzip content is inflated as a
/// stream: the header is read first and checked against [`MAX_IDX_DATA_BYTES`] and
/// what the compressed size can hold, then exactly the declared data is read, so a
/// gzip bomb or a header claiming 10^9 images never allocates more than it may.
pub fn parse_idx(bytes: &[u8], name: &str) -> Result<IdxArray, DataError> {
    if is_gzip(bytes) {
        let limit = (bytes.len() as u64).saturating_mul(MAX_DEFLATE_RATIO).min(MAX_IDX_DATA_BYTES);
        read_stream(&mut MultiGzDecoder::new(bytes), name, limit, None)
    } else {
        read_stream(&mut &bytes[..], name, MAX_IDX_DATA_BYTES, Some(bytes.len() as u64))
    }
}

/// True when `bytes` start with the gzip magic number `1f 8b`.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// Reads one IDX array from `reader` (uncompressed bytes). `known_len` is the total
/// length when it is known (raw bytes in memory); otherwise (gzip) at most `limit` data
/// bytes are read, and read errors are gzip errors.
fn read_stream(reader: &mut dyn Read, name: &str, limit: u64, known_len: Option<u64>) -> Result<IdxArray, DataError> {
    let gzip_error = |source| DataError::Gzip {
        name: name.to_string(),
        source,
    };
    let truncated = |expected: u64, actual: u64| DataError::Truncated {
        name: name.to_string(),
        expected,
        actual: known_len.unwrap_or(actual),
    };
    let mut magic = [0u8; 4];
    let got = read_up_to(reader, &mut magic).map_err(gzip_error)?;
    check_magic(&magic[..got], name, known_len.unwrap_or(got as u64))?;
    let header_len = 4 + 4 * magic[3] as usize;
    let mut dim_bytes = vec![0u8; header_len - 4];
    let got = read_up_to(reader, &mut dim_bytes).map_err(gzip_error)?;
    if got < dim_bytes.len() {
        return Err(truncated(header_len as u64, 4 + got as u64));
    }
    let dims: Vec<usize> = dim_bytes
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    // u64 with saturation: a hostile header cannot overflow, it just looks huge.
    let data_len = dims.iter().fold(1u64, |acc, &d| acc.saturating_mul(d as u64));
    let expected = (header_len as u64).saturating_add(data_len);
    if let Some(actual) = known_len {
        if actual < expected {
            return Err(truncated(expected, actual));
        }
        if actual > expected {
            return Err(DataError::TrailingBytes {
                name: name.to_string(),
                dims,
                extra: actual - expected,
            });
        }
    }
    if data_len > limit {
        return Err(DataError::IdxTooLarge {
            name: name.to_string(),
            dims,
            declared: data_len,
            limit,
        });
    }
    let mut data = Vec::with_capacity(data_len as usize);
    reader.take(data_len).read_to_end(&mut data).map_err(gzip_error)?;
    if (data.len() as u64) < data_len {
        return Err(truncated(expected, header_len as u64 + data.len() as u64));
    }
    if known_len.is_none() {
        // Count what follows, up to the limit: the inflating work stays bounded too.
        let extra = io::copy(&mut reader.take(limit), &mut io::sink()).map_err(gzip_error)?;
        if extra > 0 {
            return Err(DataError::TrailingBytes {
                name: name.to_string(),
                dims,
                extra,
            });
        }
    }
    Ok(IdxArray { dims, data })
}

/// Checks the four magic bytes (`00 00 type ndim`); `actual` is the total length for
/// the truncation message when fewer than four bytes are there.
fn check_magic(magic: &[u8], name: &str, actual: u64) -> Result<(), DataError> {
    if magic.len() < 4 {
        // Too short to hold a magic number: call it truncated if what is there fits.
        if magic.iter().take(2).all(|&b| b == 0) {
            return Err(DataError::Truncated {
                name: name.to_string(),
                expected: 4,
                actual,
            });
        }
        return Err(bad_magic(magic, name));
    }
    if magic[0] != 0 || magic[1] != 0 || magic[3] == 0 {
        return Err(bad_magic(magic, name));
    }
    if magic[2] != TYPE_U8 {
        return Err(DataError::UnsupportedType {
            name: name.to_string(),
            type_byte: magic[2],
        });
    }
    Ok(())
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
