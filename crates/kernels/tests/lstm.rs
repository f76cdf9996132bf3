//! The LSTM recurrence kernels against their naive f64 reference, with one and several
//! worker chunks.

mod common;
use common::{assert_close, fill, with_threads};
use descent_kernels::recurrent::*;

/// (batch, steps, hidden): all ones, odd sizes, no steps, and one big enough
/// (B·H·4H ≥ 2¹⁶) to be cut into several chunks on 3 threads, one ragged (32 + 8 units).
const CASES: &[(usize, usize, usize)] = &[(1, 1, 1), (2, 3, 5), (3, 4, 17), (2, 0, 4), (16, 5, 40), (6, 3, 64)];

struct Inputs {
    x_proj: Vec<f32>,
    w_hh: Vec<f32>,
    bias: Vec<f32>,
    h0: Vec<f32>,
    c0: Vec<f32>,
}

fn inputs(d: &LstmDims, seed: u32) -> Inputs {
    let LstmDims { batch, steps, hidden: h } = *d;
    Inputs {
        x_proj: fill(batch * steps * 4 * h, seed, 1.5),
        w_hh: fill(4 * h * h, seed + 1, 1.0 / (h as f32).sqrt()),
        bias: fill(4 * h, seed + 2, 0.5),
        h0: fill(batch * h, seed + 3, 0.5),
        c0: fill(batch * h, seed + 4, 1.0),
    }
}

fn check(d: &LstmDims, threads: usize) {
    let LstmDims { batch, steps, hidden: h } = *d;
    let case = format!("{d:?} on {threads} threads");
    let x = inputs(d, 11);
    let out_len = (batch * steps + batch) * h;
    let (mut out, mut gates, mut cells) = (vec![f32::NAN; 3], Vec::new(), Vec::new());
    with_threads(threads, || {
        lstm_forward(d, &x.x_proj, &x.w_hh, &x.bias, &x.h0, &x.c0, &mut out, &mut gates, &mut cells)
    });
    let mut slow = [out_len, batch * steps * 4 * h, batch * steps * h].map(|n| vec![0.0; n]);
    let [out_ref, gates_ref, cells_ref] = &mut slow;
    lstm_forward_reference(d, &x.x_proj, &x.w_hh, &x.bias, &x.h0, &x.c0, out_ref, gates_ref, cells_ref);
    assert_close(&format!("out {case}"), &out, out_ref, 1e-5);
    assert_close(&format!("gates {case}"), &gates, gates_ref, 1e-5);
    assert_close(&format!("cells {case}"), &cells, cells_ref, 1e-5);

    let grad = fill(out_len, 17, 1.0);
    let lens = [batch * steps * 4 * h, 4 * h * h, 4 * h, batch * h, batch * h];
    let mut slow = lens.map(|n| vec![0.0; n]);
    let [sx, sw, sb, sh, sc] = &mut slow;
    lstm_backward_reference(d, &x.x_proj, &x.w_hh, &x.bias, &x.h0, &x.c0, &grad, sx, sw, sb, sh, sc);
    for need_h0 in [true, false] {
        let mut fast = lens.map(|n| vec![f32::NAN; n]);
        let [fx, fw, fb, fh, fc] = &mut fast;
        with_threads(threads, || {
            lstm_backward(d, &x.w_hh, &x.h0, &x.c0, &out, &gates, &cells, &grad, need_h0, fx, fw, fb, fh, fc)
        });
        let zeros = vec![0.0; batch * h];
        let sh: &[f32] = if need_h0 { sh } else { &zeros };
        let pairs: [(&str, &[f32], &[f32]); 5] = [
            ("dx_proj", fx, sx),
            ("dw_hh", fw, sw),
            ("dbias", fb, sb),
            ("dh0", fh, sh),
            ("dc0", fc, sc),
        ];
        for (name, f, s) in pairs {
            assert_close(&format!("{name} {case} need_h0 {need_h0}"), f, s, 1e-4);
        }
    }
}

#[test]
fn lstm_matches_reference() {
    for &(batch, steps, hidden) in CASES {
        for threads in [1, 3] {
            check(&LstmDims { batch, steps, hidden }, threads);
        }
    }
}

#[test]
fn lstm_is_identical_for_a_given_thread_count() {
    let d = LstmDims {
        batch: 8,
        steps: 6,
        hidden: 48,
    };
    let x = inputs(&d, 21);
    let grad = fill((d.batch * d.steps + d.batch) * d.hidden, 22, 1.0);
    let run = || {
        with_threads(3, || {
            let (mut out, mut gates, mut cells) = (Vec::new(), Vec::new(), Vec::new());
            lstm_forward(&d, &x.x_proj, &x.w_hh, &x.bias, &x.h0, &x.c0, &mut out, &mut gates, &mut cells);
            let (mut dx, mut dw) = (Vec::new(), Vec::new());
            let mut small = [4 * d.hidden, d.batch * d.hidden, d.batch * d.hidden].map(|n| vec![0.0; n]);
            let [db, dh, dc] = &mut small;
            lstm_backward(
                &d, &x.w_hh, &x.h0, &x.c0, &out, &gates, &cells, &grad, true, &mut dx, &mut dw, db, dh, dc,
            );
            (out, dx, dw, small)
        })
    };
    assert_eq!(run(), run());
}
