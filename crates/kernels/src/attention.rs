//! Scaled dot-product attention (Vaswani et al. 2017), `softmax(q·kᵀ·scale + mask)·v`
//! over (batch, heads, time, head_dim) operands, forward and backward, beside naive
//! references.
//!
//! Each (batch, head) pair is one task: two (forward) or four (backward) small matrix
//! products through [`matmul_serial`] on strided views (no copies of q, k, v) and a
//! masked softmax per row, the pairs spread over rayon's threads when the work is large.
//! Pairs are independent, so results do not depend on the thread count. Both masks used
//! in practice, causal and key padding, leave every query a *prefix* of visible keys, so
//! a mask is a per-row key count: masked scores are never exponentiated and their
//! weights are exactly 0 (as after PyTorch's −inf fill); a row with no visible key gets
//! all-zero weights and a zero output. The products skip hidden keys too: queries go in
//! blocks of [`QUERY_BLOCK`] rows, each multiplied only against the keys its last row
//! sees (under a causal mask over 128 positions, 62% of the full products).

use rayon::prelude::*;

use crate::fast_math;
use crate::matmul::{matmul_serial, matmul_uninit, matmul_uninit_strided, MatRef};
use crate::PARALLEL_THRESHOLD;
use std::mem::MaybeUninit;

/// Sizes of one attention call: q (batch, heads, q_len, head_dim), k (batch, heads,
/// kv_len, head_dim), v (batch, heads, kv_len, value_dim).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AttentionDims {
    /// Batch elements (B).
    pub batch: usize,
    /// Heads (H).
    pub heads: usize,
    /// Queries per head (Tq).
    pub q_len: usize,
    /// Keys and values per head (Tk).
    pub kv_len: usize,
    /// Length of a query or key vector (D).
    pub head_dim: usize,
    /// Length of a value vector (Dv).
    pub value_dim: usize,
}

impl AttentionDims {
    /// Elements of the output and of its gradient, (B, Tq, H, Dv) or (B, H, Tq, Dv).
    pub fn out_len(&self) -> usize {
        self.batch * self.heads * self.q_len * self.value_dim
    }

    /// Elements of the attention weights, (B, H, Tq, Tk).
    pub fn probs_len(&self) -> usize {
        self.batch * self.heads * self.q_len * self.kv_len
    }

    fn pairs(&self) -> usize {
        self.batch * self.heads
    }
}

/// Which keys each query may see: both kinds leave a prefix of the keys visible.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyMask<'a> {
    /// Query `i` of `Tq` (absolute position `Tk − Tq + i`) sees keys `j ≤ Tk − Tq + i`.
    pub causal: bool,
    /// Per batch element: the number of real keys; later keys are padding.
    pub key_lengths: Option<&'a [usize]>,
}

impl KeyMask<'_> {
    /// Panics, naming the sizes, unless the mask fits `d`.
    pub fn validate(&self, d: &AttentionDims) {
        assert!(
            !self.causal || d.kv_len >= d.q_len,
            "attention: a causal mask needs at least as many keys ({}) as queries ({})",
            d.kv_len,
            d.q_len
        );
        if let Some(lens) = self.key_lengths {
            assert_eq!(
                lens.len(),
                d.batch,
                "attention: {} key lengths for a batch of {}",
                lens.len(),
                d.batch
            );
        }
    }

    /// Number of keys query `i` of batch element `b` may see (a prefix of the keys).
    pub fn visible(&self, d: &AttentionDims, b: usize, i: usize) -> usize {
        let mut limit = d.kv_len;
        if self.causal {
            limit = d.kv_len - d.q_len + i + 1;
        }
        if let Some(lens) = self.key_lengths {
            limit = limit.min(lens[b]);
        }
        limit
    }
}

/// A 4-D operand read through strides: element `(b, h, i, j)` is at
/// `data[offset + b·strides[0] + h·strides[1] + i·strides[2] + j·strides[3]]`.
#[derive(Clone, Copy, Debug)]
pub struct Strided4<'a> {
    /// The backing elements.
    pub data: &'a [f32],
    /// Index of element (0, 0, 0, 0).
    pub offset: usize,
    /// Distance between neighbours along each axis.
    pub strides: [usize; 4],
}

impl<'a> Strided4<'a> {
    /// A dense row-major operand of the given shape.
    pub fn dense(data: &'a [f32], shape: [usize; 4]) -> Self {
        let [_, h, t, d] = shape;
        Strided4 {
            data,
            offset: 0,
            strides: [h * t * d, t * d, d, 1],
        }
    }

    /// The (row, col) matrix at batch `b`, head `h`.
    fn mat(&self, b: usize, h: usize) -> MatRef<'a> {
        let start = self.offset + b * self.strides[0] + h * self.strides[1];
        MatRef {
            data: &self.data[start.min(self.data.len())..],
            row_stride: self.strides[2] as isize,
            col_stride: self.strides[3] as isize,
        }
    }

    fn at(&self, b: usize, h: usize, i: usize, j: usize) -> f32 {
        let s = self.strides;
        self.data[self.offset + b * s[0] + h * s[1] + i * s[2] + j * s[3]]
    }
}

/// `buf` cut into `pairs` pieces of `len` (empty pieces when `len` is 0).
fn per_pair<T>(buf: &mut [T], len: usize, pairs: usize) -> Vec<&mut [T]> {
    if len == 0 {
        (0..pairs).map(|_| <&mut [T]>::default()).collect()
    } else {
        buf.chunks_mut(len).collect()
    }
}

/// Runs `f` over the per-pair items, in parallel when there is enough work.
fn for_pairs<T: Send>(items: Vec<T>, work: usize, f: impl Fn(usize, T) + Sync + Send) {
    if work >= PARALLEL_THRESHOLD * 4 && items.len() > 1 {
        items.into_par_iter().enumerate().for_each(|(bh, item)| f(bh, item));
    } else {
        items.into_iter().enumerate().for_each(|(bh, item)| f(bh, item));
    }
}

/// Queries per block of the products (a multiple of the gemm kernel's 16-row tile): small
/// enough that a causal mask skips most hidden keys, large enough to keep the kernel busy.
pub const QUERY_BLOCK: usize = 32;

/// The query blocks of batch element `b` as `(first row, end row, visible keys)`: the
/// keys the block's last row sees, which covers every row of the block (visible key
/// counts never fall along the queries). One block for all rows unless causal.
fn query_blocks<'a>(mask: &KeyMask<'a>, d: &AttentionDims, b: usize) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
    let tq = d.q_len;
    let block = block_rows(mask, tq).max(1);
    let (mask, d) = (*mask, *d);
    (0..tq).step_by(block).map(move |i0| {
        let i1 = (i0 + block).min(tq);
        (i0, i1, mask.visible(&d, b, i1 - 1))
    })
}

/// Rows per query block: all of them unless causal.
fn block_rows(mask: &KeyMask, q_len: usize) -> usize {
    if mask.causal {
        QUERY_BLOCK.min(q_len)
    } else {
        q_len
    }
}

/// Scales, masks and normalises rows `first..` of one pair's (Tq, Tk) scores in place:
/// the hidden part of each row gets 0 (it may be uninitialised: the products skip it),
/// the visible part, already written, its softmax.
fn masked_softmax(rows: &mut [MaybeUninit<f32>], first: usize, mask: &KeyMask, d: &AttentionDims, b: usize, scale: f32) {
    if d.kv_len == 0 {
        return;
    }
    for (r, row) in rows.chunks_mut(d.kv_len).enumerate() {
        let limit = mask.visible(d, b, first + r);
        let (live, dead) = row.split_at_mut(limit);
        dead.iter_mut().for_each(|x| {
            x.write(0.0);
        });
        if live.is_empty() {
            continue;
        }
        // SAFETY: the scores product wrote every visible key of this row.
        let live = unsafe { &mut *(live as *mut [MaybeUninit<f32>] as *mut [f32]) };
        let max = fast_math::max(live) * scale;
        fast_math::exp_scaled_in_place(live, scale, max);
        let inv = 1.0 / fast_math::sum(live);
        live.iter_mut().for_each(|s| *s *= inv);
    }
}

/// Attention forward: `out` gets `softmax(q·kᵀ·scale + mask)·v` stored as (B, Tq, H, Dv)
/// (so the heads of a position are adjacent and concatenate for free), `probs` the
/// weights (B, H, Tq, Tk), kept for [`attention_backward`]. Writes every element of both
/// (which may be uninitialised).
#[allow(clippy::too_many_arguments)]
pub fn attention_forward(
    d: &AttentionDims,
    q: Strided4,
    k: Strided4,
    v: Strided4,
    mask: &KeyMask,
    scale: f32,
    out: &mut [MaybeUninit<f32>],
    probs: &mut [MaybeUninit<f32>],
) {
    mask.validate(d);
    assert_eq!(out.len(), d.out_len(), "attention: output has {} elements for {d:?}", out.len());
    assert_eq!(
        probs.len(),
        d.probs_len(),
        "attention: weights have {} elements for {d:?}",
        probs.len()
    );
    let AttentionDims {
        heads,
        q_len: tq,
        kv_len: tk,
        head_dim,
        value_dim: dv,
        ..
    } = *d;
    let pairs = d.pairs();
    let work = pairs * tq * tk * (head_dim + dv);
    let mut outs: Vec<Vec<f32>> = vec![Vec::new(); pairs];
    let items: Vec<_> = per_pair(probs, tq * tk, pairs).into_iter().zip(outs.iter_mut()).collect();
    for_pairs(items, work, |bh, (p, o)| {
        let (b, h) = (bh / heads, bh % heads);
        let (qm, km, vm) = (q.mat(b, h), k.mat(b, h), v.mat(b, h));
        // SAFETY: the blocks cover every row, and each product writes its (rows, Dv) block.
        *o = unsafe {
            crate::written_by(tq * dv, |o| {
                for (i0, i1, seen) in query_blocks(mask, d, b) {
                    let scores = &mut p[i0 * tk..i1 * tk];
                    matmul_uninit_strided(i1 - i0, seen, head_dim, qm.rows_from(i0), km.t(), scores, tk);
                    masked_softmax(scores, i0, mask, d, b, scale);
                    // SAFETY: the softmax wrote every element of these rows.
                    let weights = &*(scores as *mut [MaybeUninit<f32>] as *const [f32]);
                    let out = &mut o[i0 * dv..i1 * dv];
                    matmul_uninit(i1 - i0, dv, seen, MatRef::row_major(weights, tk), vm, out, false);
                }
            })
        };
    });
    for (bh, o) in outs.iter().enumerate() {
        let (b, h) = (bh / heads, bh % heads);
        for (i, row) in o.chunks(dv.max(1)).enumerate() {
            let start = ((b * tq + i) * heads + h) * dv;
            out[start..start + dv].iter_mut().zip(row).for_each(|(o, &v)| {
                o.write(v);
            });
        }
    }
}

/// Attention backward from the saved weights P (B, H, Tq, Tk) and the output gradient
/// `d_out` (B, H, Tq, Dv): dV = Pᵀ·dO, dP = dO·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P))·scale,
/// dQ = dS·K, dK = dSᵀ·Q, with the forward's `mask` (hidden keys, weight 0, are skipped).
///
/// Shapes: dq (B, H, Tq, D), dk (B, H, Tk, D), dv (B, H, Tk, Dv), dense. Overwrites all three.
#[allow(clippy::too_many_arguments)]
pub fn attention_backward(
    d: &AttentionDims,
    q: Strided4,
    k: Strided4,
    v: Strided4,
    mask: &KeyMask,
    scale: f32,
    probs: &[f32],
    d_out: Strided4,
    dq: &mut [f32],
    dk: &mut [f32],
    dv: &mut [f32],
) {
    let AttentionDims {
        heads,
        q_len: tq,
        kv_len: tk,
        head_dim,
        value_dim,
        ..
    } = *d;
    let pairs = d.pairs();
    assert_eq!(
        probs.len(),
        d.probs_len(),
        "attention: weights have {} elements for {d:?}",
        probs.len()
    );
    assert_eq!(dq.len(), pairs * tq * head_dim, "attention: dq has {} elements for {d:?}", dq.len());
    assert_eq!(dk.len(), pairs * tk * head_dim, "attention: dk has {} elements for {d:?}", dk.len());
    assert_eq!(
        dv.len(),
        pairs * tk * value_dim,
        "attention: dv has {} elements for {d:?}",
        dv.len()
    );
    let work = pairs * tq * tk * (2 * head_dim + 2 * value_dim);
    let items: Vec<_> = per_pair(dq, tq * head_dim, pairs)
        .into_iter()
        .zip(per_pair(dk, tk * head_dim, pairs))
        .zip(per_pair(dv, tk * value_dim, pairs))
        .collect();
    for_pairs(items, work, |bh, ((g_q, g_k), g_v)| {
        let (b, h) = (bh / heads, bh % heads);
        let p = &probs[bh * tq * tk..(bh + 1) * tq * tk];
        let (qm, km, vm, d_o) = (q.mat(b, h), k.mat(b, h), v.mat(b, h), d_out.mat(b, h));
        // dK and dV gather over the query blocks.
        g_k.fill(0.0);
        g_v.fill(0.0);
        let mut ds = vec![0.0f32; block_rows(mask, tq) * tk];
        for (i0, i1, seen) in query_blocks(mask, d, b) {
            let rows = i1 - i0;
            if seen == 0 {
                g_q[i0 * head_dim..i1 * head_dim].fill(0.0);
                continue;
            }
            let pm = MatRef::row_major(&p[i0 * tk..i1 * tk], tk); // (rows, seen) of (rows, Tk)
            let d_o = d_o.rows_from(i0); // (rows, Dv)
            matmul_serial(seen, value_dim, rows, pm.t(), d_o, &mut g_v[..seen * value_dim], true);
            let ds = &mut ds[..rows * seen];
            matmul_serial(rows, seen, value_dim, d_o, vm.t(), ds, false); // dP (rows, seen)
            for (dp_row, p_row) in ds.chunks_mut(seen).zip(p[i0 * tk..].chunks(tk)) {
                let p_row = &p_row[..seen];
                let dot: f32 = dp_row.iter().zip(p_row).map(|(a, b)| a * b).sum();
                dp_row.iter_mut().zip(p_row).for_each(|(g, &p)| *g = p * (*g - dot) * scale);
            }
            let dsm = MatRef::row_major(ds, seen);
            matmul_serial(rows, head_dim, seen, dsm, km, &mut g_q[i0 * head_dim..i1 * head_dim], false);
            matmul_serial(seen, head_dim, rows, dsm.t(), qm.rows_from(i0), &mut g_k[..seen * head_dim], true);
        }
    });
}

/// The f64 weights of one (b, h) pair, (Tq, Tk), straight from the definition: scores,
/// −∞ where the mask hides a key (decided per key, not through [`KeyMask::visible`]),
/// softmax; a row with every key hidden is all zeros.
fn probs_f64(d: &AttentionDims, q: &Strided4, k: &Strided4, mask: &KeyMask, scale: f32, b: usize, h: usize) -> Vec<f64> {
    let (tq, tk) = (d.q_len, d.kv_len);
    let hidden = |i: usize, j: usize| (mask.causal && j + tq > tk + i) || mask.key_lengths.is_some_and(|l| j >= l[b]);
    let mut p = vec![0.0f64; tq * tk];
    for i in 0..tq {
        let row = &mut p[i * tk..(i + 1) * tk];
        for (j, s) in row.iter_mut().enumerate() {
            let dot: f64 = (0..d.head_dim).map(|c| q.at(b, h, i, c) as f64 * k.at(b, h, j, c) as f64).sum();
            *s = if hidden(i, j) { f64::NEG_INFINITY } else { scale as f64 * dot };
        }
        let max = row.iter().fold(f64::NEG_INFINITY, |m, &s| m.max(s));
        if max == f64::NEG_INFINITY {
            row.fill(0.0);
            continue;
        }
        row.iter_mut().for_each(|s| *s = (*s - max).exp());
        let total: f64 = row.iter().sum();
        row.iter_mut().for_each(|s| *s /= total);
    }
    p
}

/// Naive reference for [`attention_forward`] (f64, same output layouts; tests only).
#[allow(clippy::too_many_arguments)]
pub fn attention_forward_reference(
    d: &AttentionDims,
    q: Strided4,
    k: Strided4,
    v: Strided4,
    mask: &KeyMask,
    scale: f32,
    out: &mut [f32],
    probs: &mut [f32],
) {
    let (tq, tk, dv) = (d.q_len, d.kv_len, d.value_dim);
    for (b, h) in (0..d.batch).flat_map(|b| (0..d.heads).map(move |h| (b, h))) {
        let p = probs_f64(d, &q, &k, mask, scale, b, h);
        let base = (b * d.heads + h) * tq * tk;
        probs[base..base + tq * tk].iter_mut().zip(&p).for_each(|(o, &x)| *o = x as f32);
        for i in 0..tq {
            for c in 0..dv {
                let o: f64 = (0..tk).map(|j| p[i * tk + j] * v.at(b, h, j, c) as f64).sum();
                out[((b * tq + i) * d.heads + h) * dv + c] = o as f32;
            }
        }
    }
}

/// Naive reference for [`attention_backward`]: recomputes the weights in f64 from q, k
/// and the mask, then the same chain rule with plain loops (tests only).
#[allow(clippy::too_many_arguments)]
pub fn attention_backward_reference(
    d: &AttentionDims,
    q: Strided4,
    k: Strided4,
    v: Strided4,
    mask: &KeyMask,
    scale: f32,
    d_out: Strided4,
    dq: &mut [f32],
    dk: &mut [f32],
    dv: &mut [f32],
) {
    let AttentionDims {
        heads,
        q_len: tq,
        kv_len: tk,
        head_dim: hd,
        value_dim: vd,
        ..
    } = *d;
    for (b, h) in (0..d.batch).flat_map(|b| (0..heads).map(move |h| (b, h))) {
        let bh = b * heads + h;
        let p = probs_f64(d, &q, &k, mask, scale, b, h);
        let mut ds = vec![0.0f64; tq * tk];
        for i in 0..tq {
            let dp: Vec<f64> = (0..tk)
                .map(|j| (0..vd).map(|c| d_out.at(b, h, i, c) as f64 * v.at(b, h, j, c) as f64).sum())
                .collect();
            let dot: f64 = (0..tk).map(|j| dp[j] * p[i * tk + j]).sum();
            (0..tk).for_each(|j| ds[i * tk + j] = p[i * tk + j] * (dp[j] - dot) * scale as f64);
        }
        for j in 0..tk {
            for c in 0..vd {
                let g: f64 = (0..tq).map(|i| p[i * tk + j] * d_out.at(b, h, i, c) as f64).sum();
                dv[(bh * tk + j) * vd + c] = g as f32;
            }
            for c in 0..hd {
                let g: f64 = (0..tq).map(|i| ds[i * tk + j] * q.at(b, h, i, c) as f64).sum();
                dk[(bh * tk + j) * hd + c] = g as f32;
            }
        }
        for i in 0..tq {
            for c in 0..hd {
                let g: f64 = (0..tk).map(|j| ds[i * tk + j] * k.at(b, h, j, c) as f64).sum();
                dq[(bh * tq + i) * hd + c] = g as f32;
            }
        }
    }
}
