//! Two real MPI processes against one: with the same global batch, the parameters after
//! a few SGD steps match the single-process run within the golden tolerance; a rank that
//! reports a failure stops both at the same step; a rank that panics aborts the job.
//!
//! A test without libtest's harness (`harness = false`): run plainly it is the parent,
//! which trains in-process and then starts `mpirun -np 2` on its own executable with
//! `DESCENT_DIST_ROLE` set; those children are the ranks. Skipped, with a message, when
//! `mpirun` is not installed. Needs the `mpi` feature:
//! `cargo test --release -p descent-dist --features mpi --test mpi_two_ranks`.

use descent_data::{cifar_subset, normalize_cifar, CIFAR_IMAGE_BYTES};
use descent_dist::{DataParallel, LocalStep, World};
use descent_nn::{params, Conv2d, Forward, Linear, Module};
use descent_optim::{Optimizer, Sgd, SgdConfig};
use descent_tensor::{Param, Rng, Tensor};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const STEPS: usize = 6;
const GLOBAL_BATCH: usize = 30; // 15 a rank
const TIMEOUT: Duration = Duration::from_secs(180);

/// conv 3→8 (3×3) → ReLU → max-pool 2 → linear 2048 → 10.
struct Small {
    conv: Conv2d,
    fc: Linear,
}

impl Forward for Small {
    fn forward(&self, x: &Tensor) -> Tensor {
        let h = self.conv.forward(x).relu().max_pool2d(2, 2); // (B, 8, 16, 16)
        self.fc.forward(&h.flatten_from(1)) // (B, 10)
    }
}

impl Module for Small {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.conv.visit(&descent_nn::join_name(prefix, "conv"), f);
        self.fc.visit(&descent_nn::join_name(prefix, "fc"), f);
    }
}

/// `STEPS` steps on real CIFAR images; `fail_at` = (rank, step) makes that rank report a
/// failure, `panic_at` makes it panic. Returns the final parameters, flattened.
fn train(world: World, fail_at: Option<(usize, usize)>, panic_at: Option<(usize, usize)>) -> Result<Vec<f32>, String> {
    let (set, _) = cifar_subset();
    let n = STEPS * GLOBAL_BATCH;
    let inputs = normalize_cifar(&set.images[..n * CIFAR_IMAGE_BYTES]);
    let labels: Vec<usize> = set.labels_usize()[..n].to_vec();
    let mut rng = Rng::new(7);
    let model = Small {
        conv: Conv2d::new(3, 8, 3, 1, 1, &mut rng),
        fc: Linear::new(8 * 16 * 16, 10, &mut rng),
    };
    let all = params(&model);
    let mut optimizer = Sgd::new(SgdConfig {
        lr: 0.05,
        momentum: 0.9,
        weight_decay: 5e-4,
        ..SgdConfig::default()
    });
    let mut parallel = DataParallel::new(world.clone());
    parallel.broadcast_params(&all);
    for step in 0..STEPS {
        if panic_at == Some((world.rank(), step)) {
            panic!("rank {} panics at step {step} (test)", world.rank());
        }
        let batch = step * GLOBAL_BATCH..(step + 1) * GLOBAL_BATCH;
        let mine = parallel.shard(GLOBAL_BATCH);
        let (lo, hi) = (batch.start + mine.start, batch.start + mine.end);
        let x = Tensor::from_slice(&inputs[lo * CIFAR_IMAGE_BYTES..hi * CIFAR_IMAGE_BYTES], &[hi - lo, 3, 32, 32]);
        let loss = model.forward(&x).cross_entropy(&labels[lo..hi]);
        let mut grads = loss.backward();
        let failure = (fail_at == Some((world.rank(), step))).then(|| "a non-finite loss (injected by the test)".to_string());
        let local = LocalStep {
            examples: hi - lo,
            global_examples: GLOBAL_BATCH,
            loss_sum: loss.item() as f64 * (hi - lo) as f64,
            correct: 0,
            failure,
        };
        drop(loss);
        parallel.all_reduce(&all, &mut grads, &local).map_err(|e| e.to_string())?;
        optimizer.step(&all, &grads);
    }
    Ok(all.iter().flat_map(|p| p.value().to_vec()).collect())
}

fn write_floats(path: &Path, values: &[f32]) {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

fn read_floats(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_default();
    bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// One rank, started by mpirun.
fn child(role: &str, out: &Path) -> i32 {
    let session = descent_dist::start_mpi().expect("MPI starts under mpirun");
    let world = session.world();
    let (fail, panic) = match role {
        "fail" => (Some((1, 2)), None),
        "panic" => (None, Some((1, 2))),
        _ => (None, None),
    };
    match train(world.clone(), fail, panic) {
        Ok(values) => {
            if world.is_root() {
                write_floats(out, &values);
            }
            0
        }
        Err(message) => {
            assert!(world.failed_together(), "errors in this test come from the step flag");
            if world.is_root() {
                std::fs::write(out, message).unwrap();
            }
            3
        }
    }
}

/// `mpirun -np 2` on this executable in `role`; (exit status, seconds, output file).
fn launch(mpirun: &Path, role: &str) -> (Option<i32>, f64, PathBuf) {
    let out = std::env::temp_dir().join(format!("descent-dist-{role}-{}.out", std::process::id()));
    let _ = std::fs::remove_file(&out);
    let exe = std::env::current_exe().unwrap();
    let start = Instant::now();
    let mut process = Command::new(mpirun)
        .args(["-np", "2", "--oversubscribe", "--allow-run-as-root"])
        .arg(&exe)
        .env("DESCENT_DIST_ROLE", role)
        .env("DESCENT_DIST_OUT", &out)
        // Containers often forbid the cross-memory attach that vader's zero-copy uses.
        .env("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
        .stdin(Stdio::null())
        .spawn()
        .expect("mpirun starts");
    loop {
        if let Some(status) = process.try_wait().unwrap() {
            return (status.code(), start.elapsed().as_secs_f64(), out);
        }
        if start.elapsed() > TIMEOUT {
            let _ = process.kill();
            panic!("mpirun -np 2 ({role}) hung for {TIMEOUT:?}: a rank is waiting in a collective");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn find_mpirun() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join("mpirun")).find(|p| p.is_file())
}

fn main() {
    if let Ok(role) = std::env::var("DESCENT_DIST_ROLE") {
        let out = PathBuf::from(std::env::var("DESCENT_DIST_OUT").expect("DESCENT_DIST_OUT is set"));
        std::process::exit(child(&role, &out));
    }
    let Some(mpirun) = find_mpirun() else {
        println!("mpi_two_ranks: skipped: mpirun not found (apt-get install openmpi-bin libopenmpi-dev)");
        return;
    };

    println!("test two_ranks_match_one_process ...");
    let single = train(World::local(), None, None).unwrap();
    let (code, seconds, out) = launch(&mpirun, "train");
    assert_eq!(code, Some(0), "mpirun -np 2 failed");
    let two = read_floats(&out);
    assert_eq!(two.len(), single.len(), "rank 0 wrote {} values, expected {}", two.len(), single.len());
    let scale = single.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    let mut worst = 0.0f32;
    for (i, (a, b)) in single.iter().zip(&two).enumerate() {
        let tolerance = 1e-5 * scale + 1e-4 * a.abs();
        assert!((a - b).abs() <= tolerance, "parameter {i}: one process {a}, two ranks {b}");
        worst = worst.max((a - b).abs());
    }
    println!("  ok: {} parameters after {STEPS} steps, largest difference {worst:.2e} ({seconds:.1}s)", single.len());

    println!("test a_failing_rank_stops_every_rank ...");
    let (code, seconds, out) = launch(&mpirun, "fail");
    assert_ne!(code, Some(0), "the job should fail");
    let message = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(message.contains("rank 1 stopped the job"), "rank 0's error: {message:?}");
    println!("  ok: both ranks stopped at step 2 ({seconds:.1}s): {message}");

    println!("test a_panicking_rank_aborts_the_job ...");
    let (code, seconds, _) = launch(&mpirun, "panic");
    assert_ne!(code, Some(0), "the job should fail");
    println!("  ok: mpirun ended with {code:?} after {seconds:.1}s, no rank left waiting");
}
