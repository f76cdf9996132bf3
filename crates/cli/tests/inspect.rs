//! `descent inspect` through the real binary: a saved model's kind, config, parameter
//! count and provenance, as text or JSON; and every command that reads a model refuses a
//! file of the earlier format in one line that says which `descent run` re-creates it.

mod common;

use common::{assert_one_line_error, descent, save_gpt, temp};
use descent_models::saved::{self, Extras, Provenance, Snapshot};
use descent_models::{LeNet, LeNetVariant};
use descent_nn::Checkpoint;
use descent_tensor::Rng;
use std::collections::HashMap;
use std::path::Path;

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A LeNet saved as a run of `descent run lenet` saves it after 3 of 8 epochs.
fn save_trained_lenet(path: &Path) {
    let model = LeNet::new(LeNetVariant::Classic1989, &mut Rng::new(1));
    let provenance = Provenance {
        milestone: "lenet".into(),
        variant: "1989".into(),
        mode: "quick".into(),
        data: "MNIST embedded subset 6000/1000".into(),
        seed: 7,
        epochs_done: 3,
        epochs_total: 8,
        descent_version: "0.1.0".into(),
    };
    let extras = Extras {
        provenance: Some(&provenance),
        entries: vec![(
            "history".into(),
            r#"{"series":{"test_accuracy":[[1.0,0.9],[2.0,0.95],[3.0,0.96]]}}"#.into(),
        )],
        tensors: vec![("optim.step".into(), vec![3.0, 0.0])],
    };
    saved::save(path, &Snapshot::of(&model), extras).unwrap();
}

#[test]
fn inspect_prints_kind_config_parameters_and_provenance() {
    let dir = temp("inspect");
    let lenet = dir.join("checkpoint.safetensors");
    save_trained_lenet(&lenet);
    let out = descent(&["inspect", s(&lenet)]);
    assert!(out.status.success(), "{}", out.stderr);
    for expected in [
        "kind        lenet (LeNet-5 digit classifier)",
        r#"config      {"variant":"1989"}"#,
        "parameters  44,426",
        "descent run lenet (1989, quick), seed 7, 3 of 8 epochs, data MNIST embedded subset 6000/1000",
        "test_accuracy (3 points, last 0.9600)",
        "optimizer state saved (2 values)",
    ] {
        assert!(out.stdout.contains(expected), "missing {expected:?} in:\n{}", out.stdout);
    }
    let gpt = dir.join("gpt.safetensors");
    save_gpt(&gpt);
    let out = descent(&["inspect", "--json", s(&gpt)]);
    assert!(out.status.success(), "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(json["kind"], "gpt");
    assert_eq!(json["config"]["net"]["n_layers"], 2);
    assert_eq!(json["config"]["tokenizer"]["kind"], "char");
    assert!(json["parameters"].as_u64().unwrap() > 1000);
    assert!(json["provenance"].is_null(), "saved outside a run: no provenance");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn files_of_the_earlier_format_and_non_models_are_refused_in_one_line() {
    let dir = temp("inspect-old");
    let old = dir.join("old.safetensors");
    let model = LeNet::new(LeNetVariant::Modern, &mut Rng::new(1));
    let meta = HashMap::from([
        ("milestone".to_string(), "lenet".to_string()),
        ("variant".to_string(), "modern".to_string()),
    ]);
    Checkpoint::from_params(&descent_nn::named_params(&model), meta).save(&old).unwrap();
    let digit = dir.join("digit.png");
    image::GrayImage::from_fn(28, 28, |x, _| image::Luma([if (12..16).contains(&x) { 255 } else { 0 }]))
        .save(&digit)
        .unwrap();
    for args in [
        vec!["inspect", s(&old)],
        vec!["classify", "--model", s(&old), s(&digit)],
        vec!["generate", "--model", s(&old), "--prompt", "a"],
        vec!["draw", "--model", s(&old), "--out", "x.png"],
    ] {
        let out = descent(&args);
        assert_one_line_error(&out, &["old.safetensors", "earlier version of descent", "`descent run lenet`"]);
    }
    let bare = dir.join("bare.safetensors");
    Checkpoint::from_params(&descent_nn::named_params(&model), HashMap::new())
        .save(&bare)
        .unwrap();
    assert_one_line_error(&descent(&["inspect", s(&bare)]), &["bare.safetensors", "not a descent model"]);
    let text = dir.join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    assert_one_line_error(&descent(&["inspect", s(&text)]), &["notes.txt", "not a valid safetensors"]);
    std::fs::remove_dir_all(&dir).ok();
}
