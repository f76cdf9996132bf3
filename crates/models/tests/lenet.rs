//! LeNet's quick run learns, and a run stopped and resumed ends with bit-identical
//! weights to an uninterrupted one.

use descent_models::{lenet, RunConfig};
use descent_nn::Checkpoint;

fn cfg(name: &str, epochs: usize) -> RunConfig {
    let mut c = RunConfig::new("lenet");
    c.out_dir = std::env::temp_dir().join(format!("descent-test-lenet-{name}-{}", std::process::id()));
    c.progress = false;
    c.epochs = Some(epochs);
    c
}

#[test]
fn lenet_learns_mnist_digits_quickly() {
    let mut c = cfg("quick", 0);
    c.epochs = None; // the quick run's own default
    let r = lenet::run(&c).unwrap();
    let acc = r.measured["test_accuracy"].as_f64().unwrap();
    assert!(acc >= 0.95, "test accuracy {acc} on the embedded subset");
    assert!(r.passed, "{}", r.human_summary());
}

#[test]
fn resumed_run_matches_uninterrupted_run() {
    let whole = cfg("whole", 2);
    lenet::run(&whole).unwrap();
    let mut part = cfg("part", 1);
    lenet::run(&part).unwrap();
    part.epochs = Some(2);
    part.resume = true;
    let resumed = lenet::run(&part).unwrap();
    let a = Checkpoint::load(&whole.out_dir.join("checkpoint.safetensors")).unwrap();
    let b = Checkpoint::load(&part.out_dir.join("checkpoint.safetensors")).unwrap();
    assert_eq!(a.tensors.keys().collect::<Vec<_>>(), b.tensors.keys().collect::<Vec<_>>());
    for (name, (_, values)) in &a.tensors {
        assert_eq!(values, &b.tensors[name].1, "{name} differs after resume");
    }
    assert_eq!(resumed.measured["epochs"].as_u64(), Some(2));
}

#[test]
fn unknown_variant_is_a_clear_error() {
    let mut c = cfg("variant", 1);
    c.variant = Some("1998".into());
    let err = lenet::run(&c).unwrap_err().to_string();
    assert!(err.contains("unknown lenet variant '1998'"), "{err}");
}
