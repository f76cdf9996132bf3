//! Transposed convolution on NCHW tensors (the generator's upsampling layer in DCGAN),
//! forwarding to `descent_kernels::conv_transpose`.

use super::conv::{conv_like_forward, conv_like_grads, ConvGrads};
use crate::op::{ConvParams, Op};
use crate::Tensor;
use descent_kernels::conv_transpose::{conv_transpose2d_backward, conv_transpose2d_forward, ConvTranspose2dGeometry};

fn geometry(input: &Tensor, weight: &Tensor, params: ConvParams) -> ConvTranspose2dGeometry {
    assert!(
        input.rank() == 4 && weight.rank() == 4 && input.dim(1) == weight.dim(0),
        "conv_transpose2d: input {:?} (N, C_in, H, W) does not fit weight {:?} (C_in, C_out, KH, KW)",
        input.shape(),
        weight.shape()
    );
    let g = ConvTranspose2dGeometry {
        batch: input.dim(0),
        in_channels: input.dim(1),
        in_h: input.dim(2),
        in_w: input.dim(3),
        out_channels: weight.dim(1),
        kernel_h: weight.dim(2),
        kernel_w: weight.dim(3),
        stride: params.stride,
        padding: params.padding,
    };
    g.validate();
    g
}

impl Tensor {
    /// Transposed convolution (PyTorch's `conv_transpose2d`, no output padding): input
    /// (N, C_in, H, W), weight (C_in, C_out, KH, KW), optional bias (C_out); output
    /// (N, C_out, (H−1)·stride − 2·padding + KH, likewise for W). The adjoint of
    /// `conv2d` with the same weight, stride and padding.
    pub fn conv_transpose2d(&self, weight: &Tensor, bias: Option<&Tensor>, stride: usize, padding: usize) -> Tensor {
        let params = ConvParams { stride, padding };
        let g = geometry(self, weight, params);
        let shape = [g.batch, g.out_channels, g.out_h(), g.out_w()];
        let forward = |x: &[f32], w: &[f32], b: Option<&[f32]>, out: &mut [f32]| conv_transpose2d_forward(&g, x, w, b, out);
        conv_like_forward("conv_transpose2d", self, weight, bias, shape, forward, || Op::ConvTranspose2d {
            input: self.clone(),
            weight: weight.clone(),
            bias: bias.cloned(),
            params,
        })
    }
}

/// Gradients of conv_transpose2d for the inputs that need them: (input, weight, bias).
pub(crate) fn conv_transpose2d_grads(
    input: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    params: ConvParams,
    grad: &Tensor,
) -> ConvGrads {
    let g = geometry(input, weight, params);
    conv_like_grads(input, weight, bias, grad, |x, w, dy, gi, gw, gb| {
        conv_transpose2d_backward(&g, x, w, dy, gi, gw, gb)
    })
}
