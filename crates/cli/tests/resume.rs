//! A `descent run lenet` killed mid-training and resumed ends with bit-identical
//! weights to an uninterrupted run of the same seed.

use descent_models::saved::ModelFile;
use descent_nn::Checkpoint;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("descent-resume-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run_lenet(out: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_descent"));
    cmd.args([
        "run",
        "lenet",
        "--epochs",
        "4",
        "--seed",
        "7",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ])
    .args(extra);
    cmd
}

fn epochs_done(dir: &Path) -> Option<usize> {
    let file = ModelFile::read(&dir.join("checkpoint.safetensors")).ok()?;
    Some(file.provenance()?.epochs_done)
}

#[test]
fn killed_and_resumed_run_matches_uninterrupted_run() {
    let whole = temp("whole");
    assert!(run_lenet(&whole, &[]).output().unwrap().status.success());

    let part = temp("part");
    let mut child = run_lenet(&part, &[]).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while epochs_done(&part).unwrap_or(0) < 1 {
        assert!(Instant::now() < deadline, "no checkpoint appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = epochs_done(&part).unwrap();
    assert!(done < 4, "the run finished before it could be killed; nothing was tested");

    let out = run_lenet(&part, &["--resume"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let a = Checkpoint::load(&whole.join("checkpoint.safetensors")).unwrap();
    let b = Checkpoint::load(&part.join("checkpoint.safetensors")).unwrap();
    assert_eq!(a.tensors.keys().collect::<Vec<_>>(), b.tensors.keys().collect::<Vec<_>>());
    for (name, (_, values)) in &a.tensors {
        assert_eq!(values, &b.tensors[name].1, "{name} differs after resuming from epoch {done}");
    }
}
