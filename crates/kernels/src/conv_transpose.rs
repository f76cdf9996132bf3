//! 2-D transposed convolution (PyTorch's `conv_transpose2d`, NCHW, weight
//! `[in_ch, out_ch, kh, kw]`), forward and backward, beside a naive reference.
//!
//! A transposed convolution is the adjoint of a convolution: its forward pass is the
//! input gradient of the convolution that maps its *output* back to its *input*, and its
//! backward passes are that convolution's forward pass (for the input gradient) and its
//! weight gradient. So every pass here is one of the gemm-based, batch-parallel kernels
//! of [`crate::conv`] run on the mirrored geometry ([`ConvTranspose2dGeometry::as_conv`]);
//! no second set of im2col loops to keep correct. Output padding and groups are not
//! supported (DCGAN and U-Nets need neither).

use crate::conv::{conv2d_backward, conv2d_backward_input, conv2d_forward, Conv2dGeometry};

/// Shape of one transposed convolution: NCHW input, weight (in_ch, out_ch, kh, kw), the
/// same stride and padding along both axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ConvTranspose2dGeometry {
    /// Images in the batch (N).
    pub batch: usize,
    /// Input channels (C_in).
    pub in_channels: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Output channels (C_out).
    pub out_channels: usize,
    /// Kernel height.
    pub kernel_h: usize,
    /// Kernel width.
    pub kernel_w: usize,
    /// Upsampling step (the mirrored convolution's stride), at least 1.
    pub stride: usize,
    /// Rows and columns cropped from each side of the full output (the mirrored
    /// convolution's zero padding).
    pub padding: usize,
}

impl ConvTranspose2dGeometry {
    /// Output height: `(in_h − 1)·stride − 2·padding + kernel_h`. Panics (naming the
    /// geometry) when that is not positive or an argument is zero.
    pub fn out_h(&self) -> usize {
        self.validate();
        (self.in_h - 1) * self.stride + self.kernel_h - 2 * self.padding
    }

    /// Output width: `(in_w − 1)·stride − 2·padding + kernel_w`. Panics like `out_h`.
    pub fn out_w(&self) -> usize {
        self.validate();
        (self.in_w - 1) * self.stride + self.kernel_w - 2 * self.padding
    }

    /// Panics unless stride, kernel and input are non-zero and the padding leaves an
    /// output of at least one pixel.
    pub fn validate(&self) {
        assert!(
            self.stride >= 1 && self.kernel_h >= 1 && self.kernel_w >= 1 && self.in_h >= 1 && self.in_w >= 1,
            "conv_transpose2d: stride, kernel and input size must be at least 1 in {self:?}"
        );
        let (full_h, full_w) = (
            (self.in_h - 1) * self.stride + self.kernel_h,
            (self.in_w - 1) * self.stride + self.kernel_w,
        );
        assert!(
            2 * self.padding < full_h && 2 * self.padding < full_w,
            "conv_transpose2d: padding {} crops the whole {full_h}x{full_w} output in {self:?}",
            self.padding
        );
    }

    /// The convolution this one is the adjoint of: it maps our output (batch, out_ch,
    /// out_h, out_w) to our input (batch, in_ch, in_h, in_w) with the same weight tensor,
    /// read as (in_ch, out_ch, kh, kw) = its (out, in, kh, kw).
    pub fn as_conv(&self) -> Conv2dGeometry {
        let conv = Conv2dGeometry {
            batch: self.batch,
            in_channels: self.out_channels,
            in_h: self.out_h(),
            in_w: self.out_w(),
            out_channels: self.in_channels,
            kernel_h: self.kernel_h,
            kernel_w: self.kernel_w,
            stride: self.stride,
            padding: self.padding,
        };
        debug_assert_eq!((conv.out_h(), conv.out_w()), (self.in_h, self.in_w), "{self:?}");
        conv
    }

    /// Elements of the input, (batch, in_ch, in_h, in_w).
    pub fn input_len(&self) -> usize {
        self.batch * self.in_channels * self.in_h * self.in_w
    }

    /// Elements of the weight, (in_ch, out_ch, kh, kw).
    pub fn weight_len(&self) -> usize {
        self.in_channels * self.out_channels * self.kernel_h * self.kernel_w
    }

    /// Elements of the output, (batch, out_ch, out_h, out_w).
    pub fn output_len(&self) -> usize {
        self.batch * self.out_channels * self.out_h() * self.out_w()
    }
}

fn check_len(what: &str, actual: usize, expected: usize, g: &ConvTranspose2dGeometry) {
    assert_eq!(
        actual, expected,
        "conv_transpose2d: {what} has {actual} elements, expected {expected} for {g:?}"
    );
}

/// `out = conv_transpose2d(input, weight) + bias`, overwriting `out`.
///
/// Shapes: input (batch, in_ch, in_h, in_w), weight (in_ch, out_ch, kh, kw), bias
/// (out_ch), out (batch, out_ch, out_h, out_w). Panics on any size mismatch.
pub fn conv_transpose2d_forward(g: &ConvTranspose2dGeometry, input: &[f32], weight: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    check_len("input", input.len(), g.input_len(), g);
    check_len("weight", weight.len(), g.weight_len(), g);
    check_len("output", out.len(), g.output_len(), g);
    if let Some(b) = bias {
        check_len("bias", b.len(), g.out_channels, g);
    }
    conv2d_backward_input(&g.as_conv(), weight, input, bias, out);
}

/// Gradients of [`conv_transpose2d_forward`]; each buffer given is OVERWRITTEN.
///
/// Shapes as in the forward, plus grad_out like out, grad_input like input, grad_weight
/// like weight, grad_bias (out_ch). `None` skips that gradient's work.
pub fn conv_transpose2d_backward(
    g: &ConvTranspose2dGeometry,
    input: &[f32],
    weight: &[f32],
    grad_out: &[f32],
    grad_input: Option<&mut [f32]>,
    grad_weight: Option<&mut [f32]>,
    grad_bias: Option<&mut [f32]>,
) {
    check_len("input", input.len(), g.input_len(), g);
    check_len("weight", weight.len(), g.weight_len(), g);
    check_len("grad_out", grad_out.len(), g.output_len(), g);
    let conv = g.as_conv();
    if let Some(gi) = grad_input {
        check_len("grad_input", gi.len(), g.input_len(), g);
        conv2d_forward(&conv, grad_out, weight, None, gi);
    }
    if let Some(gw) = grad_weight {
        check_len("grad_weight", gw.len(), g.weight_len(), g);
        // The mirrored convolution's weight gradient: its input is our grad_out, its
        // output gradient our input.
        conv2d_backward(&conv, grad_out, weight, input, None, Some(gw), None);
    }
    if let Some(gb) = grad_bias {
        check_len("grad_bias", gb.len(), g.out_channels, g);
        gb.fill(0.0);
        let plane = g.out_h() * g.out_w();
        for (i, dy) in grad_out.chunks_exact(plane.max(1)).enumerate() {
            gb[i % g.out_channels] += dy.iter().sum::<f32>();
        }
    }
}

/// Calls `f(x, w, y)` for every multiply-add of the transposed convolution: input
/// (n, i, h, w) scatters `x·weight[i, o, ki, kj]` to output (n, o, h·s + ki − pad,
/// w·s + kj − pad) when that lies inside the output.
fn for_each_multiply_add(g: &ConvTranspose2dGeometry, mut f: impl FnMut(usize, usize, usize)) {
    let (oh_n, ow_n, (kh, kw)) = (g.out_h(), g.out_w(), (g.kernel_h, g.kernel_w));
    let target = |i: usize, k: usize, len: usize| (i * g.stride + k).checked_sub(g.padding).filter(|&o| o < len);
    for n in 0..g.batch {
        for i in 0..g.in_channels {
            for h in 0..g.in_h {
                for w in 0..g.in_w {
                    let x = ((n * g.in_channels + i) * g.in_h + h) * g.in_w + w;
                    for o in 0..g.out_channels {
                        for ki in 0..kh {
                            let Some(oh) = target(h, ki, oh_n) else { continue };
                            for kj in 0..kw {
                                let Some(ow) = target(w, kj, ow_n) else { continue };
                                let y = ((n * g.out_channels + o) * oh_n + oh) * ow_n + ow;
                                f(x, ((i * g.out_channels + o) * kh + ki) * kw + kj, y);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Naive scatter-loop reference for [`conv_transpose2d_forward`] (f64 sums; tests only).
pub fn conv_transpose2d_forward_reference(
    g: &ConvTranspose2dGeometry,
    input: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    out: &mut [f32],
) {
    let plane = g.out_h() * g.out_w();
    let mut acc: Vec<f64> = (0..out.len())
        .map(|y| bias.map_or(0.0, |b| b[y / plane % g.out_channels] as f64))
        .collect();
    for_each_multiply_add(g, |x, w, y| acc[y] += input[x] as f64 * weight[w] as f64);
    out.iter_mut().zip(&acc).for_each(|(o, &a)| *o = a as f32);
}

/// Naive reference for [`conv_transpose2d_backward`] (f64 sums; tests only; every
/// buffer is required).
pub fn conv_transpose2d_backward_reference(
    g: &ConvTranspose2dGeometry,
    input: &[f32],
    weight: &[f32],
    grad_out: &[f32],
    grad_input: &mut [f32],
    grad_weight: &mut [f32],
    grad_bias: &mut [f32],
) {
    let plane = g.out_h() * g.out_w();
    let (mut gi, mut gw, mut gb) = (vec![0.0f64; input.len()], vec![0.0f64; weight.len()], vec![0.0f64; g.out_channels]);
    for_each_multiply_add(g, |x, w, y| {
        gi[x] += grad_out[y] as f64 * weight[w] as f64;
        gw[w] += grad_out[y] as f64 * input[x] as f64;
    });
    for (y, &dy) in grad_out.iter().enumerate() {
        gb[y / plane % g.out_channels] += dy as f64;
    }
    for (dst, src) in [(grad_input, gi), (grad_weight, gw), (grad_bias, gb)] {
        dst.iter_mut().zip(&src).for_each(|(d, &s)| *d = s as f32);
    }
}
