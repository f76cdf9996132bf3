//! Fused attention, layer norm and cross-entropy against their composites of primitive
//! ops (the oracles) and PyTorch's `ops.safetensors`; KV-cached attention against a
//! full pass.

use descent_nn::{layer_norm, Forward, KvCache, LayerNorm, MultiHeadAttention};
use descent_tensor::{AttentionMask, Rng, Tensor};
use descent_testkit::{assert_close, Golden};
use std::sync::Arc;

/// softmax(q·kᵀ·scale with −inf at masked places)·v from primitive ops.
fn composite_attention(q: &Tensor, k: &Tensor, v: &Tensor, mask: &AttentionMask, scale: f32) -> Tensor {
    let (b, tq, tk) = (q.dim(0), q.dim(2), k.dim(2));
    let mut masked = vec![0.0f32; b * tq * tk];
    for bi in 0..b {
        for i in 0..tq {
            for j in 0..tk {
                let causal_hides = mask.causal && j > tk - tq + i;
                let pad_hides = mask.key_lengths.as_ref().is_some_and(|l| j >= l[bi]);
                masked[(bi * tq + i) * tk + j] = (causal_hides || pad_hides) as i32 as f32;
            }
        }
    }
    let mask_t = Tensor::from_vec(masked, &[b, 1, tq, tk]);
    let scores = q
        .matmul(&k.transpose(2, 3))
        .mul_scalar(scale)
        .masked_fill(&mask_t, f32::NEG_INFINITY);
    scores.softmax(3).matmul(v)
}

#[test]
fn fused_attention_matches_the_composite_forward_and_backward() {
    let mut rng = Rng::new(3);
    let masks = [
        AttentionMask {
            causal: true,
            key_lengths: None,
        },
        AttentionMask {
            causal: false,
            key_lengths: Some(Arc::new(vec![2, 6])),
        },
        AttentionMask {
            causal: true,
            key_lengths: Some(Arc::new(vec![4, 6])),
        },
    ];
    for mask in &masks {
        let q = Tensor::randn(&[2, 3, 4, 8], &mut rng).to_variable();
        let k = Tensor::randn(&[2, 3, 6, 8], &mut rng).to_variable();
        let v = Tensor::randn(&[2, 3, 6, 5], &mut rng).to_variable();
        let up = Tensor::randn(&[2, 3, 4, 5], &mut rng);
        let fused = q.scaled_dot_product_attention(&k, &v, mask, 0.35);
        let slow = composite_attention(&q, &k, &v, mask, 0.35);
        assert_close(&fused.to_vec(), &slow.to_vec(), 1e-5, 1e-5, "attention output");
        let gf = fused.mul(&up).sum_all().backward();
        let gs = slow.mul(&up).sum_all().backward();
        for (t, name) in [(&q, "q"), (&k, "k"), (&v, "v")] {
            assert_close(&gf.get(t).unwrap().to_vec(), &gs.get(t).unwrap().to_vec(), 1e-4, 1e-4, name);
        }
        let weights = q.attention_weights(&k, mask, 0.35);
        let slow_w = composite_attention(&q, &k, &Tensor::ones(&[1, 1, 6, 1]), mask, 0.35);
        // Each weight row sums to one (checked through a ones-vector value).
        assert_close(&weights.sum(3, true).to_vec(), &slow_w.to_vec(), 1e-5, 1e-5, "weight rows");
    }
}

#[test]
fn fused_attention_reproduces_pytorch_causal_softmax() {
    // ops.causal_softmax: x (2,4,4) masked above the diagonal, softmax over the last dim.
    // With v = identity and scale 1, attention returns exactly those weights.
    let g = Golden::load("ops.safetensors");
    let x = g.tensor("causal_softmax.x").reshape(&[2, 1, 4, 4]);
    let causal = AttentionMask {
        causal: true,
        key_lengths: None,
    };
    let weights = x.attention_weights(
        &Tensor::from_vec(identity(4), &[1, 1, 4, 4]).broadcast_to(&[2, 1, 4, 4]),
        &causal,
        1.0,
    );
    g.assert_matches("causal_softmax.out", &weights.to_vec(), 1.0);
}

fn identity(n: usize) -> Vec<f32> {
    (0..n * n).map(|i| (i / n == i % n) as i32 as f32).collect()
}

#[test]
fn fused_layer_norm_matches_pytorch_and_the_composite() {
    let g = Golden::load("ops.safetensors");
    let (x, w, b) = (
        g.tensor("layer_norm.x").to_variable(),
        g.tensor("layer_norm.weight").to_variable(),
        g.tensor("layer_norm.bias").to_variable(),
    );
    let y = x.layer_norm(&w, &b, 1e-5);
    g.assert_matches("layer_norm.out", &y.to_vec(), 1.0);
    let grads = y.mul(&g.tensor("layer_norm.grad_out")).sum_all().backward();
    g.assert_matches("layer_norm.grad_x", &grads.get(&x).unwrap().to_vec(), 1.0);
    g.assert_matches("layer_norm.grad_weight", &grads.get(&w).unwrap().to_vec(), 1.0);
    g.assert_matches("layer_norm.grad_bias", &grads.get(&b).unwrap().to_vec(), 1.0);
    // `LayerNorm::forward` (the fused op) agrees with the composite of primitives on a
    // larger input (parallel path), values and gradients, at both eps values in use.
    let mut rng = Rng::new(1);
    for eps in [1e-5, 1e-12] {
        let ln = LayerNorm::with_eps(64, eps);
        ln.weight.set_values(&Tensor::randn(&[64], &mut rng).to_vec());
        ln.bias.set_values(&Tensor::randn(&[64], &mut rng).to_vec());
        let big = Tensor::randn(&[700, 64], &mut rng).to_variable();
        let (w, b) = (ln.weight.value(), ln.bias.value());
        let centered = big.sub(&big.mean(1, true));
        let var = centered.mul(&centered).mean(1, true);
        let composite = centered.div(&var.add_scalar(eps).sqrt()).mul(&w).add(&b);
        let fused = ln.forward(&big);
        assert_close(&fused.to_vec(), &composite.to_vec(), 1e-5, 1e-5, "layer norm");
        assert_close(&layer_norm(&ln, &big).to_vec(), &fused.to_vec(), 0.0, 0.0, "layer_norm(&ln, x)");
        let seed = Tensor::randn(&[700, 64], &mut rng);
        let (gf, gc) = (fused.mul(&seed).sum_all().backward(), composite.mul(&seed).sum_all().backward());
        for (name, t) in [("x", &big), ("weight", &w), ("bias", &b)] {
            let (f, c) = (gf.get(t).unwrap().to_vec(), gc.get(t).unwrap().to_vec());
            assert_close(&f, &c, 1e-4, 1e-4, &format!("layer norm grad {name} eps {eps}"));
        }
    }
}

#[test]
fn fused_cross_entropy_matches_the_composite_and_pytorch() {
    let g = Golden::load("ops.safetensors");
    let logits = g.tensor("cross_entropy.logits").to_variable();
    let target = g.indices("cross_entropy.target");
    let loss = logits.softmax_cross_entropy(&target, None);
    g.assert_matches("cross_entropy.out", &[loss.item()], 1.0);
    let grads = loss.mul(&g.tensor("cross_entropy.grad_out").reshape(&[])).backward();
    g.assert_matches("cross_entropy.grad_logits", &grads.get(&logits).unwrap().to_vec(), 1.0);
    // Ignoring rows equals the composite over the kept rows only.
    let mut rng = Rng::new(2);
    let x = Tensor::randn(&[300, 50], &mut rng).to_variable();
    let targets: Vec<usize> = (0..300).map(|i| if i % 3 == 0 { 49 } else { (i * 7) % 49 }).collect();
    let kept: Vec<usize> = (0..300).filter(|i| i % 3 != 0).collect();
    let fused = x.softmax_cross_entropy(&targets, Some(49));
    let slow = x
        .index_select(0, &kept)
        .cross_entropy(&kept.iter().map(|&i| targets[i]).collect::<Vec<_>>());
    assert_close(&[fused.item()], &[slow.item()], 1e-5, 1e-5, "loss");
    assert_close(
        &fused.backward().get(&x).unwrap().to_vec(),
        &slow.backward().get(&x).unwrap().to_vec(),
        1e-5,
        1e-5,
        "grad",
    );
}

#[test]
fn cached_attention_equals_one_full_causal_pass() {
    let mut rng = Rng::new(5);
    let attn = MultiHeadAttention::new(16, 4, &mut rng);
    let x = Tensor::randn(&[2, 7, 16], &mut rng);
    let full = attn.forward(&x); // (2, 7, 16)
    let mut cache = KvCache::new(2, 4, 10, 4);
    let first = attn.forward_cached(&x.narrow(1, 0, 3), &mut cache); // prefill 3
    let mut pieces = vec![first];
    for t in 3..7 {
        pieces.push(attn.forward_cached(&x.narrow(1, t, 1), &mut cache));
    }
    assert_eq!(cache.len(), 7);
    let stepped = Tensor::concat(&pieces, 1);
    assert_close(&stepped.to_vec(), &full.to_vec(), 1e-5, 1e-5, "cached attention");
}

#[test]
fn fused_bias_gelu_matches_pytorch_gelu_and_the_composite() {
    let g = Golden::load("ops.safetensors");
    let x = g.tensor("gelu.x").to_variable();
    let zero = Tensor::zeros(&[x.dim(1)]);
    let y = x.bias_gelu(&zero);
    g.assert_matches("gelu.out", &y.to_vec(), 1.0);
    let grads = y.mul(&g.tensor("gelu.grad_out")).sum_all().backward();
    g.assert_matches("gelu.grad_x", &grads.get(&x).unwrap().to_vec(), 1.0);
    let mut rng = Rng::new(4);
    let (big, b) = (
        Tensor::randn(&[300, 128], &mut rng).to_variable(),
        Tensor::randn(&[128], &mut rng).to_variable(),
    );
    let up = Tensor::randn(&[300, 128], &mut rng);
    let (fused, slow) = (big.bias_gelu(&b), big.add(&b).gelu());
    assert_close(&fused.to_vec(), &slow.to_vec(), 2e-6, 2e-6, "bias_gelu");
    let (gf, gs) = (fused.mul(&up).sum_all().backward(), slow.mul(&up).sum_all().backward());
    assert_close(&gf.get(&big).unwrap().to_vec(), &gs.get(&big).unwrap().to_vec(), 2e-5, 2e-5, "dx");
    assert_close(&gf.get(&b).unwrap().to_vec(), &gs.get(&b).unwrap().to_vec(), 2e-5, 2e-5, "dbias");
}
