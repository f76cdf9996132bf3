//! `descent draw` through the real binary: a grid or a folder of 28×28 PNGs from a
//! saved generator, and one-line errors for bad model files, labels and outputs.

mod common;

use common::{assert_one_line_error, descent, save_lenet, temp};
use descent_data::Dataset;
use descent_models::gan::{Gan, GanConfig, GanKind, ImageGan};
use descent_models::saved::{self, Extras, Snapshot};
use descent_tensor::Rng;
use std::path::Path;

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Saves a small GAN with random weights, as `descent run gan` would.
fn save_gan(path: &Path, classes: usize, dataset: Dataset) {
    let config = GanConfig {
        kind: GanKind::Mlp,
        z_dim: 8,
        classes,
        g_width: 16,
        d_width: 16,
    };
    let model = ImageGan {
        gan: Gan::new(config, &mut Rng::new(3)),
        dataset: dataset.title().to_string(),
        class_names: dataset.class_names().iter().map(|n| n.to_string()).collect(),
    };
    saved::save(path, &Snapshot::of(&model), Extras::default()).unwrap();
}

#[test]
fn draw_writes_a_grid_or_one_png_per_image() {
    let dir = temp("draw");
    let model = dir.join("conditional_gan.safetensors");
    save_gan(&model, 10, Dataset::Mnist);
    let grid = dir.join("sevens.png");
    let out = descent(&["draw", "--model", s(&model), "--label", "7", "--n", "9", "--out", s(&grid)]);
    assert!(out.status.success(), "{}", out.stderr);
    let image = image::open(&grid).unwrap();
    // 3 × 3 tiles of 28×28 at scale 2 (plus a thin frame around each).
    assert!(
        image.width() >= 3 * 56 && image.width() < 4 * 56,
        "grid {}×{}",
        image.width(),
        image.height()
    );
    let folder = dir.join("each");
    let out = descent(&["draw", "--model", s(&model), "--n", "4", "--out", s(&folder)]);
    assert!(out.status.success(), "{}", out.stderr);
    let mut names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    // Without --label a conditional model draws every class in turn.
    assert_eq!(names, ["0000_0.png", "0001_1.png", "0002_2.png", "0003_3.png"]);
    let one = image::open(folder.join(&names[3])).unwrap();
    assert_eq!((one.width(), one.height()), (28, 28));
    // Fashion-MNIST classes by name.
    let fashion = dir.join("fashion.safetensors");
    save_gan(&fashion, 10, Dataset::FashionMnist);
    let out = descent(&[
        "draw",
        "--model",
        s(&fashion),
        "--label",
        "sneaker",
        "--n",
        "2",
        "--out",
        s(&dir.join("shoes")),
    ]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(dir.join("shoes/0001_Sneaker.png").is_file());
}

#[test]
fn draw_errors_are_one_line() {
    let dir = temp("draw-errors");
    let conditional = dir.join("conditional_gan.safetensors");
    save_gan(&conditional, 10, Dataset::Mnist);
    let free = dir.join("gan.safetensors");
    save_gan(&free, 0, Dataset::Mnist);
    let lenet = dir.join("lenet.safetensors");
    save_lenet(&lenet, |_| {});
    let png = dir.join("out.png");
    let out = descent(&["draw", "--model", s(&conditional), "--label", "12", "--out", s(&png)]);
    assert_one_line_error(&out, &["--label 12", "0–9"]);
    let out = descent(&["draw", "--model", s(&conditional), "--label", "cat", "--out", s(&png)]);
    assert_one_line_error(&out, &["--label cat"]);
    let out = descent(&["draw", "--model", s(&free), "--label", "7", "--out", s(&png)]);
    assert_one_line_error(&out, &["unconditional", "drop --label"]);
    let out = descent(&["draw", "--model", s(&lenet), "--out", s(&png)]);
    assert_one_line_error(&out, &["lenet.safetensors", "not an image generator", "descent run gan"]);
    let out = descent(&["draw", "--model", s(&dir.join("missing.safetensors")), "--out", s(&png)]);
    assert_one_line_error(&out, &["missing.safetensors"]);
    let out = descent(&["draw", "--model", s(&conditional), "--out", s(&dir.join("out.jpg"))]);
    assert_one_line_error(&out, &["out.jpg", ".png", "folder"]);
    let out = descent(&["draw", "--model", s(&conditional), "--n", "0", "--out", s(&png)]);
    assert_one_line_error(&out, &["--n 0"]);
    assert!(!png.exists(), "nothing written on errors");
}
