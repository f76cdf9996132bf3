//! Global gradient-norm clipping.

use descent_optim::clip_grad_norm;
use descent_tensor::{GradStore, Param, Tensor};
use std::slice::from_ref;

fn param(n: usize) -> Param {
    Param::new(Tensor::zeros(&[n]))
}

fn grad(grads: &GradStore, p: &Param) -> Vec<f32> {
    grads.get_param(p).expect("gradient").to_vec()
}

fn two_params(a_grad: &[f32], b_grad: &[f32]) -> (Param, Param, GradStore) {
    let (a, b) = (param(a_grad.len()), param(b_grad.len()));
    let mut grads = GradStore::new();
    grads.insert(a.id(), Tensor::from_slice(a_grad, &[a_grad.len()]));
    grads.insert(b.id(), Tensor::from_slice(b_grad, &[b_grad.len()]));
    (a, b, grads)
}

#[test]
fn clip_grad_norm_scales_to_max_norm() {
    // Global norm over both parameters: √(3² + 4²) = 5.
    let (a, b, mut grads) = two_params(&[3.0, 0.0], &[0.0, 4.0]);
    let norm = clip_grad_norm(&mut grads, &[a.clone(), b.clone()], 1.0);
    assert_eq!(norm, 5.0);
    let (ga, gb) = (grad(&grads, &a), grad(&grads, &b));
    assert!((ga[0] - 0.6).abs() < 1e-6 && ga[1] == 0.0, "{ga:?}");
    assert!((gb[1] - 0.8).abs() < 1e-6 && gb[0] == 0.0, "{gb:?}");
    let clipped = (ga[0] * ga[0] + gb[1] * gb[1]).sqrt();
    assert!(clipped <= 1.0 && clipped > 1.0 - 1e-6, "norm after clipping {clipped}");
}

#[test]
fn clip_grad_norm_leaves_small_gradients_alone() {
    let (a, b, mut grads) = two_params(&[3.0, 0.0], &[0.0, 4.0]);
    let norm = clip_grad_norm(&mut grads, &[a.clone(), b.clone()], 5.5);
    assert_eq!(norm, 5.0);
    assert_eq!(grad(&grads, &a), vec![3.0, 0.0]);
    assert_eq!(grad(&grads, &b), vec![0.0, 4.0]);
}

#[test]
fn clip_grad_norm_counts_each_param_once_and_skips_missing() {
    let (a, b, mut grads) = two_params(&[3.0], &[4.0]);
    let no_grad = param(3);
    let params = [a.clone(), b.clone(), a.clone(), no_grad.clone()];
    assert_eq!(clip_grad_norm(&mut grads, &params, 10.0), 5.0);
    assert!(grads.get_param(&no_grad).is_none());
}

#[test]
fn clip_grad_norm_only_touches_listed_params() {
    let (a, b, mut grads) = two_params(&[30.0], &[40.0]);
    assert_eq!(clip_grad_norm(&mut grads, from_ref(&a), 1.0), 30.0);
    assert_eq!(grad(&grads, &b), vec![40.0]);
}

#[test]
fn clip_grad_norm_reports_non_finite_and_keeps_grads() {
    let (a, b, mut grads) = two_params(&[f32::INFINITY], &[1.0]);
    assert!(clip_grad_norm(&mut grads, &[a.clone(), b.clone()], 1.0).is_infinite());
    assert_eq!(grad(&grads, &b), vec![1.0]);
}
