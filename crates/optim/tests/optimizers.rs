//! Behaviour of SGD, Adam and AdamW beyond the golden three steps: convergence,
//! exact hand-computed steps, weight decay, skipped parameters and state by id.

use descent_optim::{Adam, AdamConfig, AdamW, AdamWConfig, Optimizer, Sgd, SgdConfig};
use descent_tensor::{GradStore, Param, Tensor};
use descent_testkit::assert_close;
use std::slice::from_ref;

fn param(values: &[f32]) -> Param {
    Param::new(Tensor::from_slice(values, &[values.len()]))
}

fn store(pairs: &[(&Param, &[f32])]) -> GradStore {
    let mut grads = GradStore::new();
    for (param, grad) in pairs {
        grads.insert(param.id(), Tensor::from_slice(grad, &[grad.len()]));
    }
    grads
}

fn momentum(lr: f32, momentum: f32, nesterov: bool) -> Sgd {
    Sgd::new(SgdConfig {
        lr,
        momentum,
        nesterov,
        weight_decay: 0.0,
    })
}

/// Every optimizer, boxed, at a learning rate that makes each step visible.
fn all_optimizers() -> Vec<(&'static str, Box<dyn Optimizer>)> {
    vec![
        ("sgd", Box::new(momentum(0.1, 0.9, false))),
        (
            "adam",
            Box::new(Adam::new(AdamConfig {
                lr: 0.1,
                ..AdamConfig::default()
            })),
        ),
        (
            "adamw",
            Box::new(AdamW::new(AdamWConfig {
                lr: 0.1,
                weight_decay: 0.1,
                ..AdamWConfig::default()
            })),
        ),
    ]
}

#[test]
fn sgd_momentum_converges_on_quadratic() {
    // f(p) = ½ Σ a_i (p_i − c_i)², an ill-conditioned bowl (curvatures 0.25…4).
    let curvature = [1.0f32, 4.0, 0.25];
    let centre = [1.0f32, -2.0, 3.0];
    let p = param(&[0.0, 0.0, 0.0]);
    let mut sgd = momentum(0.1, 0.9, false);
    for _ in 0..300 {
        let values = p.value().to_vec();
        let grad: Vec<f32> = (0..3).map(|i| curvature[i] * (values[i] - centre[i])).collect();
        sgd.step(from_ref(&p), &store(&[(&p, &grad)]));
    }
    let values = p.value().to_vec();
    for i in 0..3 {
        assert!((values[i] - centre[i]).abs() < 1e-4, "p[{i}] = {} not at {}", values[i], centre[i]);
    }
}

#[test]
fn sgd_momentum_first_buffer_is_the_gradient() {
    // b₁ = g = 1, p = 1 − 0.1 = 0.9; b₂ = 0.9 + 1 = 1.9, p = 0.9 − 0.19 = 0.71.
    let p = param(&[1.0]);
    let mut sgd = momentum(0.1, 0.9, false);
    sgd.step(from_ref(&p), &store(&[(&p, &[1.0])]));
    assert_close(&p.value().to_vec(), &[0.9], 1e-6, 1e-6, "step 1");
    sgd.step(from_ref(&p), &store(&[(&p, &[1.0])]));
    assert_close(&p.value().to_vec(), &[0.71], 1e-6, 1e-6, "step 2");
}

#[test]
fn nesterov_differs_from_plain_momentum() {
    // Nesterov steps along g + μ·b: 1.9 then 1 + 0.9·1.9 = 2.71.
    let plain = param(&[1.0]);
    let nesterov = param(&[1.0]);
    let mut plain_sgd = momentum(0.1, 0.9, false);
    let mut nesterov_sgd = momentum(0.1, 0.9, true);
    for _ in 0..2 {
        plain_sgd.step(from_ref(&plain), &store(&[(&plain, &[1.0])]));
        nesterov_sgd.step(from_ref(&nesterov), &store(&[(&nesterov, &[1.0])]));
    }
    assert_close(&nesterov.value().to_vec(), &[1.0 - 0.19 - 0.271], 1e-6, 1e-6, "nesterov");
    assert_close(&plain.value().to_vec(), &[0.71], 1e-6, 1e-6, "plain");
}

#[test]
#[should_panic(expected = "nesterov needs momentum")]
fn nesterov_without_momentum_is_refused() {
    Sgd::new(SgdConfig {
        nesterov: true,
        ..SgdConfig::default()
    });
}

#[test]
fn sgd_weight_decay_shrinks() {
    // Zero gradient, wd 0.5, lr 0.1: p ← p·(1 − 0.05) per step.
    let p = param(&[2.0, -4.0]);
    let mut sgd = Sgd::new(SgdConfig {
        lr: 0.1,
        weight_decay: 0.5,
        ..SgdConfig::default()
    });
    for _ in 0..2 {
        sgd.step(from_ref(&p), &store(&[(&p, &[0.0, 0.0])]));
    }
    assert_close(&p.value().to_vec(), &[2.0 * 0.95 * 0.95, -4.0 * 0.95 * 0.95], 1e-6, 1e-6, "decayed");
}

#[test]
fn adamw_decay_shrinks_with_zero_gradient() {
    // m = v = 0, so the Adam term is 0/(0 + ε) = 0 and only p·(1 − lr·wd) remains.
    let p = param(&[3.0, -1.0]);
    let mut adamw = AdamW::new(AdamWConfig {
        lr: 0.1,
        weight_decay: 0.1,
        ..AdamWConfig::default()
    });
    for _ in 0..3 {
        adamw.step(from_ref(&p), &store(&[(&p, &[0.0, 0.0])]));
    }
    let factor = 0.99f32 * 0.99 * 0.99;
    assert_close(&p.value().to_vec(), &[3.0 * factor, -factor], 1e-6, 1e-6, "decayed");
}

#[test]
fn adam_first_step_moves_by_lr_times_sign() {
    // Bias correction makes m̂ = g and √v̂ = |g| at t = 1: the step is lr·g/(|g| + ε).
    let p = param(&[0.0, 0.0, 0.0]);
    let mut adam = Adam::new(AdamConfig {
        lr: 0.1,
        ..AdamConfig::default()
    });
    adam.step(from_ref(&p), &store(&[(&p, &[1e-3, -5.0, 100.0])]));
    assert_close(&p.value().to_vec(), &[-0.1, 0.1, -0.1], 1e-6, 1e-6, "first step");
}

#[test]
fn adam_l2_decay_differs_from_adamw_decay() {
    let coupled = param(&[1.0, 2.0]);
    let decoupled = param(&[1.0, 2.0]);
    let mut adam = Adam::new(AdamConfig {
        lr: 0.1,
        weight_decay: 0.1,
        ..AdamConfig::default()
    });
    let mut adamw = AdamW::new(AdamWConfig {
        lr: 0.1,
        weight_decay: 0.1,
        ..AdamWConfig::default()
    });
    for _ in 0..3 {
        adam.step(from_ref(&coupled), &store(&[(&coupled, &[0.5, -0.5])]));
        adamw.step(from_ref(&decoupled), &store(&[(&decoupled, &[0.5, -0.5])]));
    }
    let (a, b) = (coupled.value().to_vec(), decoupled.value().to_vec());
    assert!((a[0] - b[0]).abs() > 1e-3, "Adam+L2 {a:?} vs AdamW {b:?}");
}

#[test]
fn params_without_grads_are_untouched() {
    for (name, mut optimizer) in all_optimizers() {
        let (_, mut fresh) = all_optimizers().into_iter().find(|(n, _)| *n == name).unwrap();
        let trained = param(&[1.0, -1.0]);
        let frozen = param(&[0.5, 0.25]);
        let params = [trained.clone(), frozen.clone()];
        for _ in 0..3 {
            optimizer.step(&params, &store(&[(&trained, &[0.3, 0.7])]));
        }
        assert_eq!(
            frozen.value().to_vec(),
            vec![0.5, 0.25],
            "{name}: value of a parameter with no gradient"
        );

        // Its state did not age either: its first real step equals a fresh optimizer's.
        optimizer.step(&params, &store(&[(&frozen, &[0.2, -0.4])]));
        let reference = param(&[0.5, 0.25]);
        fresh.step(from_ref(&reference), &store(&[(&reference, &[0.2, -0.4])]));
        assert_eq!(
            frozen.value().to_vec(),
            reference.value().to_vec(),
            "{name}: state of a skipped parameter"
        );
    }
}

#[test]
fn param_order_does_not_matter() {
    for (name, mut forward) in all_optimizers() {
        let (_, mut reversed) = all_optimizers().into_iter().find(|(n, _)| *n == name).unwrap();
        let (a1, b1) = (param(&[1.0, 2.0]), param(&[-3.0]));
        let (a2, b2) = (param(&[1.0, 2.0]), param(&[-3.0]));
        for step in 0..4 {
            let g = step as f32 * 0.1 + 0.05;
            forward.step(&[a1.clone(), b1.clone()], &store(&[(&a1, &[g, -g]), (&b1, &[2.0 * g])]));
            // The second optimizer sees the list reversed on odd steps.
            let params = if step % 2 == 0 {
                [a2.clone(), b2.clone()]
            } else {
                [b2.clone(), a2.clone()]
            };
            reversed.step(&params, &store(&[(&a2, &[g, -g]), (&b2, &[2.0 * g])]));
        }
        assert_eq!(a1.value().to_vec(), a2.value().to_vec(), "{name}: a");
        assert_eq!(b1.value().to_vec(), b2.value().to_vec(), "{name}: b");
    }
}

#[test]
fn learning_rate_can_be_changed() {
    for (name, mut optimizer) in all_optimizers() {
        assert_eq!(optimizer.learning_rate(), 0.1, "{name}");
        optimizer.set_learning_rate(0.0);
        assert_eq!(optimizer.learning_rate(), 0.0, "{name}");
        let p = param(&[1.0]);
        optimizer.step(from_ref(&p), &store(&[(&p, &[1.0])]));
        assert_eq!(p.value().to_vec(), vec![1.0], "{name}: lr 0 must not move the parameter");
    }
}

#[test]
#[should_panic(expected = "gradient of shape [3]")]
fn wrong_sized_gradient_panics() {
    let p = param(&[1.0, 2.0]);
    momentum(0.1, 0.9, false).step(from_ref(&p), &store(&[(&p, &[1.0, 2.0, 3.0])]));
}

#[test]
fn config_init_matches_new() {
    assert_eq!(AdamConfig::default().init().config(), &AdamConfig::default());
    assert_eq!(AdamWConfig::default().init().config().weight_decay, 0.01);
    assert_eq!(SgdConfig::default().init().learning_rate(), 0.01);
    let debug = format!("{:?}", Adam::new(AdamConfig::default()));
    assert!(debug.contains("params_with_state: 0"), "{debug}");
}
