//! Normalisation and upsampling layers of the generative and vision milestones: batch
//! norm (with running statistics kept as buffers, so checkpoints save them), group
//! norm, and the transposed convolution. PyTorch names, layouts and default init.

use crate::{init, join_name, Forward, Module};
use descent_tensor::{Param, Rng, Tensor};
use std::sync::atomic::{AtomicBool, Ordering};

/// Batch normalisation over dim 1 of (N, C, *) (Ioffe & Szegedy 2015), PyTorch's
/// `BatchNorm1d` / `BatchNorm2d`: in training, normalise with the batch's mean and
/// biased variance and move the running statistics toward the batch's (momentum 0.1,
/// the variance unbiased); in evaluation, normalise with the running statistics.
pub struct BatchNorm {
    /// Gain (C), starts at 1.
    pub weight: Param,
    /// Shift (C), starts at 0.
    pub bias: Param,
    /// Running mean (C), a buffer starting at 0.
    pub running_mean: Param,
    /// Running (unbiased) variance (C), a buffer starting at 1.
    pub running_var: Param,
    /// Weight of the new batch in the running averages.
    pub momentum: f32,
    /// Added to the variance inside the root.
    pub eps: f32,
    training: AtomicBool,
}

/// PyTorch's name for batch norm over (N, C) or (N, C, L).
pub type BatchNorm1d = BatchNorm;
/// PyTorch's name for batch norm over (N, C, H, W).
pub type BatchNorm2d = BatchNorm;

impl BatchNorm {
    /// Batch norm of `channels` channels with PyTorch's defaults (eps 1e-5, momentum
    /// 0.1, affine, running statistics tracked), in training mode.
    pub fn new(channels: usize) -> BatchNorm {
        BatchNorm {
            weight: Param::new(Tensor::ones(&[channels])),
            bias: Param::new(Tensor::zeros(&[channels])),
            running_mean: Param::new(Tensor::zeros(&[channels])),
            running_var: Param::new(Tensor::ones(&[channels])),
            momentum: 0.1,
            eps: 1e-5,
            training: AtomicBool::new(true),
        }
    }

    /// True in training mode (batch statistics).
    pub fn is_training(&self) -> bool {
        self.training.load(Ordering::Relaxed)
    }
}

impl BatchNorm {
    /// The forward pass with the given gain and shift instead of the parameters' values
    /// (e.g. detached copies, to train another network through this one without
    /// gradients for this one); running statistics are used and updated as usual.
    pub fn forward_with(&self, x: &Tensor, w: &Tensor, b: &Tensor) -> Tensor {
        if !self.is_training() {
            // Buffers are not trained: detached, so no gradient is computed for them.
            let (mean, var) = (self.running_mean.value().detach(), self.running_var.value().detach());
            return x.batch_norm_eval(w, b, &mean, &var, self.eps);
        }
        let (y, stats) = x.batch_norm_train(w, b, self.eps);
        let m = self.momentum;
        self.running_mean
            .update(|r| r.iter_mut().zip(&stats.mean).for_each(|(r, &v)| *r = (1.0 - m) * *r + m * v));
        let var = stats.unbiased_var();
        self.running_var
            .update(|r| r.iter_mut().zip(&var).for_each(|(r, &v)| *r = (1.0 - m) * *r + m * v));
        y
    }
}

impl Forward for BatchNorm {
    fn forward(&self, x: &Tensor) -> Tensor {
        self.forward_with(x, &self.weight.value(), &self.bias.value())
    }
}

impl Module for BatchNorm {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        f(&join_name(prefix, "weight"), &self.weight);
        f(&join_name(prefix, "bias"), &self.bias);
    }

    fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        f(&join_name(prefix, "running_mean"), &self.running_mean);
        f(&join_name(prefix, "running_var"), &self.running_var);
    }

    fn set_training(&self, training: bool) {
        self.training.store(training, Ordering::Relaxed);
    }
}

/// Group normalisation (Wu & He 2018), PyTorch's `GroupNorm`: the channels split into
/// `groups`, each normalised per image; no running statistics, same in both modes.
pub struct GroupNorm {
    /// Number of channel groups (divides the channel count).
    pub groups: usize,
    /// Per-channel gain, starts at 1.
    pub weight: Param,
    /// Per-channel shift, starts at 0.
    pub bias: Param,
    /// Added to the variance inside the root.
    pub eps: f32,
}

impl GroupNorm {
    /// `groups` groups over `channels` channels, eps 1e-5, affine.
    pub fn new(groups: usize, channels: usize) -> GroupNorm {
        assert!(
            groups >= 1 && channels % groups == 0,
            "GroupNorm: {channels} channels do not split into {groups} groups"
        );
        GroupNorm {
            groups,
            weight: Param::new(Tensor::ones(&[channels])),
            bias: Param::new(Tensor::zeros(&[channels])),
            eps: 1e-5,
        }
    }
}

impl Forward for GroupNorm {
    fn forward(&self, x: &Tensor) -> Tensor {
        x.group_norm(self.groups, &self.weight.value(), &self.bias.value(), self.eps)
    }
}

impl Module for GroupNorm {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        f(&join_name(prefix, "weight"), &self.weight);
        f(&join_name(prefix, "bias"), &self.bias);
    }
}

/// Transposed convolution, weight (in, out, k, k), NCHW: PyTorch's `ConvTranspose2d`
/// (no output padding), the generator's upsampling layer.
pub struct ConvTranspose2d {
    /// Kernel (in_channels, out_channels, k, k).
    pub weight: Param,
    /// Per-output-channel bias.
    pub bias: Option<Param>,
    /// Upsampling step.
    pub stride: usize,
    /// Cropped from each side of the full output.
    pub padding: usize,
}

impl ConvTranspose2d {
    /// PyTorch-default initialised layer with bias: U(±1/√fan_in) for both, where
    /// PyTorch's fan_in of a transposed convolution is out_channels·k·k (dim 1 of its
    /// weight).
    pub fn new(in_channels: usize, out_channels: usize, kernel: usize, stride: usize, padding: usize, rng: &mut Rng) -> ConvTranspose2d {
        let fan_in = out_channels * kernel * kernel;
        let weight = init::pytorch_default(&[in_channels, out_channels, kernel, kernel], fan_in, rng);
        let bias = init::pytorch_default(&[out_channels], fan_in, rng);
        ConvTranspose2d {
            weight: Param::new(weight),
            bias: Some(Param::new(bias)),
            stride,
            padding,
        }
    }
}

impl Forward for ConvTranspose2d {
    fn forward(&self, x: &Tensor) -> Tensor {
        let bias = self.bias.as_ref().map(|b| b.value());
        x.conv_transpose2d(&self.weight.value(), bias.as_ref(), self.stride, self.padding)
    }
}

impl Module for ConvTranspose2d {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        f(&join_name(prefix, "weight"), &self.weight);
        if let Some(b) = &self.bias {
            f(&join_name(prefix, "bias"), b);
        }
    }
}
