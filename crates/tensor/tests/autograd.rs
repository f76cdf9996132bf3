//! Autograd semantics: accumulation, no_grad, detach, shared subexpressions, params.

use descent_tensor::{no_grad, GradStore, Param, Tensor};

#[test]
fn gradients_accumulate_over_backward_calls() {
    let w = Tensor::from_vec(vec![1.0, 2.0], &[2]).to_variable();
    let mut store = GradStore::new();
    w.mul(&w).sum_all().backward_into(&mut store);
    w.mul_scalar(3.0).sum_all().backward_into(&mut store);
    assert_eq!(store.get(&w).unwrap().to_vec(), vec![2.0 + 3.0, 4.0 + 3.0]);
}

#[test]
fn no_grad_records_nothing_and_detach_stops_gradients() {
    let w = Tensor::from_vec(vec![1.0, 2.0], &[2]).to_variable();
    let y = no_grad(|| w.mul(&w));
    assert!(!y.requires_grad() && y.op().is_none());
    let z = w.detach().mul(&w).sum_all();
    assert_eq!(z.backward().get(&w).unwrap().to_vec(), vec![1.0, 2.0]);
}

#[test]
fn reused_subexpression_sums_both_paths() {
    let x = Tensor::from_vec(vec![3.0], &[1]).to_variable();
    let y = x.exp();
    let loss = y.add(&y.mul(&x)).sum_all(); // e^x + x e^x
    let g = loss.backward().get(&x).unwrap().item();
    let expected = 3.0f32.exp() * (2.0 + 3.0);
    assert!((g - expected).abs() < 1e-3 * expected, "{g} vs {expected}");
}

#[test]
fn param_updates_keep_identity_and_old_values() {
    let p = Param::new(Tensor::from_vec(vec![1.0, 2.0], &[2]));
    let before = p.value();
    let grads = p.value().mul_scalar(2.0).sum_all().backward();
    assert!(grads.get_param(&p).is_some());
    p.update(|v| v.iter_mut().for_each(|x| *x -= 1.0));
    assert_eq!(p.value().to_vec(), vec![0.0, 1.0]);
    assert_eq!(before.to_vec(), vec![1.0, 2.0], "a value read before the update keeps its elements");
    assert_eq!(p.value().id(), before.id());
}

#[test]
fn long_chains_do_not_overflow_the_stack() {
    let x = Tensor::from_vec(vec![1.0], &[1]).to_variable();
    let mut y = x.clone();
    for _ in 0..20000 {
        y = y.mul_scalar(1.0);
    }
    assert_eq!(y.sum_all().backward().get(&x).unwrap().item(), 1.0);
}

#[test]
#[should_panic(expected = "matmul: inner dims differ: [2, 3] · [4, 5]")]
fn shape_errors_name_both_shapes() {
    Tensor::zeros(&[2, 3]).matmul(&Tensor::zeros(&[4, 5]));
}
