//! Bounded reading of outside bytes: every reader of a user's or a data folder's file
//! goes through here, so none can block on a FIFO, read `/dev/zero` until memory runs
//! out, or inflate a gzip bomb.

use crate::error::DataError;
use crate::idx::is_gzip;
use flate2::read::MultiGzDecoder;
use std::borrow::Cow;
use std::fs;
use std::io::Read;
use std::path::Path;

/// Reads a whole regular file of at most `limit` bytes, checking its type and length
/// from the metadata first (opening a FIFO blocks, and `/dev/zero` never ends).
pub fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, DataError> {
    let meta = fs::metadata(path).map_err(|e| DataError::io(path, e))?;
    let refuse = |reason: String| DataError::InvalidContent {
        name: path.display().to_string(),
        reason,
    };
    if !meta.is_file() {
        return Err(refuse("not a regular file (a folder, pipe or device); give a file".into()));
    }
    if meta.len() > limit {
        return Err(DataError::TooLarge {
            name: path.display().to_string(),
            limit,
        });
    }
    let file = fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    read_at_most(file, limit, &path.display().to_string())
}

/// Reads `reader` to its end, refusing (at once, without reading on) more than `limit`
/// bytes; for pipes and standard input, whose length is not known in advance.
pub fn read_at_most(reader: impl Read, limit: u64, name: &str) -> Result<Vec<u8>, DataError> {
    let mut bytes = Vec::new();
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|source| DataError::InvalidContent {
            name: name.to_string(),
            reason: format!("cannot read: {source}"),
        })?;
    if bytes.len() as u64 > limit {
        return Err(DataError::TooLarge {
            name: name.to_string(),
            limit,
        });
    }
    Ok(bytes)
}

/// The bytes themselves, or their gunzipped content when they start with gzip's magic
/// bytes; decompression stops as soon as it passes `limit` bytes.
pub fn gunzip_at_most<'a>(bytes: &'a [u8], name: &str, limit: u64) -> Result<Cow<'a, [u8]>, DataError> {
    if !is_gzip(bytes) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    MultiGzDecoder::new(bytes)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|source| DataError::Gzip {
            name: name.to_string(),
            source,
        })?;
    if out.len() as u64 > limit {
        return Err(DataError::TooLarge {
            name: name.to_string(),
            limit,
        });
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_limit() {
        let bomb = gzip(&vec![0u8; 8 << 20]);
        assert!(bomb.len() < 64 << 10);
        let err = gunzip_at_most(&bomb, "bomb.gz", 1 << 20).unwrap_err();
        assert!(matches!(err, DataError::TooLarge { .. }), "{err}");
        assert_eq!(gunzip_at_most(&bomb, "bomb.gz", 8 << 20).unwrap().len(), 8 << 20);
        assert!(matches!(gunzip_at_most(b"plain", "p", 1).unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn devices_and_folders_are_refused_before_reading() {
        for path in ["/dev/zero", "/tmp"] {
            let err = read_regular_file(Path::new(path), 1 << 20).unwrap_err().to_string();
            assert!(err.contains("not a regular file"), "{err}");
        }
        let err = read_at_most(std::io::repeat(0), 1000, "stdin").unwrap_err();
        assert!(matches!(err, DataError::TooLarge { .. }), "{err}");
    }
}
