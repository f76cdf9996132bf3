//! `descent classify` on image files as users have them: the format is read from the
//! content, blank or transparent images are not read as digits, and real MNIST digits
//! saved as PNG are classified exactly as the same pixels straight from the data set.

mod common;

use common::{assert_one_line_error, descent, save_lenet, temp};
use descent_nn::{named_params, Checkpoint, Forward};
use descent_tensor::{no_grad, Rng, Tensor};
use image::{GrayImage, ImageFormat, Luma, Rgba, RgbaImage};
use std::path::Path;

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The embedded MNIST test digit `i` as a 28×28 grey image.
fn digit(test: &descent_data::ImageSet, i: usize) -> GrayImage {
    GrayImage::from_fn(28, 28, |x, y| Luma([test.image(i)[(y * 28 + x) as usize]]))
}

#[test]
fn the_format_comes_from_the_content_not_the_extension() {
    let dir = temp("classify-format");
    let model = dir.join("lenet.safetensors");
    save_lenet(&model, |_| {});
    let (_, test) = descent_data::mnist_subset();
    let png_named_jpg = dir.join("png-inside.jpg");
    digit(&test, 0).save_with_format(&png_named_jpg, ImageFormat::Png).unwrap();
    let jpeg_named_png = dir.join("jpeg-inside.png");
    digit(&test, 1).save_with_format(&jpeg_named_png, ImageFormat::Jpeg).unwrap();
    let out = descent(&["classify", "--model", s(&model), s(&png_named_jpg), s(&jpeg_named_png)]);
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 2, "{}", out.stdout);

    let text_named_png = dir.join("notes.png");
    std::fs::write(&text_named_png, "a shopping list, not a picture\n").unwrap();
    let out = descent(&["classify", "--model", s(&model), s(&text_named_png)]);
    assert_one_line_error(&out, &["notes.png", "not an image"]);
}

#[test]
fn blank_uniform_tiny_and_transparent_images_are_not_read_as_digits() {
    let dir = temp("classify-blank");
    let model = dir.join("lenet.safetensors");
    save_lenet(&model, |_| {});
    let cases: Vec<(&str, image::DynamicImage, &str)> = vec![
        ("white.png", GrayImage::from_pixel(200, 150, Luma([255])).into(), "blank"),
        ("grey.png", GrayImage::from_pixel(28, 28, Luma([90])).into(), "blank"),
        ("dot.png", GrayImage::from_pixel(1, 1, Luma([0])).into(), "too small"),
        ("clear.png", RgbaImage::from_pixel(64, 64, Rgba([0, 0, 0, 0])).into(), "blank"),
    ];
    for (name, image, expected) in cases {
        let path = dir.join(name);
        image.save(&path).unwrap();
        let out = descent(&["classify", "--model", s(&model), s(&path)]);
        assert_one_line_error(&out, &[name, expected]);
        assert!(out.stdout.is_empty(), "{name}: {}", out.stdout);
    }
    // White strokes on a transparent background: on white they vanish, so the drawing
    // is read from the alpha channel, and the user is told.
    let (_, test) = descent_data::mnist_subset();
    let pixels = test.image(0);
    let ghost = dir.join("ghost.png");
    RgbaImage::from_fn(28, 28, |x, y| Rgba([255, 255, 255, pixels[(y * 28 + x) as usize]]))
        .save(&ghost)
        .unwrap();
    let out = descent(&["classify", "--model", s(&model), s(&ghost)]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stderr.contains("ghost.png") && out.stderr.contains("alpha"), "{}", out.stderr);
}

#[test]
fn real_mnist_digits_as_png_are_classified_as_the_raw_pixels() {
    let dir = temp("classify-mnist");
    let model_path = dir.join("lenet.safetensors");
    // Random weights with a sharpened head, so that the printed probabilities move with
    // small changes of the pixels (an untrained head prints about 0.1 everywhere).
    save_lenet(&model_path, |ck| {
        let (shape, values) = ck.tensors["fc3.weight"].clone();
        ck.insert("fc3.weight", &shape, values.iter().map(|v| v * 100.0).collect());
    });
    let model = descent_models::LeNet::new(descent_models::LeNetVariant::Modern, &mut Rng::new(0));
    Checkpoint::load(&model_path).unwrap().apply(&named_params(&model), &[]).unwrap();
    let (_, test) = descent_data::mnist_subset();
    let count = 40;
    let paths: Vec<_> = (0..count)
        .map(|i| {
            let path = dir.join(format!("mnist{i}.png"));
            digit(&test, i).save(&path).unwrap();
            path
        })
        .collect();
    let mut args = vec!["classify", "--model", s(&model_path)];
    args.extend(paths.iter().map(|p| s(p)));
    let out = descent(&args);
    assert!(out.status.success(), "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), count);
    let spread: f32 = lines
        .iter()
        .map(|l| l.split("p = ").nth(1).and_then(|p| p[..5].parse::<f32>().ok()).unwrap_or(0.0))
        .sum::<f32>()
        / count as f32;
    assert!(
        spread > 0.3,
        "the head is not sharp enough to tell inputs apart (mean top p {spread})"
    );
    for (i, line) in lines.iter().enumerate() {
        let x = Tensor::from_vec(descent_data::normalize_mnist(test.image(i)), &[1, 1, 28, 28]);
        let probs = no_grad(|| model.forward(&x).softmax(1)).to_vec();
        let listed: Vec<String> = probs.iter().enumerate().map(|(d, p)| format!("{d}:{p:.3}")).collect();
        assert!(
            line.ends_with(&format!("[{}]", listed.join(" "))),
            "digit {i}: {line} vs {listed:?}"
        );
    }
}
