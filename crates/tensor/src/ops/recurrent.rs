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

mod cell;
mod team;

use crate::op::Op;
use crate::Tensor;
use cell::{cell_backward, cell_forward};
use descent_kernels::matmul::{matmul_serial, MatRef};
use std::sync::{Arc, Mutex};
use team::{chunks, filled, lock, lockstep, Dims, Scatter};

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
    let (out_len, gates_len, cells_len) = ((batch * steps + batch) * h, batch * steps * 4 * h, batch * steps * h);
    let (mut out, mut gates, mut cells) = (Vec::new(), Vec::new(), Vec::new());
    let out_w = Scatter::unfilled(&mut out, out_len);
    let (gates_w, cells_w) = (Scatter::unfilled(&mut gates, gates_len), Scatter::unfilled(&mut cells, cells_len));
    // Per chunk: its W_hhᵀ columns packed (H, 4·len) and a (B, 4·len) gate scratch.
    let work: Vec<Mutex<(Vec<f32>, Vec<f32>)>> = chunks
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
            Mutex::new((packed, vec![0.0f32; batch * 4 * c.len]))
        })
        .collect();
    // h_{t−1} and h_t as two (B, H) halves of one buffer, alternating: every job of a
    // step reads the whole previous half and writes its units of the other.
    let mut h_pair = vec![0.0f32; 2 * batch * h];
    h_pair[..batch * h].copy_from_slice(h0);
    let h_w = Scatter::new(&mut h_pair);
    lockstep(steps, chunks.len(), |t, p| {
        let ch = chunks[p];
        let mut guard = lock(&work[p]);
        let (packed, z) = &mut *guard;
        let n = 4 * ch.len;
        let (prev, next) = if t % 2 == 0 { (0, batch * h) } else { (batch * h, 0) };
        for b in 0..batch {
            let row = (b * steps + t) * 4 * h;
            for g in 0..4 {
                let src = &xp[row + g * h + ch.start..][..ch.len];
                let bias = &bias[g * h + ch.start..][..ch.len];
                let dst = &mut z[b * n + g * ch.len..][..ch.len];
                dst.iter_mut().zip(src.iter().zip(bias)).for_each(|(d, (x, b))| *d = x + b);
            }
        }
        // SAFETY: h_{t−1} was completed in the previous round; this round writes only the other half.
        let h_prev = unsafe { h_w.read(prev, batch * h) };
        matmul_serial(batch, n, h, MatRef::row_major(h_prev, h), MatRef::row_major(packed, n), z, true);
        for b in 0..batch {
            let at = (b * steps + t) * h + ch.start;
            // SAFETY: this chunk's units of row b, at step t − 1 (read) and step t (written):
            // no other job touches them, and the two ranges do not overlap.
            let c_prev: &[f32] = if t == 0 {
                &c0[b * h + ch.start..][..ch.len]
            } else {
                unsafe { cells_w.read(at - h, ch.len) }
            };
            let (c_out, h_out) = unsafe { (cells_w.slice(at, ch.len), h_w.slice(next + b * h + ch.start, ch.len)) };
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
    // SAFETY: the steps wrote every gate, cell and hidden value; the final cell states
    // written below complete `out`.
    let (gates, cells) = unsafe { (filled(gates, gates_len), filled(cells, cells_len)) };
    for b in 0..batch {
        let last = (b * steps + steps - 1) * h;
        let src = if steps == 0 {
            &c0[b * h..(b + 1) * h]
        } else {
            &cells[last..last + h]
        };
        unsafe { out_w.slice((batch * steps + b) * h, h) }.copy_from_slice(src);
    }
    let out = unsafe { filled(out, out_len) };
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
/// Rounds of the team: the steps T−1 … 0, then one round computing each chunk's rows
/// of dW_hh = Σ_{b,t} dz_{b,t}ᵀ·h_{b,t−1}.
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
    let states: Vec<Mutex<ChunkGrads>> = chunks
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
            Mutex::new(ChunkGrads {
                w_rows,
                dz: vec![0.0; batch * 4 * c.len],
                dc,
                dh: vec![0.0; c.len],
                dbias: vec![0.0; 4 * c.len],
            })
        })
        .collect();
    // Each chunk's contribution to dh_{t−1} (B, H), double-buffered by step parity:
    // index `parity · chunks + chunk`.
    let partials: Vec<Mutex<Vec<f32>>> = (0..2 * chunks.len()).map(|_| Mutex::new(vec![0.0f32; batch * h])).collect();
    // h_{t−1} of every (b, t), the right operand of dW_hh.
    let mut h_prev = Vec::with_capacity(batch * steps * h);
    for b in 0..batch {
        for t in 0..steps {
            h_prev.extend_from_slice(if t == 0 {
                &h0[b * h..(b + 1) * h]
            } else {
                &out[(b * steps + t - 1) * h..][..h]
            });
        }
    }
    let (dgates_len, dw_len) = (batch * steps * 4 * h, 4 * h * h);
    let (mut dgates, mut dw) = (Vec::new(), Vec::new());
    let (dgates_w, dw_w) = (Scatter::unfilled(&mut dgates, dgates_len), Scatter::unfilled(&mut dw, dw_len));
    let n_chunks = chunks.len();
    lockstep(steps + 1, n_chunks, |round, p| {
        let ch = chunks[p];
        let n = 4 * ch.len;
        if round == steps {
            for g in 0..4 {
                // SAFETY: every step's round is complete, nobody writes dgates any more;
                // this chunk's rows of dW are written by this job only.
                let (dz_all, rows) = unsafe {
                    (
                        dgates_w.read(g * h + ch.start, dgates_w.len - g * h - ch.start),
                        dw_w.slice((g * h + ch.start) * h, ch.len * h),
                    )
                };
                let a = MatRef {
                    data: dz_all,
                    row_stride: 1,
                    col_stride: 4 * h as isize,
                };
                matmul_serial(ch.len, h, batch * steps, a, MatRef::row_major(&h_prev, h), rows, false);
            }
            return;
        }
        let t = steps - 1 - round;
        let mut guard = lock(&states[p]);
        let s = &mut *guard;
        let (cur, prev) = ((t % 2) * n_chunks, ((t + 1) % 2) * n_chunks);
        let incoming: Vec<_> = if round == 0 {
            Vec::new()
        } else {
            (0..n_chunks).map(|q| lock(&partials[prev + q])).collect()
        };
        for b in 0..batch {
            let at = (b * steps + t) * h + ch.start;
            s.dh.copy_from_slice(&grad[at..at + ch.len]);
            for p in &incoming {
                s.dh.iter_mut().zip(&p[b * h + ch.start..][..ch.len]).for_each(|(d, x)| *d += x);
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
                // SAFETY: this chunk's units of row (b, t); other jobs write other columns.
                unsafe { dgates_w.slice(grow + g * h, ch.len) }.copy_from_slice(&dz[g * ch.len..(g + 1) * ch.len]);
            }
        }
        drop(incoming);
        if t > 0 || need_h0 {
            let mut partial = lock(&partials[cur + p]);
            matmul_serial(
                batch,
                h,
                n,
                MatRef::row_major(&s.dz, n),
                MatRef::row_major(&s.w_rows, h),
                &mut partial,
                false,
            );
        }
    });
    // dh0 = Σ chunks' partials of step 0 (parity 0); dc0 is the carried dc.
    let mut dh0 = vec![0.0f32; batch * h];
    let mut dc0 = vec![0.0f32; batch * h];
    let mut dbias = vec![0.0f32; 4 * h];
    for (p, (ch, s)) in chunks.iter().zip(&states).enumerate() {
        let s = lock(s);
        if steps > 0 && need_h0 {
            dh0.iter_mut().zip(lock(&partials[p]).iter()).for_each(|(d, x)| *d += x);
        }
        for b in 0..batch {
            dc0[b * h + ch.start..][..ch.len].copy_from_slice(&s.dc[b * ch.len..][..ch.len]);
        }
        for g in 0..4 {
            dbias[g * h + ch.start..][..ch.len].copy_from_slice(&s.dbias[g * ch.len..][..ch.len]);
        }
    }
    // SAFETY: the step rounds wrote every gate gradient, the last round every row of dW.
    let (dgates, dw) = unsafe { (filled(dgates, dgates_len), filled(dw, dw_len)) };
    LstmGrads {
        x_proj: Tensor::from_vec(dgates, &[batch, steps, 4 * h]),
        w_hh: Tensor::from_vec(dw, &[4 * h, h]),
        bias: Tensor::from_vec(dbias, &[4 * h]),
        h0: Tensor::from_vec(dh0, &[batch, h]),
        c0: Tensor::from_vec(dc0, &[batch, h]),
    }
}
