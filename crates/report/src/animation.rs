//! Animated GIFs of generated clips: several greyscale clips tiled side by side, one
//! GIF frame per clip frame, looping. The `image` crate encodes (its `gif` feature).

use std::path::Path;

use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, Frame, Rgba, RgbaImage};

use crate::fs::write_atomic;
use crate::ReportError;

/// Gap between tiled clips, in pixels.
const PAD: u32 = 2;
/// Largest frame (pixels) this writes.
const MAX_PIXELS: u64 = 1 << 24;

/// Layout of [`write_clips_gif`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipOptions {
    /// Clips per row.
    pub cols: usize,
    /// Each source pixel becomes a `scale` × `scale` block.
    pub scale: usize,
    /// Time each frame shows, in milliseconds.
    pub frame_ms: u32,
    /// Value shown black (values below clamp).
    pub low: f32,
    /// Value shown white.
    pub high: f32,
}

/// Writes `pixels`, clips `(n, frames, height, width)` of grey values, as one looping
/// animated GIF at `path` with the clips tiled `options.cols` per row.
pub fn write_clips_gif(
    path: &Path,
    pixels: &[f32],
    frames: usize,
    height: usize,
    width: usize,
    options: &ClipOptions,
) -> Result<(), ReportError> {
    let clip_len = frames * height * width;
    let (cols, scale) = (options.cols, options.scale);
    if clip_len == 0 || cols == 0 || scale == 0 || pixels.is_empty() || pixels.len() % clip_len != 0 {
        let message = format!(
            "{} values are not whole clips of {frames} frames of {height}x{width} (cols {cols}, scale {scale})",
            pixels.len()
        );
        return Err(ReportError::invalid(path, message));
    }
    let n = pixels.len() / clip_len;
    let (grid_cols, grid_rows) = (cols.min(n) as u32, n.div_ceil(cols) as u32);
    let (tile_w, tile_h) = ((width * scale) as u32 + PAD, (height * scale) as u32 + PAD);
    let (canvas_w, canvas_h) = (grid_cols * tile_w + PAD, grid_rows * tile_h + PAD);
    if canvas_w as u64 * canvas_h as u64 > MAX_PIXELS {
        return Err(ReportError::invalid(
            path,
            format!("a {canvas_w}x{canvas_h} animation is too large"),
        ));
    }
    let span = (options.high - options.low).max(f32::MIN_POSITIVE);
    let mut gif_frames = Vec::with_capacity(frames);
    for f in 0..frames {
        let mut canvas = RgbaImage::from_pixel(canvas_w, canvas_h, Rgba([64, 64, 64, 255]));
        for c in 0..n {
            let frame = &pixels[c * clip_len + f * height * width..][..height * width];
            let (x0, y0) = (PAD + (c as u32 % grid_cols) * tile_w, PAD + (c as u32 / grid_cols) * tile_h);
            for (i, &v) in frame.iter().enumerate() {
                let grey = if v.is_finite() {
                    (((v - options.low) / span).clamp(0.0, 1.0) * 255.0).round() as u8
                } else {
                    0
                };
                let (x, y) = ((i % width * scale) as u32, (i / width * scale) as u32);
                for dy in 0..scale as u32 {
                    for dx in 0..scale as u32 {
                        canvas.put_pixel(x0 + x + dx, y0 + y + dy, Rgba([grey, grey, grey, 255]));
                    }
                }
            }
        }
        gif_frames.push(Frame::from_parts(canvas, 0, 0, Delay::from_numer_denom_ms(options.frame_ms, 1)));
    }
    let mut bytes = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut bytes, 10);
        let image_error = |source| ReportError::Image {
            path: path.to_path_buf(),
            source,
        };
        encoder.set_repeat(Repeat::Infinite).map_err(image_error)?;
        encoder.encode_frames(gif_frames).map_err(image_error)?;
    }
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clips_become_a_looping_gif_with_one_frame_each() {
        let dir = std::env::temp_dir().join(format!("descent-gif-test-{}", std::process::id()));
        let path = dir.join("clips.gif");
        // Two clips of three 4×4 frames: a bright pixel moving right.
        let mut pixels = vec![0.0f32; 2 * 3 * 16];
        for c in 0..2 {
            for f in 0..3 {
                pixels[c * 48 + f * 16 + 4 + f] = 1.0;
            }
        }
        let options = ClipOptions {
            cols: 2,
            scale: 2,
            frame_ms: 100,
            low: 0.0,
            high: 1.0,
        };
        write_clips_gif(&path, &pixels, 3, 4, 4, &options).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..6], b"GIF89a");
        let decoder = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(bytes)).unwrap();
        use image::AnimationDecoder;
        let frames: Vec<Frame> = decoder.into_frames().collect::<Result<_, _>>().unwrap();
        assert_eq!(frames.len(), 3);
        assert!(write_clips_gif(&path, &pixels[..10], 3, 4, 4, &options).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
