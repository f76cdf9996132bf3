//! The fused LSTM recurrence (Hochreiter & Schmidhuber 1997, with Gers et al.'s 2000
//! forget gate): one graph node for a whole layer over a whole sequence.
//!
//! The caller computes the input projection of every step as one big matmul up front
//! (`x · W_ihᵀ`, shape (B, T, 4H)); this op runs what must stay sequential:
//!
//! ```text
//! z_t = xp_t + bias + h_{t−1}·W_hhᵀ                      (B, 4H), gate blocks i, f, g, o
//! c_t = σ(f)·c_{t−1} + σ(i)·tanh(g)      h_t = σ(o)·tanh(c_t)
//! ```
//!
//! Per step that is one (B, H)·(H, 4H) gate matmul and one pass of cell arithmetic, with
//! no graph nodes, no allocations and vectorised σ/tanh. Backward is BPTT in the same
//! style: per step one elementwise pass and one (B, 4H)·(4H, H) matmul, then the weight
//! gradient of all steps as one big matmul.
//!
//! Parallelism: the hidden units are cut into one chunk per worker. A chunk owns the
//! four gate columns of its units, so each worker computes its gates, cells and hidden
//! values without waiting for the others, keeps its slice of W_hh hot in its own cache,
//! and the workers meet once per step (the next step needs all of h_t).
//!
//! The composite LSTM in `descent-nn` (`Recurrent::forward_unrolled`, built from
//! matmul/σ/tanh graph ops) is the test oracle of this kernel.

use crate::op::Op;
use crate::Tensor;
use descent_kernels::matmul::{matmul, matmul_serial, MatRef};
use rayon::prelude::*;
use std::sync::Arc;

// ---- vectorisable σ and tanh ------------------------------------------------------------

/// eˣ to about 1 ulp (Cephes' polynomial after range reduction), written without
/// branches or calls so loops over it vectorise; inputs are clamped to ±87.
#[inline(always)]
fn exp_approx(x: f32) -> f32 {
    let x = x.clamp(-87.0, 87.0);
    let k = (x * std::f32::consts::LOG2_E + 0.5).floor();
    let r = x - k * 0.693_359_4 + k * 2.121_944_4e-4; // ln 2 split in two, exact first part
    let p = 1.987_569_1e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_6e-1;
    let p = p * r + 0.5;
    let p = p * r * r + r + 1.0;
    p * f32::from_bits(((k as i32 + 127) << 23) as u32)
}

/// 1/(1+e⁻ˣ) through [`exp_approx`].
#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp_approx(-x))
}

/// tanh as Eigen's rational minimax approximation (a few ulp), clamped where it
/// reaches ±1 in f32; tiny inputs return x.
#[inline(always)]
fn tanh(x: f32) -> f32 {
    let y = x.clamp(-7.905_311, 7.905_311);
    let y2 = y * y;
    let p = -2.760_768_4e-16_f32;
    let p = p * y2 + 2.000_188e-13;
    let p = p * y2 - 8.604_672e-11;
    let p = p * y2 + 5.122_297_3e-8;
    let p = p * y2 + 1.485_722_35e-5;
    let p = p * y2 + 6.372_619_5e-4;
    let p = (p * y2 + 4.893_524_6e-3) * y;
    let q = 1.198_258_4e-6_f32;
    let q = q * y2 + 1.185_347_1e-4;
    let q = q * y2 + 2.268_434_7e-3;
    let q = q * y2 + 4.893_525e-3;
    if x.abs() < 4e-4 {
        x
    } else {
        p / q
    }
}

// ---- per-row cell kernels (hot loops, compiled per SIMD level) ----------------------------

/// Forward cell for one batch row of a chunk: `z` holds the pre-activations
/// `[i | f | g | o]` (4·len) and receives the activations; writes c_t and h_t.
#[inline(always)]
fn cell_forward_row(z: &mut [f32], c_prev: &[f32], c_out: &mut [f32], h_out: &mut [f32]) {
    let len = c_prev.len();
    let (zi, rest) = z.split_at_mut(len);
    let (zf, rest) = rest.split_at_mut(len);
    let (zg, zo) = rest.split_at_mut(len);
    let (zo, c_out, h_out) = (&mut zo[..len], &mut c_out[..len], &mut h_out[..len]);
    for u in 0..len {
        let (i, f, g, o) = (sigmoid(zi[u]), sigmoid(zf[u]), tanh(zg[u]), sigmoid(zo[u]));
        let c = f * c_prev[u] + i * g;
        (zi[u], zf[u], zg[u], zo[u]) = (i, f, g, o);
        c_out[u] = c;
        h_out[u] = o * tanh(c);
    }
}

/// Backward cell for one batch row of a chunk. `gates` are the four activation slices,
/// `dh` the total gradient reaching h_t, `dc` the carried gradient of c_t (updated to
/// that of c_{t−1}); writes the pre-activation gradients `dz = [di | df | dg | do]`.
#[inline(always)]
fn cell_backward_row(gates: [&[f32]; 4], c: &[f32], c_prev: &[f32], dh: &[f32], dc: &mut [f32], dz: &mut [f32]) {
    let len = c.len();
    let [gi, gf, gg, go] = gates.map(|g| &g[..len]);
    let (c_prev, dh, dc) = (&c_prev[..len], &dh[..len], &mut dc[..len]);
    let (dzi, rest) = dz.split_at_mut(len);
    let (dzf, rest) = rest.split_at_mut(len);
    let (dzg, dzo) = rest.split_at_mut(len);
    let dzo = &mut dzo[..len];
    for u in 0..len {
        let (i, f, g, o) = (gi[u], gf[u], gg[u], go[u]);
        let tc = tanh(c[u]);
        let dct = dc[u] + dh[u] * o * (1.0 - tc * tc);
        dzi[u] = dct * g * i * (1.0 - i);
        dzf[u] = dct * c_prev[u] * f * (1.0 - f);
        dzg[u] = dct * i * (1.0 - g * g);
        dzo[u] = dh[u] * tc * o * (1.0 - o);
        dc[u] = dct * f;
    }
}

/// Runs a row kernel compiled for the best SIMD level this CPU has (the same source,
/// vectorised by LLVM at 16, 8 or 4 lanes).
macro_rules! simd_dispatch {
    ($name:ident, $generic:ident, ($($arg:ident: $ty:ty),*)) => {
        fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
                fn wide($($arg: $ty),*) { $generic($($arg),*) }
                #[target_feature(enable = "avx2,fma")]
                fn narrow($($arg: $ty),*) { $generic($($arg),*) }
                if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl") {
                    // SAFETY: the CPU has the features `wide` was compiled for.
                    return unsafe { wide($($arg),*) };
                }
                if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                    // SAFETY: as above, for `narrow`.
                    return unsafe { narrow($($arg),*) };
                }
            }
            $generic($($arg),*)
        }
    };
}

simd_dispatch!(cell_forward, cell_forward_row, (z: &mut [f32], c_prev: &[f32], c_out: &mut [f32], h_out: &mut [f32]));
simd_dispatch!(cell_backward, cell_backward_row, (gates: [&[f32]; 4], c: &[f32], c_prev: &[f32], dh: &[f32], dc: &mut [f32], dz: &mut [f32]));

// ---- chunks and shared output buffers ------------------------------------------------------

/// Sizes of one fused LSTM call.
#[derive(Clone, Copy, Debug)]
struct Dims {
    batch: usize,
    steps: usize,
    hidden: usize,
}

/// The hidden units `start..start + len` that one worker owns.
#[derive(Clone, Copy, Debug)]
struct Chunk {
    start: usize,
    len: usize,
}

/// One chunk per worker when a step has enough work to share, cut at multiples of 16
/// units (one AVX-512 vector); a single chunk otherwise.
fn chunks(d: Dims) -> Vec<Chunk> {
    let workers = rayon::current_num_threads();
    let step_work = d.batch * d.hidden * 4 * d.hidden;
    let count = if step_work < 1 << 16 {
        1
    } else {
        workers.min(d.hidden / 16).max(1)
    };
    let per = d.hidden.div_ceil(count).div_ceil(16) * 16;
    let mut out = Vec::new();
    let mut start = 0;
    while start < d.hidden {
        let len = per.min(d.hidden - start);
        out.push(Chunk { start, len });
        start += len;
    }
    out
}

/// A buffer that several workers write at disjoint places (the columns of their own
/// units), which safe Rust cannot express for interleaved ranges.
#[derive(Clone, Copy)]
struct Scatter {
    ptr: *mut f32,
    len: usize,
}

// SAFETY: only `slice` hands out access, under its contract of disjoint ranges.
unsafe impl Send for Scatter {}
unsafe impl Sync for Scatter {}

impl Scatter {
    fn new(buffer: &mut [f32]) -> Scatter {
        Scatter {
            ptr: buffer.as_mut_ptr(),
            len: buffer.len(),
        }
    }

    /// `buffer[offset..offset + len]`.
    ///
    /// SAFETY: while the returned slice lives, no other slice or reference may cover
    /// any of these elements (each worker asks only for its own units' columns).
    #[allow(clippy::mut_from_ref)]
    unsafe fn slice(&self, offset: usize, len: usize) -> &mut [f32] {
        assert!(offset + len <= self.len, "Scatter: {offset}+{len} past {}", self.len);
        std::slice::from_raw_parts_mut(self.ptr.add(offset), len)
    }
}

/// Runs `f(chunk_index, chunk, state)` for every chunk, in parallel when there are several.
fn for_chunks<S: Send>(chunks: &[Chunk], states: &mut [S], f: impl Fn(usize, Chunk, &mut S) + Sync) {
    if chunks.len() == 1 {
        f(0, chunks[0], &mut states[0]);
    } else {
        states.par_iter_mut().enumerate().for_each(|(p, s)| f(p, chunks[p], s));
    }
}

// ---- forward ---------------------------------------------------------------------------------

/// What the forward kernel hands back: the packed output and the state kept for backward.
struct Forward {
    /// `(B·T + B, H)`: h_t of sequence b in row `b·T + t`, then the final cell states.
    out: Vec<f32>,
    /// Activated gates i, f, g, o per step, (B, T, 4H).
    gates: Vec<f32>,
    /// Cell states c_t, (B, T, H).
    cells: Vec<f32>,
}

fn lstm_forward(xp: &[f32], w_hh: &[f32], bias: &[f32], h0: &[f32], c0: &[f32], d: Dims) -> Forward {
    let Dims { batch, steps, hidden: h } = d;
    let chunks = chunks(d);
    let mut out = vec![0.0f32; (batch * steps + batch) * h];
    let mut gates = vec![0.0f32; batch * steps * 4 * h];
    let mut cells = vec![0.0f32; batch * steps * h];
    // Per chunk: its W_hhᵀ columns packed (H, 4·len) and a (B, 4·len) gate scratch.
    let mut work: Vec<(Vec<f32>, Vec<f32>)> = chunks
        .iter()
        .map(|c| {
            let mut packed = vec![0.0f32; h * 4 * c.len];
            for k in 0..h {
                for g in 0..4 {
                    for u in 0..c.len {
                        packed[k * 4 * c.len + g * c.len + u] = w_hh[(g * h + c.start + u) * h + k];
                    }
                }
            }
            (packed, vec![0.0f32; batch * 4 * c.len])
        })
        .collect();
    // h_{t−1} and h_t as two (B, H) halves of one buffer: all workers read the first
    // while each writes its units of the second.
    let mut h_pair = vec![0.0f32; 2 * batch * h];
    h_pair[..batch * h].copy_from_slice(h0);
    let (out_w, gates_w, cells_w) = (Scatter::new(&mut out), Scatter::new(&mut gates), Scatter::new(&mut cells));
    for t in 0..steps {
        let (first, second) = h_pair.split_at_mut(batch * h);
        let (h_prev, h_next) = if t % 2 == 0 {
            (&*first, Scatter::new(second))
        } else {
            (&*second, Scatter::new(first))
        };
        for_chunks(&chunks, &mut work, |_, ch, (packed, z)| {
            let n = 4 * ch.len;
            for b in 0..batch {
                let row = (b * steps + t) * 4 * h;
                for g in 0..4 {
                    let src = &xp[row + g * h + ch.start..][..ch.len];
                    let bias = &bias[g * h + ch.start..][..ch.len];
                    let dst = &mut z[b * n + g * ch.len..][..ch.len];
                    dst.iter_mut().zip(src.iter().zip(bias)).for_each(|(d, (x, b))| *d = x + b);
                }
            }
            matmul_serial(batch, n, h, MatRef::row_major(h_prev, h), MatRef::row_major(packed, n), z, true);
            for b in 0..batch {
                let at = (b * steps + t) * h + ch.start;
                // SAFETY: row b's units of this chunk at steps t − 1 and t: no other worker
                // touches them, and the two ranges do not overlap.
                let c_prev: &[f32] = if t == 0 {
                    &c0[b * h + ch.start..][..ch.len]
                } else {
                    unsafe { cells_w.slice(at - h, ch.len) }
                };
                let (c_out, h_out) = unsafe { (cells_w.slice(at, ch.len), h_next.slice(b * h + ch.start, ch.len)) };
                let zb = &mut z[b * n..(b + 1) * n];
                cell_forward(zb, c_prev, c_out, h_out);
                // SAFETY: this chunk's units of row (b, t) in the output and gate buffers.
                unsafe { out_w.slice(at, ch.len).copy_from_slice(h_out) };
                for g in 0..4 {
                    let dst = unsafe { gates_w.slice((b * steps + t) * 4 * h + g * h + ch.start, ch.len) };
                    dst.copy_from_slice(&zb[g * ch.len..(g + 1) * ch.len]);
                }
            }
        });
    }
    for b in 0..batch {
        let last = (b * steps + steps - 1) * h;
        let src = if steps == 0 {
            &c0[b * h..(b + 1) * h]
        } else {
            &cells[last..last + h]
        };
        out[(batch * steps + b) * h..][..h].copy_from_slice(src);
    }
    Forward { out, gates, cells }
}

impl Tensor {
    /// The recurrence of an LSTM layer over a batch-first sequence, fused into one node.
    ///
    /// `self` is the input projection of every step, `x·W_ihᵀ` (B, T, 4H); `w_hh` is
    /// (4H, H) and `bias` (4H) (PyTorch's `b_ih + b_hh`), both with gate blocks in
    /// PyTorch's order i, f, g, o; `h0` and `c0` are the initial state (B, H). Returns
    /// every hidden state (B, T, H) and the final cell state (B, H); gradients flow to
    /// all five inputs (h0 and c0 too, for encoder–decoder models; detach them for
    /// truncated BPTT).
    pub fn lstm_sequence(&self, w_hh: &Tensor, bias: &Tensor, h0: &Tensor, c0: &Tensor) -> (Tensor, Tensor) {
        assert!(
            self.rank() == 3 && self.dim(2) % 4 == 0,
            "lstm_sequence: input projection must be (B, T, 4H), got {:?}",
            self.shape()
        );
        let (batch, steps, hidden) = (self.dim(0), self.dim(1), self.dim(2) / 4);
        let shapes_ok = w_hh.shape() == [4 * hidden, hidden]
            && bias.shape() == [4 * hidden]
            && h0.shape() == [batch, hidden]
            && c0.shape() == [batch, hidden];
        assert!(
            shapes_ok,
            "lstm_sequence: with input projection {:?} (B, T, 4H) expected w_hh [4H, H] = {:?}, bias [4H], h0 and c0 [B, H] = {:?}; got w_hh {:?}, bias {:?}, h0 {:?}, c0 {:?}",
            self.shape(),
            [4 * hidden, hidden],
            [batch, hidden],
            w_hh.shape(),
            bias.shape(),
            h0.shape(),
            c0.shape()
        );
        let d = Dims { batch, steps, hidden };
        let f = lstm_forward(
            &self.contiguous_data(),
            &w_hh.contiguous_data(),
            &bias.contiguous_data(),
            &h0.contiguous_data(),
            &c0.contiguous_data(),
            d,
        );
        let (gates, cells) = (Arc::new(f.gates), Arc::new(f.cells));
        let packed = Tensor::from_op(f.out, &[batch * steps + batch, hidden], &[self, w_hh, bias, h0, c0], || {
            Op::LstmSequence {
                x_proj: self.clone(),
                w_hh: w_hh.clone(),
                bias: bias.clone(),
                h0: h0.clone(),
                c0: c0.clone(),
                gates,
                cells,
            }
        });
        let hs = packed.narrow(0, 0, batch * steps).reshape(&[batch, steps, hidden]); // (B, T, H)
        let c_last = packed.narrow(0, batch * steps, batch); // (B, H)
        (hs, c_last)
    }
}

// ---- backward --------------------------------------------------------------------------------

/// Gradients of the fused LSTM's five inputs.
pub(crate) struct LstmGrads {
    /// (B, T, 4H): the pre-activation gate gradients of every step.
    pub x_proj: Tensor,
    /// (4H, H).
    pub w_hh: Tensor,
    /// (4H).
    pub bias: Tensor,
    /// (B, H).
    pub h0: Tensor,
    /// (B, H).
    pub c0: Tensor,
}

/// Per-chunk backward state: its rows of W_hh packed (4·len, H), the gate gradients
/// of the current step (B, 4·len), the carried dc (B, len), a dh row, and its bias gradient.
struct ChunkGrads {
    w_rows: Vec<f32>,
    dz: Vec<f32>,
    dc: Vec<f32>,
    dh: Vec<f32>,
    dbias: Vec<f32>,
}

/// BPTT through the fused LSTM: `out` is the packed forward output, `grad` its gradient.
#[allow(clippy::too_many_arguments)]
pub(crate) fn lstm_sequence_backward(
    out: &Tensor,
    w_hh: &Tensor,
    h0: &Tensor,
    c0: &Tensor,
    gates: &[f32],
    cells: &[f32],
    grad: &Tensor,
    need_h0: bool,
) -> LstmGrads {
    let h = w_hh.dim(1);
    let batch = h0.dim(0);
    let steps = out.dim(0) / batch - 1;
    let d = Dims { batch, steps, hidden: h };
    let (out, w, h0, c0, grad) = (
        out.contiguous_data(),
        w_hh.contiguous_data(),
        h0.contiguous_data(),
        c0.contiguous_data(),
        grad.contiguous_data(),
    );
    let chunks = chunks(d);
    let mut states: Vec<ChunkGrads> = chunks
        .iter()
        .map(|c| {
            let mut w_rows = vec![0.0f32; 4 * c.len * h];
            for g in 0..4 {
                let rows = (g * h + c.start) * h..(g * h + c.start + c.len) * h;
                w_rows[g * c.len * h..(g + 1) * c.len * h].copy_from_slice(&w[rows]);
            }
            let mut dc = vec![0.0f32; batch * c.len];
            for b in 0..batch {
                dc[b * c.len..(b + 1) * c.len].copy_from_slice(&grad[(batch * steps + b) * h + c.start..][..c.len]);
            }
            ChunkGrads {
                w_rows,
                dz: vec![0.0; batch * 4 * c.len],
                dc,
                dh: vec![0.0; c.len],
                dbias: vec![0.0; 4 * c.len],
            }
        })
        .collect();
    // Each chunk's contribution to dh_{t−1} (B, H), double-buffered by step parity.
    let mut partials = vec![vec![0.0f32; batch * h]; 2 * chunks.len()];
    let mut dgates = vec![0.0f32; batch * steps * 4 * h];
    let dgates_w = Scatter::new(&mut dgates);
    for t in (0..steps).rev() {
        let (even, odd) = partials.split_at_mut(chunks.len());
        let (incoming, outgoing) = if t % 2 == 0 { (&*odd, even) } else { (&*even, odd) };
        let first = t + 1 == steps;
        let mut work: Vec<(&mut ChunkGrads, &mut Vec<f32>)> = states.iter_mut().zip(outgoing.iter_mut()).collect();
        for_chunks(&chunks, &mut work, |_, ch, (s, partial)| {
            let n = 4 * ch.len;
            for b in 0..batch {
                let at = (b * steps + t) * h + ch.start;
                s.dh.copy_from_slice(&grad[at..at + ch.len]);
                if !first {
                    for p in incoming {
                        s.dh.iter_mut().zip(&p[b * h + ch.start..][..ch.len]).for_each(|(d, x)| *d += x);
                    }
                }
                let grow = (b * steps + t) * 4 * h + ch.start;
                let gate = |g: usize| &gates[grow + g * h..][..ch.len];
                let c_prev = if t == 0 {
                    &c0[b * h + ch.start..][..ch.len]
                } else {
                    &cells[at - h..][..ch.len]
                };
                let dz = &mut s.dz[b * n..(b + 1) * n];
                cell_backward(
                    [gate(0), gate(1), gate(2), gate(3)],
                    &cells[at..at + ch.len],
                    c_prev,
                    &s.dh,
                    &mut s.dc[b * ch.len..][..ch.len],
                    dz,
                );
                s.dbias.iter_mut().zip(dz.iter()).for_each(|(d, x)| *d += x);
                for g in 0..4 {
                    // SAFETY: this chunk's units of row (b, t); other workers write other columns.
                    unsafe { dgates_w.slice(grow + g * h, ch.len) }.copy_from_slice(&dz[g * ch.len..(g + 1) * ch.len]);
                }
            }
            if t > 0 || need_h0 {
                matmul_serial(
                    batch,
                    h,
                    n,
                    MatRef::row_major(&s.dz, n),
                    MatRef::row_major(&s.w_rows, h),
                    partial,
                    false,
                );
            }
        });
    }
    // dh0 = Σ chunks' partials of step 0 (even buffers); dc0 is the carried dc.
    let mut dh0 = vec![0.0f32; batch * h];
    let mut dc0 = vec![0.0f32; batch * h];
    let mut dbias = vec![0.0f32; 4 * h];
    for (p, (ch, s)) in chunks.iter().zip(&states).enumerate() {
        if steps > 0 && need_h0 {
            dh0.iter_mut().zip(&partials[p]).for_each(|(d, x)| *d += x);
        }
        for b in 0..batch {
            dc0[b * h + ch.start..][..ch.len].copy_from_slice(&s.dc[b * ch.len..][..ch.len]);
        }
        for g in 0..4 {
            dbias[g * h + ch.start..][..ch.len].copy_from_slice(&s.dbias[g * ch.len..][..ch.len]);
        }
    }
    if steps == 0 {
        dc0.copy_from_slice(&grad[..batch * h]);
    }
    // dW_hh = Σ_{b,t} dz_{b,t}ᵀ · h_{b,t−1}: one (4H, B·T)·(B·T, H) product.
    let mut h_prev = vec![0.0f32; batch * steps * h];
    for b in 0..batch {
        for t in 0..steps {
            let src = if t == 0 {
                &h0[b * h..(b + 1) * h]
            } else {
                &out[(b * steps + t - 1) * h..][..h]
            };
            h_prev[(b * steps + t) * h..][..h].copy_from_slice(src);
        }
    }
    let mut dw = vec![0.0f32; 4 * h * h];
    let rows = batch * steps;
    matmul(
        4 * h,
        h,
        rows,
        MatRef::row_major(&dgates, 4 * h).t(),
        MatRef::row_major(&h_prev, h),
        &mut dw,
        false,
    );
    LstmGrads {
        x_proj: Tensor::from_vec(dgates, &[batch, steps, 4 * h]),
        w_hh: Tensor::from_vec(dw, &[4 * h, h]),
        bias: Tensor::from_vec(dbias, &[4 * h]),
        h0: Tensor::from_vec(dh0, &[batch, h]),
        c0: Tensor::from_vec(dc0, &[batch, h]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_sigmoid_and_tanh_match_std() {
        let mut worst = [0.0f32; 3];
        for i in -40_000..=40_000 {
            let x = i as f32 * 5e-4; // [−20, 20]
            let rel = |a: f32, b: f32| (a - b).abs() / b.abs().max(1e-30);
            if x.abs() < 15.0 {
                worst[0] = worst[0].max(rel(exp_approx(x), x.exp()));
            }
            worst[1] = worst[1].max((sigmoid(x) - 1.0 / (1.0 + (-x).exp())).abs());
            worst[2] = worst[2].max((tanh(x) - x.tanh()).abs());
        }
        assert!(worst[0] < 3e-7, "exp relative error {}", worst[0]);
        assert!(worst[1] < 2e-7 && worst[2] < 3e-7, "sigmoid/tanh absolute errors {worst:?}");
        assert!((0.0..1e-30).contains(&sigmoid(-200.0)));
        assert!(sigmoid(200.0) == 1.0 && tanh(200.0) > 0.999_999 && tanh(-1e-6) == -1e-6);
    }

    #[test]
    fn chunks_cover_the_hidden_units_once() {
        for hidden in [1, 3, 16, 32, 100, 256, 257] {
            let cs = chunks(Dims {
                batch: 64,
                steps: 1,
                hidden,
            });
            assert_eq!(cs.iter().map(|c| c.len).sum::<usize>(), hidden);
            assert!(cs.windows(2).all(|w| w[0].start + w[0].len == w[1].start));
        }
    }
}
