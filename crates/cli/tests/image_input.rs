//! Every command that reads a user's picture (`classify`, `clip`, `ask`) reads it the
//! same way: format by content (a PNG named `.jpg` or with no extension), standard
//! input by `-`, a FIFO or device refused at once instead of hanging, and an image that
//! declares 400 megapixels refused from its header in one line.

mod common;

use common::{assert_one_line_error, command, descent, save_lenet, save_small_vqa, temp, wait_with_deadline};
use descent_models::clip::{Clip, ClipConfig, ClipModel};
use descent_models::saved::{self, Extras, Snapshot};
use descent_tensor::Rng;
use descent_text::{CharTokenizer, Tokenizer};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Three saved models with random weights: a LeNet, a CLIP and a VQA model.
fn models(dir: &Path) -> [PathBuf; 3] {
    let lenet = dir.join("lenet.safetensors");
    save_lenet(&lenet, |_| {});
    let tokenizer = Tokenizer::Char(CharTokenizer::from_texts(["a photo of the digit 0123456789 where is? 在哪里"]));
    let clip = dir.join("clip.safetensors");
    let config = ClipConfig {
        conv_width: 4,
        image_features: 16,
        vocab_size: tokenizer.vocab_size(),
        context: 32,
        text_width: 16,
        text_heads: 2,
        text_layers: 1,
        embed_dim: 8,
    };
    let model = ClipModel {
        clip: Clip::new(config, &mut Rng::new(1)),
        tokenizer: tokenizer.clone(),
    };
    saved::save(&clip, &Snapshot::of(&model), Extras::default()).unwrap();
    let vqa = dir.join("vqa.safetensors");
    save_small_vqa(&vqa, "where is the 7?", &["7"]);
    [lenet, clip, vqa]
}

/// The command line of each picture-reading command for `image`.
fn commands<'a>(models: &'a [PathBuf; 3], image: &'a str) -> [Vec<&'a str>; 3] {
    [
        vec!["classify", "--model", s(&models[0]), image],
        vec!["clip", "--model", s(&models[1]), "--labels", "a 7,a 3", image],
        vec!["ask", "--model", s(&models[2]), "--image", image, "where is the 7?"],
    ]
}

/// A white MNIST digit on black, 60×60 (big enough for every command).
fn digit_png() -> Vec<u8> {
    let (_, test) = descent_data::mnist_subset();
    let image = image::GrayImage::from_fn(60, 60, |x, y| {
        let (x, y) = (x as i64 - 16, y as i64 - 16);
        let v = if (0..28).contains(&x) && (0..28).contains(&y) {
            test.image(0)[(y * 28 + x) as usize]
        } else {
            0
        };
        image::Luma([v])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

/// Whether a command's output shows that it read the image (an answer, or for `ask`
/// with random weights possibly "no answer" — which comes after reading it).
fn read_the_image(out: &common::Output) -> bool {
    out.status.success() || out.stderr.contains("no answer")
}

#[test]
fn every_command_tells_the_format_by_content() {
    let dir = temp("image-input-format");
    let models = models(&dir);
    for name in ["digit.jpg", "digit"] {
        let path = dir.join(name);
        std::fs::write(&path, digit_png()).unwrap();
        for args in commands(&models, s(&path)) {
            let out = descent(&args);
            assert!(read_the_image(&out), "{}: {}", args[0], out.stderr);
        }
    }
}

#[test]
fn every_command_reads_standard_input_by_dash() {
    let dir = temp("image-input-stdin");
    let models = models(&dir);
    for args in commands(&models, "-") {
        let mut child = command(&args).stdin(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(&digit_png()).unwrap();
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        let status = wait_with_deadline(child, Duration::from_secs(60), args[0]);
        assert!(status.success() || stderr.contains("no answer"), "{}: {stderr}", args[0]);
    }
}

#[test]
fn a_fifo_is_refused_at_once_instead_of_hanging() {
    let dir = temp("image-input-fifo");
    let models = models(&dir);
    let fifo = dir.join("pipe.png");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    for args in commands(&models, s(&fifo)) {
        // `descent` gives each run two minutes: a hang fails the test.
        let out = descent(&args);
        assert_one_line_error(&out, &["pipe.png", "not a regular file"]);
    }
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    let dir = temp("image-input-bomb");
    let models = models(&dir);
    let bomb = dir.join("huge.png");
    std::fs::write(&bomb, descent_testkit::black_png(20_000, 20_000)).unwrap();
    for args in commands(&models, s(&bomb)) {
        let out = descent(&args);
        assert_one_line_error(&out, &["huge.png", "20000×20000", "limit"]);
    }
}
