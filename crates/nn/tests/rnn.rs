//! Recurrent layers: the fused LSTM against its unrolled composite oracle (values and
//! every gradient, several worker chunks, stacked, from a given state), the GRU against
//! a scalar transcription of PyTorch's equations, gradchecks of all three cells,
//! truncated BPTT, PyTorch names and shape errors.

use descent_nn::{named_params, CellKind, Forward, Recurrent, RecurrentState};
use descent_tensor::{Rng, Tensor};
use descent_testkit::{assert_close_to_scale, gradcheck, GradcheckOptions};

fn random_state(kind: CellKind, layers: usize, batch: usize, hidden: usize, rng: &mut Rng) -> RecurrentState {
    let mut s = RecurrentState::zeros(kind, layers, batch, hidden);
    for t in s.h.iter_mut().chain(s.c.iter_mut()) {
        *t = Tensor::randn(&[batch, hidden], rng).mul_scalar(0.5).to_variable();
    }
    s
}

#[test]
fn fused_lstm_matches_unrolled_graph_values_and_gradients() {
    // Hidden 64 with batch 32 splits the units over the worker threads; two layers.
    let mut rng = Rng::new(7);
    let (batch, steps, input, hidden) = (32, 9, 5, 64);
    let lstm = Recurrent::lstm(input, hidden, 2, &mut rng);
    let x = Tensor::randn(&[batch, steps, input], &mut rng).to_variable();
    let state = random_state(CellKind::Lstm, 2, batch, hidden, &mut rng);
    let weights = Tensor::randn(&[batch, steps, hidden], &mut rng);

    let (fused, fused_last) = lstm.forward_seq(&x, Some(&state));
    let (steps_h, unrolled_last) = lstm.forward_unrolled(&x, Some(&state));
    let unrolled = Tensor::stack(&steps_h, 1);
    assert_close_to_scale(&fused.to_vec(), &unrolled.to_vec(), 1e-5, "outputs");
    for l in 0..2 {
        assert_close_to_scale(&fused_last.h[l].to_vec(), &unrolled_last.h[l].to_vec(), 1e-5, "final h");
        assert_close_to_scale(&fused_last.c[l].to_vec(), &unrolled_last.c[l].to_vec(), 1e-5, "final c");
    }

    // A loss touching every output and both final states of the top layer.
    let loss = |out: &Tensor, last: &RecurrentState| {
        out.mul(&weights)
            .sum_all()
            .add(&last.c[1].sum_all())
            .add(&last.h[1].mul(&last.h[1]).sum_all())
    };
    let g_fused = loss(&fused, &fused_last).backward();
    let g_unrolled = loss(&unrolled, &unrolled_last).backward();
    for (name, p) in named_params(&lstm) {
        assert_close_to_scale(
            &g_fused.get_param(&p).unwrap().to_vec(),
            &g_unrolled.get_param(&p).unwrap().to_vec(),
            2e-5,
            &name,
        );
    }
    let inputs = [&x, &state.h[0], &state.c[0], &state.h[1], &state.c[1]];
    for (i, t) in inputs.iter().enumerate() {
        assert_close_to_scale(
            &g_fused.get(t).unwrap().to_vec(),
            &g_unrolled.get(t).unwrap().to_vec(),
            2e-5,
            &format!("input {i}"),
        );
    }
}

#[test]
fn gru_matches_pytorch_equations_written_out() {
    let mut rng = Rng::new(3);
    let (batch, input, hidden) = (2, 3, 4);
    let gru = Recurrent::gru(input, hidden, 1, &mut rng);
    let x = Tensor::randn(&[batch, 2, input], &mut rng);
    let (out, _) = gru.forward_seq(&x, None);
    let p = |name: &str| named_params(&gru).into_iter().find(|(n, _)| n == name).unwrap().1.value().to_vec();
    let (w_ih, w_hh, b_ih, b_hh) = (p("weight_ih_l0"), p("weight_hh_l0"), p("bias_ih_l0"), p("bias_hh_l0"));
    let xs = x.to_vec();
    let sigmoid = |v: f32| 1.0 / (1.0 + (-v).exp());
    let mut expected = vec![0.0f32; batch * 2 * hidden];
    for b in 0..batch {
        let mut h = vec![0.0f32; hidden];
        for t in 0..2 {
            let xt = &xs[(b * 2 + t) * input..][..input];
            let dot = |w: &[f32], row: usize, v: &[f32]| -> f32 { v.iter().enumerate().map(|(k, x)| w[row * v.len() + k] * x).sum() };
            let mut next = vec![0.0f32; hidden];
            for j in 0..hidden {
                let gate = |g: usize| {
                    (
                        dot(&w_ih, g * hidden + j, xt) + b_ih[g * hidden + j],
                        dot(&w_hh, g * hidden + j, &h) + b_hh[g * hidden + j],
                    )
                };
                let (rx, rh) = gate(0);
                let (zx, zh) = gate(1);
                let (nx, nh) = gate(2);
                let (r, z) = (sigmoid(rx + rh), sigmoid(zx + zh));
                let n = (nx + r * nh).tanh();
                next[j] = (1.0 - z) * n + z * h[j];
            }
            h = next;
            expected[(b * 2 + t) * hidden..][..hidden].copy_from_slice(&h);
        }
    }
    assert_close_to_scale(&out.to_vec(), &expected, 1e-5, "gru outputs");
}

#[test]
fn every_cell_passes_gradcheck_through_input_and_state() {
    for kind in [CellKind::Tanh, CellKind::Lstm, CellKind::Gru] {
        let mut rng = Rng::new(11);
        let layer = Recurrent::new(kind, 3, 4, 2, &mut rng);
        let x = Tensor::randn(&[2, 3, 3], &mut rng);
        let h0 = Tensor::randn(&[2, 4], &mut rng);
        let f = |t: &[Tensor]| {
            let mut s = layer.zero_state(2);
            s.h[0] = t[1].clone();
            let (out, last) = layer.forward_seq(&t[0], Some(&s));
            Tensor::concat(&[out.reshape(&[6, 4]), last.h[1].clone()], 0)
        };
        gradcheck(&f, &[x, h0], GradcheckOptions::default()).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    }
}

#[test]
fn truncated_bptt_chunks_reproduce_the_whole_sequence_and_stop_gradients() {
    let mut rng = Rng::new(5);
    for kind in [CellKind::Tanh, CellKind::Lstm, CellKind::Gru] {
        let layer = Recurrent::new(kind, 2, 8, 2, &mut rng);
        let x = Tensor::randn(&[3, 10, 2], &mut rng).to_variable();
        let (whole, _) = layer.forward_seq(&x, None);
        let (first, state) = layer.forward_seq(&x.narrow(1, 0, 6), None);
        let (second, _) = layer.forward_seq(&x.narrow(1, 6, 4), Some(&state.detach()));
        let chunked = Tensor::concat(&[first, second.clone()], 1);
        assert_close_to_scale(&chunked.to_vec(), &whole.to_vec(), 1e-6, kind.name());
        let grads = second.sum_all().backward();
        let dx = grads.get(&x).unwrap().to_vec(); // (3, 10, 2)
        for b in 0..3 {
            for t in 0..10 {
                let g = &dx[(b * 10 + t) * 2..][..2];
                assert_eq!(
                    t < 6,
                    g.iter().all(|&v| v == 0.0),
                    "{}: gradient at step {t} should {}vanish",
                    kind.name(),
                    if t < 6 { "" } else { "not " }
                );
            }
        }
    }
}

#[test]
fn parameters_use_pytorch_names_shapes_and_init_range() {
    let lstm = Recurrent::lstm(16, 32, 2, &mut Rng::new(0));
    let names: Vec<(String, Vec<usize>)> = named_params(&lstm).into_iter().map(|(n, p)| (n, p.shape())).collect();
    let expected = [
        ("weight_ih_l0", vec![128, 16]),
        ("weight_hh_l0", vec![128, 32]),
        ("bias_ih_l0", vec![128]),
        ("bias_hh_l0", vec![128]),
        ("weight_ih_l1", vec![128, 32]),
        ("weight_hh_l1", vec![128, 32]),
        ("bias_ih_l1", vec![128]),
        ("bias_hh_l1", vec![128]),
    ];
    assert_eq!(names, expected.iter().map(|(n, s)| (n.to_string(), s.clone())).collect::<Vec<_>>());
    let bound = 1.0 / 32f32.sqrt();
    for (name, p) in named_params(&lstm) {
        assert!(p.value().to_vec().iter().all(|v| v.abs() <= bound), "{name} outside U(±1/√H)");
    }
    assert_eq!(named_params(&Recurrent::gru(3, 5, 1, &mut Rng::new(0)))[0].1.shape(), vec![15, 3]);
    assert_eq!(
        Recurrent::rnn(3, 5, 1, &mut Rng::new(0))
            .forward(&Tensor::zeros(&[2, 4, 3]))
            .shape(),
        &[2, 4, 5]
    );
}

#[test]
#[should_panic(expected = "lstm: input must be (batch, steps ≥ 1, 16) batch-first, got [4, 7]")]
fn wrong_input_shape_names_the_shapes() {
    Recurrent::lstm(16, 8, 1, &mut Rng::new(0)).forward(&Tensor::zeros(&[4, 7]));
}

#[test]
#[should_panic(expected = "state must hold 1 h (and 1 c) tensors of shape [2, 8]")]
fn mismatched_state_is_reported() {
    let lstm = Recurrent::lstm(3, 8, 1, &mut Rng::new(0));
    let state = lstm.zero_state(5);
    lstm.forward_seq(&Tensor::zeros(&[2, 4, 3]), Some(&state));
}
