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
