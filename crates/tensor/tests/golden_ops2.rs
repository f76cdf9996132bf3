//! Single-op parity with PyTorch for the second set of ops (transposed convolution,
//! batch and group norm, the ReLU relatives, BCE and MSE, upsampling, overlapping
//! max-pool, concatenation, normalisation): forward and vector-Jacobian products from
//! `crates/testkit/golden/ops2.safetensors` at the README's recommended tolerance.

use descent_tensor::{GradStore, Tensor};
use descent_testkit::Golden;

/// Runs `f` on the named inputs (as variables), checks `<op>.out`, then backward with
/// `<op>.grad_out` and checks `<op>.grad_<input>` for each input.
fn check(g: &Golden, op: &str, inputs: &[&str], f: impl Fn(&[Tensor]) -> Tensor) {
    let vars: Vec<Tensor> = inputs.iter().map(|name| g.tensor(&format!("{op}.{name}")).to_variable()).collect();
    let out = f(&vars);
    let out = if out.rank() == 0 { out.reshape(&[1]) } else { out };
    assert_eq!(out.shape(), g.raw(&format!("{op}.out")).0.as_slice(), "{op}.out shape");
    g.assert_matches(&format!("{op}.out"), &out.to_vec(), 1.0);
    let mut store = GradStore::new();
    out.backward_with_grad(&g.tensor(&format!("{op}.grad_out")), &[], &mut store);
    for (name, var) in inputs.iter().zip(&vars) {
        let key = format!("{op}.grad_{name}");
        let grad = store.get(var).unwrap_or_else(|| panic!("{key}: no gradient reached the input"));
        g.assert_matches(&key, &grad.to_vec(), 1.0);
    }
}

#[test]
fn second_set_of_ops_matches_pytorch() {
    let g = Golden::load("ops2.safetensors");
    check(&g, "conv_transpose2d", &["x", "weight", "bias"], |x| {
        x[0].conv_transpose2d(&x[1], Some(&x[2]), 2, 1)
    });
    check(&g, "batch_norm2d_train", &["x", "weight", "bias"], |x| {
        x[0].batch_norm_train(&x[1], &x[2], 1e-5).0
    });
    check(&g, "batch_norm1d_train", &["x", "weight", "bias"], |x| {
        x[0].batch_norm_train(&x[1], &x[2], 1e-5).0
    });
    check(
        &g,
        "batch_norm2d_eval",
        &["x", "weight", "bias", "running_mean", "running_var"],
        |x| x[0].batch_norm_eval(&x[1], &x[2], &x[3], &x[4], 1e-5),
    );
    check(&g, "group_norm", &["x", "weight", "bias"], |x| {
        x[0].group_norm(4, &x[1], &x[2], 1e-5)
    });
    check(&g, "leaky_relu", &["x"], |x| x[0].leaky_relu(0.2));
    check(&g, "silu", &["x"], |x| x[0].silu());
    check(&g, "softplus", &["x"], |x| x[0].softplus());
    let target = g.tensor("bce_with_logits.target_f32");
    check(&g, "bce_with_logits", &["logits"], |x| x[0].bce_with_logits(&target));
    check(&g, "mse_loss", &["a", "b"], |x| x[0].mse_loss(&x[1]));
    check(&g, "upsample_nearest2d", &["x"], |x| x[0].upsample_nearest2d(2));
    check(&g, "max_pool2d_overlap", &["x"], |x| x[0].max_pool2d_padded(3, 2, 1));
    check(&g, "cat", &["a", "b"], |x| Tensor::concat(&[x[0].clone(), x[1].clone()], 1));
    check(&g, "normalize", &["x"], |x| x[0].normalize());
}

#[test]
fn batch_norm_running_statistics_follow_pytorch() {
    // One training-mode call from mean 0, variance 1 with momentum 0.1; the running
    // variance takes the UNBIASED batch variance.
    let g = Golden::load("ops2.safetensors");
    let w = Tensor::ones(&[3]);
    let (_, stats) = g.tensor("batch_norm2d_train.x").batch_norm_train(&w, &Tensor::zeros(&[3]), 1e-5);
    let mean: Vec<f32> = stats.mean.iter().map(|m| 0.9 * 0.0 + 0.1 * m).collect();
    let var: Vec<f32> = stats.unbiased_var().iter().map(|v| 0.9 * 1.0 + 0.1 * v).collect();
    g.assert_matches("batch_norm2d_train.running_mean_after", &mean, 1.0);
    g.assert_matches("batch_norm2d_train.running_var_after", &var, 1.0);
}
