//! Small files that decode to huge things — the inputs a hardened reader must refuse
//! before it allocates: a PNG whose header declares a vast image.

use flate2::write::ZlibEncoder;
use flate2::{Compression, Crc};
use std::io::Write;

/// A valid 8-bit greyscale PNG of `width` × `height` black pixels. The pixel data is
/// compressed while it is produced, row by row, so a 20000 × 20000 image (400 MB of
/// pixels) is a file of a few hundred KB made in about a second.
pub fn black_png(width: u32, height: u32) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&width.to_be_bytes());
    header.extend_from_slice(&height.to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // depth 8, greyscale, deflate, no filter, no interlace
    chunk(&mut png, b"IHDR", &header);
    let mut zlib = ZlibEncoder::new(Vec::new(), Compression::fast());
    let row = vec![0u8; width as usize + 1]; // filter byte 0, then the pixels
    for _ in 0..height {
        zlib.write_all(&row).expect("writing to memory");
    }
    chunk(&mut png, b"IDAT", &zlib.finish().expect("writing to memory"));
    chunk(&mut png, b"IEND", &[]);
    png
}

/// Appends one PNG chunk: length, type, data, CRC-32 of type and data.
fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let mut crc = Crc::new();
    crc.update(kind);
    crc.update(data);
    png.extend_from_slice(&crc.sum().to_be_bytes());
}
