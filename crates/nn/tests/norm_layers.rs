//! Batch norm's running statistics, train/eval switch and checkpointed buffers; group
//! norm and the fused BCE against their composites; the transposed convolution's init.

use descent_nn::{
    loss, named_buffers, named_params, named_state, Activation, BatchNorm1d, BatchNorm2d, Checkpoint, ConvTranspose2d, Forward, GroupNorm,
    Module, Sequential,
};
use descent_tensor::{Rng, Tensor};
use descent_testkit::assert_close;
use std::collections::HashMap;

/// Conv-T → BatchNorm2d → ReLU: a generator block.
fn block(seed: u64) -> Sequential {
    let mut rng = Rng::new(seed);
    Sequential::new()
        .add(ConvTranspose2d::new(3, 4, 4, 2, 1, &mut rng))
        .add(BatchNorm2d::new(4))
        .add(Activation::Relu)
}

#[test]
fn batch_norm_tracks_running_statistics_and_switches_modes() {
    let bn = BatchNorm1d::new(3);
    let x = Tensor::from_vec(vec![1.0, 10.0, -2.0, 3.0, 20.0, -2.0, 5.0, 30.0, -2.0, 7.0, 40.0, -2.0], &[4, 3]);
    let y = bn.forward(&x);
    // Training: each column normalised by its own batch statistics (biased variance).
    let col0: Vec<f32> = (0..4).map(|r| y.to_vec()[r * 3]).collect();
    let rstd = 1.0 / (5.0f32 + 1e-5).sqrt(); // column 0: mean 4, biased variance 5
    assert_close(&col0, &[-3.0 * rstd, -rstd, rstd, 3.0 * rstd], 1e-6, 1e-5, "train output");
    // Running statistics: 0.9·old + 0.1·batch, the variance unbiased (20/3, 500/3, 0).
    assert_close(&bn.running_mean.value().to_vec(), &[0.4, 2.5, -0.2], 1e-6, 1e-6, "running mean");
    let var = [0.9 + 0.1 * 20.0 / 3.0, 0.9 + 0.1 * 500.0 / 3.0, 0.9];
    assert_close(&bn.running_var.value().to_vec(), &var, 1e-6, 1e-6, "running var");
    // Evaluation: the running statistics normalise, and they stay put.
    bn.set_training(false);
    let y = bn.forward(&x).to_vec();
    assert!((y[0] - (1.0 - 0.4) / (var[0] + 1e-5).sqrt()).abs() < 1e-6, "{}", y[0]);
    assert_close(&bn.running_mean.value().to_vec(), &[0.4, 2.5, -0.2], 1e-6, 1e-6, "unchanged");
    // Buffers are named like PyTorch's state_dict and are not parameters.
    let names: Vec<String> = named_buffers(&bn).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["running_mean", "running_var"]);
    assert_eq!(named_params(&bn).len(), 2);
}

#[test]
fn eval_mode_sends_no_gradient_to_the_buffers() {
    let bn = BatchNorm2d::new(2);
    bn.set_training(false);
    let x = Tensor::randn(&[2, 2, 3, 3], &mut Rng::new(1)).to_variable();
    let grads = bn.forward(&x).sum_all().backward();
    assert!(grads.get_param(&bn.running_mean).is_none() && grads.get_param(&bn.running_var).is_none());
    assert!(grads.get(&x).is_some() && grads.get_param(&bn.weight).is_some());
}

#[test]
fn checkpoints_round_trip_buffers() {
    let dir = std::env::temp_dir().join(format!("descent-nn-buffers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("block.safetensors");
    let a = block(1);
    let x = Tensor::randn(&[2, 3, 5, 5], &mut Rng::new(2));
    a.forward(&x); // moves the running statistics away from 0 and 1
    Checkpoint::from_params(&named_state(&a), HashMap::new()).save(&path).unwrap();

    let b = block(9);
    let ck = Checkpoint::load(&path).unwrap();
    assert!(ck.tensors.contains_key("1.running_mean") && ck.tensors.contains_key("1.running_var"));
    ck.apply(&named_state(&b), &[]).unwrap();
    for ((name, pa), (_, pb)) in named_state(&a).iter().zip(&named_state(&b)) {
        assert_eq!(pa.value().to_vec(), pb.value().to_vec(), "{name}");
    }
    a.set_training(false);
    b.set_training(false);
    assert_eq!(a.forward(&x).to_vec(), b.forward(&x).to_vec(), "same outputs in evaluation");
    // Parameters alone are not enough: the buffers are required.
    let err = Checkpoint::from_params(&named_params(&a), HashMap::new())
        .apply(&named_state(&b), &[])
        .unwrap_err();
    assert!(err.to_string().contains("running_mean"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn group_norm_matches_its_composite() {
    let mut rng = Rng::new(4);
    let gn = GroupNorm::new(2, 4);
    gn.weight.set_values(&[0.5, 1.0, 1.5, 2.0]);
    gn.bias.set_values(&[0.1, -0.2, 0.3, 0.0]);
    let x = Tensor::randn(&[3, 4, 2, 3], &mut rng);
    let rows = x.reshape(&[3, 2, 12]);
    let centered = rows.sub(&rows.mean(2, true));
    let var = centered.mul(&centered).mean(2, true);
    let xhat = centered.div(&var.add_scalar(1e-5).sqrt()).reshape(&[3, 4, 2, 3]);
    let expected = xhat
        .mul(&gn.weight.value().reshape(&[4, 1, 1]))
        .add(&gn.bias.value().reshape(&[4, 1, 1]));
    assert_close(&gn.forward(&x).to_vec(), &expected.to_vec(), 1e-5, 1e-5, "group_norm");
}

#[test]
fn fused_bce_matches_the_composite_in_value_and_gradient() {
    let logits = Tensor::from_vec(vec![2.0, -1.0, 0.5, 30.0, -30.0, -0.2], &[3, 2]).to_variable();
    let targets = Tensor::from_vec(vec![1.0, 0.0, 1.0, 0.3, 0.0, 1.0], &[3, 2]);
    // max(x, 0) − x·y + ln(1 + e^−|x|), written with primitives (away from x = 0,
    // where relu's and abs's derivative conventions break the composite's gradient).
    let composite = |x: &Tensor| {
        let softplus = x.abs().neg().exp().add_scalar(1.0).log();
        x.relu().sub(&x.mul(&targets)).add(&softplus).mean_all()
    };
    let (fused, oracle) = (loss::bce_with_logits(&logits, &targets), composite(&logits));
    assert!((fused.item() - oracle.item()).abs() < 1e-6);
    let (gf, go) = (fused.backward(), oracle.backward());
    assert_close(
        &gf.get(&logits).unwrap().to_vec(),
        &go.get(&logits).unwrap().to_vec(),
        1e-7,
        1e-5,
        "dlogits",
    );
}

#[test]
fn conv_transpose2d_has_pytorchs_shape_and_init_bound() {
    let layer = ConvTranspose2d::new(8, 3, 4, 2, 1, &mut Rng::new(5));
    assert_eq!(layer.weight.shape(), [8, 3, 4, 4]);
    // PyTorch's fan_in here is dim 1 of the weight times the kernel area: 3·16.
    let bound = 1.0 / 48f32.sqrt();
    let max = layer.weight.value().to_vec().iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(max <= bound && max > 0.9 * bound, "max |w| {max}, bound {bound}");
    let y = layer.forward(&Tensor::zeros(&[2, 8, 7, 7]));
    assert_eq!(y.shape(), [2, 3, 14, 14]);
}
