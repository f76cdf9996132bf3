//! Scaled dot-product attention kernels against their naive references, with causal and
//! key-length masks, rows masked out entirely, and strided (non-dense) operands.

mod common;
use common::{assert_close, fill, with_threads, written};
use descent_kernels::attention::*;

#[rustfmt::skip]
const fn dims(batch: usize, heads: usize, q_len: usize, kv_len: usize, head_dim: usize, value_dim: usize) -> AttentionDims {
    AttentionDims { batch, heads, q_len, kv_len, head_dim, value_dim }
}

/// Cases: all sizes 1; odd sizes; fewer queries than keys (a KV cache); head and value
/// widths that differ; a pair count and size large enough to run in parallel.
const CASES: &[AttentionDims] = &[
    dims(1, 1, 1, 1, 1, 1),
    dims(2, 3, 5, 5, 4, 4),
    dims(2, 2, 3, 7, 5, 3),
    dims(1, 2, 9, 9, 8, 13),
    dims(3, 1, 4, 11, 9, 2),
    // Query blocks (32 rows) that do not divide the queries, fewer queries than keys.
    dims(1, 2, 45, 50, 8, 8),
    dims(2, 4, 64, 64, 16, 16),
];

/// Key lengths per batch element that cut rows, including a fully padded element (0).
fn lengths(d: &AttentionDims) -> Vec<usize> {
    (0..d.batch).map(|b| [d.kv_len, d.kv_len / 2, 0][b % 3]).collect()
}

/// q stored as (B, Tq, H, D) and read as (B, H, Tq, D): a strided view like the one
/// a head split makes.
fn head_split<'a>(data: &'a [f32], d: &AttentionDims, t: usize, width: usize) -> Strided4<'a> {
    Strided4 {
        data,
        offset: 0,
        strides: [t * d.heads * width, width, d.heads * width, 1],
    }
}

fn check_case(d: &AttentionDims, mask: &KeyMask, strided: bool) {
    let case = format!("{d:?} causal {} lengths {:?} strided {strided}", mask.causal, mask.key_lengths);
    let AttentionDims {
        batch,
        heads,
        q_len,
        kv_len,
        head_dim,
        value_dim,
    } = *d;
    let (qd, kd, vd) = (
        fill(batch * heads * q_len * head_dim, 1, 1.5),
        fill(batch * heads * kv_len * head_dim, 2, 1.5),
        fill(batch * heads * kv_len * value_dim, 3, 1.0),
    );
    let dod = fill(d.out_len(), 4, 1.0);
    let (q, k, v, d_out) = if strided {
        (
            head_split(&qd, d, q_len, head_dim),
            head_split(&kd, d, kv_len, head_dim),
            head_split(&vd, d, kv_len, value_dim),
            head_split(&dod, d, q_len, value_dim),
        )
    } else {
        (
            Strided4::dense(&qd, [batch, heads, q_len, head_dim]),
            Strided4::dense(&kd, [batch, heads, kv_len, head_dim]),
            Strided4::dense(&vd, [batch, heads, kv_len, value_dim]),
            Strided4::dense(&dod, [batch, heads, q_len, value_dim]),
        )
    };
    let scale = 1.0 / (head_dim as f32).sqrt();
    let (out, probs) = forward(d, q, k, v, mask, scale);
    let (mut out_ref, mut probs_ref) = (vec![0.0; d.out_len()], vec![0.0; d.probs_len()]);
    attention_forward_reference(d, q, k, v, mask, scale, &mut out_ref, &mut probs_ref);
    assert_close(&format!("out {case}"), &out, &out_ref, 2e-6);
    assert_close(&format!("probs {case}"), &probs, &probs_ref, 2e-6);

    let lens = [q_len * head_dim, kv_len * head_dim, kv_len * value_dim].map(|n| batch * heads * n);
    let mut fast = lens.map(|n| vec![f32::NAN; n]);
    let [dq, dk, dv] = &mut fast;
    attention_backward(d, q, k, v, mask, scale, &probs, d_out, dq, dk, dv);
    let mut slow = lens.map(|n| vec![0.0; n]);
    let [sq, sk, sv] = &mut slow;
    attention_backward_reference(d, q, k, v, mask, scale, d_out, sq, sk, sv);
    for (name, f, s) in [("dq", dq, sq), ("dk", dk, sk), ("dv", dv, sv)] {
        assert_close(&format!("{name} {case}"), f, s, 1e-5);
    }
}

/// [`attention_forward`] into NaN-started outputs: (out, probs).
fn forward(d: &AttentionDims, q: Strided4, k: Strided4, v: Strided4, mask: &KeyMask, scale: f32) -> (Vec<f32>, Vec<f32>) {
    let mut probs = Vec::new();
    let out = written(d.out_len(), |out| {
        probs = written(d.probs_len(), |p| attention_forward(d, q, k, v, mask, scale, out, p))
    });
    (out, probs)
}

#[test]
fn attention_matches_reference_under_every_mask() {
    for d in CASES {
        let lens = lengths(d);
        for causal in [false, true] {
            for key_lengths in [None, Some(&lens[..])] {
                for strided in [false, true] {
                    check_case(d, &KeyMask { causal, key_lengths }, strided);
                }
            }
        }
    }
}

#[test]
fn fully_masked_rows_get_zero_weights_and_output() {
    let d = dims(2, 1, 3, 4, 2, 2);
    let (q, k, v) = (fill(12, 1, 1.0), fill(16, 2, 1.0), fill(16, 3, 1.0));
    let lens = [4, 0];
    let mask = KeyMask {
        causal: false,
        key_lengths: Some(&lens),
    };
    let (q, k, v) = (
        Strided4::dense(&q, [2, 1, 3, 2]),
        Strided4::dense(&k, [2, 1, 4, 2]),
        Strided4::dense(&v, [2, 1, 4, 2]),
    );
    let (out, probs) = forward(&d, q, k, v, &mask, 1.0);
    assert!(probs[12..].iter().chain(&out[6..]).all(|&x| x == 0.0));
    assert!(probs[..12].iter().all(|&x| x > 0.0));
}

#[test]
fn attention_is_identical_across_thread_counts() {
    let d = &CASES[CASES.len() - 1];
    let lens = lengths(d);
    let mask = KeyMask {
        causal: true,
        key_lengths: Some(&lens),
    };
    let (qd, kd, vd) = (fill(d.out_len(), 5, 1.0), fill(d.out_len(), 6, 1.0), fill(d.out_len(), 7, 1.0));
    let shape = [d.batch, d.heads, d.q_len, d.head_dim];
    let (q, k, v) = (
        Strided4::dense(&qd, shape),
        Strided4::dense(&kd, shape),
        Strided4::dense(&vd, shape),
    );
    let run = |threads| {
        with_threads(threads, || {
            let (out, probs) = forward(d, q, k, v, &mask, 0.25);
            let mut g = [0; 3].map(|_| vec![0.0; d.out_len()]);
            let [dq, dk, dv] = &mut g;
            attention_backward(d, q, k, v, &mask, 0.25, &probs, v, dq, dk, dv);
            (out, probs, g)
        })
    };
    assert_eq!(run(1), run(3));
}
