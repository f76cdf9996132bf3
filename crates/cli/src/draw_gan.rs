//! `descent draw` for GANs: images from a saved generator (`descent run gan` saves two). A grid
//! when `--out` ends in `.png`, one 28×28 PNG per image when it names a folder.

use crate::draw_cmd::DrawArgs;
use anyhow::{anyhow, bail, Context, Result};
use descent_models::gan::{DrawRequest, Drawing, ImageGan, MAX_IMAGES};
use descent_report::{write_image_grid_png, GridOptions};
use std::path::{Path, PathBuf};

/// Where the images go.
enum Target {
    Grid(PathBuf),
    Folder(PathBuf),
}

/// A `.png` path is a grid; an existing folder or a path without an extension is a
/// folder; anything else is an error saying which to give.
fn target(out: &Path) -> Result<Target> {
    let extension = out.extension().and_then(|e| e.to_str()).map(str::to_lowercase);
    match extension.as_deref() {
        Some("png") if !out.is_dir() => Ok(Target::Grid(out.to_path_buf())),
        _ if out.is_dir() => Ok(Target::Folder(out.to_path_buf())),
        None if !out.exists() => Ok(Target::Folder(out.to_path_buf())),
        _ => bail!(
            "--out {}: give a .png file (one grid) or a folder (one PNG per image)",
            out.display()
        ),
    }
}

/// Draws and writes the images; prints where they went.
pub fn draw(args: &DrawArgs, model: &ImageGan) -> Result<()> {
    anyhow::ensure!(
        (1..=MAX_IMAGES).contains(&args.n),
        "--n {}: ask for 1 to {MAX_IMAGES} images",
        args.n
    );
    let target = target(&args.out)?;
    let request = DrawRequest {
        count: args.n,
        label: args.label.clone(),
        seed: args.seed,
    };
    let drawing = model.draw(&request).map_err(|e| anyhow!("{}: {e}", args.model.display()))?;
    let written = match &target {
        Target::Grid(path) => write_grid(path, &drawing)?,
        Target::Folder(dir) => write_folder(dir, &drawing)?,
    };
    println!("{} ({}): {} image(s) {written}", model.describe(), args.model.display(), args.n);
    Ok(())
}

fn write_grid(path: &Path, drawing: &Drawing) -> Result<String> {
    let n = drawing.pixels.len() / (drawing.height * drawing.width);
    let options = GridOptions::unit_grey((n as f64).sqrt().ceil().max(1.0) as usize, 2);
    write_image_grid_png(path, &drawing.pixels, drawing.height, drawing.width, &options).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(format!("in a grid at {}", path.display()))
}

fn write_folder(dir: &Path, drawing: &Drawing) -> Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("--out {}: cannot create the folder", dir.display()))?;
    let (h, w) = (drawing.height, drawing.width);
    for (i, image) in drawing.pixels.chunks_exact(h * w).enumerate() {
        let bytes: Vec<u8> = image.iter().map(|&p| (p * 255.0).round() as u8).collect();
        let name = match drawing.labels.get(i).cloned().flatten() {
            Some(label) => format!("{i:04}_{}.png", label.replace(['/', ' '], "-")),
            None => format!("{i:04}.png"),
        };
        let path = dir.join(name);
        image::GrayImage::from_raw(w as u32, h as u32, bytes)
            .expect("a whole image of pixels")
            .save(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(format!("as {}×{} PNGs in {}", w, h, dir.display()))
}
