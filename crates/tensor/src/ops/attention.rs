//! Fused scaled dot-product attention (Vaswani et al. 2017): `softmax(q·kᵀ·scale + mask)·v`
//! over (batch, heads, time, head_dim) tensors, forward and backward.
//!
//! Each (batch, head) pair is one task: three or five small matrix products through
//! `descent_kernels::matmul_serial` (strided views, no copies of q, k, v) and a masked
//! softmax per row, with the pairs spread over rayon's threads. Both masks used in
//! practice, causal and key padding, leave every query a *prefix* of visible keys, so a
//! mask is just a per-row key count: masked scores are never exponentiated, and their
//! weights are exactly 0 (as after PyTorch's −inf fill). The composite of primitives
//! (matmul, `masked_fill(−inf)`, softmax, matmul) is the test oracle.

use super::fast_math;
use crate::layout::Layout;
use crate::op::{AttentionMask, Op};
use crate::{Storage, Tensor};
use descent_kernels::matmul::{matmul_serial, MatRef};
use rayon::prelude::*;
use std::sync::Arc;

/// Shapes of one attention call: q (B, H, Tq, D), k (B, H, Tk, D), v (B, H, Tk, Dv).
#[derive(Clone, Copy)]
struct Dims {
    batch: usize,
    heads: usize,
    tq: usize,
    tk: usize,
    d: usize,
    dv: usize,
}

fn dims_of(q: &Tensor, k: &Tensor, v: &Tensor, mask: &AttentionMask) -> Dims {
    let ok = q.rank() == 4 && k.rank() == 4 && v.rank() == 4;
    assert!(
        ok,
        "attention: q, k, v must be (B, H, T, D), got {:?}, {:?}, {:?}",
        q.shape(),
        k.shape(),
        v.shape()
    );
    let (qs, ks, vs) = (q.shape(), k.shape(), v.shape());
    assert!(
        qs[..2] == ks[..2] && ks[..3] == vs[..3] && qs[3] == ks[3],
        "attention: q {qs:?}, k {ks:?}, v {vs:?} disagree (need q (B,H,Tq,D), k (B,H,Tk,D), v (B,H,Tk,Dv))"
    );
    let dims = Dims {
        batch: qs[0],
        heads: qs[1],
        tq: qs[2],
        tk: ks[2],
        d: qs[3],
        dv: vs[3],
    };
    assert!(
        !mask.causal || dims.tk >= dims.tq,
        "attention: a causal mask needs at least as many keys ({}) as queries ({})",
        dims.tk,
        dims.tq
    );
    if let Some(lens) = &mask.key_lengths {
        assert_eq!(
            lens.len(),
            dims.batch,
            "attention: {} key lengths for a batch of {}",
            lens.len(),
            dims.batch
        );
    }
    dims
}

/// Number of keys query `i` of batch element `b` may see (a prefix of the keys).
fn visible(mask: &AttentionMask, dims: Dims, b: usize, i: usize) -> usize {
    let mut limit = dims.tk;
    if mask.causal {
        limit = dims.tk - dims.tq + i + 1;
    }
    if let Some(lens) = &mask.key_lengths {
        limit = limit.min(lens[b]);
    }
    limit
}

/// The (row, col) matrix of tensor `t` at batch `b`, head `h` (a strided view).
fn mat_at(t: &Tensor, b: usize, h: usize) -> MatRef<'_> {
    let l = t.layout();
    let start = l.offset + b * l.strides[0] + h * l.strides[1];
    MatRef {
        data: &t.storage_slice()[start..],
        row_stride: l.strides[2] as isize,
        col_stride: l.strides[3] as isize,
    }
}

/// Scales, masks and normalises the (Tq, Tk) scores of one (b, h) pair in place.
fn masked_softmax(p: &mut [f32], mask: &AttentionMask, dims: Dims, b: usize, scale: f32) {
    for (i, row) in p.chunks_mut(dims.tk).enumerate() {
        let limit = visible(mask, dims, b, i);
        let (live, dead) = row.split_at_mut(limit);
        dead.fill(0.0);
        if live.is_empty() {
            continue;
        }
        let max = fast_math::max(live) * scale;
        fast_math::exp_scaled_in_place(live, scale, max);
        let inv = 1.0 / fast_math::sum(live);
        live.iter_mut().for_each(|s| *s *= inv);
    }
}

/// Runs `f(bh, chunk)` over the (b, h) pairs, in parallel when there is enough work.
fn for_pairs<T: Send>(pairs: usize, work: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    if work >= descent_kernels::PARALLEL_THRESHOLD * 4 && pairs > 1 {
        (0..pairs).into_par_iter().map(f).collect()
    } else {
        (0..pairs).map(f).collect()
    }
}

/// Forward: the output stored as (B, Tq, H, Dv) (so heads concatenate for free) and
/// the attention weights (B, H, Tq, Tk).
fn forward(q: &Tensor, k: &Tensor, v: &Tensor, mask: &AttentionMask, scale: f32, dims: Dims) -> (Vec<f32>, Vec<f32>) {
    let Dims { heads, tq, tk, d, dv, .. } = dims;
    let pairs = dims.batch * heads;
    let work = pairs * tq * tk * (d + dv);
    let per_pair = for_pairs(pairs, work, |bh| {
        let (b, h) = (bh / heads, bh % heads);
        let mut p = vec![0.0f32; tq * tk];
        matmul_serial(tq, tk, d, mat_at(q, b, h), mat_at(k, b, h).t(), &mut p, false); // (Tq, Tk)
        masked_softmax(&mut p, mask, dims, b, scale);
        let mut o = vec![0.0f32; tq * dv];
        matmul_serial(tq, dv, tk, MatRef::row_major(&p, tk), mat_at(v, b, h), &mut o, false); // (Tq, Dv)
        (p, o)
    });
    let mut out = vec![0.0f32; pairs * tq * dv];
    let mut probs = Vec::with_capacity(pairs * tq * tk);
    for (bh, (p, o)) in per_pair.into_iter().enumerate() {
        let (b, h) = (bh / heads, bh % heads);
        for (i, row) in o.chunks(dv).enumerate() {
            let start = ((b * tq + i) * heads + h) * dv;
            out[start..start + dv].copy_from_slice(row);
        }
        probs.extend_from_slice(&p);
    }
    (out, probs)
}

impl Tensor {
    /// Scaled dot-product attention `softmax(q·kᵀ·scale + mask)·v` with `self` as the
    /// queries: q (B, H, Tq, D), k (B, H, Tk, D), v (B, H, Tk, Dv) → (B, H, Tq, Dv).
    ///
    /// Masked keys get weight exactly 0. With a causal mask, query `i` stands at absolute
    /// position `Tk − Tq + i` (so cached keys of earlier positions stay visible). The
    /// result is a view whose storage is (B, Tq, H, Dv): `transpose(1, 2)` then reshape to
    /// (B, Tq, H·Dv) concatenates the heads without a copy.
    pub fn scaled_dot_product_attention(&self, k: &Tensor, v: &Tensor, mask: &AttentionMask, scale: f32) -> Tensor {
        let dims = dims_of(self, k, v, mask);
        let (out, probs) = forward(self, k, v, mask, scale, dims);
        let Dims { batch, heads, tq, dv, .. } = dims;
        let layout = Layout {
            shape: vec![batch, heads, tq, dv],
            strides: vec![tq * heads * dv, dv, heads * dv, 1],
            offset: 0,
        };
        let probs = Arc::new(probs);
        let make = || Op::Attention {
            q: self.clone(),
            k: k.clone(),
            v: v.clone(),
            scale,
            mask: mask.clone(),
            probs,
        };
        Tensor::view_from_op(Arc::new(Storage::Cpu(out)), layout, &[self, k, v], make)
    }

    /// The attention weights `softmax(q·kᵀ·scale + mask)` (B, H, Tq, Tk) that
    /// [`Tensor::scaled_dot_product_attention`] uses, without history (for plots).
    pub fn attention_weights(&self, k: &Tensor, mask: &AttentionMask, scale: f32) -> Tensor {
        let dims = dims_of(self, k, k, mask);
        let (_, probs) = forward(self, k, k, mask, scale, dims);
        Tensor::from_vec(probs, &[dims.batch, dims.heads, dims.tq, dims.tk])
    }

    /// The elements as an owned vector, without a copy when this handle is the storage's
    /// only owner (a KV cache hands its buffer to a tensor for one step, then takes it back).
    pub fn into_data(self) -> Vec<f32> {
        let dense = self.is_contiguous() && self.layout().offset == 0 && self.storage_slice().len() == self.numel();
        if dense {
            match Arc::try_unwrap(self.0) {
                Ok(inner) => match Arc::try_unwrap(inner.storage) {
                    Ok(Storage::Cpu(v)) => v,
                    Err(shared) => shared.as_slice().to_vec(),
                },
                Err(shared) => Tensor(shared).to_vec(),
            }
        } else {
            self.to_vec()
        }
    }
}

/// Gradients `(dq, dk, dv)`, each dense in its input's logical shape, from the saved
/// weights P: dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P))·scale, dQ = dS·K,
/// dK = dSᵀ·Q.
pub(crate) fn attention_grads(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: &AttentionMask,
    scale: f32,
    probs: &[f32],
    grad: &Tensor,
) -> [Tensor; 3] {
    let dims = dims_of(q, k, v, mask);
    let Dims {
        batch,
        heads,
        tq,
        tk,
        d,
        dv,
    } = dims;
    let pairs = batch * heads;
    let work = pairs * tq * tk * (2 * d + 2 * dv);
    let per_pair = for_pairs(pairs, work, |bh| {
        let (b, h) = (bh / heads, bh % heads);
        let p = &probs[bh * tq * tk..(bh + 1) * tq * tk];
        let pm = MatRef::row_major(p, tk);
        let d_out = mat_at(grad, b, h); // (Tq, Dv)
        let mut g_v = vec![0.0f32; tk * dv];
        matmul_serial(tk, dv, tq, pm.t(), d_out, &mut g_v, false); // (Tk, Dv)
        let mut ds = vec![0.0f32; tq * tk];
        matmul_serial(tq, tk, dv, d_out, mat_at(v, b, h).t(), &mut ds, false); // dP (Tq, Tk)
        for (dp_row, p_row) in ds.chunks_mut(tk).zip(p.chunks(tk)) {
            let dot: f32 = dp_row.iter().zip(p_row).map(|(a, b)| a * b).sum();
            dp_row.iter_mut().zip(p_row).for_each(|(g, &p)| *g = p * (*g - dot) * scale);
        }
        let dsm = MatRef::row_major(&ds, tk);
        let mut g_q = vec![0.0f32; tq * d];
        matmul_serial(tq, d, tk, dsm, mat_at(k, b, h), &mut g_q, false); // (Tq, D)
        let mut g_k = vec![0.0f32; tk * d];
        matmul_serial(tk, d, tq, dsm.t(), mat_at(q, b, h), &mut g_k, false); // (Tk, D)
        (g_q, g_k, g_v)
    });
    let mut gq = Vec::with_capacity(pairs * tq * d);
    let mut gk = Vec::with_capacity(pairs * tk * d);
    let mut gv = Vec::with_capacity(pairs * tk * dv);
    for (a, b, c) in per_pair {
        gq.extend_from_slice(&a);
        gk.extend_from_slice(&b);
        gv.extend_from_slice(&c);
    }
    [
        Tensor::from_vec(gq, &[batch, heads, tq, d]),
        Tensor::from_vec(gk, &[batch, heads, tk, d]),
        Tensor::from_vec(gv, &[batch, heads, tk, dv]),
    ]
}
