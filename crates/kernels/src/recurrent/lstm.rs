//! The LSTM recurrence over a whole sequence, forward and BPTT backward, on the worker
//! team of [`super::team`] (see the module doc of [`super`] for the equations).

use super::cell::{cell_backward, cell_forward};
use super::team::{chunks, filled, lock, lockstep, write_copy, Scatter};
use super::LstmDims;
use crate::matmul::{matmul_serial, matmul_uninit, MatRef};
use std::mem::MaybeUninit;
use std::sync::Mutex;

fn check(what: &str, actual: usize, expected: usize, d: &LstmDims) {
    assert_eq!(
        actual, expected,
        "lstm: {what} has {actual} elements, expected {expected} for {d:?}"
    );
}

/// Runs the recurrence: `out` becomes the packed output (B·T + B, H) (h_t of sequence b
/// in row `b·T + t`, then the final cell states), `gates` the activated gates i, f, g, o
/// of every step (B, T, 4H) and `cells` the cell states (B, T, H), both kept for
/// [`lstm_backward`].
///
/// Inputs: `x_proj` (B, T, 4H) the input projection of every step, `w_hh` (4H, H),
/// `bias` (4H), `h0` and `c0` (B, H); gate blocks in PyTorch's order i, f, g, o.
///
/// The three outputs are `Vec`s the kernel clears and fills to their lengths (reusing
/// their capacity) rather than slices: at W4's sizes they are 20 MB per step, written
/// once each, which zeroing first would cost a second pass over.
#[allow(clippy::too_many_arguments)]
pub fn lstm_forward(
    d: &LstmDims,
    x_proj: &[f32],
    w_hh: &[f32],
    bias: &[f32],
    h0: &[f32],
    c0: &[f32],
    out: &mut Vec<f32>,
    gates: &mut Vec<f32>,
    cells: &mut Vec<f32>,
) {
    let LstmDims { batch, steps, hidden: h } = *d;
    check("x_proj", x_proj.len(), batch * steps * 4 * h, d);
    check("w_hh", w_hh.len(), 4 * h * h, d);
    check("bias", bias.len(), 4 * h, d);
    check("h0", h0.len(), batch * h, d);
    check("c0", c0.len(), batch * h, d);
    let xp = x_proj;
    let chunks = chunks(d);
    let (out_len, gates_len, cells_len) = ((batch * steps + batch) * h, batch * steps * 4 * h, batch * steps * h);
    let out_w = Scatter::unfilled(out, out_len);
    let (gates_w, cells_w) = (Scatter::unfilled(gates, gates_len), Scatter::unfilled(cells, cells_len));
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
            let c_prev: &[f32] = if t == 0 {
                &c0[b * h + ch.start..][..ch.len]
            } else {
                // SAFETY: this chunk's units of row b at step t − 1, written by this chunk's
                // job in the previous round; nobody writes them again.
                unsafe { cells_w.read(at - h, ch.len) }
            };
            // SAFETY: this chunk's units of row b at step t in the cell buffer and in h_t's
            // half: only this job touches them, and neither overlaps `c_prev` or `h_prev`.
            let (c_out, h_out) = unsafe { (cells_w.slice(at, ch.len), h_w.slice(next + b * h + ch.start, ch.len)) };
            let zb = &mut z[b * n..(b + 1) * n];
            cell_forward(zb, c_prev, c_out, h_out);
            // SAFETY: this chunk's units of row (b, t) in the output buffer; only this job
            // writes them.
            write_copy(unsafe { out_w.slice(at, ch.len) }, h_out);
            for g in 0..4 {
                // SAFETY: this chunk's units of gate g in row (b, t); only this job writes them.
                let dst = unsafe { gates_w.slice((b * steps + t) * 4 * h + g * h + ch.start, ch.len) };
                write_copy(dst, &zb[g * ch.len..(g + 1) * ch.len]);
            }
        }
    });
    // SAFETY: the steps wrote every gate and cell value.
    unsafe { (filled(gates, gates_len), filled(cells, cells_len)) };
    for b in 0..batch {
        let last = (b * steps + steps - 1) * h;
        let src = if steps == 0 {
            &c0[b * h..(b + 1) * h]
        } else {
            &cells[last..last + h]
        };
        // SAFETY: the team has finished; this is the only slice of `out` alive.
        write_copy(unsafe { out_w.slice((batch * steps + b) * h, h) }, src);
    }
    // SAFETY: the steps wrote rows 0..B·T, the loop above the B final cell states.
    unsafe { filled(out, out_len) };
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

impl ChunkGrads {
    fn new(w: &[f32], grad: &[f32], start: usize, len: usize, d: &LstmDims) -> ChunkGrads {
        let LstmDims { batch, steps, hidden: h } = *d;
        let mut w_rows = vec![0.0f32; 4 * len * h];
        for g in 0..4 {
            let rows = (g * h + start) * h..(g * h + start + len) * h;
            w_rows[g * len * h..(g + 1) * len * h].copy_from_slice(&w[rows]);
        }
        let mut dc = vec![0.0f32; batch * len];
        for b in 0..batch {
            dc[b * len..(b + 1) * len].copy_from_slice(&grad[(batch * steps + b) * h + start..][..len]);
        }
        ChunkGrads {
            w_rows,
            dz: vec![0.0; batch * 4 * len],
            dc,
            dh: vec![0.0; len],
            dbias: vec![0.0; 4 * len],
        }
    }
}

/// BPTT through [`lstm_forward`]: `out`, `gates` and `cells` are what it produced, `grad`
/// the gradient of `out` (B·T + B, H). Writes the gradients of the five inputs:
/// `dx_proj` (B, T, 4H) and `dw_hh` (4H, H) are cleared and filled like the forward's
/// outputs; `dbias` (4H), `dh0` and `dc0` (B, H) are overwritten (`dh0` stays 0 unless
/// `need_h0`, which saves the last step's (B, 4H)·(4H, H) product).
///
/// Rounds of the team: the steps T−1 … 0, then one round computing each chunk's rows
/// of dW_hh = Σ_{b,t} dz_{b,t}ᵀ·h_{b,t−1}.
#[allow(clippy::too_many_arguments)]
pub fn lstm_backward(
    d: &LstmDims,
    w_hh: &[f32],
    h0: &[f32],
    c0: &[f32],
    out: &[f32],
    gates: &[f32],
    cells: &[f32],
    grad: &[f32],
    need_h0: bool,
    dx_proj: &mut Vec<f32>,
    dw_hh: &mut Vec<f32>,
    dbias: &mut [f32],
    dh0: &mut [f32],
    dc0: &mut [f32],
) {
    let LstmDims { batch, steps, hidden: h } = *d;
    check("w_hh", w_hh.len(), 4 * h * h, d);
    check("h0", h0.len(), batch * h, d);
    check("c0", c0.len(), batch * h, d);
    check("out", out.len(), (batch * steps + batch) * h, d);
    check("grad", grad.len(), (batch * steps + batch) * h, d);
    check("gates", gates.len(), batch * steps * 4 * h, d);
    check("cells", cells.len(), batch * steps * h, d);
    check("dbias", dbias.len(), 4 * h, d);
    check("dh0", dh0.len(), batch * h, d);
    check("dc0", dc0.len(), batch * h, d);
    let chunks = chunks(d);
    let states: Vec<Mutex<ChunkGrads>> = chunks
        .iter()
        .map(|c| Mutex::new(ChunkGrads::new(w_hh, grad, c.start, c.len, d)))
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
    let (dgates_w, dw_w) = (Scatter::unfilled(dx_proj, dgates_len), Scatter::unfilled(dw_hh, dw_len));
    let n_chunks = chunks.len();
    lockstep(steps + 1, n_chunks, |round, p| {
        let ch = chunks[p];
        let n = 4 * ch.len;
        if round == steps {
            for g in 0..4 {
                // SAFETY: this chunk's rows of dW are written by this job only.
                let rows = unsafe { dw_w.slice((g * h + ch.start) * h, ch.len * h) };
                if batch * steps == 0 {
                    rows.fill(MaybeUninit::new(0.0));
                    continue;
                }
                // SAFETY: every step's round is complete, nobody writes dgates any more.
                let dz_all = unsafe { dgates_w.read(g * h + ch.start, dgates_len - g * h - ch.start) };
                let a = MatRef {
                    data: dz_all,
                    row_stride: 1,
                    col_stride: 4 * h as isize,
                };
                matmul_uninit(ch.len, h, batch * steps, a, MatRef::row_major(&h_prev, h), rows, false);
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
                write_copy(unsafe { dgates_w.slice(grow + g * h, ch.len) }, &dz[g * ch.len..(g + 1) * ch.len]);
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
    dh0.fill(0.0);
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
    unsafe { (filled(dx_proj, dgates_len), filled(dw_hh, dw_len)) };
}
