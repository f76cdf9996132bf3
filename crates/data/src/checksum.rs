//! SHA-256 of a file's *uncompressed* content, streamed.
//!
//! Mirrors recompress gzip files differently (levels, header names, timestamps), so
//! the bytes on disk differ while the data is the same. We therefore hash what the
//! file decompresses to; a file that is not gzip is hashed as it is.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;
use sha2::{Digest, Sha256};

use crate::error::DataError;
use crate::idx::is_gzip;

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Lower-case hex SHA-256 of the uncompressed content of the file at `path`.
///
/// Reads in 256 KiB pieces, so memory stays small even for the 47 MB MNIST images.
/// A corrupt gzip stream is an error ([`DataError::Gzip`]), not a wrong checksum.
pub fn sha256_uncompressed(path: &Path) -> Result<String, DataError> {
    let io_err = |e| DataError::io(path, e);
    let mut file = File::open(path).map_err(io_err)?;
    let mut magic = [0u8; 2];
    let n = read_up_to(&mut file, &mut magic).map_err(io_err)?;
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let reader = BufReader::with_capacity(1 << 18, file);
    if is_gzip(&magic[..n]) {
        hash_reader(MultiGzDecoder::new(reader)).map_err(|source| DataError::Gzip {
            name: path.display().to_string(),
            source,
        })
    } else {
        hash_reader(reader).map_err(io_err)
    }
}

/// Hashes everything `reader` yields.
fn hash_reader(mut reader: impl Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 18];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(to_hex(&hasher.finalize()))
}

/// Fills `buf` as far as the reader allows; returns how many bytes were read.
pub(crate) fn read_up_to(reader: &mut (impl Read + ?Sized), buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
