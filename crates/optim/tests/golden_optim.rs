//! Parity with PyTorch's optimizers: three steps of SGD, Adam and AdamW on a [4, 5]
//! parameter, against `optim.<name>.*` in the golden `ops.safetensors`.
//!
//! The gradients span 1e-9…1 and the learning rates are large, so ε's placement,
//! the bias corrections, the first momentum buffer and the decoupled decay each move
//! the result far beyond float32 rounding (see the golden README's bug table).

use descent_optim::{Adam, AdamConfig, AdamW, AdamWConfig, Optimizer, Sgd, SgdConfig};
use descent_tensor::{GradStore, Param, Tensor};
use descent_testkit::Golden;

/// The README's recommended test on one step's slice:
/// `|x − ref| ≤ 1e-5·max|ref| + 1e-4·|ref|`, with max|ref| over the whole slice.
fn assert_step_matches(what: &str, actual: &[f32], expected: &[f32]) {
    assert_eq!(actual.len(), expected.len(), "{what}: length");
    let max_ref = expected.iter().fold(0.0f32, |m, &x| m.max(x.abs()));
    for (i, (&x, &r)) in actual.iter().zip(expected).enumerate() {
        let tolerance = 1e-5 * max_ref + 1e-4 * r.abs();
        assert!(
            (x - r).abs() <= tolerance,
            "{what}: index {i} got {x} expected {r} ({:.2}x the tolerance)",
            (x - r).abs() / tolerance.max(f32::MIN_POSITIVE)
        );
    }
}

/// Runs `optimizer` for the three stored steps and checks the parameter after each.
fn check_against_golden(name: &str, optimizer: &mut dyn Optimizer) {
    let golden = Golden::load("ops.safetensors");
    let (shape0, start) = golden.raw(&format!("optim.{name}.param0"));
    let (grad_shape, grads) = golden.raw(&format!("optim.{name}.grads"));
    let (param_shape, expected) = golden.raw(&format!("optim.{name}.params"));
    assert_eq!(shape0, &[4, 5]);
    assert_eq!(grad_shape, &[3, 4, 5]);
    assert_eq!(param_shape, &[3, 4, 5]);

    let param = Param::new(Tensor::from_slice(start, shape0));
    let params = [param.clone()];
    let numel = start.len();
    for step in 0..3 {
        let slice = step * numel..(step + 1) * numel;
        let mut store = GradStore::new();
        store.insert(param.id(), Tensor::from_slice(&grads[slice.clone()], shape0));
        optimizer.step(&params, &store);
        let what = format!("optim.{name}.params step {}", step + 1);
        assert_step_matches(&what, &param.value().to_vec(), &expected[slice]);
    }
}

#[test]
fn sgd_momentum_matches_pytorch() {
    let mut sgd = Sgd::new(SgdConfig {
        lr: 0.1,
        momentum: 0.9,
        ..SgdConfig::default()
    });
    check_against_golden("sgd", &mut sgd);
}

#[test]
fn adam_matches_pytorch() {
    let config = AdamConfig {
        lr: 0.1,
        betas: (0.9, 0.999),
        eps: 1e-8,
        weight_decay: 0.0,
    };
    check_against_golden("adam", &mut Adam::new(config));
}

#[test]
fn adamw_matches_pytorch() {
    let config = AdamWConfig {
        lr: 0.1,
        betas: (0.9, 0.999),
        eps: 1e-8,
        weight_decay: 0.1,
    };
    check_against_golden("adamw", &mut AdamW::new(config));
}
