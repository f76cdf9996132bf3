//! Max and average 2-D pooling (NCHW), forward and backward, beside naive references.
//!
//! Max pooling may pad with −∞ (AlexNet's overlapping 3/2 pool with padding 1); a padded
//! window is simply clipped to the input. Average pooling takes no padding. Windows
//! that do not fit are dropped at the bottom and right edges (PyTorch's default
//! `ceil_mode=False`). Every (image, channel) plane is independent, so the fast kernels
//! run in blocks of whole planes, in parallel through rayon when the tensor is large;
//! each plane is computed by one task in a fixed order, so results do not depend on the
//! thread count. 2x2 windows at stride 2 (LeNet, VGG, most CNNs) take an unrolled path.
//! Max pooling records, per output, where its maximum came from (`argmax`), so its
//! backward pass is a scatter.

use rayon::prelude::*;

use crate::fast_math::dispatch;
use crate::PARALLEL_THRESHOLD;

/// Shape of one 2-D pooling: NCHW input, a square `kernel` window moved by `stride`
/// along both axes, `padding` (max pooling only) on every side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pool2dGeometry {
    /// Images in the batch (N).
    pub batch: usize,
    /// Channels (C); pooling keeps them.
    pub channels: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Window side.
    pub kernel: usize,
    /// Step between neighbouring windows (windows overlap when `stride < kernel`).
    pub stride: usize,
    /// Implicit −∞ rows and columns on every side (max pooling only; at most kernel/2,
    /// PyTorch's rule, so every window keeps at least one input element).
    pub padding: usize,
}

impl Pool2dGeometry {
    /// Output height: `(in_h + 2·padding − kernel) / stride + 1`. Panics if the window
    /// does not fit.
    pub fn out_h(&self) -> usize {
        self.validate();
        (self.in_h + 2 * self.padding - self.kernel) / self.stride + 1
    }

    /// Output width: `(in_w + 2·padding − kernel) / stride + 1`. Panics if the window
    /// does not fit.
    pub fn out_w(&self) -> usize {
        self.validate();
        (self.in_w + 2 * self.padding - self.kernel) / self.stride + 1
    }

    /// Panics, naming the geometry, unless kernel and stride are non-zero and the
    /// window fits inside the input.
    pub fn validate(&self) {
        assert!(
            self.kernel >= 1 && self.stride >= 1,
            "pool2d: kernel and stride must be at least 1 in {self:?}"
        );
        assert!(
            self.kernel <= self.in_h + 2 * self.padding && self.kernel <= self.in_w + 2 * self.padding,
            "pool2d: {k}x{k} window does not fit the {}x{} input in {self:?}",
            self.in_h,
            self.in_w,
            k = self.kernel
        );
        assert!(
            2 * self.padding <= self.kernel,
            "pool2d: padding {} is more than half the kernel in {self:?}",
            self.padding
        );
    }

    /// Elements of the input, (batch, channels, in_h, in_w).
    pub fn input_len(&self) -> usize {
        self.batch * self.channels * self.in_h * self.in_w
    }

    /// Elements of the output, (batch, channels, out_h, out_w).
    pub fn output_len(&self) -> usize {
        self.batch * self.channels * self.out_h() * self.out_w()
    }

    /// Input rows (or columns, with `len` = in_w) under output row `o`'s window,
    /// clipped to the input: never empty (see `padding`).
    fn window(&self, o: usize, len: usize) -> std::ops::Range<usize> {
        let start = o * self.stride;
        start.saturating_sub(self.padding)..(start + self.kernel - self.padding).min(len)
    }
}

fn check_len(what: &str, actual: usize, expected: usize, g: &Pool2dGeometry) {
    assert_eq!(
        actual, expected,
        "pool2d: {what} has {actual} elements, expected {expected} for {g:?}"
    );
}

/// Planes per rayon task when `work` (element visits) is worth splitting and there are
/// threads to split it over, else `None`.
fn planes_per_task(planes: usize, work: usize) -> Option<usize> {
    let tasks = (work / PARALLEL_THRESHOLD).min(planes);
    (tasks >= 2 && rayon::current_num_threads() > 1).then(|| planes.div_ceil(tasks))
}

/// Runs `body(first_plane, block)` over `data`, planes of `plane_len` elements, cut into
/// blocks of whole planes: several blocks in parallel when `work` is large.
fn for_each_block<T: Send>(data: &mut [T], plane_len: usize, work: usize, body: impl Fn(usize, &mut [T]) + Sync) {
    match planes_per_task(data.len() / plane_len.max(1), work) {
        None => body(0, data),
        Some(per) => data
            .par_chunks_mut(per * plane_len)
            .enumerate()
            .for_each(|(t, block)| body(t * per, block)),
    }
}

/// Max pooling: `out` gets each window's maximum and `argmax` its index within the
/// input plane (`h·in_w + w`). Ties go to the first maximum in row-major window order
/// and a NaN wins (PyTorch's rules). Overwrites both.
///
/// Shapes: input (batch, channels, in_h, in_w); out, argmax (batch, channels, out_h, out_w).
pub fn max_pool2d_forward(g: &Pool2dGeometry, input: &[f32], out: &mut [f32], argmax: &mut [u32]) {
    check_len("input", input.len(), g.input_len(), g);
    check_len("output", out.len(), g.output_len(), g);
    check_len("argmax", argmax.len(), g.output_len(), g);
    let (in_plane, out_plane) = (g.in_h * g.in_w, g.out_h() * g.out_w());
    assert!(in_plane <= u32::MAX as usize, "pool2d: plane too large for a u32 argmax in {g:?}");
    let block = |first: usize, (out, argmax): (&mut [f32], &mut [u32])| {
        let planes = out.chunks_exact_mut(out_plane).zip(argmax.chunks_exact_mut(out_plane));
        for (p, (out, argmax)) in (first..).zip(planes) {
            let x = &input[p * in_plane..][..in_plane]; // (in_h, in_w)
            match (g.kernel, g.stride, g.padding) {
                (2, 2, 0) => max_pool_plane_2x2(g, x, out, argmax),
                (_, _, 0) => max_pool_plane(g, x, out, argmax),
                _ => max_pool_plane_padded(g, x, out, argmax),
            }
        }
    };
    match planes_per_task(g.batch * g.channels, out.len() * g.kernel * g.kernel) {
        None => block(0, (out, argmax)),
        Some(per) => {
            let blocks = out.par_chunks_mut(per * out_plane).zip(argmax.par_chunks_mut(per * out_plane));
            blocks.enumerate().for_each(|(t, pair)| block(t * per, pair));
        }
    }
}

/// One plane of [`max_pool2d_forward`]: x (in_h, in_w), out and argmax (out_h, out_w).
fn max_pool_plane(g: &Pool2dGeometry, x: &[f32], out: &mut [f32], argmax: &mut [u32]) {
    let (ow_n, k, s) = (g.out_w(), g.kernel, g.stride);
    for (oh, (out_row, arg_row)) in out.chunks_mut(ow_n).zip(argmax.chunks_mut(ow_n)).enumerate() {
        for (ow, (o, a)) in out_row.iter_mut().zip(arg_row).enumerate() {
            let origin = oh * s * g.in_w + ow * s;
            let (mut best, mut best_at) = (x[origin], origin);
            for row in (origin..).step_by(g.in_w).take(k) {
                for (at, &v) in (row..).zip(&x[row..row + k]) {
                    // Selects, not branches: random data would mispredict them.
                    let take = (v > best) | v.is_nan();
                    best = if take { v } else { best };
                    best_at = if take { at } else { best_at };
                }
            }
            (*o, *a) = (best, best_at as u32);
        }
    }
}

/// [`max_pool_plane`] with −∞ padding: each window clipped to the input, its maximum
/// searched in row-major order from the first element inside (PyTorch's order).
fn max_pool_plane_padded(g: &Pool2dGeometry, x: &[f32], out: &mut [f32], argmax: &mut [u32]) {
    let ow_n = g.out_w();
    for (oh, (out_row, arg_row)) in out.chunks_mut(ow_n).zip(argmax.chunks_mut(ow_n)).enumerate() {
        let rows = g.window(oh, g.in_h);
        for (ow, (o, a)) in out_row.iter_mut().zip(arg_row).enumerate() {
            let cols = g.window(ow, g.in_w);
            let first = rows.start * g.in_w + cols.start;
            let (mut best, mut best_at) = (x[first], first);
            for row in rows.clone().map(|r| r * g.in_w) {
                for (at, &v) in (row + cols.start..).zip(&x[row + cols.start..row + cols.end]) {
                    let take = (v > best) | v.is_nan();
                    best = if take { v } else { best };
                    best_at = if take { at } else { best_at };
                }
            }
            (*o, *a) = (best, best_at as u32);
        }
    }
}

/// [`max_pool_plane`] for 2x2 windows at stride 2 (LeNet, VGG, most CNNs), unrolled so
/// that each window is four loads and three selects.
fn max_pool_plane_2x2(g: &Pool2dGeometry, x: &[f32], out: &mut [f32], argmax: &mut [u32]) {
    let (ow_n, in_w) = (g.out_w(), g.in_w);
    for (oh, (out_row, arg_row)) in out.chunks_mut(ow_n).zip(argmax.chunks_mut(ow_n)).enumerate() {
        let top = 2 * oh * in_w;
        let upper = &x[top..][..2 * ow_n]; // (ow_n, 2)
        let lower = &x[top + in_w..][..2 * ow_n]; // (ow_n, 2)
        max_pool_row_2x2(upper, lower, top as u32, in_w as u32, out_row, arg_row);
    }
}

dispatch! {
    /// One output row of [`max_pool_plane_2x2`]: `upper` and `lower` are the window rows
    /// (pairs side by side), `top` the plane index of `upper[0]`. Plain loops over
    /// pairs, so that AVX2 takes 8 windows at a time instead of one.
    fn max_pool_row_2x2(upper: &[f32], lower: &[f32], top: u32, in_w: u32, out: &mut [f32], arg: &mut [u32]) {
        let pairs = upper.chunks_exact(2).zip(lower.chunks_exact(2));
        for (ow, ((u, l), (o, a))) in (0u32..).zip(pairs.zip(out.iter_mut().zip(arg.iter_mut()))) {
            let (mut best, mut offset) = (u[0], 0);
            for (v, at) in [(u[1], 1), (l[0], in_w), (l[1], in_w + 1)] {
                let take = (v > best) | v.is_nan();
                best = if take { v } else { best };
                offset = if take { at } else { offset };
            }
            *o = best;
            *a = top + 2 * ow + offset;
        }
    }
}

/// Max pooling backward: overwrites `grad_input` with each `grad_out` element added at
/// its `argmax` position (overlapping windows may add several times to one input).
///
/// Shapes: grad_out, argmax (batch, channels, out_h, out_w); grad_input like the input.
pub fn max_pool2d_backward(g: &Pool2dGeometry, grad_out: &[f32], argmax: &[u32], grad_input: &mut [f32]) {
    check_len("grad_out", grad_out.len(), g.output_len(), g);
    check_len("argmax", argmax.len(), g.output_len(), g);
    check_len("grad_input", grad_input.len(), g.input_len(), g);
    let (in_plane, out_plane) = (g.in_h * g.in_w, g.out_h() * g.out_w());
    for_each_block(grad_input, in_plane, g.input_len().max(grad_out.len()), |first, block| {
        block.fill(0.0);
        for (p, gi) in (first..).zip(block.chunks_exact_mut(in_plane)) {
            let dy = &grad_out[p * out_plane..][..out_plane]; // (out_h, out_w)
            for (&dy, &at) in dy.iter().zip(&argmax[p * out_plane..][..out_plane]) {
                let at = at as usize;
                assert!(at < in_plane, "pool2d: argmax {at} outside the input plane of {g:?}");
                gi[at] += dy;
            }
        }
    });
}

/// Average pooling: `out` gets each window's mean (sum / kernel²). Overwrites `out`.
///
/// Shapes: input (batch, channels, in_h, in_w); out (batch, channels, out_h, out_w).
pub fn avg_pool2d_forward(g: &Pool2dGeometry, input: &[f32], out: &mut [f32]) {
    assert_eq!(g.padding, 0, "avg_pool2d: padding is not supported in {g:?}");
    check_len("input", input.len(), g.input_len(), g);
    check_len("output", out.len(), g.output_len(), g);
    let (in_plane, out_plane) = (g.in_h * g.in_w, g.out_h() * g.out_w());
    let work = out.len() * g.kernel * g.kernel;
    for_each_block(out, out_plane, work, |first, block| {
        for (p, out) in (first..).zip(block.chunks_exact_mut(out_plane)) {
            avg_pool_plane(g, &input[p * in_plane..][..in_plane], out);
        }
    });
}

/// One plane of [`avg_pool2d_forward`]: x (in_h, in_w), out (out_h, out_w). Each window
/// is summed in row-major order, by the 2x2 fast path and the general loop alike.
fn avg_pool_plane(g: &Pool2dGeometry, x: &[f32], out: &mut [f32]) {
    let (ow_n, k, s, in_w) = (g.out_w(), g.kernel, g.stride, g.in_w);
    let scale = 1.0 / (k * k) as f32;
    for (oh, out_row) in out.chunks_exact_mut(ow_n).enumerate() {
        let top = oh * s * in_w;
        if (k, s) == (2, 2) {
            let (upper, lower) = (&x[top..][..2 * ow_n], &x[top + in_w..][..2 * ow_n]); // (ow_n, 2) each
            for (ow, o) in out_row.iter_mut().enumerate() {
                *o = (upper[2 * ow] + upper[2 * ow + 1] + lower[2 * ow] + lower[2 * ow + 1]) * scale;
            }
            continue;
        }
        for (ow, o) in out_row.iter_mut().enumerate() {
            let rows = (0..k).map(|ki| &x[top + ki * in_w + ow * s..][..k]);
            *o = rows.flatten().fold(0.0, |sum, v| sum + v) * scale;
        }
    }
}

/// Average pooling backward: overwrites `grad_input` with each `grad_out` element /
/// kernel² spread over its window (overlapping windows add up).
///
/// Shapes: grad_out (batch, channels, out_h, out_w); grad_input (batch, channels, in_h, in_w).
pub fn avg_pool2d_backward(g: &Pool2dGeometry, grad_out: &[f32], grad_input: &mut [f32]) {
    assert_eq!(g.padding, 0, "avg_pool2d: padding is not supported in {g:?}");
    check_len("grad_out", grad_out.len(), g.output_len(), g);
    check_len("grad_input", grad_input.len(), g.input_len(), g);
    let (ow_n, k, s, in_w) = (g.out_w(), g.kernel, g.stride, g.in_w);
    let (in_plane, out_plane, scale) = (g.in_h * in_w, g.out_h() * ow_n, 1.0 / (k * k) as f32);
    let work = g.input_len().max(grad_out.len() * k * k);
    for_each_block(grad_input, in_plane, work, |first, block| {
        block.fill(0.0);
        for (p, gi) in (first..).zip(block.chunks_exact_mut(in_plane)) {
            let dy = &grad_out[p * out_plane..][..out_plane]; // (out_h, out_w)
            for (oh, dy_row) in dy.chunks_exact(ow_n).enumerate() {
                let top = oh * s * in_w;
                if (k, s) == (2, 2) {
                    let (upper, lower) = gi[top..][..2 * in_w].split_at_mut(in_w);
                    for (ow, &d) in dy_row.iter().enumerate() {
                        let share = d * scale;
                        upper[2 * ow] += share;
                        upper[2 * ow + 1] += share;
                        lower[2 * ow] += share;
                        lower[2 * ow + 1] += share;
                    }
                    continue;
                }
                for (ow, &d) in dy_row.iter().enumerate() {
                    for ki in 0..k {
                        gi[top + ki * in_w + ow * s..][..k].iter_mut().for_each(|v| *v += d * scale);
                    }
                }
            }
        }
    });
}

/// Naive reference for [`max_pool2d_forward`] over the whole tensor (tests only).
pub fn max_pool2d_forward_reference(g: &Pool2dGeometry, input: &[f32], out: &mut [f32], argmax: &mut [u32]) {
    let (oh_n, ow_n, plane) = (g.out_h(), g.out_w(), g.in_h * g.in_w);
    for p in 0..g.batch * g.channels {
        for oh in 0..oh_n {
            for ow in 0..ow_n {
                let (rows, cols) = (g.window(oh, g.in_h), g.window(ow, g.in_w));
                let (mut best, mut best_at) = (f32::NEG_INFINITY, rows.start * g.in_w + cols.start);
                for ki in 0..g.kernel {
                    for kj in 0..g.kernel {
                        let (Some(h), Some(w)) = (
                            (oh * g.stride + ki).checked_sub(g.padding),
                            (ow * g.stride + kj).checked_sub(g.padding),
                        ) else {
                            continue;
                        };
                        if h >= g.in_h || w >= g.in_w {
                            continue; // −∞ padding never wins
                        }
                        let at = h * g.in_w + w;
                        let v = input[p * plane + at];
                        if v > best || v.is_nan() {
                            (best, best_at) = (v, at);
                        }
                    }
                }
                out[(p * oh_n + oh) * ow_n + ow] = best;
                argmax[(p * oh_n + oh) * ow_n + ow] = best_at as u32;
            }
        }
    }
}

/// Naive reference for [`avg_pool2d_forward`] (f64 sums; tests only).
pub fn avg_pool2d_forward_reference(g: &Pool2dGeometry, input: &[f32], out: &mut [f32]) {
    let (oh_n, ow_n, plane) = (g.out_h(), g.out_w(), g.in_h * g.in_w);
    for p in 0..g.batch * g.channels {
        for oh in 0..oh_n {
            for ow in 0..ow_n {
                let mut sum = 0.0f64;
                for ki in 0..g.kernel {
                    for kj in 0..g.kernel {
                        sum += input[p * plane + (oh * g.stride + ki) * g.in_w + ow * g.stride + kj] as f64;
                    }
                }
                out[(p * oh_n + oh) * ow_n + ow] = (sum / (g.kernel * g.kernel) as f64) as f32;
            }
        }
    }
}

/// Naive reference for [`avg_pool2d_backward`] (f64 sums; tests only). The max-pool
/// backward is checked against the forward reference's argmax instead.
pub fn avg_pool2d_backward_reference(g: &Pool2dGeometry, grad_out: &[f32], grad_input: &mut [f32]) {
    let (oh_n, ow_n, plane) = (g.out_h(), g.out_w(), g.in_h * g.in_w);
    let mut acc = vec![0.0f64; grad_input.len()];
    for p in 0..g.batch * g.channels {
        for oh in 0..oh_n {
            for ow in 0..ow_n {
                let share = grad_out[(p * oh_n + oh) * ow_n + ow] as f64 / (g.kernel * g.kernel) as f64;
                for ki in 0..g.kernel {
                    for kj in 0..g.kernel {
                        acc[p * plane + (oh * g.stride + ki) * g.in_w + ow * g.stride + kj] += share;
                    }
                }
            }
        }
    }
    grad_input.iter_mut().zip(&acc).for_each(|(d, &s)| *d = s as f32);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(n: usize, seed: u32) -> Vec<f32> {
        let hash = |i: usize| ((i as u32).wrapping_mul(2654435761) ^ seed).wrapping_mul(40503);
        (0..n).map(|i| (hash(i) % 1000) as f32 / 500.0 - 1.0).collect()
    }

    const fn geom(batch: usize, channels: usize, in_h: usize, in_w: usize, kernel: usize, stride: usize) -> Pool2dGeometry {
        Pool2dGeometry {
            batch,
            channels,
            in_h,
            in_w,
            kernel,
            stride,
            padding: 0,
        }
    }

    const fn padded(g: Pool2dGeometry, padding: usize) -> Pool2dGeometry {
        Pool2dGeometry { padding, ..g }
    }

    /// Max pooling with −∞ padding: AlexNet's 3/2/1, odd and even sizes, 2/1/1, 4/3/2.
    const PADDED: &[Pool2dGeometry] = &[
        padded(geom(2, 3, 7, 7, 3, 2), 1),
        padded(geom(1, 2, 8, 6, 3, 2), 1),
        padded(geom(1, 1, 4, 5, 2, 1), 1),
        padded(geom(2, 1, 9, 9, 4, 3), 2),
        padded(geom(64, 8, 27, 27, 3, 2), 1),
    ];

    /// Non-overlapping, overlapping (stride < kernel), gapped (stride > kernel), ragged
    /// edges, and LeNet's two pools at batch 64 (large enough to go parallel).
    const GEOMETRIES: &[Pool2dGeometry] = &[
        geom(1, 1, 4, 4, 2, 2),
        geom(2, 2, 7, 9, 2, 2), // 2x2 windows that leave a row and a column uncovered
        geom(2, 3, 7, 5, 3, 1),
        geom(1, 2, 9, 8, 3, 2),
        geom(3, 1, 7, 7, 2, 3),
        geom(64, 6, 24, 24, 2, 2),
        geom(64, 16, 8, 8, 2, 2),
    ];

    #[test]
    fn max_pool2d_matches_reference() {
        for g in GEOMETRIES.iter().chain(PADDED) {
            let (x, dy) = (fill(g.input_len(), 1), fill(g.output_len(), 2));
            let (mut out, mut arg) = (vec![f32::NAN; g.output_len()], vec![u32::MAX; g.output_len()]);
            let (mut ref_out, mut ref_arg) = (vec![0.0; g.output_len()], vec![0; g.output_len()]);
            max_pool2d_forward(g, &x, &mut out, &mut arg);
            max_pool2d_forward_reference(g, &x, &mut ref_out, &mut ref_arg);
            assert_eq!((&out, &arg), (&ref_out, &ref_arg), "{g:?}");
            // Backward: every output's gradient lands on its argmax, summed where shared.
            let mut gi = vec![f32::NAN; g.input_len()];
            max_pool2d_backward(g, &dy, &arg, &mut gi);
            let mut expected = vec![0.0f64; g.input_len()];
            let out_plane = g.out_h() * g.out_w();
            for (i, (&d, &a)) in dy.iter().zip(&arg).enumerate() {
                expected[i / out_plane * g.in_h * g.in_w + a as usize] += d as f64;
            }
            for (i, (&x, &y)) in gi.iter().zip(&expected).enumerate() {
                assert!((x as f64 - y).abs() <= 1e-5, "grad_input[{i}]: {x} vs {y} in {g:?}");
            }
        }
    }

    #[test]
    fn max_pool2d_ties_go_to_the_first_maximum_and_overlaps_add() {
        // One 3x3 plane of equal values, 2x2 windows at stride 1: four overlapping windows.
        let g = geom(1, 1, 3, 3, 2, 1);
        let (mut out, mut arg) = ([0.0; 4], [0; 4]);
        max_pool2d_forward(&g, &[5.0; 9], &mut out, &mut arg);
        assert_eq!(out, [5.0; 4]);
        assert_eq!(arg, [0, 1, 3, 4]); // each window's top-left corner

        // A shared maximum in the middle collects the gradient of all four windows.
        let mut x = [0.0; 9];
        x[4] = 1.0;
        max_pool2d_forward(&g, &x, &mut out, &mut arg);
        assert_eq!(arg, [4; 4]);
        let mut gi = [f32::NAN; 9];
        max_pool2d_backward(&g, &[1.0, 2.0, 3.0, 4.0], &arg, &mut gi);
        assert_eq!(gi, [0.0, 0.0, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.0]);
        // NaN beats every number, and a later NaN beats an earlier one (PyTorch's rule).
        let nan = f32::NAN;
        for g in [geom(1, 1, 2, 2, 2, 2), geom(1, 1, 2, 2, 2, 1)] {
            let (mut out, mut arg) = ([0.0], [0]);
            max_pool2d_forward(&g, &[1.0, nan, 3.0, nan], &mut out, &mut arg);
            assert!(out[0].is_nan() && arg == [3], "{g:?}");
        }
    }

    #[test]
    fn avg_pool2d_matches_reference() {
        for g in GEOMETRIES {
            let (x, dy) = (fill(g.input_len(), 3), fill(g.output_len(), 4));
            let (mut out, mut ref_out) = (vec![f32::NAN; g.output_len()], vec![0.0; g.output_len()]);
            avg_pool2d_forward(g, &x, &mut out);
            avg_pool2d_forward_reference(g, &x, &mut ref_out);
            let (mut gi, mut ref_gi) = (vec![f32::NAN; g.input_len()], vec![0.0; g.input_len()]);
            avg_pool2d_backward(g, &dy, &mut gi);
            avg_pool2d_backward_reference(g, &dy, &mut ref_gi);
            for (what, fast, slow) in [("out", &out, &ref_out), ("grad_input", &gi, &ref_gi)] {
                for (i, (x, y)) in fast.iter().zip(slow.iter()).enumerate() {
                    assert!((x - y).abs() <= 1e-5, "{what}[{i}]: {x} vs {y} in {g:?}");
                }
            }
        }
    }

    #[test]
    #[should_panic(expected = "window does not fit")]
    fn pool2d_rejects_a_window_larger_than_the_input() {
        geom(1, 1, 2, 5, 3, 1).out_h();
    }

    #[test]
    #[should_panic(expected = "output has 3 elements, expected 4")]
    fn pool2d_rejects_a_wrong_output_size() {
        avg_pool2d_forward(&geom(1, 1, 4, 4, 2, 2), &[0.0; 16], &mut [0.0; 3]);
    }
}
