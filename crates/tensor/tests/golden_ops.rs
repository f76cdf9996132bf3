//! Single-op parity with PyTorch: forward and vector-Jacobian products from
//! `crates/testkit/golden/ops.safetensors` at the README's recommended tolerance.

use descent_tensor::Tensor;
use descent_testkit::Golden;

/// Runs `f` on the named inputs (as variables), checks `<op>.out`, then backward with
/// `<op>.grad_out` and checks `<op>.grad_<input>` for each input.
fn check(g: &Golden, op: &str, inputs: &[&str], f: impl Fn(&[Tensor]) -> Tensor) {
    let vars: Vec<Tensor> = inputs.iter().map(|name| g.tensor(&format!("{op}.{name}")).to_variable()).collect();
    let out = f(&vars);
    let expected_shape = &g.raw(&format!("{op}.out")).0;
    let out = if out.rank() == 0 { out.reshape(&[1]) } else { out };
    assert_eq!(out.shape(), expected_shape.as_slice(), "{op}.out shape");
    g.assert_matches(&format!("{op}.out"), &out.to_vec(), 1.0);
    let grad_out = g.tensor(&format!("{op}.grad_out"));
    let mut store = descent_tensor::GradStore::new();
    out.backward_with_grad(&grad_out, &[], &mut store);
    for (name, var) in inputs.iter().zip(&vars) {
        let key = format!("{op}.grad_{name}");
        let grad = store.get(var).unwrap_or_else(|| panic!("{key}: no gradient reached the input"));
        g.assert_matches(&key, &grad.to_vec(), 1.0);
    }
}

#[test]
fn single_ops_match_pytorch() {
    let g = Golden::load("ops.safetensors");
    check(&g, "add", &["a", "b"], |x| x[0].add(&x[1]));
    check(&g, "mul", &["a", "b"], |x| x[0].mul(&x[1]));
    check(&g, "div", &["a", "b"], |x| x[0].div(&x[1]));
    check(&g, "exp", &["x"], |x| x[0].exp());
    check(&g, "log", &["x"], |x| x[0].log());
    check(&g, "sqrt", &["x"], |x| x[0].sqrt());
    check(&g, "pow3", &["x"], |x| x[0].powf(3.0));
    check(&g, "tanh", &["x"], |x| x[0].tanh());
    check(&g, "sigmoid", &["x"], |x| x[0].sigmoid());
    check(&g, "relu", &["x"], |x| x[0].relu());
    check(&g, "gelu", &["x"], |x| x[0].gelu());
    check(&g, "softmax", &["x"], |x| x[0].softmax(1));
    check(&g, "log_softmax", &["x"], |x| x[0].log_softmax(1));
    check(&g, "causal_softmax", &["x"], |x| {
        let t = x[0].dim(1);
        let mask: Vec<f32> = (0..t * t).map(|p| ((p % t) > (p / t)) as i32 as f32).collect();
        x[0].masked_fill(&Tensor::from_vec(mask, &[t, t]), f32::NEG_INFINITY).softmax(2)
    });
    check(&g, "layer_norm", &["x", "weight", "bias"], |x| {
        let mean = x[0].mean(1, true);
        let centered = x[0].sub(&mean);
        let var = centered.mul(&centered).mean(1, true);
        centered.div(&var.add_scalar(1e-5).sqrt()).mul(&x[1]).add(&x[2])
    });
    check(&g, "matmul", &["a", "b"], |x| x[0].matmul(&x[1]));
    check(&g, "bmm", &["a", "b"], |x| x[0].matmul(&x[1]));
    check(&g, "transpose_matmul", &["a", "b"], |x| x[0].t().matmul(&x[1]));
    check(&g, "linear", &["x", "weight", "bias"], |x| x[0].matmul(&x[1].t()).add(&x[2]));
    check(&g, "sum", &["x"], |x| x[0].sum(1, true));
    check(&g, "mean", &["x"], |x| x[0].mean_all());
    check(&g, "mean_dim", &["x"], |x| x[0].mean(0, false));
    check(&g, "max", &["x"], |x| x[0].max(1, false));
    check(&g, "conv2d", &["x", "weight", "bias"], |x| x[0].conv2d(&x[1], Some(&x[2]), 2, 1));
    check(&g, "max_pool2d", &["x"], |x| x[0].max_pool2d(2, 2));
    check(&g, "avg_pool2d", &["x"], |x| x[0].avg_pool2d(2, 2));
    let target = g.indices("cross_entropy.target");
    check(&g, "cross_entropy", &["logits"], |x| x[0].cross_entropy(&target));
    let ids = g.indices("embedding.indices");
    check(&g, "embedding", &["weight"], |x| x[0].index_select(0, &ids).reshape(&[2, 3, 4]));
}

#[test]
fn max_indices_match_pytorch() {
    let g = Golden::load("ops.safetensors");
    assert_eq!(g.tensor("max.x").argmax(1), g.indices("max.indices"));
}
