//! LeNet's quick run learns (resume is tested on the real binary, killed mid-run,
//! in crates/cli/tests/resume.rs).

use descent_gallery::{execute, find, MilestoneError, MilestoneReport, RunConfig, Silent};
use std::sync::Arc;

fn run_lenet(c: &RunConfig) -> Result<MilestoneReport, MilestoneError> {
    execute(find("lenet").unwrap(), c.clone(), Arc::new(Silent))
}

fn cfg(name: &str, epochs: usize) -> RunConfig {
    let mut c = RunConfig::new("lenet");
    c.out_dir = std::env::temp_dir().join(format!("descent-test-lenet-{name}-{}", std::process::id()));
    c.epochs = Some(epochs);
    c
}

#[test]
fn lenet_learns_mnist_digits_quickly() {
    let mut c = cfg("quick", 0);
    c.epochs = None; // the quick run's own default
    let r = run_lenet(&c).unwrap();
    let acc = r.measured["test_accuracy"].as_f64().unwrap();
    assert!(acc >= 0.95, "test accuracy {acc} on the embedded subset");
    assert!(r.passed, "{}", r.human_summary());
}

#[test]
fn unknown_variant_is_a_clear_error() {
    let mut c = cfg("variant", 1);
    c.variant = Some("1998".into());
    let err = run_lenet(&c).unwrap_err().to_string();
    assert!(
        err.contains("unknown lenet variant '1998'") && err.contains("modern, 1989"),
        "{err}"
    );
}
