//! `descent ask` and `descent clip` through the real binary: a model with random weights
//! answers (a box within the image's pixels, or a word), and bad input — a missing or
//! wrong checkpoint, a file that is not an image, an empty or unknown question, no
//! labels — ends with one `error:` line.

mod common;

use common::{assert_one_line_error, descent, save_lenet, save_small_vqa, temp};
use std::path::{Path, PathBuf};

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A small VQA model with random weights, saved as `descent run vqa` would.
fn small_vqa(dir: &Path) -> PathBuf {
    let path = dir.join("vqa.safetensors");
    save_small_vqa(&path, "where is the 7? 7在哪里?", &["7", "yes"]);
    path
}

/// A 100×50 scene: a bright bar on black.
fn scene(dir: &Path) -> PathBuf {
    let path = dir.join("scene.png");
    image::RgbImage::from_fn(100, 50, |x, y| {
        image::Rgb(if (30..40).contains(&x) && (10..40).contains(&y) {
            [255; 3]
        } else {
            [0; 3]
        })
    })
    .save(&path)
    .unwrap();
    path
}

#[test]
fn ask_answers_in_the_pixels_of_the_given_image() {
    let dir = temp("ask-ok");
    let (model, image) = (small_vqa(&dir), scene(&dir));
    let out = descent(&["ask", "--model", s(&model), "--image", s(&image), "where is the 7?"]);
    // Random weights: a decoded answer (a box inside the image, or a word) with its
    // probability, or "no answer" — never the model's raw tokens.
    if !out.status.success() {
        assert_one_line_error(&out, &["no answer"]);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        return;
    }
    let line = out.stdout.trim();
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(!line.contains('<'), "a raw token printed: {line}");
    assert!(line.contains("p = "), "the probability is stated: {line}");
    if let Some(rest) = line.strip_prefix("box [") {
        // "x0 30, y0 10, x1 40, y1 40]": 0 ≤ x0 < x1 ≤ 100, 0 ≤ y0 < y1 ≤ 50.
        let inner = &rest[..rest.find(']').unwrap()];
        let n: Vec<f32> = inner
            .split(", ")
            .filter_map(|piece| piece.split_whitespace().nth(1)?.parse().ok())
            .collect();
        assert!(n.len() == 4, "{line}");
        assert!(0.0 <= n[0] && n[0] < n[2] && n[2] <= 100.0, "{line}");
        assert!(0.0 <= n[1] && n[1] < n[3] && n[3] <= 50.0, "{line}");
        assert!(line.contains("100×50"), "{line}");
    }
}

#[test]
fn ask_refuses_what_it_cannot_read_instead_of_guessing() {
    let dir = temp("ask-cannot");
    let model = small_vqa(&dir);
    let save = |name: &str, w: u32, h: u32, f: &dyn Fn(u32, u32) -> u8| {
        let path = dir.join(name);
        image::GrayImage::from_fn(w, h, |x, y| image::Luma([f(x, y)])).save(&path).unwrap();
        path
    };
    let black = save("black.png", 64, 64, &|_, _| 0);
    let dot = save("dot.png", 1, 1, &|_, _| 255);
    let strip = save("strip.png", 4000, 1, &|x, _| (x % 256) as u8);
    let wide = save("wide.png", 4000, 20, &|x, _| (x % 256) as u8);
    let scene = scene(&dir);
    for (image, question, expected) in [
        (&black, "where is the 7?", "blank"),
        (&dot, "where is the 7?", "too small"),
        (&strip, "where is the 7?", "too small"),
        (&wide, "where is the 7?", "stretched"),
        (&scene, &*"where is the 7? ".repeat(6_000), "shorter question"),
    ] {
        let out = descent(&["ask", "--model", s(&model), "--image", s(image), question]);
        assert_one_line_error(&out, &[expected]);
        assert!(out.stderr.len() < 400, "the error echoes its input: {} bytes", out.stderr.len());
    }
}

#[test]
fn ask_and_clip_refuse_bad_input_in_one_line() {
    let dir = temp("ask-bad");
    let (model, image) = (small_vqa(&dir), scene(&dir));
    let text = dir.join("notes.png");
    std::fs::write(&text, "not an image").unwrap();
    let lenet = dir.join("lenet.safetensors");
    save_lenet(&lenet, |_| {});
    let missing = dir.join("missing.safetensors");

    let out = descent(&["ask", "--model", s(&missing), "--image", s(&image), "where is the 7?"]);
    assert_one_line_error(&out, &["missing.safetensors"]);
    let out = descent(&["ask", "--model", s(&lenet), "--image", s(&image), "where is the 7?"]);
    assert_one_line_error(
        &out,
        &["holds a 'lenet' model", "not a visual question answerer", "descent run vqa"],
    );
    let out = descent(&["ask", "--model", s(&model), "--image", s(&text), "where is the 7?"]);
    assert_one_line_error(&out, &["notes.png", "image"]);
    let out = descent(&["ask", "--model", s(&model), "--image", s(&dir), "where is the 7?"]);
    assert_one_line_error(&out, &["folder"]);
    let out = descent(&["ask", "--model", s(&model), "--image", s(&image), "  "]);
    assert_one_line_error(&out, &["question is empty"]);
    let out = descent(&["ask", "--model", s(&model), "--image", s(&image), "ЖЖЖ"]);
    assert_one_line_error(&out, &["no character the model knows"]);

    let out = descent(&["clip", "--model", s(&model), "--labels", "a cat,a dog", s(&image)]);
    assert_one_line_error(&out, &["holds a 'vqa' model", "not a CLIP", "descent run clip"]);
    let out = descent(&["clip", "--model", s(&model), "--labels", " , ", s(&image)]);
    assert_one_line_error(&out, &["--labels", "no label"]);
}
