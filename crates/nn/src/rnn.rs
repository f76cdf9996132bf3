//! Recurrent layers: the Elman RNN (tanh, 1990), the LSTM (Hochreiter & Schmidhuber
//! 1997, with the forget gate of Gers et al. 2000) and the GRU (Cho et al. 2014).
//!
//! All three follow PyTorch's `nn.RNN` / `nn.LSTM` / `nn.GRU` with `batch_first=True`:
//! input (B, T, I), output every top-layer hidden state (B, T, H), stacked layers, the
//! same parameter names (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, …),
//! layouts (gate blocks stacked on the rows: LSTM i, f, g, o; GRU r, z, n) and default
//! initialisation U(±1/√H), so PyTorch checkpoints load directly.
//!
//! Two ways to run a sequence:
//! - [`Recurrent::forward_seq`], the fast path. For the LSTM the input projection of
//!   all steps is one big matmul and the recurrence one fused graph node
//!   ([`Tensor::lstm_sequence`]); the RNN and GRU run their unrolled graph.
//! - [`Recurrent::forward_unrolled`], one small graph per step built from matmul, σ and
//!   tanh, returning each step's hidden state as its own tensor, so that ∂loss/∂h_t can
//!   be read for every t (the vanishing-gradient plot). It is also the oracle the fused
//!   LSTM is tested against.
//!
//! Truncated backpropagation through time: pass the previous chunk's final state,
//! detached ([`RecurrentState::detach`]), as the next chunk's initial state.

use crate::{init, join_name, Forward, Module};
use descent_tensor::{Param, Rng, Tensor};

/// Which recurrent cell a [`Recurrent`] layer uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    /// Elman RNN: h_t = tanh(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh).
    Tanh,
    /// LSTM: gates i, f, g, o; c_t = f·c_{t−1} + i·g, h_t = o·tanh(c_t).
    Lstm,
    /// GRU: gates r, z, n; h_t = (1 − z)·n + z·h_{t−1}, n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn)).
    Gru,
}

impl CellKind {
    /// Gate blocks stacked in the weight rows (1, 4 or 3).
    pub fn gates(self) -> usize {
        match self {
            CellKind::Tanh => 1,
            CellKind::Lstm => 4,
            CellKind::Gru => 3,
        }
    }

    /// Lower-case name (`rnn`, `lstm`, `gru`), as in checkpoints and reports.
    pub fn name(self) -> &'static str {
        match self {
            CellKind::Tanh => "rnn",
            CellKind::Lstm => "lstm",
            CellKind::Gru => "gru",
        }
    }
}

/// The parameters of one layer of a stack (PyTorch layout: gate blocks on the rows).
pub struct RecurrentLayer {
    /// Input-to-gates weight (G·H, I) (I = H above the first layer).
    pub weight_ih: Param,
    /// Hidden-to-gates weight (G·H, H).
    pub weight_hh: Param,
    /// Input-side bias (G·H).
    pub bias_ih: Param,
    /// Hidden-side bias (G·H) (for the GRU's n gate it sits inside r·(…)).
    pub bias_hh: Param,
}

/// The state carried between time steps (and between chunks of a long text): per
/// layer, h (B, H) and, for the LSTM only, c (B, H).
#[derive(Clone, Debug)]
pub struct RecurrentState {
    /// Hidden state of every layer, bottom first.
    pub h: Vec<Tensor>,
    /// Cell state of every layer (LSTM), empty for the RNN and GRU.
    pub c: Vec<Tensor>,
}

impl RecurrentState {
    /// All-zero state, PyTorch's default h₀ = c₀ = 0.
    pub fn zeros(kind: CellKind, num_layers: usize, batch: usize, hidden: usize) -> RecurrentState {
        let zeros = || (0..num_layers).map(|_| Tensor::zeros(&[batch, hidden])).collect::<Vec<_>>();
        RecurrentState {
            h: zeros(),
            c: if kind == CellKind::Lstm { zeros() } else { Vec::new() },
        }
    }

    /// The same values with no history: the next chunk's initial state in truncated
    /// BPTT, so gradients stop at the chunk boundary.
    pub fn detach(&self) -> RecurrentState {
        RecurrentState {
            h: self.h.iter().map(Tensor::detach).collect(),
            c: self.c.iter().map(Tensor::detach).collect(),
        }
    }
}

/// A stack of recurrent layers over batch-first sequences.
pub struct Recurrent {
    /// The cell of every layer.
    pub kind: CellKind,
    /// Features per input step (I).
    pub input_size: usize,
    /// Hidden units per layer (H).
    pub hidden_size: usize,
    /// Bottom layer first.
    pub layers: Vec<RecurrentLayer>,
}

impl Recurrent {
    /// A stack of `num_layers` layers, every parameter U(±1/√H) as in PyTorch, drawn in
    /// PyTorch's order (per layer: weight_ih, weight_hh, bias_ih, bias_hh).
    pub fn new(kind: CellKind, input_size: usize, hidden_size: usize, num_layers: usize, rng: &mut Rng) -> Recurrent {
        assert!(
            num_layers > 0 && hidden_size > 0,
            "Recurrent: needs at least one layer and one hidden unit"
        );
        let g = kind.gates() * hidden_size;
        let layers = (0..num_layers)
            .map(|l| {
                let inputs = if l == 0 { input_size } else { hidden_size };
                let mut draw = |shape: &[usize]| Param::new(init::pytorch_default(shape, hidden_size, rng));
                RecurrentLayer {
                    weight_ih: draw(&[g, inputs]),
                    weight_hh: draw(&[g, hidden_size]),
                    bias_ih: draw(&[g]),
                    bias_hh: draw(&[g]),
                }
            })
            .collect();
        Recurrent {
            kind,
            input_size,
            hidden_size,
            layers,
        }
    }

    /// Elman RNN with tanh (PyTorch `nn.RNN`).
    pub fn rnn(input_size: usize, hidden_size: usize, num_layers: usize, rng: &mut Rng) -> Recurrent {
        Recurrent::new(CellKind::Tanh, input_size, hidden_size, num_layers, rng)
    }

    /// LSTM with forget gate (PyTorch `nn.LSTM`).
    pub fn lstm(input_size: usize, hidden_size: usize, num_layers: usize, rng: &mut Rng) -> Recurrent {
        Recurrent::new(CellKind::Lstm, input_size, hidden_size, num_layers, rng)
    }

    /// GRU (PyTorch `nn.GRU`).
    pub fn gru(input_size: usize, hidden_size: usize, num_layers: usize, rng: &mut Rng) -> Recurrent {
        Recurrent::new(CellKind::Gru, input_size, hidden_size, num_layers, rng)
    }

    /// The zero state for a batch of `batch` sequences.
    pub fn zero_state(&self, batch: usize) -> RecurrentState {
        RecurrentState::zeros(self.kind, self.layers.len(), batch, self.hidden_size)
    }

    /// Checks `x` is (B, T ≥ 1, I) and `state` fits it; returns (B, T).
    fn check(&self, x: &Tensor, state: &RecurrentState) -> (usize, usize) {
        assert!(
            x.rank() == 3 && x.dim(2) == self.input_size && x.dim(1) > 0,
            "{}: input must be (batch, steps ≥ 1, {}) batch-first, got {:?}",
            self.kind.name(),
            self.input_size,
            x.shape()
        );
        let batch = x.dim(0);
        let expected = [batch, self.hidden_size];
        let cells = if self.kind == CellKind::Lstm { self.layers.len() } else { 0 };
        let ok =
            state.h.len() == self.layers.len() && state.c.len() == cells && state.h.iter().chain(&state.c).all(|s| s.shape() == expected);
        assert!(
            ok,
            "{}: state must hold {} h (and {cells} c) tensors of shape {expected:?}, got h {:?} c {:?}",
            self.kind.name(),
            self.layers.len(),
            state.h.iter().map(|t| t.shape().to_vec()).collect::<Vec<_>>(),
            state.c.iter().map(|t| t.shape().to_vec()).collect::<Vec<_>>()
        );
        (batch, x.dim(1))
    }

    /// Runs the sequence `x` (B, T, I) from `state` (zeros when `None`); returns every
    /// top-layer hidden state (B, T, H) and the final state of every layer.
    pub fn forward_seq(&self, x: &Tensor, state: Option<&RecurrentState>) -> (Tensor, RecurrentState) {
        let zero;
        let state = match state {
            Some(s) => s,
            None => {
                zero = self.zero_state(x.dim(0));
                &zero
            }
        };
        let (batch, steps) = self.check(x, state);
        if self.kind != CellKind::Lstm {
            let (hs, last) = self.forward_unrolled(x, Some(state));
            return (Tensor::stack(&hs, 1), last);
        }
        let h = self.hidden_size;
        let mut input = x.clone();
        let mut last = RecurrentState {
            h: Vec::new(),
            c: Vec::new(),
        };
        for (l, layer) in self.layers.iter().enumerate() {
            let x_proj = input.matmul(&layer.weight_ih.value().t()); // (B, T, 4H): every step in one matmul
            let bias = layer.bias_ih.value().add(&layer.bias_hh.value()); // (4H)
            let (hs, c_last) = x_proj.lstm_sequence(&layer.weight_hh.value(), &bias, &state.h[l], &state.c[l]); // (B, T, H), (B, H)
            last.h.push(hs.narrow(1, steps - 1, 1).reshape(&[batch, h]));
            last.c.push(c_last);
            input = hs;
        }
        (input, last)
    }

    /// The same computation as [`Recurrent::forward_seq`], built step by step from
    /// primitive graph ops; returns the top layer's hidden state of every step, each
    /// (B, H) its own tensor (retain them to read ∂loss/∂h_t), and the final state.
    pub fn forward_unrolled(&self, x: &Tensor, state: Option<&RecurrentState>) -> (Vec<Tensor>, RecurrentState) {
        let state = state.cloned().unwrap_or_else(|| self.zero_state(x.dim(0)));
        let (batch, steps) = self.check(x, &state);
        let mut inputs: Vec<Tensor> = (0..steps).map(|t| x.narrow(1, t, 1).reshape(&[batch, self.input_size])).collect();
        let mut last = RecurrentState {
            h: Vec::new(),
            c: Vec::new(),
        };
        for (l, layer) in self.layers.iter().enumerate() {
            let (mut h, mut c) = (state.h[l].clone(), state.c.get(l).cloned());
            let mut outputs = Vec::with_capacity(steps);
            for x_t in &inputs {
                (h, c) = self.cell(layer, x_t, &h, c.as_ref());
                outputs.push(h.clone());
            }
            last.h.push(h);
            last.c.extend(c);
            inputs = outputs;
        }
        (inputs, last)
    }

    /// One step of one layer: (h_t, c_t) from x_t (B, I) and (h_{t−1}, c_{t−1}).
    fn cell(&self, layer: &RecurrentLayer, x: &Tensor, h: &Tensor, c: Option<&Tensor>) -> (Tensor, Option<Tensor>) {
        let n = self.hidden_size;
        let gx = x.matmul(&layer.weight_ih.value().t()).add(&layer.bias_ih.value()); // (B, G·H)
        let gh = h.matmul(&layer.weight_hh.value().t()).add(&layer.bias_hh.value()); // (B, G·H)
        match self.kind {
            CellKind::Tanh => (gx.add(&gh).tanh(), None),
            CellKind::Lstm => {
                let z = gx.add(&gh); // (B, 4H): i, f, g, o
                let gate = |k: usize| z.narrow(1, k * n, n);
                let (i, f, g, o) = (gate(0).sigmoid(), gate(1).sigmoid(), gate(2).tanh(), gate(3).sigmoid());
                let c = f.mul(c.expect("LSTM cell needs a cell state")).add(&i.mul(&g)); // (B, H)
                (o.mul(&c.tanh()), Some(c))
            }
            CellKind::Gru => {
                let (x_at, h_at) = (|k: usize| gx.narrow(1, k * n, n), |k: usize| gh.narrow(1, k * n, n));
                let r = x_at(0).add(&h_at(0)).sigmoid(); // reset gate (B, H)
                let z = x_at(1).add(&h_at(1)).sigmoid(); // update gate (B, H)
                let candidate = x_at(2).add(&r.mul(&h_at(2))).tanh(); // (B, H)
                (candidate.add(&z.mul(&h.sub(&candidate))), None) // (1 − z)·n + z·h
            }
        }
    }
}

impl Forward for Recurrent {
    /// Every top-layer hidden state (B, T, H), from the zero state.
    fn forward(&self, x: &Tensor) -> Tensor {
        self.forward_seq(x, None).0
    }
}

impl Module for Recurrent {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        for (l, layer) in self.layers.iter().enumerate() {
            f(&join_name(prefix, &format!("weight_ih_l{l}")), &layer.weight_ih);
            f(&join_name(prefix, &format!("weight_hh_l{l}")), &layer.weight_hh);
            f(&join_name(prefix, &format!("bias_ih_l{l}")), &layer.bias_ih);
            f(&join_name(prefix, &format!("bias_hh_l{l}")), &layer.bias_hh);
        }
    }
}
