//! The run harness on a real milestone (LeNet, one epoch of the embedded subset): exact
//! resume refuses checkpoints from a different run and says what differs, a fresh run
//! keeps the earlier checkpoint, and a second run on a busy output folder is refused.

use descent_gallery::harness::OutputLock;
use descent_gallery::{execute, find, MilestoneError, MilestoneReport, RunConfig, Silent};
use std::path::PathBuf;
use std::sync::Arc;

fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("descent-test-harness-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn lenet(dir: &std::path::Path, configure: impl FnOnce(&mut RunConfig)) -> Result<MilestoneReport, MilestoneError> {
    let mut cfg = RunConfig::new("lenet");
    cfg.out_dir = dir.to_path_buf();
    cfg.epochs = Some(1);
    configure(&mut cfg);
    execute(find("lenet").unwrap(), cfg, Arc::new(Silent))
}

#[test]
fn resume_refuses_a_different_run_and_fresh_runs_keep_the_earlier_checkpoint() {
    let dir = out_dir("resume");
    lenet(&dir, |_| {}).unwrap();
    assert!(dir.join("checkpoint.safetensors").is_file());

    let err = lenet(&dir, |c| {
        c.resume = true;
        c.seed = 7;
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("seed: checkpoint \"0\", this run \"7\""), "{err}");

    let err = lenet(&dir, |c| {
        c.resume = true;
        c.variant = Some("1989".into());
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("variant: checkpoint \"modern\", this run \"1989\""), "{err}");

    // Same settings resume, and run the epochs still planned (none: the run finished).
    let resumed = lenet(&dir, |c| c.resume = true).unwrap();
    assert_eq!(resumed.measured["epochs"], 1);

    // A fresh run moves the earlier checkpoint aside and says so.
    let fresh = lenet(&dir, |_| {}).unwrap();
    let kept: Vec<_> = std::fs::read_dir(dir.join("previous")).unwrap().flatten().collect();
    assert_eq!(kept.len(), 1, "one earlier checkpoint kept");
    assert!(
        fresh.notes.iter().any(|n| n.contains("Kept the earlier run's checkpoint")),
        "{:?}",
        fresh.notes
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn resume_without_a_checkpoint_is_an_error() {
    let dir = out_dir("nothing");
    let err = lenet(&dir, |c| c.resume = true).unwrap_err().to_string();
    assert!(err.contains("no") && err.contains("run without --resume"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_busy_output_folder_is_refused() {
    let dir = out_dir("busy");
    std::fs::create_dir_all(&dir).unwrap();
    // Another run holds the folder (its lock, taken here, is an OS lock on the file).
    let held = OutputLock::acquire(&dir).unwrap();
    let err = lenet(&dir, |_| {}).unwrap_err().to_string();
    assert!(
        err.contains("another descent run (process") && err.contains(".descent.lock"),
        "{err}"
    );
    drop(held);
    // A lock file that names a live process but is held by none (left from before a
    // restart: pid 1 is alive and is not descent) does not block the run.
    std::fs::write(dir.join(".descent.lock"), "1\n").unwrap();
    drop(OutputLock::acquire(&dir).expect("a left-over lock file is taken over"));
    std::fs::remove_dir_all(&dir).ok();
}
