//! Single-op parity with PyTorch for the second set of ops (transposed convolution,
//! batch and group norm, the ReLU relatives, BCE and MSE, upsampling, overlapping
//! max-pool, concatenation, normalisation): forward and vector-Jacobian products from
//! `crates/testkit/golden/ops2.safetensors` at the README's recommended tolerance.

use descent_tensor::Tensor;
use descent_testkit::Golden;

#[test]
fn second_set_of_ops_matches_pytorch() {
    let g = Golden::load("ops2.safetensors");
    g.check_op("conv_transpose2d", &["x", "weight", "bias"], |x| {
        x[0].conv_transpose2d(&x[1], Some(&x[2]), 2, 1)
    });
    g.check_op("batch_norm2d_train", &["x", "weight", "bias"], |x| {
        x[0].batch_norm_train(&x[1], &x[2], 1e-5).0
    });
    g.check_op("batch_norm1d_train", &["x", "weight", "bias"], |x| {
        x[0].batch_norm_train(&x[1], &x[2], 1e-5).0
    });
    g.check_op("batch_norm2d_eval", &["x", "weight", "bias", "running_mean", "running_var"], |x| {
        x[0].batch_norm_eval(&x[1], &x[2], &x[3], &x[4], 1e-5)
    });
    g.check_op("group_norm", &["x", "weight", "bias"], |x| x[0].group_norm(4, &x[1], &x[2], 1e-5));
    g.check_op("leaky_relu", &["x"], |x| x[0].leaky_relu(0.2));
    g.check_op("silu", &["x"], |x| x[0].silu());
    g.check_op("softplus", &["x"], |x| x[0].softplus());
    let target = g.tensor("bce_with_logits.target_f32");
    g.check_op("bce_with_logits", &["logits"], |x| x[0].bce_with_logits(&target));
    g.check_op("mse_loss", &["a", "b"], |x| x[0].mse_loss(&x[1]));
    g.check_op("upsample_nearest2d", &["x"], |x| x[0].upsample_nearest2d(2));
    g.check_op("max_pool2d_overlap", &["x"], |x| x[0].max_pool2d_padded(3, 2, 1));
    g.check_op("cat", &["a", "b"], |x| Tensor::concat(&[x[0].clone(), x[1].clone()], 1));
    g.check_op("normalize", &["x"], |x| x[0].normalize());
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
