//! Reverse-mode autodiff: topological order over the recorded graph, then one
//! gradient rule per [`Op`] variant, written with tensor ops under `no_grad`.

use crate::op::{BinaryOp, Op};
use crate::ops::{attention, bias_gelu, conv, elementwise, loss, matmul, norm, recurrent, reduce, shape, softmax};
use crate::ops::{batch_norm, conv_transpose, pointwise_loss, upsample};
use crate::{no_grad, GradStore, Tensor, TensorId};
use std::collections::{HashMap, HashSet};

/// Nodes reachable from `root` through tensors that need gradients, inputs first.
fn topological_order(root: &Tensor) -> Vec<Tensor> {
    let mut order = Vec::new();
    let mut visited = HashSet::new();
    let mut stack = vec![(root.clone(), false)];
    while let Some((node, expanded)) = stack.pop() {
        if expanded {
            order.push(node);
            continue;
        }
        if !visited.insert(node.id()) {
            continue;
        }
        stack.push((node.clone(), true));
        if let Some(op) = node.op() {
            for input in op.inputs() {
                if input.requires_grad() && !visited.contains(&input.id()) {
                    stack.push((input.clone(), false));
                }
            }
        }
    }
    order
}

impl Tensor {
    /// Gradients of this one-element tensor (the loss) with respect to every variable
    /// it depends on.
    pub fn backward(&self) -> GradStore {
        let mut store = GradStore::new();
        self.backward_into(&mut store);
        store
    }

    /// Like [`Tensor::backward`], adding into `store` (gradient accumulation).
    pub fn backward_into(&self, store: &mut GradStore) {
        assert_eq!(
            self.numel(),
            1,
            "backward: the loss must have one element, shape is {:?} (use backward_with_grad)",
            self.shape()
        );
        self.backward_with_grad(&Tensor::ones(self.shape()), &[], store);
    }

    /// Backward from an explicit output gradient `seed` (same shape as `self`), also
    /// keeping the gradients of the intermediate tensors in `retain` (e.g. hidden states
    /// whose gradient norms a milestone plots).
    pub fn backward_with_grad(&self, seed: &Tensor, retain: &[&Tensor], store: &mut GradStore) {
        assert_eq!(
            seed.shape(),
            self.shape(),
            "backward: seed gradient {:?} must match output {:?}",
            seed.shape(),
            self.shape()
        );
        if !self.requires_grad() {
            return;
        }
        let keep: HashSet<TensorId> = retain.iter().map(|t| t.id()).collect();
        no_grad(|| {
            let order = topological_order(self);
            let mut pending: HashMap<TensorId, Tensor> = HashMap::new();
            pending.insert(self.id(), seed.clone());
            for node in order.iter().rev() {
                let Some(grad) = pending.remove(&node.id()) else { continue };
                if keep.contains(&node.id()) {
                    store.accumulate(node.id(), grad.clone());
                }
                let Some(op) = node.op() else {
                    store.accumulate(node.id(), grad);
                    continue;
                };
                for (input, input_grad) in input_gradients(node, op, &grad) {
                    debug_assert_eq!(input.shape(), input_grad.shape(), "{:?} gradient shape", op.kind());
                    match pending.remove(&input.id()) {
                        Some(previous) => pending.insert(input.id(), previous.add(&input_grad)),
                        None => pending.insert(input.id(), input_grad),
                    };
                }
            }
        });
    }
}

/// The gradient rule of each op: `(input, ∂loss/∂input)` for inputs that need it.
fn input_gradients(node: &Tensor, op: &Op, grad: &Tensor) -> Vec<(Tensor, Tensor)> {
    let mut out = Vec::with_capacity(2);
    let mut push = |t: &Tensor, g: Tensor| {
        if t.requires_grad() {
            out.push((t.clone(), g));
        }
    };
    match op {
        Op::Unary(x, u) => {
            let dx = elementwise::unary_backward(*u, &x.contiguous_data(), &node.contiguous_data(), &grad.contiguous_data());
            push(x, Tensor::from_vec(dx, x.shape()));
        }
        Op::Binary(a, b, kind) => {
            let to_a = |g: Tensor| reduce::sum_to_shape(&g, a.shape());
            let to_b = |g: Tensor| reduce::sum_to_shape(&g, b.shape());
            match kind {
                BinaryOp::Add => {
                    push(a, to_a(grad.clone()));
                    push(b, to_b(grad.clone()));
                }
                BinaryOp::Sub => {
                    push(a, to_a(grad.clone()));
                    push(b, to_b(grad.neg()));
                }
                BinaryOp::Mul => {
                    if a.requires_grad() {
                        push(a, to_a(grad.mul(b)));
                    }
                    if b.requires_grad() {
                        push(b, to_b(grad.mul(a)));
                    }
                }
                BinaryOp::Div => {
                    if a.requires_grad() {
                        push(a, to_a(grad.div(b)));
                    }
                    if b.requires_grad() {
                        push(b, to_b(grad.mul(node).div(b).neg()));
                    }
                }
                BinaryOp::Maximum | BinaryOp::Minimum => {
                    let mask = if *kind == BinaryOp::Maximum { a.ge(b) } else { a.le(b) };
                    let to_first = grad.mul(&mask);
                    push(b, to_b(grad.sub(&to_first)));
                    push(a, to_a(to_first));
                }
            }
        }
        Op::Sum { arg, dims } => {
            let mut kept = arg.shape().to_vec();
            dims.iter().for_each(|&d| kept[d] = 1);
            push(arg, grad.reshape(&kept).broadcast_to(arg.shape()).contiguous());
        }
        Op::Max { arg, dim, indices } => push(arg, reduce::max_backward(grad, arg.shape(), *dim, indices)),
        Op::Matmul(a, b) => {
            let (ga, gb) = matmul::matmul_backward(a, b, grad, a.requires_grad(), b.requires_grad());
            if let Some(ga) = ga {
                push(a, ga);
            }
            if let Some(gb) = gb {
                push(b, gb);
            }
        }
        Op::Reshape(arg) => push(arg, grad.reshape(arg.shape())),
        Op::Permute(arg, perm) => {
            let mut inverse = vec![0; perm.len()];
            perm.iter().enumerate().for_each(|(i, &p)| inverse[p] = i);
            // A view: when the gradient already has the input's memory order (matmul
            // produces weight gradients that way) this is dense again for free.
            push(arg, grad.permute(&inverse));
        }
        Op::BroadcastTo(arg) => push(arg, reduce::sum_to_shape(grad, arg.shape())),
        Op::Narrow { arg, dim, start } => push(arg, shape::narrow_backward(grad, arg.shape(), *dim, *start)),
        Op::Contiguous(arg) => push(arg, grad.clone()),
        Op::Concat { args, dim } => {
            let mut start = 0;
            for arg in args {
                let len = arg.shape()[*dim];
                push(arg, grad.narrow(*dim, start, len).contiguous());
                start += len;
            }
        }
        Op::IndexSelect { arg, dim, indices } => push(arg, shape::index_select_backward(grad, arg.shape(), *dim, indices)),
        Op::Gather { arg, dim, indices } => push(arg, shape::gather_backward(grad, arg.shape(), *dim, indices)),
        Op::Where { cond, on_true, on_false } => {
            let g = grad.contiguous_data();
            let (t, f): (Vec<f32>, Vec<f32>) = cond
                .iter()
                .zip(g.iter())
                .map(|(&c, &g)| if c { (g, 0.0) } else { (0.0, g) })
                .unzip();
            push(on_true, reduce::sum_to_shape(&Tensor::from_vec(t, grad.shape()), on_true.shape()));
            push(on_false, reduce::sum_to_shape(&Tensor::from_vec(f, grad.shape()), on_false.shape()));
        }
        Op::Softmax { arg, dim } => push(arg, softmax::softmax_grad(node, grad, *dim)),
        Op::LogSoftmax { arg, dim } => push(arg, softmax::log_softmax_grad(node, grad, *dim)),
        Op::Conv2d {
            input,
            weight,
            bias,
            params,
        }
        | Op::ConvTranspose2d {
            input,
            weight,
            bias,
            params,
        } => {
            let grads = match op {
                Op::Conv2d { .. } => conv::conv2d_grads,
                _ => conv_transpose::conv_transpose2d_grads,
            };
            let (gi, gw, gb) = grads(input, weight, bias.as_ref(), *params, grad);
            if let Some(gi) = gi {
                push(input, gi);
            }
            if let Some(gw) = gw {
                push(weight, gw);
            }
            if let (Some(b), Some(gb)) = (bias, gb) {
                push(b, gb);
            }
        }
        Op::MaxPool2d {
            input,
            kernel,
            stride,
            padding,
            argmax,
        } => push(input, conv::max_pool2d_grad(input, (*kernel, *stride, *padding), argmax, grad)),
        Op::AvgPool2d { input, kernel, stride } => push(input, conv::avg_pool2d_grad(input, *kernel, *stride, grad)),
        Op::LayerNorm {
            input,
            weight,
            bias,
            stats,
            ..
        } => {
            let (dx, dw, db) = norm::layer_norm_grads(input, weight, stats, grad);
            push(input, dx);
            push(weight, dw);
            push(bias, db);
        }
        Op::Attention {
            q,
            k,
            v,
            scale,
            mask,
            probs,
        } => {
            let [dq, dk, dv] = attention::attention_grads(q, k, v, mask, *scale, probs, grad);
            push(q, dq);
            push(k, dk);
            push(v, dv);
        }
        Op::CrossEntropy {
            logits,
            targets,
            ignore_index,
            lse,
        } => push(logits, loss::cross_entropy_grad(logits, targets, *ignore_index, lse, grad)),
        Op::LstmSequence {
            x_proj,
            w_hh,
            bias,
            h0,
            c0,
            gates,
            cells,
        } => {
            let g = recurrent::lstm_sequence_backward(node, w_hh, h0, c0, gates, cells, grad, h0.requires_grad());
            push(x_proj, g.x_proj);
            push(w_hh, g.w_hh);
            push(bias, g.bias);
            push(h0, g.h0);
            push(c0, g.c0);
        }
        Op::BiasGelu { input, bias } => {
            let (dx, db) = bias_gelu::bias_gelu_grads(input, bias, grad);
            push(input, dx);
            push(bias, db);
        }
        Op::BatchNorm {
            input,
            weight,
            bias,
            running,
            stats,
        } => {
            let grads = batch_norm::batch_norm_grads(input, weight, running.is_some(), stats, grad);
            let mut inputs = vec![input, weight, bias];
            if let Some((mean, var)) = running {
                inputs.extend([mean, var]);
            }
            inputs.into_iter().zip(grads).for_each(|(t, g)| push(t, g));
        }
        Op::GroupNorm {
            input,
            weight,
            bias,
            groups,
            stats,
        } => {
            let [dx, dw, db] = batch_norm::group_norm_grads(input, weight, *groups, stats, grad);
            push(input, dx);
            push(weight, dw);
            push(bias, db);
        }
        Op::BceWithLogits { logits, targets } => {
            let (gl, gt) = pointwise_loss::bce_with_logits_grads(logits, targets, grad);
            if let Some(gl) = gl {
                push(logits, gl);
            }
            if let Some(gt) = gt {
                push(targets, gt);
            }
        }
        Op::UpsampleNearest2d { input, scale } => push(input, upsample::upsample_nearest2d_grad(input, *scale, grad)),
        Op::Normalize { input, eps, norms } => push(input, upsample::normalize_grad(node, norms, *eps, grad)),
    }
    out
}
