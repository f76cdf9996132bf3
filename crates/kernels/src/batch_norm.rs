//! Batch normalisation (Ioffe & Szegedy 2015) over channel dim 1 of (N, C, *) tensors,
//! forward and backward, beside naive references.
//!
//! The data is seen as (batch, channels, inner): inner is 1 for BatchNorm1d's (N, C)
//! and H·W for BatchNorm2d's (N, C, H, W). Statistics are per channel over batch·inner
//! values. Channels are cut into blocks; a block is one task, and for each image its
//! channels are one contiguous run of memory, so the (N, C) case streams rows and
//! vectorises across channels. Each channel's sums are made by one task in a fixed
//! order (f32 within a plane, f64 across planes), so results do not depend on the thread
//! count. The variance is computed in a second pass around the mean (a channel with mean
//! 3 and variance 1e-4 loses every digit to E[x²] − mean²).
//!
//! Forward is [`batch_norm_statistics`] (training) then [`batch_norm_apply`]; the
//! backward kernel gives the input gradient and the per-channel sums from which the
//! weight, bias and (in evaluation mode) running-statistic gradients follow.

use rayon::prelude::*;

use crate::fast_math::lane_sum;
use crate::PARALLEL_THRESHOLD;

/// A (batch, channels, inner) view of an (N, C, *) tensor, normalised per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChannelShape {
    /// Images in the batch (N).
    pub batch: usize,
    /// Channels (C), dim 1.
    pub channels: usize,
    /// Elements per (image, channel): the product of the dims after dim 1 (1 for (N, C)).
    pub inner: usize,
}

impl ChannelShape {
    /// Total elements.
    pub fn len(&self) -> usize {
        self.batch * self.channels * self.inner
    }

    /// True when there are no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values each channel's statistics are taken over (batch·inner).
    pub fn per_channel(&self) -> usize {
        self.batch * self.inner
    }

    /// Channels per task: about 2^14 values each, at least one channel.
    fn block(&self) -> usize {
        ((1 << 14) / self.per_channel().max(1)).clamp(1, self.channels.max(1))
    }
}

fn check_len(what: &str, actual: usize, expected: usize, s: &ChannelShape) {
    assert_eq!(
        actual, expected,
        "batch_norm: {what} has {actual} elements, expected {expected} for {s:?}"
    );
}

/// Runs `body(first_channel, outputs)` over blocks of channels: `outputs` are the
/// block's slices of each per-channel output buffer. Parallel when the tensor is large.
fn for_channel_blocks(s: &ChannelShape, outs: [&mut [f32]; 2], body: impl Fn(usize, [&mut [f32]; 2]) + Sync) {
    let block = s.block();
    let [a, b] = outs;
    if s.len() >= PARALLEL_THRESHOLD && rayon::current_num_threads() > 1 {
        let blocks = a.par_chunks_mut(block).zip(b.par_chunks_mut(block)).enumerate();
        blocks.for_each(|(i, (a, b))| body(i * block, [a, b]));
    } else {
        let blocks = a.chunks_mut(block).zip(b.chunks_mut(block)).enumerate();
        blocks.for_each(|(i, (a, b))| body(i * block, [a, b]));
    }
}

/// Calls `f(n, segment)` for each image `n`, where `segment` holds channels
/// `first..first + count` of that image ((count, inner), contiguous).
fn for_each_segment<'a>(s: &ChannelShape, x: &'a [f32], first: usize, count: usize, mut f: impl FnMut(usize, &'a [f32])) {
    for n in 0..s.batch {
        f(n, &x[(n * s.channels + first) * s.inner..][..count * s.inner]);
    }
}

/// Per-channel batch mean and BIASED variance (÷ batch·inner), as used for normalising
/// in training mode. Overwrites `mean` and `var` (channels each).
pub fn batch_norm_statistics(s: &ChannelShape, x: &[f32], mean: &mut [f32], var: &mut [f32]) {
    check_len("input", x.len(), s.len(), s);
    check_len("mean", mean.len(), s.channels, s);
    check_len("var", var.len(), s.channels, s);
    let count = s.per_channel().max(1) as f64;
    for_channel_blocks(s, [mean, var], |first, [mean, var]| {
        let k = mean.len();
        let mut acc = vec![0.0f64; k];
        for_each_segment(s, x, first, k, |_, seg| {
            if s.inner == 1 {
                acc.iter_mut().zip(seg).for_each(|(a, &v)| *a += v as f64);
            } else {
                for (a, plane) in acc.iter_mut().zip(seg.chunks_exact(s.inner)) {
                    *a += lane_sum(plane, plane, |v, _| v) as f64;
                }
            }
        });
        mean.iter_mut().zip(&acc).for_each(|(m, a)| *m = (a / count) as f32);
        acc.fill(0.0);
        for_each_segment(s, x, first, k, |_, seg| {
            if s.inner == 1 {
                acc.iter_mut().zip(seg.iter().zip(mean.iter())).for_each(|(a, (&v, &m))| {
                    *a += ((v - m) * (v - m)) as f64;
                });
            } else {
                for ((a, plane), &m) in acc.iter_mut().zip(seg.chunks_exact(s.inner)).zip(mean.iter()) {
                    *a += lane_sum(plane, plane, |v, _| (v - m) * (v - m)) as f64;
                }
            }
        });
        var.iter_mut().zip(&acc).for_each(|(v, a)| *v = (a / count) as f32);
    });
}

/// `y = (x − mean)/√(var + eps)·weight + bias` per channel, overwriting `y`; `var` is
/// whichever variance normalises (the batch's biased one in training, the running one
/// in evaluation). Shapes: x, y as `s`; the rest (channels).
#[allow(clippy::too_many_arguments)] // a flat kernel signature reads better than a struct
pub fn batch_norm_apply(s: &ChannelShape, x: &[f32], mean: &[f32], var: &[f32], weight: &[f32], bias: &[f32], eps: f32, y: &mut [f32]) {
    check_len("input", x.len(), s.len(), s);
    check_len("output", y.len(), s.len(), s);
    for (what, v) in [("mean", mean), ("var", var), ("weight", weight), ("bias", bias)] {
        check_len(what, v.len(), s.channels, s);
    }
    // y = x·scale + shift, one multiply-add per element.
    let scale: Vec<f32> = weight.iter().zip(var).map(|(&w, &v)| w / (v + eps).sqrt()).collect();
    let shift: Vec<f32> = bias.iter().zip(mean).zip(&scale).map(|((&b, &m), &a)| b - m * a).collect();
    per_image(s, y, |n, y| {
        let x = &x[n * s.channels * s.inner..][..y.len()];
        channel_affine(s.inner, x, &scale, &shift, y);
    });
}

/// `y = x·a[c] + b[c]` over one image's (channels, inner) block.
fn channel_affine(inner: usize, x: &[f32], a: &[f32], b: &[f32], y: &mut [f32]) {
    if inner == 1 {
        y.iter_mut()
            .zip(x.iter().zip(a.iter().zip(b)))
            .for_each(|(y, (&x, (&a, &b)))| *y = x * a + b);
    } else {
        for (((y, x), &a), &b) in y.chunks_exact_mut(inner).zip(x.chunks_exact(inner)).zip(a).zip(b) {
            y.iter_mut().zip(x).for_each(|(y, &x)| *y = x * a + b);
        }
    }
}

/// Runs `body(n, image_block)` over each image's (channels, inner) block of `out`,
/// several images per task in parallel when large.
fn per_image(s: &ChannelShape, out: &mut [f32], body: impl Fn(usize, &mut [f32]) + Sync) {
    let image = (s.channels * s.inner).max(1);
    if s.len() >= PARALLEL_THRESHOLD && rayon::current_num_threads() > 1 {
        let per = (PARALLEL_THRESHOLD / 4 / image).max(1);
        out.par_chunks_mut(per * image).enumerate().for_each(|(t, block)| {
            block.chunks_exact_mut(image).enumerate().for_each(|(i, y)| body(t * per + i, y));
        });
    } else {
        out.chunks_exact_mut(image).enumerate().for_each(|(n, y)| body(n, y));
    }
}

/// Backward of batch norm. Overwrites `sum_grad` with Σ dy and `sum_grad_xhat` with
/// Σ dy·x̂ per channel (x̂ = (x − mean)·rstd; these are the bias and weight gradients),
/// and, when given, `grad_input` with dx: in training mode (statistics from this batch)
/// `w·rstd·(dy − Σdy/M − x̂·Σdy·x̂/M)` with M = batch·inner, in evaluation mode (fixed
/// statistics) `w·rstd·dy`. `rstd` is 1/√(var + eps) per channel.
#[allow(clippy::too_many_arguments)] // a flat kernel signature reads better than a struct
pub fn batch_norm_backward(
    s: &ChannelShape,
    x: &[f32],
    grad_out: &[f32],
    mean: &[f32],
    rstd: &[f32],
    weight: &[f32],
    training: bool,
    grad_input: Option<&mut [f32]>,
    sum_grad: &mut [f32],
    sum_grad_xhat: &mut [f32],
) {
    check_len("input", x.len(), s.len(), s);
    check_len("grad_out", grad_out.len(), s.len(), s);
    for (what, v) in [
        ("mean", mean),
        ("rstd", rstd),
        ("weight", weight),
        ("sum_grad", sum_grad),
        ("sum_grad_xhat", sum_grad_xhat),
    ] {
        check_len(what, v.len(), s.channels, s);
    }
    for_channel_blocks(s, [sum_grad, sum_grad_xhat], |first, [sg, sgx]| {
        let k = sg.len();
        let (mut acc_g, mut acc_gx) = (vec![0.0f64; k], vec![0.0f64; k]);
        let mean = &mean[first..first + k];
        for_each_segment(s, grad_out, first, k, |n, dy| {
            let xs = &x[(n * s.channels + first) * s.inner..][..k * s.inner];
            if s.inner == 1 {
                for (((ag, agx), (&g, &v)), &m) in acc_g.iter_mut().zip(acc_gx.iter_mut()).zip(dy.iter().zip(xs)).zip(mean) {
                    *ag += g as f64;
                    *agx += (g * (v - m)) as f64;
                }
                return;
            }
            let planes = dy.chunks_exact(s.inner).zip(xs.chunks_exact(s.inner));
            for (c, (g, v)) in planes.enumerate() {
                let m = mean[c];
                acc_g[c] += lane_sum(g, g, |g, _| g) as f64;
                acc_gx[c] += lane_sum(g, v, |g, v| g * (v - m)) as f64;
            }
        });
        let r = &rstd[first..first + k];
        sg.iter_mut().zip(&acc_g).for_each(|(d, &a)| *d = a as f32);
        sgx.iter_mut()
            .zip(acc_gx.iter().zip(r))
            .for_each(|(d, (&a, &r))| *d = (a * r as f64) as f32);
    });
    let Some(dx) = grad_input else { return };
    check_len("grad_input", dx.len(), s.len(), s);
    // dx = A·dy + B·x + C per channel (two multiply-adds per element).
    let count = s.per_channel().max(1) as f32;
    let mut a = vec![0.0f32; s.channels];
    let (mut b, mut c) = (vec![0.0f32; s.channels], vec![0.0f32; s.channels]);
    for ch in 0..s.channels {
        let wr = weight[ch] * rstd[ch];
        a[ch] = wr;
        if training {
            b[ch] = -wr * rstd[ch] * sum_grad_xhat[ch] / count;
            c[ch] = -wr * sum_grad[ch] / count - b[ch] * mean[ch];
        }
    }
    per_image(s, dx, |n, dx| {
        let off = n * s.channels * s.inner;
        let (dy, xs) = (&grad_out[off..][..dx.len()], &x[off..][..dx.len()]);
        if !training {
            channel_affine(s.inner, dy, &a, &c, dx);
            return;
        }
        for (ch, ((d, g), v)) in dx
            .chunks_exact_mut(s.inner)
            .zip(dy.chunks_exact(s.inner))
            .zip(xs.chunks_exact(s.inner))
            .enumerate()
        {
            let (a, b, c) = (a[ch], b[ch], c[ch]);
            d.iter_mut().zip(g.iter().zip(v)).for_each(|(d, (&g, &v))| *d = a * g + b * v + c);
        }
    });
}

/// Naive reference: per-channel mean and biased variance in f64 (tests only).
pub fn batch_norm_statistics_reference(s: &ChannelShape, x: &[f32], mean: &mut [f32], var: &mut [f32]) {
    let at = |n: usize, c: usize, i: usize| x[(n * s.channels + c) * s.inner + i] as f64;
    let count = s.per_channel() as f64;
    for c in 0..s.channels {
        let values: Vec<f64> = (0..s.batch)
            .flat_map(|n| (0..s.inner).map(move |i| (n, i)))
            .map(|(n, i)| at(n, c, i))
            .collect();
        let m = values.iter().sum::<f64>() / count;
        mean[c] = m as f32;
        var[c] = (values.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / count) as f32;
    }
}

/// Naive reference for [`batch_norm_backward`] in f64, all outputs (tests only).
#[allow(clippy::too_many_arguments)]
pub fn batch_norm_backward_reference(
    s: &ChannelShape,
    x: &[f32],
    grad_out: &[f32],
    mean: &[f32],
    rstd: &[f32],
    weight: &[f32],
    training: bool,
    grad_input: &mut [f32],
    sum_grad: &mut [f32],
    sum_grad_xhat: &mut [f32],
) {
    let idx = |n: usize, c: usize, i: usize| (n * s.channels + c) * s.inner + i;
    let count = s.per_channel() as f64;
    for c in 0..s.channels {
        let (m, r, w) = (mean[c] as f64, rstd[c] as f64, weight[c] as f64);
        let all = || (0..s.batch).flat_map(|n| (0..s.inner).map(move |i| idx(n, c, i)));
        let sg: f64 = all().map(|j| grad_out[j] as f64).sum();
        let sgx: f64 = all().map(|j| grad_out[j] as f64 * (x[j] as f64 - m) * r).sum();
        sum_grad[c] = sg as f32;
        sum_grad_xhat[c] = sgx as f32;
        for j in all() {
            let (g, xhat) = (grad_out[j] as f64, (x[j] as f64 - m) * r);
            let dx = if training {
                w * r * (g - sg / count - xhat * sgx / count)
            } else {
                w * r * g
            };
            grad_input[j] = dx as f32;
        }
    }
}
