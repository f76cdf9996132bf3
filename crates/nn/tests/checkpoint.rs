//! Checkpoint round trips and the errors a user sees for bad files.

use descent_nn::{named_params, Checkpoint, CheckpointError, Forward, Linear, Module, Sequential};
use descent_tensor::Rng;
use std::collections::HashMap;

fn model(seed: u64) -> Sequential {
    let mut rng = Rng::new(seed);
    Sequential::new().add(Linear::new(3, 4, &mut rng)).add(Linear::new(4, 2, &mut rng))
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("descent-nn-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn save_then_load_restores_every_parameter_and_metadata() {
    let dir = temp_dir("roundtrip");
    let path = dir.join("m.safetensors");
    let a = model(1);
    let meta = HashMap::from([("model".to_string(), "mlp".to_string())]);
    Checkpoint::from_params(&named_params(&a), meta).save(&path).unwrap();
    let b = model(2);
    let ck = Checkpoint::load(&path).unwrap();
    assert_eq!(ck.metadata["model"], "mlp");
    ck.apply(&named_params(&b), &[]).unwrap();
    for ((na, pa), (nb, pb)) in named_params(&a).iter().zip(named_params(&b).iter()) {
        assert_eq!(na, nb);
        assert_eq!(pa.value().to_vec(), pb.value().to_vec());
    }
    assert!(
        std::fs::read_dir(&dir)
            .unwrap()
            .all(|e| !e.unwrap().file_name().to_string_lossy().contains(".tmp")),
        "no temp files left"
    );
}

#[test]
fn truncated_missing_and_mismatched_files_give_named_errors() {
    let dir = temp_dir("errors");
    let path = dir.join("m.safetensors");
    let a = model(1);
    Checkpoint::from_params(&named_params(&a), HashMap::new()).save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();

    let truncated = dir.join("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() - 10]).unwrap();
    let err = Checkpoint::load(&truncated).unwrap_err();
    assert!(
        matches!(err, CheckpointError::Corrupt { .. }) && err.to_string().contains("truncated.safetensors"),
        "{err}"
    );

    let err = Checkpoint::load(&dir.join("absent.safetensors")).unwrap_err();
    assert!(err.to_string().contains("absent.safetensors"), "{err}");

    let mut rng = Rng::new(3);
    let other = Sequential::new().add(Linear::new(3, 5, &mut rng)).add(Linear::new(5, 2, &mut rng));
    let err = Checkpoint::load(&path).unwrap().apply(&named_params(&other), &[]).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("0.weight") && text.contains("[5, 3]") && text.contains("[4, 3]"),
        "{text}"
    );

    let smaller = Sequential::new().add(Linear::new(3, 4, &mut rng));
    let err = Checkpoint::load(&path).unwrap().apply(&named_params(&smaller), &[]).unwrap_err();
    assert!(matches!(err, CheckpointError::Unexpected { .. }), "{err}");
}

#[test]
fn non_finite_weights_are_an_error_naming_the_tensor() {
    let dir = temp_dir("nan");
    let a = model(1);
    for (bad, file) in [(f32::NAN, "nan.safetensors"), (f32::INFINITY, "inf.safetensors")] {
        let mut ck = Checkpoint::from_params(&named_params(&a), HashMap::new());
        let (shape, mut values) = ck.tensors["1.bias"].clone();
        values[1] = bad;
        ck.insert("1.bias", &shape, values);
        let path = dir.join(file);
        ck.save(&path).unwrap();
        let err = Checkpoint::load(&path).unwrap_err();
        assert!(matches!(err, CheckpointError::NonFinite { index: 1, .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains(file) && text.contains("'1.bias'"), "{text}");
    }
}

#[test]
fn folders_devices_and_fifos_are_refused_before_reading() {
    let dir = temp_dir("special");
    let err = Checkpoint::load(&dir).unwrap_err();
    assert!(
        matches!(err, CheckpointError::NotAFile { .. }) && err.to_string().contains("folder"),
        "{err}"
    );
    if std::path::Path::new("/dev/zero").exists() {
        let err = Checkpoint::load(std::path::Path::new("/dev/zero")).unwrap_err();
        assert!(err.to_string().contains("/dev/zero: is a device"), "{err}");
    }
    // A FIFO with no writer: opening it would block forever; it must be refused.
    let fifo = dir.join("pipe.safetensors");
    let _ = std::fs::remove_file(&fifo);
    match std::process::Command::new("mkfifo").arg(&fifo).status() {
        Ok(s) if s.success() => {
            let err = Checkpoint::load(&fifo).unwrap_err();
            assert!(err.to_string().contains("named pipe"), "{err}");
        }
        _ => println!("skipping the FIFO case: mkfifo is not available"),
    }
}

#[test]
fn garbage_is_an_error_naming_the_file() {
    let dir = temp_dir("garbage");
    for (file, bytes) in [
        ("empty.safetensors", &b""[..]),
        ("text.safetensors", b"hello, this is not a checkpoint"),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, bytes).unwrap();
        let err = Checkpoint::load(&path).unwrap_err();
        assert!(
            matches!(err, CheckpointError::Corrupt { .. }) && err.to_string().contains(file),
            "{err}"
        );
    }
}

#[test]
fn save_removes_temp_files_of_dead_processes_only() {
    let dir = temp_dir("stale");
    let path = dir.join("m.safetensors");
    // 4e9 is above any Linux pid; pid 1 always runs.
    let dead = dir.join("m.safetensors.tmp4000000000");
    let old_style_dead = dir.join("m.tmp4000000001");
    let alive = dir.join("m.safetensors.tmp1");
    for p in [&dead, &old_style_dead, &alive] {
        std::fs::write(p, b"half a checkpoint").unwrap();
    }
    Checkpoint::from_params(&named_params(&model(1)), HashMap::new())
        .save(&path)
        .unwrap();
    Checkpoint::load(&path).unwrap();
    if std::path::Path::new("/proc/self").exists() {
        assert!(!dead.exists() && !old_style_dead.exists(), "stale temp files were left");
        assert!(alive.exists(), "the temp file of a running process was removed");
    }
}

#[test]
fn dropout_is_identity_in_eval_and_scales_in_training() {
    let d = descent_nn::Dropout::new(0.5, 7);
    let x = descent_tensor::Tensor::ones(&[1000]);
    let y = d.forward(&x).to_vec();
    assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
    let kept = y.iter().filter(|&&v| v > 0.0).count();
    assert!((400..600).contains(&kept), "kept {kept}");
    d.set_training(false);
    assert_eq!(d.forward(&x).to_vec(), x.to_vec());
}
