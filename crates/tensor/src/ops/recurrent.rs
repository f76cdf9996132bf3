//! The fused LSTM recurrence: one graph node for a whole layer over a whole sequence,
//! forwarding to `descent_kernels::recurrent` (the equations and the worker team are
//! documented there). The composite LSTM in `descent-nn` (`Recurrent::forward_unrolled`,
//! built from matmul/σ/tanh graph ops) is its test oracle.

use crate::op::Op;
use crate::Tensor;
use descent_kernels::recurrent::{lstm_backward, lstm_forward, LstmDims};
use std::sync::Arc;

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
        let d = LstmDims { batch, steps, hidden };
        let (mut out, mut gates, mut cells) = (Vec::new(), Vec::new(), Vec::new());
        lstm_forward(
            &d,
            &self.contiguous_data(),
            &w_hh.contiguous_data(),
            &bias.contiguous_data(),
            &h0.contiguous_data(),
            &c0.contiguous_data(),
            &mut out,
            &mut gates,
            &mut cells,
        );
        let (gates, cells) = (Arc::new(gates), Arc::new(cells));
        let packed = Tensor::from_op(out, &[batch * steps + batch, hidden], &[self, w_hh, bias, h0, c0], || {
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
    let (batch, hidden) = (h0.dim(0), w_hh.dim(1));
    let d = LstmDims {
        batch,
        steps: (out.dim(0) / batch.max(1)).saturating_sub(1),
        hidden,
    };
    let (mut dx, mut dw) = (Vec::new(), Vec::new());
    let mut small = [4 * hidden, batch * hidden, batch * hidden].map(|n| vec![0.0f32; n]);
    let [db, dh0, dc0] = &mut small;
    lstm_backward(
        &d,
        &w_hh.contiguous_data(),
        &h0.contiguous_data(),
        &c0.contiguous_data(),
        &out.contiguous_data(),
        gates,
        cells,
        &grad.contiguous_data(),
        need_h0,
        &mut dx,
        &mut dw,
        db,
        dh0,
        dc0,
    );
    let [db, dh0, dc0] = small;
    LstmGrads {
        x_proj: Tensor::from_vec(dx, &[batch, d.steps, 4 * hidden]),
        w_hh: Tensor::from_vec(dw, &[4 * hidden, hidden]),
        bias: Tensor::from_vec(db, &[4 * hidden]),
        h0: Tensor::from_vec(dh0, &[batch, hidden]),
        c0: Tensor::from_vec(dc0, &[batch, hidden]),
    }
}
