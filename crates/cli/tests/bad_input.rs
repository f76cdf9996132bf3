//! Bad input and faults as a new user meets them, through the real binary: each ends
//! with one `error: ...` line naming what was wrong and a non-zero exit (never a panic,
//! a hang or a confident wrong answer), and a reader that goes away ends the program
//! quietly.

mod common;

use common::{assert_one_line_error, command, descent, save_char_lstm, save_gpt, save_lenet, temp, wait_with_deadline};
use descent_nn::Checkpoint;
use std::io::Read;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A valid 28×28 PNG for the classify runs whose checkpoint is at fault.
fn some_digit(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("digit.png");
    image::GrayImage::from_fn(28, 28, |x, y| {
        image::Luma([if (10..18).contains(&x) && (6..22).contains(&y) { 255 } else { 0 }])
    })
    .save(&path)
    .unwrap();
    path
}

#[test]
fn checkpoint_paths_that_are_devices_folders_or_fifos_are_refused_at_once() {
    let dir = temp("special-files");
    let digit = some_digit(&dir);
    if Path::new("/dev/zero").exists() {
        let out = descent(&["classify", "--model", "/dev/zero", s(&digit)]);
        assert_one_line_error(&out, &["/dev/zero", "device"]);
        let out = descent(&["generate", "--model", "/dev/zero", "--prompt", "a"]);
        assert_one_line_error(&out, &["/dev/zero", "device"]);
    }
    let out = descent(&["generate", "--model", s(&dir), "--prompt", "a"]);
    assert_one_line_error(&out, &["folder"]);
    let fifo = dir.join("model.safetensors");
    if std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|st| st.success())
    {
        // No writer ever opens the FIFO: reading it would block forever.
        let out = descent(&["generate", "--model", s(&fifo), "--prompt", "a"]);
        assert_one_line_error(&out, &["model.safetensors", "named pipe"]);
    } else {
        println!("skipping the FIFO case: mkfifo is not available");
    }
}

#[test]
fn truncated_garbage_and_non_finite_checkpoints_are_errors_naming_file_and_tensor() {
    let dir = temp("bad-checkpoints");
    let digit = some_digit(&dir);
    let good = dir.join("lenet.safetensors");
    save_lenet(&good, |_| {});
    let ok = descent(&["classify", "--model", s(&good), s(&digit)]);
    assert!(ok.status.success(), "{}", ok.stderr);

    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.join("truncated.safetensors");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    assert_one_line_error(
        &descent(&["classify", "--model", s(&truncated), s(&digit)]),
        &["truncated.safetensors"],
    );
    let garbage = dir.join("garbage.safetensors");
    std::fs::write(&garbage, b"not a checkpoint at all").unwrap();
    assert_one_line_error(
        &descent(&["generate", "--model", s(&garbage), "--prompt", "a"]),
        &["garbage.safetensors"],
    );

    let nan = dir.join("nan.safetensors");
    save_lenet(&nan, |ck| {
        let (shape, mut values) = ck.tensors["fc3.bias"].clone();
        values[3] = f32::NAN;
        ck.insert("fc3.bias", &shape, values);
    });
    let out = descent(&["classify", "--model", s(&nan), s(&digit)]);
    assert_one_line_error(&out, &["nan.safetensors", "'fc3.bias'", "NaN"]);
    assert!(!out.stdout.contains("p = NaN"), "{}", out.stdout);
}

/// A model file to start from, the sizes of its network's config to change, and the
/// expected error.
type SizeCase<'a> = (&'a Path, &'a [(&'a str, i64)], &'a str);

/// `source`'s model file with the network sizes of `changes` in its config, saved as `path`.
fn with_sizes(source: &Path, path: &Path, changes: &[(&str, i64)]) {
    let mut ck = Checkpoint::load(source).unwrap();
    let mut config: serde_json::Value = serde_json::from_str(&ck.metadata["config"]).unwrap();
    for (k, v) in changes {
        config["net"][*k] = (*v).into();
    }
    ck.metadata.insert("config".into(), config.to_string());
    ck.save(path).unwrap();
}

#[test]
fn absurd_or_inconsistent_model_sizes_in_metadata_are_refused_before_allocating() {
    let dir = temp("absurd-sizes");
    let gpt = dir.join("gpt.safetensors");
    save_gpt(&gpt);
    let lstm = dir.join("lstm.safetensors");
    save_char_lstm(&lstm);
    assert!(descent(&["generate", "--model", s(&gpt), "--prompt", "ab", "--tokens", "5"])
        .status
        .success());
    assert!(descent(&["generate", "--model", s(&lstm), "--prompt", "ab", "--tokens", "5"])
        .status
        .success());
    let cases: &[SizeCase] = &[
        (&gpt, &[("n_layers", 100_000_000_000)], "'n_layers' = 100000000000"),
        (&gpt, &[("n_layers", 0)], "'n_layers' = 0"),
        (&gpt, &[("context", 0)], "'context' = 0"),
        (&gpt, &[("n_heads", 3)], "does not divide"),
        (&gpt, &[("d_model", 1_000_000), ("n_heads", 1)], "parameters"),
        (&gpt, &[("n_layers", -1)], "\"net.n_layers\""),
        // Plausible sizes that do not match the tensors in the file.
        (&gpt, &[("n_layers", 3)], "the file holds"),
        (&lstm, &[("hidden_size", 0)], "'hidden_size' = 0"),
        (&lstm, &[("num_layers", 100_000_000_000)], "'num_layers' = 100000000000"),
        (&lstm, &[("embed_dim", 999_999)], "parameters"),
    ];
    for (i, (source, changes, expected)) in cases.iter().enumerate() {
        let path = dir.join(format!("case{i}.safetensors"));
        with_sizes(source, &path, changes);
        let out = descent(&["generate", "--model", s(&path), "--prompt", "ab"]);
        assert_one_line_error(&out, &[&format!("case{i}.safetensors"), expected]);
    }
}

#[test]
fn bad_generate_options_fail_before_the_model_is_read() {
    // The model path does not exist: an error about the flag proves it came first.
    for (flag, value, expected) in [
        ("--tokens", "1000001", "--tokens 1000001"),
        ("--tokens", "100000000000", "limit of 1000000"),
        ("--temperature", "NaN", "--temperature NaN"),
        ("--temperature", "inf", "--temperature inf"),
        ("--temperature", "-0.5", "--temperature -0.5"),
        ("--top-k", "0", "--top-k 0"),
        ("--top-p", "0", "--top-p 0"),
        ("--top-p", "1.5", "--top-p 1.5"),
        ("--top-p", "-0.1", "--top-p -0.1"),
        ("--top-p", "NaN", "--top-p NaN"),
    ] {
        let out = descent(&["generate", "--model", "/no/such/model.safetensors", "--prompt", "a", flag, value]);
        assert_one_line_error(&out, &[expected]);
        assert!(
            !out.stderr.contains("/no/such"),
            "{flag} {value}: the model was read first: {}",
            out.stderr
        );
    }
}

#[test]
fn threads_outside_1_to_1024_are_an_error_naming_the_limit() {
    for n in ["0", "1025", "1000000"] {
        assert_one_line_error(&descent(&["--threads", n, "list"]), &["--threads", "1 to 1024"]);
    }
    assert!(descent(&["--threads", "2", "list"]).status.success());
}

#[test]
fn generate_streams_and_stops_quietly_when_the_reader_goes_away() {
    let dir = temp("stream");
    for (name, save) in [("lstm", save_char_lstm as fn(&Path)), ("gpt", save_gpt)] {
        let model = dir.join(format!("{name}.safetensors"));
        save(&model);
        // A million tokens would take minutes; the first bytes must arrive long before.
        let mut child = command(&["generate", "--model", s(&model), "--prompt", "ab", "--tokens", "1000000"])
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 10];
        stdout.read_exact(&mut first).unwrap();
        assert!(first.starts_with(b"ab"), "{name}: {:?}", String::from_utf8_lossy(&first));
        drop(stdout); // as `| head -c 10` does
        let mut stderr = String::new();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        let status = wait_with_deadline(child, Duration::from_secs(60), "generate after its reader left");
        assert!(stderr.is_empty(), "{name}: stderr: {stderr}");
        assert_eq!(status.code(), Some(141), "{name}: {status:?}");
    }
}

#[test]
fn a_closed_stderr_never_ends_a_run() {
    let dir = temp("closed-stderr");
    let model = dir.join("lstm.safetensors");
    save_char_lstm(&model);
    // `Z` is not in the vocabulary: --skip-unknown drops it with a note on stderr.
    let mut child = command(&[
        "generate",
        "--model",
        s(&model),
        "--prompt",
        "abZ",
        "--tokens",
        "50",
        "--skip-unknown",
    ])
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    drop(child.stderr.take()); // nobody reads stderr
    let mut text = String::new();
    child.stdout.take().unwrap().read_to_string(&mut text).unwrap();
    let status = wait_with_deadline(child, Duration::from_secs(60), "generate with stderr closed");
    assert!(status.success(), "{status:?}");
    assert_eq!(text.trim_end().chars().count(), "abZ".len() + 50, "{text:?}");
}

/// Runs `descent args` with stdout into a pipe whose reader has already gone, via bash;
/// returns (descent's exit status, its stderr), or None without bash.
fn into_closed_pipe(args: &str) -> Option<(String, String)> {
    let script = format!("(sleep 0.3; exec \"$DESCENT\" {args}) | true; echo \"status ${{PIPESTATUS[0]}}\" >&2");
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .env("DESCENT", env!("CARGO_BIN_EXE_descent"))
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let (text, status) = stderr.trim_end().rsplit_once("status ").unwrap_or(("", ""));
    Some((status.to_string(), text.to_string()))
}

#[test]
fn a_closed_stdout_pipe_ends_list_and_run_quietly() {
    let dir = temp("closed-stdout");
    for args in ["list".to_string(), format!("run mcculloch-pitts --json --out {}", dir.display())] {
        let Some((status, stderr)) = into_closed_pipe(&args) else {
            println!("skipping: bash is not available");
            return;
        };
        assert!(!stderr.contains("panicked"), "{args}: {stderr}");
        assert!(stderr.trim().is_empty(), "{args}: {stderr}");
        assert_eq!(status, "141", "{args}");
    }
}

#[test]
fn a_full_disk_on_stdout_is_a_one_line_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        println!("skipping: /dev/full is not available");
        return;
    };
    let out = command(&["list"]).stdout(full).output().unwrap();
    let output = common::Output {
        status: out.status,
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_one_line_error(&output, &["cannot write to stdout"]);
}
