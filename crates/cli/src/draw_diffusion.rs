//! `descent draw --prompt` for the text-conditioned diffusion models (`descent run
//! dalle`: images; `descent run sora`: clips). The sampling lives in
//! `descent_models::text_diffusion`; this module picks the output form from `--out` and
//! writes the files.

use crate::draw_cmd::{DrawArgs, Prompted};
use anyhow::{anyhow, bail, Result};
use descent_models::text_diffusion::{DrawOptions, Drawing};
use descent_report::{write_clips_gif, write_image_grid_png, ClipOptions, GridOptions};
use std::path::{Path, PathBuf};

/// Where the samples go.
enum Target {
    /// One grid (images) or strip (clips: a row of frames each) as PNG.
    Png(PathBuf),
    /// One looping animation of all clips side by side.
    Gif(PathBuf),
    /// One file per sample in this folder.
    Folder(PathBuf),
}

fn target(out: &Path, video: bool) -> Result<Target> {
    if out.is_dir() {
        return Ok(Target::Folder(out.to_path_buf()));
    }
    match out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("png") => Ok(Target::Png(out.to_path_buf())),
        Some("gif") if video => Ok(Target::Gif(out.to_path_buf())),
        Some("gif") => bail!(
            "--out {}: a .gif is for video models; this model draws images: use a .png or a folder",
            out.display()
        ),
        None => Ok(Target::Folder(out.to_path_buf())),
        Some(other) => bail!(
            "--out {}: cannot write .{other} files; use a .png{}, or a folder for one file per sample",
            out.display(),
            if video { ", a .gif" } else { "" }
        ),
    }
}

fn clip_options(cols: usize) -> ClipOptions {
    ClipOptions {
        cols,
        scale: 2,
        frame_ms: 120,
        low: 0.0,
        high: 1.0,
    }
}

/// Draws from a diffusion model read by `draw_cmd`.
pub fn draw(args: &DrawArgs, model: &Prompted) -> Result<()> {
    let Some(prompt) = args.prompt.as_deref() else {
        bail!(
            "{} is a text-conditioned diffusion model: say what to draw with --prompt, e.g. --prompt \"a handwritten seven\"",
            args.model.display()
        );
    };
    let video = matches!(model, Prompted::Video(_));
    let target = target(&args.out, video)?;
    let options = DrawOptions {
        count: args.n,
        guidance: args.guidance,
        steps: args.steps,
        seed: args.seed,
    };
    let drawing = match model {
        Prompted::Image(m) => m.draw(prompt, options),
        Prompted::Video(m) => m.draw(prompt, options),
    }
    .map_err(|e| anyhow!("{e}"))?;
    let written = write(&target, &drawing)?;
    let what = if video { "clip" } else { "image" };
    println!(
        "drew {} {what}{} for {prompt:?}: {written}",
        drawing.count,
        if drawing.count == 1 { "" } else { "s" }
    );
    Ok(())
}

/// Writes the drawing; returns where, for the message.
fn write(target: &Target, d: &Drawing) -> Result<String> {
    let frame = d.side * d.side;
    match target {
        Target::Png(path) if d.frames == 1 => {
            write_image_grid_png(path, &d.pixels, d.side, d.side, &GridOptions::unit_grey(d.count.min(8), 2))?;
            Ok(path.display().to_string())
        }
        Target::Png(path) => {
            write_image_grid_png(path, &d.pixels, d.side, d.side, &GridOptions::unit_grey(d.frames, 2))?;
            Ok(format!("{} (one row of {} frames per clip)", path.display(), d.frames))
        }
        Target::Gif(path) => {
            write_clips_gif(path, &d.pixels, d.frames, d.side, d.side, &clip_options(d.count.min(4)))?;
            Ok(path.display().to_string())
        }
        Target::Folder(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| anyhow!("cannot create the folder {}: {e}", dir.display()))?;
            let per_item = d.frames * frame;
            for (i, item) in d.pixels.chunks_exact(per_item).enumerate() {
                if d.frames == 1 {
                    // Exactly side × side, as `draw --label` writes GAN samples.
                    let path = dir.join(format!("sample_{i:03}.png"));
                    let bytes: Vec<u8> = item.iter().map(|&p| (p * 255.0).round() as u8).collect();
                    image::GrayImage::from_raw(d.side as u32, d.side as u32, bytes)
                        .expect("a whole image of pixels")
                        .save(&path)
                        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
                } else {
                    write_clips_gif(
                        &dir.join(format!("clip_{i:03}.gif")),
                        item,
                        d.frames,
                        d.side,
                        d.side,
                        &clip_options(1),
                    )?;
                }
            }
            let ext = if d.frames == 1 { "png" } else { "gif" };
            Ok(format!("{} ({} .{ext} files)", dir.display(), d.count))
        }
    }
}
