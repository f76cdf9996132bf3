//! Batch normalisation (Ioffe & Szegedy 2015) and group normalisation (Wu & He 2018)
//! over dim 1 of (N, C, *) tensors, forwarding to `descent_kernels::{batch_norm,
//! group_norm}`. Each is one fused op: a statistics pass and an affine pass forward, a
//! reduction pass and an elementwise pass backward.
//!
//! Batch norm has two modes. Training normalises with this batch's mean and biased
//! variance and hands them back ([`BatchStats`]) so the layer can update its running
//! statistics; evaluation normalises with given running statistics, which are then
//! inputs like any other (with gradients, as PyTorch's formula written out has).

use crate::op::Op;
use crate::Tensor;
use descent_kernels::batch_norm::{batch_norm_apply, batch_norm_backward, batch_norm_statistics, ChannelShape};
use descent_kernels::group_norm::{group_norm_backward, group_norm_forward};
use std::sync::Arc;

/// Per-channel statistics of one training-mode batch norm call.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchStats {
    /// Batch mean per channel.
    pub mean: Vec<f32>,
    /// Biased batch variance (÷ count) per channel: what normalised.
    pub var: Vec<f32>,
    /// Values per channel (N · product of the dims after 1).
    pub count: usize,
}

impl BatchStats {
    /// The unbiased variance (× count/(count − 1)), which PyTorch's running variance
    /// tracks; equal to the biased one for a single value.
    pub fn unbiased_var(&self) -> Vec<f32> {
        let factor = if self.count > 1 {
            self.count as f32 / (self.count - 1) as f32
        } else {
            1.0
        };
        self.var.iter().map(|v| v * factor).collect()
    }
}

fn channel_shape(x: &Tensor, op: &str, per_channel: &[&Tensor]) -> ChannelShape {
    assert!(x.rank() >= 2, "{op}: input must be (N, C, ...), got shape {:?}", x.shape());
    let channels = x.dim(1);
    for t in per_channel {
        assert_eq!(
            t.shape(),
            &[channels],
            "{op}: {:?} must be [{channels}] for input {:?}",
            t.shape(),
            x.shape()
        );
    }
    ChannelShape {
        batch: x.dim(0),
        channels,
        inner: x.shape()[2..].iter().product(),
    }
}

impl Tensor {
    /// Training-mode batch norm over dim 1 of (N, C, *) (BatchNorm1d's (N, C) or
    /// BatchNorm2d's (N, C, H, W)): normalised by this batch's mean and biased variance,
    /// ε inside the root, then `·weight + bias` (C each). Returns the output and the
    /// statistics, from which a layer updates its running averages.
    pub fn batch_norm_train(&self, weight: &Tensor, bias: &Tensor, eps: f32) -> (Tensor, BatchStats) {
        let s = channel_shape(self, "batch_norm", &[weight, bias]);
        let x = self.contiguous_data();
        let (mut mean, mut var) = (vec![0.0f32; s.channels], vec![0.0f32; s.channels]);
        batch_norm_statistics(&s, &x, &mut mean, &mut var);
        let y = self.batch_norm_with(&s, &x, weight, bias, &mean, &var, eps, None);
        let stats = BatchStats {
            mean,
            var,
            count: s.per_channel(),
        };
        (y, stats)
    }

    /// Evaluation-mode batch norm: `(x − running_mean)/√(running_var + eps)·weight + bias`
    /// per channel of dim 1. Gradients reach every input that needs one.
    pub fn batch_norm_eval(&self, weight: &Tensor, bias: &Tensor, running_mean: &Tensor, running_var: &Tensor, eps: f32) -> Tensor {
        let s = channel_shape(self, "batch_norm", &[weight, bias, running_mean, running_var]);
        let (mean, var) = (running_mean.contiguous_data(), running_var.contiguous_data());
        let running = Some((running_mean, running_var));
        self.batch_norm_with(&s, &self.contiguous_data(), weight, bias, &mean, &var, eps, running)
    }

    #[allow(clippy::too_many_arguments)]
    fn batch_norm_with(
        &self,
        s: &ChannelShape,
        x: &[f32],
        weight: &Tensor,
        bias: &Tensor,
        mean: &[f32],
        var: &[f32],
        eps: f32,
        running: Option<(&Tensor, &Tensor)>,
    ) -> Tensor {
        let mut y = vec![0.0f32; s.len()];
        batch_norm_apply(s, x, mean, var, &weight.contiguous_data(), &bias.contiguous_data(), eps, &mut y);
        let mut inputs = vec![self, weight, bias];
        if let Some((m, v)) = running {
            inputs.extend([m, v]);
        }
        Tensor::from_op(y, self.shape(), &inputs, || {
            let mut stats = mean.to_vec();
            stats.extend(var.iter().map(|v| 1.0 / (v + eps).sqrt()));
            Op::BatchNorm {
                input: self.clone(),
                weight: weight.clone(),
                bias: bias.clone(),
                running: running.map(|(m, v)| (m.clone(), v.clone())),
                stats: Arc::new(stats),
            }
        })
    }

    /// Group norm: the channels (dim 1) of each image split into `groups` groups, each
    /// normalised by its own mean and biased variance (ε inside the root), then
    /// `·weight + bias` per channel (PyTorch's `F.group_norm`).
    pub fn group_norm(&self, groups: usize, weight: &Tensor, bias: &Tensor, eps: f32) -> Tensor {
        let s = channel_shape(self, "group_norm", &[weight, bias]);
        let mut stats = vec![0.0f32; 2 * s.batch * groups];
        let (x, w, b) = (self.contiguous_data(), weight.contiguous_data(), bias.contiguous_data());
        let y = super::fresh(s.len(), |y| group_norm_forward(&s, groups, &x, &w, &b, eps, y, &mut stats));
        let stats = Arc::new(stats);
        Tensor::from_op(y, self.shape(), &[self, weight, bias], || Op::GroupNorm {
            input: self.clone(),
            weight: weight.clone(),
            bias: bias.clone(),
            groups,
            stats,
        })
    }
}

/// Gradients of batch norm (either mode), in input order: input, weight, bias, and in
/// evaluation mode running mean and running variance.
pub(crate) fn batch_norm_grads(input: &Tensor, weight: &Tensor, running: bool, stats: &[f32], grad: &Tensor) -> Vec<Tensor> {
    let s = channel_shape(input, "batch_norm", &[weight]);
    let c = s.channels;
    let (mean, rstd) = stats.split_at(c);
    let w = weight.contiguous_data();
    let (mut sum_g, mut sum_gx) = (vec![0.0f32; c], vec![0.0f32; c]);
    let mut dx = input.requires_grad().then(|| vec![0.0f32; s.len()]);
    let (x, dy) = (input.contiguous_data(), grad.contiguous_data());
    batch_norm_backward(&s, &x, &dy, mean, rstd, &w, !running, dx.as_deref_mut(), &mut sum_g, &mut sum_gx);
    let dx = dx.unwrap_or_else(|| vec![0.0f32; s.len()]);
    let mut grads = vec![Tensor::from_vec(dx, input.shape())];
    if running {
        // y = (x − m)·(v + eps)^−½·w + b: ∂/∂m = −w·rstd, ∂/∂v = −½·w·x̂·rstd².
        let dm = (0..c).map(|i| -w[i] * rstd[i] * sum_g[i]).collect();
        let dv = (0..c).map(|i| -0.5 * w[i] * rstd[i] * rstd[i] * sum_gx[i]).collect();
        grads.extend([Tensor::from_vec(sum_gx, &[c]), Tensor::from_vec(sum_g, &[c])]);
        grads.extend([Tensor::from_vec(dm, &[c]), Tensor::from_vec(dv, &[c])]);
    } else {
        grads.extend([Tensor::from_vec(sum_gx, &[c]), Tensor::from_vec(sum_g, &[c])]);
    }
    grads
}

/// Gradients of group norm: (input, weight, bias).
pub(crate) fn group_norm_grads(input: &Tensor, weight: &Tensor, groups: usize, stats: &[f32], grad: &Tensor) -> [Tensor; 3] {
    let s = channel_shape(input, "group_norm", &[weight]);
    let mut dx = input.requires_grad().then(|| vec![0.0f32; s.len()]);
    let (mut dw, mut db) = (vec![0.0f32; s.channels], vec![0.0f32; s.channels]);
    let (x, dy, w) = (input.contiguous_data(), grad.contiguous_data(), weight.contiguous_data());
    group_norm_backward(&s, groups, &x, &dy, stats, &w, dx.as_deref_mut(), &mut dw, &mut db);
    [
        Tensor::from_vec(dx.unwrap_or_else(|| vec![0.0; s.len()]), input.shape()),
        Tensor::from_vec(dw, &[s.channels]),
        Tensor::from_vec(db, &[s.channels]),
    ]
}
