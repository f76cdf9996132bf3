//! Convolution and pooling on NCHW tensors, forwarding to `descent_kernels`.

use crate::op::{ConvParams, Op};
use crate::Tensor;
use descent_kernels::conv::{conv2d_backward, conv2d_forward, Conv2dGeometry};
use descent_kernels::pool::{avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward, Pool2dGeometry};
use std::sync::Arc;

fn conv_geometry(input: &Tensor, weight: &Tensor, params: ConvParams) -> Conv2dGeometry {
    assert!(
        input.rank() == 4 && weight.rank() == 4 && input.dim(1) == weight.dim(1),
        "conv2d: input {:?} (N, C, H, W) does not fit weight {:?} (O, C, KH, KW)",
        input.shape(),
        weight.shape()
    );
    let g = Conv2dGeometry {
        batch: input.dim(0),
        in_channels: input.dim(1),
        in_h: input.dim(2),
        in_w: input.dim(3),
        out_channels: weight.dim(0),
        kernel_h: weight.dim(2),
        kernel_w: weight.dim(3),
        stride: params.stride,
        padding: params.padding,
    };
    g.validate();
    g
}

fn pool_geometry(input: &Tensor, kernel: usize, stride: usize, padding: usize, op: &str) -> Pool2dGeometry {
    assert!(input.rank() == 4, "{op}: input must be (N, C, H, W), got {:?}", input.shape());
    assert!(
        kernel > 0 && stride > 0 && input.dim(2) + 2 * padding >= kernel && input.dim(3) + 2 * padding >= kernel && 2 * padding <= kernel,
        "{op}: kernel {kernel} / stride {stride} / padding {padding} do not fit input {:?}",
        input.shape()
    );
    Pool2dGeometry {
        batch: input.dim(0),
        channels: input.dim(1),
        in_h: input.dim(2),
        in_w: input.dim(3),
        kernel,
        stride,
        padding,
    }
}

impl Tensor {
    /// 2-D cross-correlation (PyTorch's `conv2d`): input (N, C, H, W), weight (O, C, KH, KW),
    /// optional bias (O); output (N, O, H', W').
    pub fn conv2d(&self, weight: &Tensor, bias: Option<&Tensor>, stride: usize, padding: usize) -> Tensor {
        let params = ConvParams { stride, padding };
        let g = conv_geometry(self, weight, params);
        let shape = [g.batch, g.out_channels, g.out_h(), g.out_w()];
        let forward = |x: &[f32], w: &[f32], b: Option<&[f32]>, out: &mut [f32]| conv2d_forward(&g, x, w, b, out);
        conv_like_forward("conv2d", self, weight, bias, shape, forward, || Op::Conv2d {
            input: self.clone(),
            weight: weight.clone(),
            bias: bias.cloned(),
            params,
        })
    }

    /// Max pooling with a square window; gradient goes to the first maximum of each window.
    pub fn max_pool2d(&self, kernel: usize, stride: usize) -> Tensor {
        self.max_pool2d_padded(kernel, stride, 0)
    }

    /// Max pooling padded with −∞ on every side (PyTorch's `max_pool2d(x, kernel,
    /// stride, padding)`, padding at most kernel/2; AlexNet's overlapping pool is 3, 2, 1).
    pub fn max_pool2d_padded(&self, kernel: usize, stride: usize, padding: usize) -> Tensor {
        let g = pool_geometry(self, kernel, stride, padding, "max_pool2d");
        let shape = [g.batch, g.channels, g.out_h(), g.out_w()];
        let n: usize = shape.iter().product();
        let (mut out, mut argmax) = (vec![0.0f32; n], vec![0u32; n]);
        max_pool2d_forward(&g, &self.contiguous_data(), &mut out, &mut argmax);
        let argmax = Arc::new(argmax);
        Tensor::from_op(out, &shape, &[self], || Op::MaxPool2d {
            input: self.clone(),
            kernel,
            stride,
            padding,
            argmax,
        })
    }

    /// Average pooling with a square window.
    pub fn avg_pool2d(&self, kernel: usize, stride: usize) -> Tensor {
        let g = pool_geometry(self, kernel, stride, 0, "avg_pool2d");
        let shape = [g.batch, g.channels, g.out_h(), g.out_w()];
        let mut out = vec![0.0f32; shape.iter().product()];
        avg_pool2d_forward(&g, &self.contiguous_data(), &mut out);
        Tensor::from_op(out, &shape, &[self], || Op::AvgPool2d {
            input: self.clone(),
            kernel,
            stride,
        })
    }
}

/// The kernel-agnostic half of a convolution-like forward (conv2d, conv_transpose2d):
/// checks that `bias` has one value per output channel (`shape[1]`), runs `forward(input,
/// weight, bias, out)` on dense data into a fresh output of `shape`, and records `make_op`.
pub(crate) fn conv_like_forward(
    name: &str,
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    shape: [usize; 4],
    forward: impl FnOnce(&[f32], &[f32], Option<&[f32]>, &mut [f32]),
    make_op: impl FnOnce() -> Op,
) -> Tensor {
    if let Some(b) = bias {
        assert_eq!(
            b.shape(),
            &[shape[1]],
            "{name}: bias {:?} must be [{}] for weight {:?}",
            b.shape(),
            shape[1],
            weight.shape()
        );
    }
    let mut out = vec![0.0f32; shape.iter().product()];
    let bias_data = bias.map(|b| b.contiguous_data());
    forward(&input.contiguous_data(), &weight.contiguous_data(), bias_data.as_deref(), &mut out);
    let mut inputs = vec![input, weight];
    inputs.extend(bias);
    Tensor::from_op(out, &shape, &inputs, make_op)
}

/// Gradients of a convolution-like op for the inputs that need them: (input, weight, bias).
pub(crate) type ConvGrads = (Option<Tensor>, Option<Tensor>, Option<Tensor>);

/// The kernel-agnostic half of a convolution-like backward (conv2d, conv_transpose2d):
/// zeroed buffers for the gradients that are needed, filled by `backward(input, weight,
/// grad, grad_input, grad_weight, grad_bias)` on dense data, returned as tensors.
pub(crate) fn conv_like_grads(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    grad: &Tensor,
    backward: impl FnOnce(&[f32], &[f32], &[f32], Option<&mut [f32]>, Option<&mut [f32]>, Option<&mut [f32]>),
) -> ConvGrads {
    let mut gi = input.requires_grad().then(|| vec![0.0f32; input.numel()]);
    let mut gw = weight.requires_grad().then(|| vec![0.0f32; weight.numel()]);
    let mut gb = bias.filter(|b| b.requires_grad()).map(|b| vec![0.0f32; b.numel()]);
    backward(
        &input.contiguous_data(),
        &weight.contiguous_data(),
        &grad.contiguous_data(),
        gi.as_deref_mut(),
        gw.as_deref_mut(),
        gb.as_deref_mut(),
    );
    (
        gi.map(|v| Tensor::from_vec(v, input.shape())),
        gw.map(|v| Tensor::from_vec(v, weight.shape())),
        gb.zip(bias).map(|(v, b)| Tensor::from_vec(v, b.shape())),
    )
}

/// Gradients of conv2d for the inputs that need them: (input, weight, bias).
pub(crate) fn conv2d_grads(input: &Tensor, weight: &Tensor, bias: Option<&Tensor>, params: ConvParams, grad: &Tensor) -> ConvGrads {
    let g = conv_geometry(input, weight, params);
    conv_like_grads(input, weight, bias, grad, |x, w, dy, gi, gw, gb| {
        conv2d_backward(&g, x, w, dy, gi, gw, gb)
    })
}

/// Gradient of max pooling: scatter to the recorded argmax positions.
pub(crate) fn max_pool2d_grad(input: &Tensor, (kernel, stride, padding): (usize, usize, usize), argmax: &[u32], grad: &Tensor) -> Tensor {
    let g = pool_geometry(input, kernel, stride, padding, "max_pool2d");
    let mut gi = vec![0.0f32; input.numel()];
    max_pool2d_backward(&g, &grad.contiguous_data(), argmax, &mut gi);
    Tensor::from_vec(gi, input.shape())
}

/// Gradient of average pooling: spread evenly over each window.
pub(crate) fn avg_pool2d_grad(input: &Tensor, kernel: usize, stride: usize, grad: &Tensor) -> Tensor {
    let g = pool_geometry(input, kernel, stride, 0, "avg_pool2d");
    let mut gi = vec![0.0f32; input.numel()];
    avg_pool2d_backward(&g, &grad.contiguous_data(), &mut gi);
    Tensor::from_vec(gi, input.shape())
}
