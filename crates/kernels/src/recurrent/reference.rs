//! Naive f64 references for the LSTM kernels: one step at a time, one unit at a time,
//! with libm's exp and tanh (tests only).

use super::LstmDims;

/// σ in f64 with libm's exp: deliberately not [`crate::fast_math::sigmoid`], the f32
/// approximation under test, so the reference stays independent of the kernel it checks.
fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Activated gates (i, f, g, o) and cell states of every (b, t), all in f64.
struct Trace {
    gates: Vec<f64>,
    cells: Vec<f64>,
    hidden: Vec<f64>,
}

fn run(d: &LstmDims, x_proj: &[f32], w_hh: &[f32], bias: &[f32], h0: &[f32], c0: &[f32]) -> Trace {
    let LstmDims { batch, steps, hidden: h } = *d;
    let mut tr = Trace {
        gates: vec![0.0; batch * steps * 4 * h],
        cells: vec![0.0; batch * steps * h],
        hidden: vec![0.0; batch * steps * h],
    };
    for b in 0..batch {
        let mut h_prev: Vec<f64> = h0[b * h..(b + 1) * h].iter().map(|&v| v as f64).collect();
        let mut c_prev: Vec<f64> = c0[b * h..(b + 1) * h].iter().map(|&v| v as f64).collect();
        for t in 0..steps {
            let row = b * steps + t;
            let z: Vec<f64> = (0..4 * h)
                .map(|r| {
                    let rec: f64 = (0..h).map(|k| w_hh[r * h + k] as f64 * h_prev[k]).sum();
                    x_proj[row * 4 * h + r] as f64 + bias[r] as f64 + rec
                })
                .collect();
            for u in 0..h {
                let (i, f, g, o) = (sigmoid(z[u]), sigmoid(z[h + u]), z[2 * h + u].tanh(), sigmoid(z[3 * h + u]));
                let c = f * c_prev[u] + i * g;
                for (k, a) in [i, f, g, o].into_iter().enumerate() {
                    tr.gates[row * 4 * h + k * h + u] = a;
                }
                tr.cells[row * h + u] = c;
                tr.hidden[row * h + u] = o * c.tanh();
            }
            h_prev.copy_from_slice(&tr.hidden[row * h..(row + 1) * h]);
            c_prev.copy_from_slice(&tr.cells[row * h..(row + 1) * h]);
        }
    }
    tr
}

/// Naive reference for [`super::lstm_forward`]: same inputs, same output layouts
/// (`out` (B·T + B, H), `gates` (B, T, 4H), `cells` (B, T, H)), slices overwritten.
#[allow(clippy::too_many_arguments)]
pub fn lstm_forward_reference(
    d: &LstmDims,
    x_proj: &[f32],
    w_hh: &[f32],
    bias: &[f32],
    h0: &[f32],
    c0: &[f32],
    out: &mut [f32],
    gates: &mut [f32],
    cells: &mut [f32],
) {
    let LstmDims { batch, steps, hidden: h } = *d;
    let tr = run(d, x_proj, w_hh, bias, h0, c0);
    let cast = |dst: &mut [f32], src: &[f64]| dst.iter_mut().zip(src).for_each(|(o, &v)| *o = v as f32);
    cast(&mut out[..batch * steps * h], &tr.hidden);
    cast(gates, &tr.gates);
    cast(cells, &tr.cells);
    for b in 0..batch {
        let last = &mut out[(batch * steps + b) * h..][..h];
        if steps == 0 {
            last.copy_from_slice(&c0[b * h..(b + 1) * h]);
        } else {
            cast(last, &tr.cells[(b * steps + steps - 1) * h..][..h]);
        }
    }
}

/// Naive reference for [`super::lstm_backward`]: reruns the forward in f64 from the
/// inputs, then backpropagates through time step by step. `grad` is the gradient of the
/// packed output (B·T + B, H); the five gradients are overwritten (`dh0` always computed).
#[allow(clippy::too_many_arguments)]
pub fn lstm_backward_reference(
    d: &LstmDims,
    x_proj: &[f32],
    w_hh: &[f32],
    bias: &[f32],
    h0: &[f32],
    c0: &[f32],
    grad: &[f32],
    dx_proj: &mut [f32],
    dw_hh: &mut [f32],
    dbias: &mut [f32],
    dh0: &mut [f32],
    dc0: &mut [f32],
) {
    let LstmDims { batch, steps, hidden: h } = *d;
    let tr = run(d, x_proj, w_hh, bias, h0, c0);
    let (mut dw, mut db) = (vec![0.0f64; 4 * h * h], vec![0.0f64; 4 * h]);
    for b in 0..batch {
        let mut dh_next = vec![0.0f64; h];
        let mut dc: Vec<f64> = grad[(batch * steps + b) * h..][..h].iter().map(|&v| v as f64).collect();
        for t in (0..steps).rev() {
            let row = b * steps + t;
            let h_prev: Vec<f64> = match t {
                0 => h0[b * h..(b + 1) * h].iter().map(|&v| v as f64).collect(),
                _ => tr.hidden[(row - 1) * h..row * h].to_vec(),
            };
            let mut dz = vec![0.0f64; 4 * h];
            for u in 0..h {
                let gate = |k: usize| tr.gates[row * 4 * h + k * h + u];
                let (i, f, g, o) = (gate(0), gate(1), gate(2), gate(3));
                let c_prev = if t == 0 {
                    c0[b * h + u] as f64
                } else {
                    tr.cells[(row - 1) * h + u]
                };
                let tc = tr.cells[row * h + u].tanh();
                let dh = grad[row * h + u] as f64 + dh_next[u];
                let dct = dc[u] + dh * o * (1.0 - tc * tc);
                (dz[u], dz[h + u]) = (dct * g * i * (1.0 - i), dct * c_prev * f * (1.0 - f));
                (dz[2 * h + u], dz[3 * h + u]) = (dct * i * (1.0 - g * g), dh * tc * o * (1.0 - o));
                dc[u] = dct * f;
            }
            for r in 0..4 * h {
                dx_proj[row * 4 * h + r] = dz[r] as f32;
                db[r] += dz[r];
                (0..h).for_each(|k| dw[r * h + k] += dz[r] * h_prev[k]);
            }
            for (k, dn) in dh_next.iter_mut().enumerate() {
                *dn = (0..4 * h).map(|r| dz[r] * w_hh[r * h + k] as f64).sum();
            }
        }
        dh0[b * h..(b + 1) * h].iter_mut().zip(&dh_next).for_each(|(o, &v)| *o = v as f32);
        dc0[b * h..(b + 1) * h].iter_mut().zip(&dc).for_each(|(o, &v)| *o = v as f32);
    }
    dw_hh.iter_mut().zip(&dw).for_each(|(o, &v)| *o = v as f32);
    dbias.iter_mut().zip(&db).for_each(|(o, &v)| *o = v as f32);
}
