//! BERT's forward for inference only, on *packed* sequences: the tokens of a batch lie
//! one after another as (N, C) rows with no padding, so the Linear layers (nearly all
//! of the work) touch real tokens only, and attention runs per (sequence, head) on
//! strided views of the packed Q, K, V. No autograd graph, a handful of buffers per
//! batch instead of one per op, and biases and residuals folded into the matrix
//! products (the output buffer starts as `residual + bias`, the product is added).
//!
//! [`Bert::hidden`] (tensor ops, differentiable, padded and masked) is the oracle:
//! `tests/bert_inference.rs` checks that both give the same states.

use super::{Bert, BertLayer};
use descent_kernels::matmul::{matmul, matmul_serial, MatRef};
use descent_nn::{LayerNorm, Linear};
use descent_tensor::{no_grad, Tensor};

/// Whether the matrix products of one batch may use several threads (off when the
/// caller already runs batches in parallel).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Threads {
    /// Every product on the calling thread.
    Serial,
    /// Large products split over rayon's threads.
    Parallel,
}

/// A Linear layer's weight transposed to (in, out) row-major, and its bias: the layout
/// the matrix-product kernel reads fastest as its right operand (measured 5–25% faster
/// than a transposed view of the (out, in) weight, most for few rows).
pub struct PackedLinear {
    /// Wᵀ, (in, out) row-major.
    weight_t: Vec<f32>,
    /// Bias (out), zeros when the layer has none.
    bias: Vec<f32>,
    inputs: usize,
    outputs: usize,
}

impl PackedLinear {
    /// A copy of `linear`'s current values.
    pub fn new(linear: &Linear) -> PackedLinear {
        let w = linear.weight.value();
        let (outputs, inputs) = (w.dim(0), w.dim(1));
        let weight_t = w.t().contiguous().to_vec();
        let bias = match &linear.bias {
            Some(b) => b.value().to_vec(),
            None => vec![0.0; outputs],
        };
        PackedLinear {
            weight_t,
            bias,
            inputs,
            outputs,
        }
    }

    /// `dst (m, out) (+)= x (m, in) · Wᵀ`; `accumulate` adds to what `dst` holds.
    fn product(&self, dst: &mut [f32], x: &[f32], m: usize, accumulate: bool, threads: Threads) {
        let a = MatRef::row_major(x, self.inputs);
        let b = MatRef::row_major(&self.weight_t, self.outputs);
        match threads {
            Threads::Serial => matmul_serial(m, self.outputs, self.inputs, a, b, dst, accumulate),
            Threads::Parallel => matmul(m, self.outputs, self.inputs, a, b, dst, accumulate),
        }
    }

    /// Fills each row of `dst` with the bias, plus the same row of `base` if given.
    fn rows_plus_bias(&self, dst: &mut [f32], base: Option<&[f32]>) {
        let n = self.outputs;
        match base {
            Some(base) => dst.chunks_mut(n).zip(base.chunks(n)).for_each(|(d, r)| {
                d.iter_mut().zip(r).zip(&self.bias).for_each(|((d, &r), &b)| *d = r + b);
            }),
            None => dst.chunks_mut(n).for_each(|d| d.copy_from_slice(&self.bias)),
        }
    }

    /// `dst = base + bias + x·Wᵀ` (`base` absent: no residual).
    fn affine(&self, dst: &mut [f32], x: &[f32], base: Option<&[f32]>, m: usize, threads: Threads) {
        self.rows_plus_bias(dst, base);
        self.product(dst, x, m, true, threads);
    }
}

/// The Linear layers of one block, packed ([`PackedLinear`]).
struct PackedLayer {
    query: PackedLinear,
    key: PackedLinear,
    value: PackedLinear,
    attention_output: PackedLinear,
    intermediate: PackedLinear,
    output: PackedLinear,
}

/// Snapshot of a [`Bert`]'s Linear weights in the layout inference wants. It copies the
/// values: rebuild it after changing the model's parameters.
pub struct InferenceWeights {
    layers: Vec<PackedLayer>,
}

impl InferenceWeights {
    /// Packs every block's Linear layers (about 4 bytes per parameter of them).
    pub fn new(bert: &Bert) -> InferenceWeights {
        let layers = bert
            .layers
            .iter()
            .map(|l| PackedLayer {
                query: PackedLinear::new(&l.attention.q),
                key: PackedLinear::new(&l.attention.k),
                value: PackedLinear::new(&l.attention.v),
                attention_output: PackedLinear::new(&l.attention.proj),
                intermediate: PackedLinear::new(&l.feed_forward.fc1),
                output: PackedLinear::new(&l.feed_forward.fc2),
            })
            .collect();
        InferenceWeights { layers }
    }
}

/// Sum of `x` in eight independent lanes, so the compiler vectorises it (a plain
/// running sum is a serial chain of additions).
fn lane_sum(x: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = x.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().map(|&v| f(v)).sum();
    for chunk in chunks {
        for (lane, &v) in lanes.iter_mut().zip(chunk) {
            *lane += f(v);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Layer norm of every row of `x`, in place (biased variance, ε inside the root).
fn layer_norm_in_place(x: &mut [f32], ln: &LayerNorm) {
    let (w, b) = (ln.weight.value(), ln.bias.value());
    let (w, b) = (w.contiguous_data(), b.contiguous_data());
    let n = w.len();
    for row in x.chunks_mut(n) {
        let mean = lane_sum(row, |v| v) / n as f32;
        let var = lane_sum(row, |v| (v - mean) * (v - mean)) / n as f32;
        let rstd = 1.0 / (var + ln.eps).sqrt();
        row.iter_mut()
            .zip(w.iter())
            .zip(b.iter())
            .for_each(|((v, &w), &b)| *v = (*v - mean) * rstd * w + b);
    }
}

/// Softmax of `row · scale`, in place.
fn softmax_scaled(row: &mut [f32], scale: f32) {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for v in row.iter_mut() {
        *v = ((*v - max) * scale).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    row.iter_mut().for_each(|v| *v *= inv);
}

/// Self-attention of packed rows: `q`, `k`, `v` (N, C), sequences of `lengths` one after
/// another; writes the concatenated heads into `context` (N, C).
/// `scores` and `head_out` are scratch buffers.
#[allow(clippy::too_many_arguments)]
fn attend(
    q: &[f32],
    k: &[f32],
    v: &[f32],
    lengths: &[usize],
    heads: usize,
    context: &mut [f32],
    scores: &mut Vec<f32>,
    head_out: &mut Vec<f32>,
) {
    let c = context.len() / lengths.iter().sum::<usize>().max(1);
    let d = c / heads;
    let scale = 1.0 / (d as f32).sqrt();
    let longest = lengths.iter().copied().max().unwrap_or(0);
    let scores = sized(scores, longest * longest);
    let out = sized(head_out, longest * d);
    let mut start = 0;
    for &len in lengths {
        for h in 0..heads {
            let at = start * c + h * d;
            fn view(m: &[f32], at: usize, c: usize) -> MatRef<'_> {
                MatRef {
                    data: &m[at..],
                    row_stride: c as isize,
                    col_stride: 1,
                }
            }
            let p = &mut scores[..len * len];
            matmul_serial(len, len, d, view(q, at, c), view(k, at, c).t(), p, false); // (L, L)
            p.chunks_mut(len).for_each(|row| softmax_scaled(row, scale));
            let o = &mut out[..len * d];
            matmul_serial(len, d, len, MatRef::row_major(p, len), view(v, at, c), o, false); // (L, D)
            for (i, row) in o.chunks(d).enumerate() {
                let dst = (start + i) * c + h * d;
                context[dst..dst + d].copy_from_slice(row);
            }
        }
        start += len;
    }
}

/// Buffers of one batch's forward, kept between layers and batches so that the hot loop
/// neither allocates nor zeroes memory.
#[derive(Default)]
pub struct Scratch {
    q: Vec<f32>,
    k: Vec<f32>,
    v: Vec<f32>,
    context: Vec<f32>,
    residual: Vec<f32>,
    inner: Vec<f32>,
    scores: Vec<f32>,
    head_out: Vec<f32>,
}

/// The first `len` elements of `buf`, grown (never shrunk) as needed.
fn sized(buf: &mut Vec<f32>, len: usize) -> &mut [f32] {
    if buf.len() < len {
        buf.resize(len, 0.0);
    }
    &mut buf[..len]
}

/// One block on packed rows `x` (N, C), in place.
fn layer_forward(layer: &BertLayer, packed: &PackedLayer, x: &mut [f32], lengths: &[usize], threads: Threads, s: &mut Scratch) {
    let n: usize = lengths.iter().sum();
    let c = x.len() / n;
    for (buf, linear) in [(&mut s.q, &packed.query), (&mut s.k, &packed.key), (&mut s.v, &packed.value)] {
        linear.affine(sized(buf, n * c), x, None, n, threads); // (N, C)
    }
    let context = sized(&mut s.context, n * c);
    let (q, k, v) = (&s.q[..n * c], &s.k[..n * c], &s.v[..n * c]);
    attend(q, k, v, lengths, layer.attention.n_heads, context, &mut s.scores, &mut s.head_out);
    // h = LN(x + context·Woᵀ + bo)
    let h = sized(&mut s.residual, n * c);
    packed.attention_output.affine(h, &s.context[..n * c], Some(x), n, threads);
    layer_norm_in_place(h, &layer.attention_norm);
    // x = LN(h + gelu(h·W1ᵀ + b1)·W2ᵀ + b2)
    let wide = packed.intermediate.outputs;
    packed.intermediate.product(sized(&mut s.inner, n * wide), h, n, false, threads);
    let mut inner = std::mem::take(&mut s.inner);
    inner.truncate(n * wide);
    // The fused tensor op (vectorised erf); it hands back a new buffer, kept for the next layer.
    let bias = Tensor::from_slice(&packed.intermediate.bias, &[wide]);
    s.inner = Tensor::from_vec(inner, &[n, wide]).bias_gelu(&bias).into_data();
    packed.output.affine(x, &s.inner[..n * wide], Some(h), n, threads);
    layer_norm_in_place(x, &layer.output_norm);
}

impl Bert {
    /// Final hidden states of packed sequences, inference only: `ids` are the tokens of
    /// every sequence one after another, `lengths[s]` tokens for sequence s (no padding).
    /// Returns (N, C) rows in the same order. Equal to [`Bert::hidden`]'s states of the
    /// real tokens.
    pub fn hidden_packed(
        &self,
        weights: &InferenceWeights,
        ids: &[usize],
        lengths: &[usize],
        threads: Threads,
        scratch: &mut Scratch,
    ) -> Vec<f32> {
        let n: usize = lengths.iter().sum();
        assert_eq!(
            n,
            ids.len(),
            "Bert::hidden_packed: lengths {lengths:?} sum to {n}, not {} ids",
            ids.len()
        );
        let c = self.config.hidden_size;
        let e = &self.embeddings;
        let (word, position, segment) = (e.word.weight.value(), e.position.weight.value(), e.token_type.weight.value());
        let (word, position, segment) = (word.contiguous_data(), position.contiguous_data(), segment.contiguous_data());
        let vocab = word.len() / c;
        let mut x = Vec::with_capacity(n * c);
        for &len in lengths {
            assert!(len <= position.len() / c, "Bert: {len} tokens exceed the position embeddings");
            for t in 0..len {
                let id = ids[x.len() / c];
                assert!(id < vocab, "Bert: token id {id} is not below the vocabulary size {vocab}");
                let (w, p) = (&word[id * c..(id + 1) * c], &position[t * c..(t + 1) * c]);
                x.extend(w.iter().zip(p).zip(&segment[..c]).map(|((w, p), s)| w + (p + s)));
            }
        }
        layer_norm_in_place(&mut x, &e.norm);
        no_grad(|| {
            assert_eq!(weights.layers.len(), self.layers.len(), "Bert: inference weights of another model");
            for (layer, packed) in self.layers.iter().zip(&weights.layers) {
                layer_forward(layer, packed, &mut x, lengths, threads, scratch);
            }
        });
        x
    }
}
