//! PNG pictures of data: grids of input images or filters (misclassified ones framed
//! in red), and heatmaps (attention maps, weight matrices) in the viridis colour map.
//!
//! Everything is rendered to an RGB8 buffer here and encoded by the `image` crate;
//! pixel values arrive as plain `f32` slices in row-major (and channel-major) order,
//! exactly as a tensor's contiguous data lies.

use std::path::Path;

use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder};

use crate::colormap::viridis;
use crate::fs::write_atomic;
use crate::ReportError;

/// Gap between grid tiles, in pixels; a tile's border colour fills its gap.
const PAD: usize = 2;
/// Colour of gaps around tiles without a border colour.
const BACKGROUND: [u8; 3] = [64, 64, 64];
/// Refuse pictures beyond this many pixels (a wrong `scale` can ask for gigabytes).
const MAX_PIXELS: usize = 1 << 28;

/// How pixel values become grey levels (or colour intensities).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Normalize {
    /// Each image stretched from its own min (black) to max (white): shows the
    /// structure of every filter, whatever its scale.
    PerImage,
    /// One min..max over all images: shows which images are stronger than others.
    Global,
    /// A fixed range, values outside clamped: e.g. `0..1` for MNIST pixels.
    Fixed {
        /// Value shown black.
        low: f32,
        /// Value shown white.
        high: f32,
    },
}

/// Layout and colouring of [`write_image_grid_png`].
#[derive(Debug, Clone, PartialEq)]
pub struct GridOptions {
    /// Tiles per row (the last row may be short).
    pub cols: usize,
    /// Each source pixel becomes a `scale` × `scale` block.
    pub scale: usize,
    /// 1 for greyscale, 3 for RGB stored channel-major, `(C, H, W)` per image.
    pub channels: usize,
    /// Value-to-intensity mapping.
    pub normalize: Normalize,
    /// Per-image frame colour (e.g. red for misclassified); empty for no frames,
    /// otherwise one entry per image.
    pub borders: Vec<Option<[u8; 3]>>,
}

impl GridOptions {
    /// Greyscale images with pixels in `[0, 1]` (0 black), `cols` per row, each pixel a
    /// `scale` × `scale` block, no frames: generated and real digits side by side.
    pub fn unit_grey(cols: usize, scale: usize) -> GridOptions {
        GridOptions {
            cols,
            scale,
            channels: 1,
            normalize: Normalize::Fixed { low: 0.0, high: 1.0 },
            borders: Vec::new(),
        }
    }
}

impl Default for GridOptions {
    /// 8 columns, 2× scale, greyscale, per-image normalisation, no frames.
    fn default() -> Self {
        GridOptions {
            cols: 8,
            scale: 2,
            channels: 1,
            normalize: Normalize::PerImage,
            borders: Vec::new(),
        }
    }
}

/// Writes `pixels`, a stack of images `(N, C, H, W)` with `H = height`, `W = width`
/// and `C = options.channels`, as a grid PNG at `path`. N is inferred from the slice
/// length. Non-finite pixels show black.
pub fn write_image_grid_png(path: &Path, pixels: &[f32], height: usize, width: usize, options: &GridOptions) -> Result<(), ReportError> {
    let n = count_images(path, pixels.len(), height, width, options)?;
    let (channels, scale) = (options.channels, options.scale);
    let image_len = channels * height * width;
    let (tile_h, tile_w) = (height * scale + 2 * PAD, width * scale + 2 * PAD);
    let (grid_cols, grid_rows) = (options.cols.min(n), n.div_ceil(options.cols));
    let mut canvas = Canvas::new(path, grid_cols * tile_w, grid_rows * tile_h, BACKGROUND)?;
    let global = value_range(pixels);
    for (i, image) in pixels.chunks_exact(image_len).enumerate() {
        let (low, high) = match options.normalize {
            Normalize::PerImage => value_range(image),
            Normalize::Global => global,
            Normalize::Fixed { low, high } => (low, high),
        };
        let (x0, y0) = ((i % options.cols) * tile_w, (i / options.cols) * tile_h);
        if let Some(colour) = options.borders.get(i).copied().flatten() {
            canvas.fill(x0, y0, tile_w, tile_h, colour);
        }
        let plane = height * width;
        for y in 0..height {
            for x in 0..width {
                let at = y * width + x;
                let rgb: [u8; 3] = if channels == 1 {
                    [intensity(image[at], low, high); 3]
                } else {
                    std::array::from_fn(|c| intensity(image[c * plane + at], low, high))
                };
                canvas.fill(x0 + PAD + x * scale, y0 + PAD + y * scale, scale, scale, rgb);
            }
        }
    }
    canvas.write_png(path)
}

/// Checks the grid request and returns the number of images in `len` values.
fn count_images(path: &Path, len: usize, height: usize, width: usize, options: &GridOptions) -> Result<usize, ReportError> {
    let (channels, scale, cols) = (options.channels, options.scale, options.cols);
    let image_len = channels.saturating_mul(height).saturating_mul(width);
    if !matches!(channels, 1 | 3) || image_len == 0 || scale == 0 || cols == 0 {
        let message = format!(
            "need channels 1 or 3 and nonzero height, width, scale, cols \
             (got channels {channels}, {height}x{width}, scale {scale}, cols {cols})"
        );
        return Err(ReportError::invalid(path, message));
    }
    if len == 0 || len % image_len != 0 {
        let message = format!("{len} values is not a whole number of {channels}x{height}x{width} images");
        return Err(ReportError::invalid(path, message));
    }
    let n = len / image_len;
    if !options.borders.is_empty() && options.borders.len() != n {
        let message = format!("{} border colours for {n} images", options.borders.len());
        return Err(ReportError::invalid(path, message));
    }
    // Bound the tile size before multiplying it out (a wrong `scale` can overflow).
    if height.saturating_mul(width).saturating_mul(scale).saturating_mul(scale) > MAX_PIXELS {
        let message = format!("{height}x{width} at scale {scale} is too large an image");
        return Err(ReportError::invalid(path, message));
    }
    Ok(n)
}

/// Writes a `rows` × `cols` matrix of `values` (row-major) as a PNG heatmap at
/// `path`, each cell a `scale` × `scale` block coloured by viridis from the finite
/// minimum (dark purple) to maximum (yellow). Non-finite cells show white, a colour
/// viridis never uses, so a NaN stands out.
pub fn write_heatmap_png(path: &Path, values: &[f32], rows: usize, cols: usize, scale: usize) -> Result<(), ReportError> {
    if rows == 0 || cols == 0 || scale == 0 || values.len() != rows * cols {
        let message = format!("{} values for a {rows}x{cols} heatmap at scale {scale}", values.len());
        return Err(ReportError::invalid(path, message));
    }
    let (low, high) = value_range(values);
    let mut canvas = Canvas::new(path, cols * scale, rows * scale, [255, 255, 255])?;
    for (i, &value) in values.iter().enumerate() {
        if value.is_finite() {
            let t = if high > low { (value - low) / (high - low) } else { 0.5 };
            let (row, col) = (i / cols, i % cols);
            canvas.fill(col * scale, row * scale, scale, scale, viridis(f64::from(t)));
        }
    }
    canvas.write_png(path)
}

/// `(min, max)` of the finite values; `(0, 0)` if there are none.
fn value_range(values: &[f32]) -> (f32, f32) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (low, high) = finite.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if low <= high {
        (low, high)
    } else {
        (0.0, 0.0)
    }
}

/// A value as 0..=255 between `low` (0) and `high` (255); a flat range shows mid-grey
/// and a non-finite value black.
fn intensity(value: f32, low: f32, high: f32) -> u8 {
    if !value.is_finite() {
        return 0;
    }
    let t = if high > low { (value - low) / (high - low) } else { 0.5 };
    (t.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// An RGB8 picture being painted.
struct Canvas {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    /// A `width` × `height` canvas filled with `background`; refuses absurd sizes.
    fn new(path: &Path, width: usize, height: usize, background: [u8; 3]) -> Result<Self, ReportError> {
        if width.saturating_mul(height) > MAX_PIXELS {
            let message = format!("{width}x{height} pixels is too large an image");
            return Err(ReportError::invalid(path, message));
        }
        let rgb = background.repeat(width * height);
        Ok(Canvas { width, height, rgb })
    }

    /// Paints a `w` × `h` rectangle with its top-left corner at (`x0`, `y0`).
    fn fill(&mut self, x0: usize, y0: usize, w: usize, h: usize, colour: [u8; 3]) {
        for y in y0..(y0 + h).min(self.height) {
            let row = &mut self.rgb[3 * (y * self.width + x0)..3 * (y * self.width + (x0 + w).min(self.width))];
            row.chunks_exact_mut(3).for_each(|px| px.copy_from_slice(&colour));
        }
    }

    /// Encodes as PNG and writes atomically.
    fn write_png(&self, path: &Path) -> Result<(), ReportError> {
        let mut bytes = Vec::new();
        // Both fit in u32: MAX_PIXELS bounds their product.
        let (w, h) = (self.width as u32, self.height as u32);
        PngEncoder::new(&mut bytes)
            .write_image(&self.rgb, w, h, ExtendedColorType::Rgb8)
            .map_err(|source| ReportError::Image {
                path: path.to_path_buf(),
                source,
            })?;
        write_atomic(path, &bytes)
    }
}
