//! The `descent` binary as a user runs it: list, run --json, errors, classify.

mod common;

use std::path::{Path, PathBuf};

/// `descent args...` as (success, stdout, stderr).
fn descent(args: &[&str]) -> (bool, String, String) {
    let out = common::descent(args);
    (out.status.success(), out.stdout, out.stderr)
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("descent-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn list_names_every_milestone() {
    let (ok, out, _) = descent(&["list"]);
    assert!(ok);
    for id in ["mcculloch-pitts", "perceptron", "xor", "backprop", "lenet"] {
        assert!(out.contains(id), "list lacks {id}:\n{out}");
    }
}

#[test]
fn run_json_prints_one_parseable_object_that_passes() {
    let dir = temp("json");
    for id in ["mcculloch-pitts", "perceptron", "xor", "backprop"] {
        let (ok, out, err) = descent(&["run", id, "--json", "--out", dir.join(id).to_str().unwrap()]);
        assert!(ok, "{id}: {err}");
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{id}: not JSON ({e}): {out}"));
        assert_eq!(v["milestone"], id);
        assert_eq!(v["passed"], true, "{id} did not pass: {out}");
        assert!(v["measured"].is_object() && v["claim"].is_string());
        assert!(dir.join(id).join("report.json").exists());
    }
}

#[test]
fn unknown_milestone_and_bad_options_fail_with_a_message() {
    let (ok, _, err) = descent(&["run", "alexnet-2099"]);
    assert!(
        !ok && err.contains("unknown milestone 'alexnet-2099'") && err.contains("perceptron"),
        "{err}"
    );
    let (ok, _, err) = descent(&["run", "lenet", "--variant", "1998", "--out", temp("variant").to_str().unwrap()]);
    assert!(!ok && err.contains("unknown lenet variant"), "{err}");
}

/// A test digit as a user's photo would be: larger, dark ink on a light page.
fn write_user_style_png(pixels: &[u8], path: &Path) {
    let img = image::GrayImage::from_fn(28, 28, |x, y| image::Luma([255 - pixels[(y * 28 + x) as usize]]));
    image::imageops::resize(&img, 90, 90, image::imageops::FilterType::Triangle)
        .save(path)
        .unwrap();
}

#[test]
fn classify_reads_digits_from_image_files() {
    let dir = temp("classify");
    let run_dir = dir.join("lenet");
    let (ok, _, err) = descent(&["run", "lenet", "--epochs", "3", "--json", "--out", run_dir.to_str().unwrap()]);
    assert!(ok, "{err}");
    let (_, test) = descent_data::mnist_subset();
    let mut paths = Vec::new();
    for i in 0..20 {
        let p = dir.join(format!("digit{i}_label{}.png", test.labels[i]));
        write_user_style_png(test.image(i), &p);
        paths.push(p);
    }
    let model = run_dir.join("checkpoint.safetensors");
    let mut args = vec!["classify", "--model", model.to_str().unwrap()];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let (ok, out, err) = descent(&args);
    assert!(ok, "{err}");
    let correct = out
        .lines()
        .filter(|l| {
            let label = l.split("_label").nth(1).and_then(|s| s.chars().next());
            let predicted = l.split(": ").nth(1).and_then(|s| s.chars().next());
            label.is_some() && label == predicted
        })
        .count();
    assert!(correct >= 16, "only {correct}/20 digits read correctly:\n{out}");

    let bad = dir.join("not-an-image.png");
    std::fs::write(&bad, b"hello").unwrap();
    let (ok, _, err) = descent(&["classify", "--model", model.to_str().unwrap(), bad.to_str().unwrap()]);
    assert!(!ok && err.contains("not-an-image.png"), "{err}");
    let (ok, _, err) = descent(&["classify", "--model", bad.to_str().unwrap(), paths[0].to_str().unwrap()]);
    assert!(!ok && err.contains("not-an-image.png"), "{err}");
}
