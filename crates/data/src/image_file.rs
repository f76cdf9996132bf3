//! The one image reader of every command that takes a user's picture (`classify`,
//! `clip`, `ask`, and `serve`'s uploads): the format is told by content (a PNG named
//! `.jpg` is still a PNG), only regular files or standard input (`-`) are read, and the
//! size is checked three times before any pixel is decoded — file bytes, declared
//! width × height, and the decoder's own allocation limit.

use crate::bounded::{read_at_most, read_regular_file};
use crate::error::DataError;
use image::{DynamicImage, ImageFormat, ImageReader, Limits, RgbImage};
use std::io::Cursor;
use std::path::Path;

/// Largest image file read (128 MiB).
pub const MAX_IMAGE_FILE_BYTES: u64 = 128 << 20;
/// Most pixels decoded: a 40-megapixel photo.
pub const MAX_IMAGE_PIXELS: u64 = 40_000_000;
/// Most memory the decoder may allocate (RGBA at 16 bits per channel of the largest
/// image allowed, with room to spare).
const MAX_DECODER_ALLOC: u64 = 512 << 20;

/// Reads and decodes an image file (PNG, JPEG or GIF, told by content); `-` reads
/// standard input. Errors are one line naming the file.
pub fn read_image(path: &Path) -> Result<DynamicImage, DataError> {
    if path == Path::new("-") {
        let bytes = read_at_most(std::io::stdin().lock(), MAX_IMAGE_FILE_BYTES, "standard input")?;
        return decode_image(&bytes, "standard input");
    }
    let bytes = read_regular_file(path, MAX_IMAGE_FILE_BYTES)?;
    decode_image(&bytes, &path.display().to_string())
}

/// [`read_image`] as 8-bit RGB (transparency dropped), refusing an image with no pixels.
pub fn read_rgb(path: &Path) -> Result<RgbImage, DataError> {
    Ok(read_image(path)?.to_rgb8())
}

/// Decodes image bytes held in memory under the same limits; `name` is used in errors.
pub fn decode_image(bytes: &[u8], name: &str) -> Result<DynamicImage, DataError> {
    let refuse = |reason: String| DataError::InvalidContent {
        name: name.to_string(),
        reason,
    };
    if bytes.is_empty() {
        return Err(refuse("the file is empty; give a PNG or JPEG image".into()));
    }
    let format = image::guess_format(bytes)
        .ok()
        .filter(|f| matches!(f, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif))
        .ok_or_else(|| refuse("not an image: its content is not PNG, JPEG or GIF (the file name's extension does not matter)".into()))?;
    let reader = |bytes| {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        reader.limits(limits());
        reader
    };
    let (w, h) = reader(bytes)
        .into_dimensions()
        .map_err(|e| refuse(format!("cannot read as {format:?}: {}", one_line(&e))))?;
    if w == 0 || h == 0 {
        return Err(refuse(format!("the image has no pixels ({w}×{h})")));
    }
    if w as u64 * h as u64 > MAX_IMAGE_PIXELS {
        return Err(refuse(format!(
            "{w}×{h} pixels is more than the {MAX_IMAGE_PIXELS}-pixel limit; scale the image down"
        )));
    }
    reader(bytes)
        .decode()
        .map_err(|e| refuse(format!("cannot decode as {format:?}: {}", one_line(&e))))
}

/// A decoder's message on one line (some span several).
fn one_line(error: &image::ImageError) -> String {
    error.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The decoder's limits: side lengths that fit [`MAX_IMAGE_PIXELS`] and a bounded
/// allocation, so a crafted header cannot make the decoder itself ask for gigabytes.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_PIXELS as u32);
    limits.max_image_height = Some(MAX_IMAGE_PIXELS as u32);
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    limits
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageEncoder, Rgb};

    fn png(w: u32, h: u32) -> Vec<u8> {
        let image = RgbImage::from_pixel(w, h, Rgb([10, 200, 30]));
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(image.as_raw(), w, h, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    }

    #[test]
    fn the_format_comes_from_the_content() {
        let dir = std::env::temp_dir().join(format!("descent-image-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["photo.jpg", "no-extension"] {
            let path = dir.join(name);
            std::fs::write(&path, png(5, 3)).unwrap();
            let image = read_rgb(&path).unwrap();
            assert_eq!((image.width(), image.height(), image.get_pixel(0, 0).0), (5, 3, [10, 200, 30]));
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_huge_image_is_refused_before_decoding() {
        // A few hundred KB on disk, 400 megapixels declared: refused from the header.
        let bomb = descent_testkit::black_png(20_000, 20_000);
        assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());
        let err = decode_image(&bomb, "big.png").unwrap_err().to_string();
        assert!(err.starts_with("big.png: 20000×20000 pixels is more than"), "{err}");
        // Within the limits the same construction decodes.
        assert_eq!(decode_image(&descent_testkit::black_png(300, 200), "ok.png").unwrap().width(), 300);
    }

    #[test]
    fn special_files_and_non_images_are_refused_with_one_line() {
        for (path, expected) in [("/dev/zero", "not a regular file"), ("/tmp", "not a regular file")] {
            let err = read_image(Path::new(path)).unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
            assert!(!err.contains('\n'), "{err}");
        }
        let err = decode_image(b"<html>not found</html>", "page.png").unwrap_err().to_string();
        assert!(err.contains("not an image"), "{err}");
        let err = decode_image(b"", "empty.png").unwrap_err().to_string();
        assert!(err.contains("empty"), "{err}");
        // Found by fuzzing: the JPEG decoder's message for a cut file spans lines.
        let mut jpeg = std::io::Cursor::new(Vec::new());
        RgbImage::from_pixel(12, 9, Rgb([1, 2, 3]))
            .write_to(&mut jpeg, ImageFormat::Jpeg)
            .unwrap();
        let cut = &jpeg.get_ref()[..jpeg.get_ref().len() / 2];
        let err = decode_image(cut, "cut.jpg").unwrap_err().to_string();
        assert!(!err.contains('\n') && err.starts_with("cut.jpg: cannot "), "{err}");
    }
}
