//! Single-op parity with PyTorch: forward and vector-Jacobian products from
//! `crates/testkit/golden/ops.safetensors` at the README's recommended tolerance.

use descent_tensor::Tensor;
use descent_testkit::Golden;

#[test]
fn single_ops_match_pytorch() {
    let g = Golden::load("ops.safetensors");
    g.check_op("add", &["a", "b"], |x| x[0].add(&x[1]));
    g.check_op("mul", &["a", "b"], |x| x[0].mul(&x[1]));
    g.check_op("div", &["a", "b"], |x| x[0].div(&x[1]));
    g.check_op("exp", &["x"], |x| x[0].exp());
    g.check_op("log", &["x"], |x| x[0].log());
    g.check_op("sqrt", &["x"], |x| x[0].sqrt());
    g.check_op("pow3", &["x"], |x| x[0].powf(3.0));
    g.check_op("tanh", &["x"], |x| x[0].tanh());
    g.check_op("sigmoid", &["x"], |x| x[0].sigmoid());
    g.check_op("relu", &["x"], |x| x[0].relu());
    g.check_op("gelu", &["x"], |x| x[0].gelu());
    g.check_op("softmax", &["x"], |x| x[0].softmax(1));
    g.check_op("log_softmax", &["x"], |x| x[0].log_softmax(1));
    g.check_op("causal_softmax", &["x"], |x| {
        let t = x[0].dim(1);
        let mask: Vec<f32> = (0..t * t).map(|p| ((p % t) > (p / t)) as i32 as f32).collect();
        x[0].masked_fill(&Tensor::from_vec(mask, &[t, t]), f32::NEG_INFINITY).softmax(2)
    });
    g.check_op("layer_norm", &["x", "weight", "bias"], |x| {
        let mean = x[0].mean(1, true);
        let centered = x[0].sub(&mean);
        let var = centered.mul(&centered).mean(1, true);
        centered.div(&var.add_scalar(1e-5).sqrt()).mul(&x[1]).add(&x[2])
    });
    g.check_op("matmul", &["a", "b"], |x| x[0].matmul(&x[1]));
    g.check_op("bmm", &["a", "b"], |x| x[0].matmul(&x[1]));
    g.check_op("transpose_matmul", &["a", "b"], |x| x[0].t().matmul(&x[1]));
    g.check_op("linear", &["x", "weight", "bias"], |x| x[0].matmul(&x[1].t()).add(&x[2]));
    g.check_op("sum", &["x"], |x| x[0].sum(1, true));
    g.check_op("mean", &["x"], |x| x[0].mean_all());
    g.check_op("mean_dim", &["x"], |x| x[0].mean(0, false));
    g.check_op("max", &["x"], |x| x[0].max(1, false));
    g.check_op("conv2d", &["x", "weight", "bias"], |x| x[0].conv2d(&x[1], Some(&x[2]), 2, 1));
    g.check_op("max_pool2d", &["x"], |x| x[0].max_pool2d(2, 2));
    g.check_op("avg_pool2d", &["x"], |x| x[0].avg_pool2d(2, 2));
    let target = g.indices("cross_entropy.target");
    g.check_op("cross_entropy", &["logits"], |x| x[0].cross_entropy(&target));
    let ids = g.indices("embedding.indices");
    g.check_op("embedding", &["weight"], |x| x[0].index_select(0, &ids).reshape(&[2, 3, 4]));
}

#[test]
fn max_indices_match_pytorch() {
    let g = Golden::load("ops.safetensors");
    assert_eq!(g.tensor("max.x").argmax(1), g.indices("max.indices"));
}
