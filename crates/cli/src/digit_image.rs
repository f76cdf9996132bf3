//! A user's image file turned into an MNIST digit, the way MNIST's digits were made
//! (LeCun, Cortes, Burges): the ink's bounding box fitted in 20×20 keeping the aspect
//! ratio (an anti-aliased resize, hence grey levels), then placed in 28×28 so that its
//! centre of mass falls on pixel (14, 14). Ink is bright on black, as in MNIST.
//!
//! - The file is read by the one image reader ([`descent_data::read_image`]): format
//!   by content, size limits before decoding.
//! - Transparency is composited on white: black strokes on a transparent background
//!   read as a drawing on paper. A drawing held only in the alpha channel (uniform
//!   colour, e.g. white strokes on transparent) is read from the alpha channel, with a
//!   note saying so.
//! - Blank or uniform images, a speck of ink, and images too small to hold a digit are
//!   errors naming the file, never a confident digit.
//! - An image already in MNIST's form (28×28, opaque, dark background, ink within
//!   20×20, centred by mass) is used exactly as it is.

use anyhow::{anyhow, Result};
use image::imageops::FilterType;
use image::{DynamicImage, GrayImage, RgbaImage};
use std::path::Path;

/// Smallest side that can hold a digit (scikit-learn's digits are 8×8).
const MIN_SIDE: u32 = 8;
/// Below this spread of grey levels (0–1) an image counts as blank.
const MIN_CONTRAST: f32 = 0.15;
/// Ink weaker than this share of the full contrast is background (paper texture, JPEG noise).
const INK_THRESHOLD: f32 = 0.2;
/// Smallest ink bounding box (larger side, pixels) that is more than a speck.
const MIN_INK_SIDE: usize = 4;
/// MNIST's side, the digit box inside it, and the pixel its centre of mass falls on.
const SIDE: usize = 28;
const BOX: f64 = 20.0;
const CENTRE: f64 = 14.0;

/// 28×28 MNIST pixels (0–255, ink bright) and what the user should know about them.
pub struct Prepared {
    /// Row-major 28×28 pixels.
    pub pixels: Vec<u8>,
    /// Things worth a note on stderr (e.g. the drawing was read from the alpha channel).
    pub notes: Vec<String>,
}

/// Reads `path` as an image (PNG or JPEG, told by content) and prepares it; errors
/// name the file.
pub fn load_digit(path: &Path) -> Result<Prepared> {
    let image = descent_data::read_image(path)?;
    prepare(&image).map_err(|why| anyhow!("{}: {why}", path.display()))
}

/// MNIST pixels from a decoded image, or why there is no digit to read.
pub fn prepare(image: &DynamicImage) -> Result<Prepared, String> {
    let (w, h) = (image.width(), image.height());
    if w < MIN_SIDE || h < MIN_SIDE {
        return Err(format!(
            "{w}×{h} pixels is too small to hold a digit (at least {MIN_SIDE}×{MIN_SIDE}; MNIST's are 28×28)"
        ));
    }
    let rgba = image.to_rgba8();
    if let Some(pixels) = already_mnist(image, &rgba) {
        return Ok(Prepared { pixels, notes: Vec::new() });
    }
    let mut notes = Vec::new();
    let grey = grey_on_white(&rgba);
    let ink = match ink_from(&grey, w as usize, h as usize) {
        Some(ink) => ink,
        None => {
            // Nothing visible on white: the drawing may live in the alpha channel alone.
            let alpha: Vec<f32> = rgba.pixels().map(|p| p.0[3] as f32 / 255.0).collect();
            let level = grey.iter().sum::<f32>() / grey.len() as f32;
            let ink = ink_from(&alpha, w as usize, h as usize).ok_or_else(|| {
                format!(
                    "the image is blank: one uniform grey level ({:.0} of 255) once transparency is laid on white; there is no digit to read",
                    level * 255.0
                )
            })?;
            notes.push("its colour is uniform; the drawing is in the transparency (alpha channel) only, read as ink".to_string());
            ink
        }
    };
    Ok(Prepared {
        pixels: fit_and_centre(&ink, w as usize, h as usize)?,
        notes,
    })
}

/// Grey levels (0 black … 1 white) with transparency composited on white, luminance by
/// Rec. 709 as the image crate's own grey conversion.
fn grey_on_white(rgba: &RgbaImage) -> Vec<f32> {
    rgba.pixels()
        .map(|p| {
            let [r, g, b, a] = p.0.map(|c| c as f32 / 255.0);
            (0.2126 * r + 0.7152 * g + 0.0722 * b) * a + (1.0 - a)
        })
        .collect()
}

/// Ink (0 background … 1 strongest) from one channel: the background is the median of
/// the border; ink is whichever side of it (darker or lighter) strays further, scaled
/// to 0–1, with weak values zeroed. `None` when the channel is (nearly) uniform.
fn ink_from(channel: &[f32], w: usize, h: usize) -> Option<Vec<f32>> {
    let mut border: Vec<f32> = (0..w)
        .flat_map(|x| [channel[x], channel[(h - 1) * w + x]])
        .chain((0..h).flat_map(|y| [channel[y * w], channel[y * w + w - 1]]))
        .collect();
    border.sort_by(f32::total_cmp);
    let background = border[border.len() / 2];
    let (lo, hi) = channel.iter().fold((1.0f32, 0.0f32), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let (darker, lighter) = (background - lo, hi - background);
    let (sign, extent) = if darker >= lighter { (-1.0, darker) } else { (1.0, lighter) };
    if extent < MIN_CONTRAST {
        return None;
    }
    Some(
        channel
            .iter()
            .map(|&v| {
                let ink = ((v - background) * sign / extent).clamp(0.0, 1.0);
                if ink < INK_THRESHOLD {
                    0.0
                } else {
                    ink
                }
            })
            .collect(),
    )
}

/// The image's own grey pixels when it is already an MNIST digit: 28×28, opaque, a
/// black border, ink within 20×20 and its centre of mass on pixel 14 (±0.5, as in
/// every MNIST digit).
fn already_mnist(image: &DynamicImage, rgba: &RgbaImage) -> Option<Vec<u8>> {
    if (image.width(), image.height()) != (SIDE as u32, SIDE as u32) || rgba.pixels().any(|p| p.0[3] != 255) {
        return None;
    }
    let grey = image.to_luma8().into_raw();
    let on_border = |i: usize| i % SIDE == 0 || i % SIDE == SIDE - 1 || i / SIDE == 0 || i / SIDE == SIDE - 1;
    let mut border: Vec<u8> = (0..SIDE * SIDE).filter(|&i| on_border(i)).map(|i| grey[i]).collect();
    border.sort_unstable();
    if border[border.len() / 2] > 25 {
        return None;
    }
    let weights: Vec<f32> = grey.iter().map(|&v| v as f32).collect();
    let (x0, y0, x1, y1) = bounding_box(&weights, SIDE, SIDE)?;
    let (cx, cy) = centre_of_mass(&weights, SIDE)?;
    let centred = |c: f64| (c - CENTRE).abs() <= 0.5 + 1e-6;
    (x1 - x0 < BOX as usize && y1 - y0 < BOX as usize && centred(cx) && centred(cy)).then_some(grey)
}

/// Crops `ink` to its bounding box, fits that in 20×20 keeping the aspect ratio, and
/// places it in 28×28 with its centre of mass on pixel (14, 14).
fn fit_and_centre(ink: &[f32], w: usize, h: usize) -> Result<Vec<u8>, String> {
    let (x0, y0, x1, y1) = bounding_box(ink, w, h).ok_or("no ink was found")?;
    let (cw, ch) = (x1 - x0 + 1, y1 - y0 + 1);
    if cw.max(ch) < MIN_INK_SIDE {
        return Err(format!("the only ink is a speck of {cw}×{ch} pixels; there is no digit to read"));
    }
    let crop = GrayImage::from_fn(cw as u32, ch as u32, |x, y| {
        image::Luma([(ink[(y0 + y as usize) * w + x0 + x as usize] * 255.0).round() as u8])
    });
    let scale = BOX / cw.max(ch) as f64;
    let (fw, fh) = (
        ((cw as f64 * scale).round() as u32).clamp(1, BOX as u32),
        ((ch as f64 * scale).round() as u32).clamp(1, BOX as u32),
    );
    // Triangle widens its support when shrinking: an anti-aliased (area-like) resize.
    let digit = image::imageops::resize(&crop, fw, fh, FilterType::Triangle);
    let weights: Vec<f32> = digit.as_raw().iter().map(|&v| v as f32).collect();
    let (cx, cy) = centre_of_mass(&weights, fw as usize).ok_or("the ink vanished when scaled to 20×20")?;
    let mut canvas = GrayImage::new(SIDE as u32, SIDE as u32);
    let (left, top) = ((CENTRE - cx).round() as i64, (CENTRE - cy).round() as i64);
    image::imageops::overlay(&mut canvas, &digit, left, top);
    Ok(canvas.into_raw())
}

/// Inclusive bounding box `(x0, y0, x1, y1)` of the non-zero values, if any.
fn bounding_box(values: &[f32], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    let mut found = None;
    for y in 0..h {
        for x in 0..w {
            if values[y * w + x] > 0.0 {
                let (x0, y0, x1, y1) = found.unwrap_or((x, y, x, y));
                found = Some((x0.min(x), y0.min(y), x1.max(x), y1.max(y)));
            }
        }
    }
    found
}

/// Centre of mass `(x, y)` in pixel-index coordinates of a row-major image `w` wide.
fn centre_of_mass(values: &[f32], w: usize) -> Option<(f64, f64)> {
    let (mut total, mut sx, mut sy) = (0.0f64, 0.0f64, 0.0f64);
    for (i, &v) in values.iter().enumerate() {
        let v = v as f64;
        total += v;
        sx += v * (i % w) as f64;
        sy += v * (i / w) as f64;
    }
    (total > 0.0).then(|| (sx / total, sy / total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Luma, Rgba};

    fn grey(w: u32, h: u32, f: impl Fn(u32, u32) -> u8) -> DynamicImage {
        DynamicImage::ImageLuma8(GrayImage::from_fn(w, h, |x, y| Luma([f(x, y)])))
    }

    /// The embedded MNIST test digits (decompressed once).
    fn mnist_test() -> &'static descent_data::ImageSet {
        static TEST: std::sync::OnceLock<descent_data::ImageSet> = std::sync::OnceLock::new();
        TEST.get_or_init(|| descent_data::mnist_subset().1)
    }

    /// The embedded MNIST test digit `i` as an image.
    fn mnist_digit(i: usize) -> (Vec<u8>, DynamicImage) {
        let pixels = mnist_test().image(i).to_vec();
        let image = grey(28, 28, |x, y| pixels[(y * 28 + x) as usize]);
        (pixels, image)
    }

    #[test]
    fn real_mnist_digits_are_left_as_they_are() {
        for i in 0..mnist_test().n {
            let (pixels, image) = mnist_digit(i);
            assert_eq!(prepare(&image).unwrap().pixels, pixels, "test digit {i} was changed");
        }
    }

    /// Mean absolute difference (0–255) between two 28×28 digits.
    fn difference(a: &[u8], b: &[u8]) -> f64 {
        a.iter().zip(b).map(|(&x, &y)| (x as f64 - y as f64).abs()).sum::<f64>() / a.len() as f64
    }

    #[test]
    fn a_photo_style_digit_comes_back_close_to_the_original() {
        // Dark ink on a light page, 3.2× larger, off-centre on a wider page.
        for i in 0..50 {
            let (pixels, _) = mnist_digit(i);
            let small = GrayImage::from_fn(28, 28, |x, y| Luma([255 - pixels[(y * 28 + x) as usize]]));
            let big = image::imageops::resize(&small, 90, 90, FilterType::Triangle);
            let mut page = GrayImage::from_pixel(160, 120, Luma([250]));
            image::imageops::overlay(&mut page, &big, 7, 20);
            let prepared = prepare(&DynamicImage::ImageLuma8(page)).unwrap();
            let diff = difference(&prepared.pixels, &pixels);
            println!("digit {i}: mean difference {diff:.1} of 255");
            assert!(diff < 20.0, "digit {i}: mean difference {diff:.1} of 255");
            // Centred by mass on pixel 14, like MNIST.
            let weights: Vec<f32> = prepared.pixels.iter().map(|&v| v as f32).collect();
            let (cx, cy) = centre_of_mass(&weights, 28).unwrap();
            assert!(
                (cx - 14.0).abs() <= 0.5 && (cy - 14.0).abs() <= 0.5,
                "digit {i}: centre ({cx:.2}, {cy:.2})"
            );
        }
    }

    #[test]
    fn the_digit_is_fitted_in_20x20_keeping_its_aspect_ratio() {
        // A 10×60 bar: 20 tall, about 3 wide after fitting.
        let image = grey(
            100,
            100,
            |x, y| if (45..55).contains(&x) && (20..80).contains(&y) { 0 } else { 255 },
        );
        let pixels = prepare(&image).unwrap().pixels;
        let weights: Vec<f32> = pixels.iter().map(|&v| v as f32).collect();
        let (x0, y0, x1, y1) = bounding_box(&weights, 28, 28).unwrap();
        assert_eq!(y1 - y0 + 1, 20);
        assert!((3..=5).contains(&(x1 - x0 + 1)), "width {}", x1 - x0 + 1);
    }

    #[test]
    fn blank_uniform_and_tiny_images_are_errors() {
        for (image, expected) in [
            (grey(100, 100, |_, _| 255), "blank"),
            (grey(100, 100, |_, _| 0), "blank"),
            (grey(50, 40, |_, _| 128), "blank"),
            (grey(60, 60, |x, y| 200 + ((x * 7 + y * 3) % 20) as u8), "blank"),
            (grey(1, 1, |_, _| 0), "too small"),
            (grey(5, 5, |x, _| if x == 2 { 0 } else { 255 }), "too small"),
            (grey(100, 100, |x, y| if x == 50 && y == 50 { 0 } else { 255 }), "speck"),
            (DynamicImage::ImageRgba8(RgbaImage::from_pixel(40, 40, Rgba([0, 0, 0, 0]))), "blank"),
        ] {
            let err = prepare(&image).err().unwrap_or_else(|| panic!("{expected}: a digit was read"));
            assert!(err.contains(expected), "{err}");
        }
    }

    #[test]
    fn transparency_is_composited_on_white_or_read_as_the_drawing() {
        let (pixels, _) = mnist_digit(0);
        let opaque = prepare(&grey(28, 28, |x, y| 255 - pixels[(y * 28 + x) as usize])).unwrap();
        // Black strokes whose shape is in alpha: a drawing on paper once laid on white.
        let black = RgbaImage::from_fn(28, 28, |x, y| Rgba([0, 0, 0, pixels[(y * 28 + x) as usize]]));
        let read = prepare(&DynamicImage::ImageRgba8(black)).unwrap();
        assert_eq!(read.pixels, opaque.pixels);
        assert!(read.notes.is_empty());
        // White strokes on transparent: nothing on white, so the alpha channel is read.
        let white = RgbaImage::from_fn(28, 28, |x, y| Rgba([255, 255, 255, pixels[(y * 28 + x) as usize]]));
        let read = prepare(&DynamicImage::ImageRgba8(white)).unwrap();
        assert!(read.notes.iter().any(|n| n.contains("alpha")), "{:?}", read.notes);
        assert!(difference(&read.pixels, &pixels) < 10.0);
    }
}
