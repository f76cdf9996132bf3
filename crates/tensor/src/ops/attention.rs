//! Fused scaled dot-product attention (Vaswani et al. 2017), `softmax(q·kᵀ·scale + mask)·v`
//! over (batch, heads, time, head_dim) tensors, forwarding to
//! `descent_kernels::attention`. The composite of primitives (matmul,
//! `masked_fill(−inf)`, softmax, matmul) is its test oracle.

use crate::layout::Layout;
use crate::op::{AttentionMask, Op};
use crate::{Storage, Tensor};
use descent_kernels::attention::{attention_backward, attention_forward, AttentionDims, KeyMask, Strided4};
use std::sync::Arc;

/// Checks the shapes of q (B, H, Tq, D), k (B, H, Tk, D), v (B, H, Tk, Dv) against each
/// other and the mask; panics naming all three.
fn dims_of(q: &Tensor, k: &Tensor, v: &Tensor, mask: &AttentionMask) -> AttentionDims {
    let (qs, ks, vs) = (q.shape(), k.shape(), v.shape());
    let ok = q.rank() == 4 && k.rank() == 4 && v.rank() == 4;
    assert!(ok, "attention: q, k, v must be (B, H, T, D), got {qs:?}, {ks:?}, {vs:?}");
    assert!(
        qs[..2] == ks[..2] && ks[..3] == vs[..3] && qs[3] == ks[3],
        "attention: q {qs:?}, k {ks:?}, v {vs:?} disagree (need q (B,H,Tq,D), k (B,H,Tk,D), v (B,H,Tk,Dv))"
    );
    let dims = AttentionDims {
        batch: qs[0],
        heads: qs[1],
        q_len: qs[2],
        kv_len: ks[2],
        head_dim: qs[3],
        value_dim: vs[3],
    };
    key_mask(mask).validate(&dims);
    dims
}

fn key_mask(mask: &AttentionMask) -> KeyMask<'_> {
    KeyMask {
        causal: mask.causal,
        key_lengths: mask.key_lengths.as_deref().map(Vec::as_slice),
    }
}

/// A 4-D tensor as the kernel's strided operand (its own layout, no copy).
fn strided(t: &Tensor) -> Strided4<'_> {
    let l = t.layout();
    Strided4 {
        data: t.storage_slice(),
        offset: l.offset,
        strides: [l.strides[0], l.strides[1], l.strides[2], l.strides[3]],
    }
}

/// Forward: the output stored as (B, Tq, H, Dv) and the weights (B, H, Tq, Tk).
fn forward(q: &Tensor, k: &Tensor, v: &Tensor, mask: &AttentionMask, scale: f32, dims: &AttentionDims) -> (Vec<f32>, Vec<f32>) {
    let mut probs = Vec::new();
    let out = super::fresh(dims.out_len(), |out| {
        probs = super::fresh(dims.probs_len(), |probs| {
            attention_forward(dims, strided(q), strided(k), strided(v), &key_mask(mask), scale, out, probs)
        })
    });
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
        let (out, probs) = forward(self, k, v, mask, scale, &dims);
        let AttentionDims {
            batch,
            heads,
            q_len: tq,
            value_dim: dv,
            ..
        } = dims;
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
        let (_, probs) = forward(self, k, k, mask, scale, &dims);
        Tensor::from_vec(probs, &[dims.batch, dims.heads, dims.q_len, dims.kv_len])
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
/// weights.
pub(crate) fn attention_grads(
    q: &Tensor,
    k: &Tensor,
    v: &Tensor,
    mask: &AttentionMask,
    scale: f32,
    probs: &[f32],
    grad: &Tensor,
) -> [Tensor; 3] {
    let d = dims_of(q, k, v, mask);
    let mut g = [q, k, v].map(|t| vec![0.0f32; t.numel()]);
    let [gq, gk, gv] = &mut g;
    attention_backward(
        &d,
        strided(q),
        strided(k),
        strided(v),
        &key_mask(mask),
        scale,
        probs,
        strided(grad),
        gq,
        gk,
        gv,
    );
    let [gq, gk, gv] = g;
    [
        Tensor::from_vec(gq, q.shape()),
        Tensor::from_vec(gk, k.shape()),
        Tensor::from_vec(gv, v.shape()),
    ]
}
