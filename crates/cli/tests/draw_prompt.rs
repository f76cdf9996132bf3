//! `descent draw --prompt` through the real binary, from small text-to-image (`dalle`)
//! and text-to-video (`sora`) checkpoints with random weights saved as the runs save
//! them: images as a grid or one PNG each, clips as an animated GIF or a strip, and
//! one-line errors for an empty prompt, an unknown word, `--label` on a diffusion model
//! and a GIF from an image model.

mod common;

use common::{assert_one_line_error, descent, temp};
use descent_gallery::milestones::dalle::captions::ClassId;
use descent_gallery::milestones::dalle::{build_model as build_dalle, Settings as DalleSettings};
use descent_gallery::milestones::sora::{build_model as build_sora, Settings as SoraSettings};
use descent_gallery::RunSettings;
use descent_models::saved::{self, Extras, Snapshot};
use image::AnimationDecoder;
use std::path::Path;

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn save_dalle(path: &Path) {
    let mut settings = DalleSettings::quick();
    settings.sizes.channels = 8;
    settings.sizes.emb_dim = 16;
    settings.sizes.text = (16, 2, 1);
    let model = build_dalle(&settings, &[ClassId(3), ClassId(7)], 1);
    saved::save(path, &Snapshot::of(&model), Extras::default()).unwrap();
}

fn save_sora(path: &Path) {
    let mut settings = SoraSettings::quick();
    settings.sizes.channels = 8;
    settings.sizes.emb_dim = 16;
    settings.sizes.text = (16, 2, 1);
    settings.frames = 4;
    let model = build_sora(&settings, &[2], 1);
    saved::save(path, &Snapshot::of(&model), Extras::default()).unwrap();
}

#[test]
fn draw_prompt_writes_images_and_clips() {
    let dir = temp("draw-prompt");
    let dalle = dir.join("dalle.safetensors");
    save_dalle(&dalle);
    let grid = dir.join("sevens.png");
    let out = descent(&[
        "draw",
        "--model",
        s(&dalle),
        "--prompt",
        "一个手写的七",
        "--n",
        "4",
        "--steps",
        "2",
        "--out",
        s(&grid),
    ]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stdout.contains("drew 4 images"), "{}", out.stdout);
    let image = image::open(&grid).unwrap();
    assert!(
        image.width() >= 4 * 56 && image.width() < 5 * 56,
        "grid {}×{}",
        image.width(),
        image.height()
    );
    let folder = dir.join("each");
    let out = descent(&[
        "draw",
        "--model",
        s(&dalle),
        "--prompt",
        "a handwritten three",
        "--n",
        "3",
        "--steps",
        "2",
        "--out",
        s(&folder),
    ]);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 3);
    let one = image::open(folder.join("sample_002.png")).unwrap();
    assert_eq!((one.width(), one.height()), (28, 28));

    let sora = dir.join("sora.safetensors");
    save_sora(&sora);
    let gif = dir.join("clip.gif");
    let out = descent(&[
        "draw",
        "--model",
        s(&sora),
        "--prompt",
        "a 3 moving left",
        "--n",
        "2",
        "--steps",
        "2",
        "--out",
        s(&gif),
    ]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stdout.contains("drew 2 clips"), "{}", out.stdout);
    let decoder = image::codecs::gif::GifDecoder::new(std::io::BufReader::new(std::fs::File::open(&gif).unwrap())).unwrap();
    assert_eq!(decoder.into_frames().count(), 4, "one GIF frame per clip frame");
    let strip = dir.join("clip.png");
    let out = descent(&[
        "draw",
        "--model",
        s(&sora),
        "--prompt",
        "一个3向左移动",
        "--n",
        "1",
        "--steps",
        "2",
        "--out",
        s(&strip),
    ]);
    assert!(out.status.success(), "{}", out.stderr);
    let image = image::open(&strip).unwrap();
    // One row of 4 frames of 32×32 at scale 2.
    assert!(
        image.width() >= 4 * 64 && image.width() < 5 * 64 && image.height() < 2 * 64,
        "strip {}×{}",
        image.width(),
        image.height()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn draw_prompt_errors_are_one_line() {
    let dir = temp("draw-prompt-errors");
    let dalle = dir.join("dalle.safetensors");
    save_dalle(&dalle);
    let sora = dir.join("sora.safetensors");
    save_sora(&sora);
    let png = dir.join("out.png");
    let out = descent(&["draw", "--model", s(&dalle), "--prompt", "  ", "--out", s(&png)]);
    assert_one_line_error(&out, &["--prompt is empty"]);
    let out = descent(&["draw", "--model", s(&dalle), "--label", "7", "--out", s(&png)]);
    assert_one_line_error(&out, &["dalle.safetensors", "text-conditioned", "--prompt"]);
    let out = descent(&["draw", "--model", s(&dalle), "--out", s(&png)]);
    assert_one_line_error(&out, &["dalle.safetensors", "--prompt"]);
    let out = descent(&["draw", "--model", s(&dalle), "--prompt", "a handwritten unicorn", "--out", s(&png)]);
    assert_one_line_error(&out, &["\"unicorn\"", "vocabulary"]);
    let out = descent(&[
        "draw",
        "--model",
        s(&dalle),
        "--prompt",
        "a handwritten seven",
        "--out",
        s(&dir.join("x.gif")),
    ]);
    assert_one_line_error(&out, &["x.gif", "video models", ".png"]);
    let out = descent(&[
        "draw",
        "--model",
        s(&sora),
        "--prompt",
        "a 3 moving sideways",
        "--out",
        s(&dir.join("c.gif")),
    ]);
    assert_one_line_error(&out, &["\"sideways\"", "vocabulary"]);
    let out = descent(&["draw", "--model", s(&sora), "--label", "3", "--out", s(&dir.join("c.gif"))]);
    assert_one_line_error(&out, &["sora.safetensors", "--prompt"]);
    assert!(!png.exists(), "nothing written on errors");
    let _ = std::fs::remove_dir_all(&dir);
}
