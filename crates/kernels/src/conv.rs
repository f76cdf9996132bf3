//! 2-D convolution (NCHW, cross-correlation as in PyTorch) via im2col + gemm, beside
//! naive references.
//!
//! The batch is cut into chunks of a few images. Each chunk unfolds its receptive fields
//! into one column matrix `col` (K, n·P), with K = in_ch·kh·kw and P = out_h·out_w, so one
//! gemm covers the whole chunk: small outputs (LeNet conv2's 8x8) still give the gemm a
//! long dimension, while `col` stays in L2. Measured on LeNet's two layers at batch 64
//! (one thread, forward + backward), one gemm per image takes ~25% longer and one gemm
//! per batch ~17% longer (~50% on conv2's forward). Chunks run in parallel through rayon
//! when the work is large; per-chunk weight/bias gradients are summed in chunk order
//! afterwards, and the chunk size depends only on the geometry, so results are
//! bit-identical whatever the thread count.
//!
//! Stride and padding are shared by both axes and there are no groups: the geometry's
//! fields are the ones the tensor layer was promised. The backward pass re-unfolds the
//! input rather than keep the forward's `col`, so the kernels stay stateless.

use std::cell::Cell;
use std::ops::Range;

use rayon::prelude::*;

use crate::matmul::{matmul, matmul_serial, MatRef};
use crate::PARALLEL_THRESHOLD;

/// Shape of one 2-D convolution: NCHW input, weight (out_ch, in_ch, kh, kw), the same
/// stride and zero padding along both spatial axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Conv2dGeometry {
    /// Images in the batch (N).
    pub batch: usize,
    /// Input channels (C_in).
    pub in_channels: usize,
    /// Input height.
    pub in_h: usize,
    /// Input width.
    pub in_w: usize,
    /// Output channels (C_out), one filter each.
    pub out_channels: usize,
    /// Kernel height.
    pub kernel_h: usize,
    /// Kernel width.
    pub kernel_w: usize,
    /// Step between neighbouring windows, both axes (at least 1).
    pub stride: usize,
    /// Zeros added on every side of each input plane.
    pub padding: usize,
}

impl Conv2dGeometry {
    /// Output height: `(in_h + 2·padding − kernel_h) / stride + 1`. Panics if the kernel
    /// does not fit (see [`Conv2dGeometry::validate`]).
    pub fn out_h(&self) -> usize {
        self.validate();
        (self.in_h + 2 * self.padding - self.kernel_h) / self.stride + 1
    }

    /// Output width: `(in_w + 2·padding − kernel_w) / stride + 1`. Panics like `out_h`.
    pub fn out_w(&self) -> usize {
        self.validate();
        (self.in_w + 2 * self.padding - self.kernel_w) / self.stride + 1
    }

    /// Panics, naming the geometry, unless the stride and kernel are non-zero and the
    /// kernel fits inside the padded input.
    pub fn validate(&self) {
        let (kh, kw, pad) = (self.kernel_h, self.kernel_w, self.padding);
        assert!(
            self.stride >= 1 && kh >= 1 && kw >= 1,
            "conv2d: stride and kernel must be at least 1 in {self:?}"
        );
        assert!(
            kh <= self.in_h + 2 * pad && kw <= self.in_w + 2 * pad,
            "conv2d: {kh}x{kw} kernel does not fit the {}x{} input padded by {pad} in {self:?}",
            self.in_h,
            self.in_w,
        );
    }

    /// Elements of the input, (batch, in_ch, in_h, in_w).
    pub fn input_len(&self) -> usize {
        self.batch * self.in_channels * self.in_h * self.in_w
    }

    /// Elements of the weight, (out_ch, in_ch, kh, kw).
    pub fn weight_len(&self) -> usize {
        self.out_channels * self.patch_len()
    }

    /// Elements of the output, (batch, out_ch, out_h, out_w).
    pub fn output_len(&self) -> usize {
        self.batch * self.out_channels * self.out_h() * self.out_w()
    }

    /// K: one receptive field unrolled, in_ch·kh·kw.
    fn patch_len(&self) -> usize {
        self.in_channels * self.kernel_h * self.kernel_w
    }

    /// Images per chunk: as many as keep the chunk's `col` near `CHUNK_COL_ELEMS`, at
    /// least one. Depends only on the geometry, never on the thread count.
    fn images_per_chunk(&self) -> usize {
        let per_image = (self.patch_len() * self.out_h() * self.out_w()).max(1);
        (CHUNK_COL_ELEMS / per_image).clamp(1, self.batch.max(1))
    }
}

/// Target size (elements) of one chunk's `col`: 256 KiB, well inside L2. On LeNet,
/// 2^15 to 2^17 are within a few percent single-threaded; 2^16 also leaves enough chunks
/// (11 to 16 at batch 64) to balance two threads, where 2^17 measured ~10% slower.
const CHUNK_COL_ELEMS: usize = 1 << 16;

/// Largest scratch buffer (elements) a thread keeps between calls; bigger ones are freed.
const SCRATCH_KEEP_ELEMS: usize = 1 << 22;

thread_local! {
    /// Per-thread scratch reused across calls, so that every batch does not page-fault
    /// in fresh megabytes.
    static SCRATCH: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

/// Runs `f` on `len` elements of this thread's scratch (contents unspecified). The
/// buffer is taken out of its cell, so a nested call (rayon work-stealing inside a
/// gemm) just gets a fresh one instead of a double borrow.
fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    let mut buf = SCRATCH.take();
    if buf.len() < len {
        buf.resize(len, 0.0);
    }
    let result = f(&mut buf[..len]);
    if buf.len() <= SCRATCH_KEEP_ELEMS {
        SCRATCH.set(buf);
    }
    result
}

fn check_len(what: &str, actual: usize, expected: usize, g: &Conv2dGeometry) {
    assert_eq!(
        actual, expected,
        "conv2d: {what} has {actual} elements, expected {expected} for {g:?}"
    );
}

/// A matrix product with [`matmul`]'s signature: `matmul` itself, or `matmul_serial`
/// inside a task that already runs in parallel with its siblings.
type Gemm = fn(usize, usize, usize, MatRef, MatRef, &mut [f32], bool);

/// Runs `body(chunk_index, item, gemm)` over the chunks' `items`: in parallel (serial
/// gemms inside) when there are several chunks, `work` multiply-adds and threads to
/// spare; otherwise on this thread, leaving `matmul` free to go parallel itself.
fn run_chunks<T: Send>(items: Vec<T>, work: usize, body: impl Fn(usize, T, Gemm) + Sync) {
    let threads = rayon::current_num_threads();
    if items.len() > 1 && work >= PARALLEL_THRESHOLD && threads > 1 {
        let items = items.into_par_iter().enumerate();
        items.for_each(|(i, item)| body(i, item, matmul_serial));
    } else {
        let items = items.into_iter().enumerate();
        items.for_each(|(i, item)| body(i, item, matmul));
    }
}

/// `out = conv2d(input, weight) + bias`, overwriting `out`.
///
/// Shapes: input (batch, in_ch, in_h, in_w), weight (out_ch, in_ch, kh, kw),
/// bias (out_ch), out (batch, out_ch, out_h, out_w). Panics on any size mismatch.
pub fn conv2d_forward(g: &Conv2dGeometry, input: &[f32], weight: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    check_len("input", input.len(), g.input_len(), g);
    check_len("weight", weight.len(), g.weight_len(), g);
    check_len("output", out.len(), g.output_len(), g);
    if let Some(b) = bias {
        check_len("bias", b.len(), g.out_channels, g);
    }
    if out.is_empty() {
        return;
    }
    let nb = g.images_per_chunk();
    let in_image = g.in_channels * g.in_h * g.in_w;
    let out_image = g.out_channels * g.out_h() * g.out_w();
    let chunks: Vec<_> = out.chunks_mut(nb * out_image).collect();
    let work = g.output_len() * g.patch_len();
    run_chunks(chunks, work, |c, out, gemm| {
        let images = out.len() / out_image;
        let input = &input[c * nb * in_image..][..images * in_image];
        forward_chunk(g, gemm, images, input, weight, bias, out);
    });
}

/// [`conv2d_forward`] of `images` consecutive images.
fn forward_chunk(g: &Conv2dGeometry, gemm: Gemm, images: usize, input: &[f32], weight: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    let (k, p, oc) = (g.patch_len(), g.out_h() * g.out_w(), g.out_channels);
    let cols = images * p;
    with_scratch(k * cols + oc * cols, |scratch| {
        let (col, tmp) = scratch.split_at_mut(k * cols);
        im2col(g, images, input, col); // (K, images·P)
        let (w, col) = (MatRef::row_major(weight, k), MatRef::row_major(col, cols));
        gemm(oc, cols, k, w, col, tmp, false); // (oc, images·P)

        // Permute to (images, oc, P), adding the bias on the way.
        for (o, tmp_row) in tmp.chunks_exact(cols).enumerate() {
            let b = bias.map_or(0.0, |b| b[o]);
            for (n, y) in tmp_row.chunks_exact(p).enumerate() {
                let dst = &mut out[(n * oc + o) * p..][..p];
                dst.iter_mut().zip(y).for_each(|(d, y)| *d = y + b);
            }
        }
    });
}

/// Gradients of [`conv2d_forward`]; each buffer given is OVERWRITTEN with its gradient.
///
/// Shapes as in `conv2d_forward`, plus grad_out (batch, out_ch, out_h, out_w),
/// grad_input like input, grad_weight like weight, grad_bias (out_ch). Pass `None` for
/// what is not needed (grad_input of a first layer) and its work is skipped.
pub fn conv2d_backward(
    g: &Conv2dGeometry,
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
    let expect = [g.input_len(), g.weight_len(), g.out_channels];
    let names = ["grad_input", "grad_weight", "grad_bias"];
    for ((buf, name), len) in [&grad_input, &grad_weight, &grad_bias].iter().zip(names).zip(expect) {
        if let Some(buf) = buf {
            check_len(name, buf.len(), len, g);
        }
    }
    if grad_out.is_empty() {
        // No outputs (batch or out_ch is 0): every gradient is zero.
        for buf in [grad_input, grad_weight, grad_bias].into_iter().flatten() {
            buf.fill(0.0);
        }
        return;
    }
    let nb = g.images_per_chunk();
    let n_chunks = g.batch.div_ceil(nb);
    let in_image = g.in_channels * g.in_h * g.in_w;
    let out_image = g.out_channels * g.out_h() * g.out_w();
    // Per-chunk partial sums, (n_chunks, weight_len + out_ch), reduced in order below.
    let (wl, want_w, want_b) = (g.weight_len(), grad_weight.is_some(), grad_bias.is_some());
    let mut partials = vec![0.0f32; n_chunks * (wl + g.out_channels)];
    let gi_chunks: Vec<Option<&mut [f32]>> = match grad_input {
        Some(gi) if !gi.is_empty() => gi.chunks_mut(nb * in_image).map(Some).collect(),
        _ => (0..n_chunks).map(|_| None).collect(),
    };
    let items: Vec<_> = gi_chunks.into_iter().zip(partials.chunks_mut(wl + g.out_channels)).collect();
    let work = 2 * g.output_len() * g.patch_len();
    run_chunks(items, work, |c, (gi, part), gemm| {
        let images = nb.min(g.batch - c * nb);
        let input = &input[c * nb * in_image..][..images * in_image];
        let grad_out = &grad_out[c * nb * out_image..][..images * out_image];
        let (gw, gb) = part.split_at_mut(wl);
        let (gw, gb) = (want_w.then_some(gw), want_b.then_some(gb));
        backward_chunk(g, gemm, images, input, weight, grad_out, gi, gw, gb);
    });
    // Sum the partials in chunk order (deterministic whatever the thread count).
    let parts = partials.chunks_exact(wl + g.out_channels);
    if let Some(gw) = grad_weight {
        gw.fill(0.0);
        for part in parts.clone() {
            gw.iter_mut().zip(part).for_each(|(d, s)| *d += s);
        }
    }
    if let Some(gb) = grad_bias {
        gb.fill(0.0);
        for part in parts {
            gb.iter_mut().zip(&part[wl..]).for_each(|(d, s)| *d += s);
        }
    }
}

/// The input gradient alone of [`conv2d_forward`], overwriting `grad_input`: what
/// [`conv2d_backward`] gives for it, without the forward input. It is also the forward
/// pass of a transposed convolution (`conv_transpose`).
///
/// Shapes: weight (out_ch, in_ch, kh, kw), grad_out (batch, out_ch, out_h, out_w),
/// grad_input (batch, in_ch, in_h, in_w).
pub fn conv2d_backward_input(g: &Conv2dGeometry, weight: &[f32], grad_out: &[f32], grad_input: &mut [f32]) {
    check_len("weight", weight.len(), g.weight_len(), g);
    check_len("grad_out", grad_out.len(), g.output_len(), g);
    check_len("grad_input", grad_input.len(), g.input_len(), g);
    if grad_out.is_empty() || grad_input.is_empty() {
        grad_input.fill(0.0);
        return;
    }
    let nb = g.images_per_chunk();
    let in_image = g.in_channels * g.in_h * g.in_w;
    let out_image = g.out_channels * g.out_h() * g.out_w();
    let chunks: Vec<_> = grad_input.chunks_mut(nb * in_image).collect();
    run_chunks(chunks, g.output_len() * g.patch_len(), |c, gi, gemm| {
        let images = gi.len() / in_image;
        let grad_out = &grad_out[c * nb * out_image..][..images * out_image];
        backward_chunk(g, gemm, images, &[], weight, grad_out, Some(gi), None, None);
    });
}

/// [`conv2d_backward`] of `images` consecutive images; every given buffer is overwritten.
#[allow(clippy::too_many_arguments)] // a flat kernel signature reads better than a struct
fn backward_chunk(
    g: &Conv2dGeometry,
    gemm: Gemm,
    images: usize,
    input: &[f32],
    weight: &[f32],
    grad_out: &[f32],
    grad_input: Option<&mut [f32]>,
    grad_weight: Option<&mut [f32]>,
    grad_bias: Option<&mut [f32]>,
) {
    let (k, p, oc) = (g.patch_len(), g.out_h() * g.out_w(), g.out_channels);
    let cols = images * p;
    with_scratch(oc * cols + k * cols + k * oc, |scratch| {
        let (go, rest) = scratch.split_at_mut(oc * cols);
        let (col, gw_t) = rest.split_at_mut(k * cols);
        // grad_out permuted to one (oc, images·P) matrix.
        for (o, dst_row) in go.chunks_exact_mut(cols).enumerate() {
            for (n, dst) in dst_row.chunks_exact_mut(p).enumerate() {
                dst.copy_from_slice(&grad_out[(n * oc + o) * p..][..p]);
            }
        }
        if let Some(gb) = grad_bias {
            gb.iter_mut().zip(go.chunks_exact(cols)).for_each(|(b, row)| *b = sum(row));
        }
        let go = MatRef::row_major(go, cols); // (oc, images·P)
        if let Some(gw) = grad_weight {
            // (K, oc) = (K, images·P) · (images·P, oc), then transposed into gw: this
            // orientation lets gemm stream `col` as it lies instead of packing it (~20%
            // off LeNet conv2's backward).
            im2col(g, images, input, col); // (K, images·P)
            gemm(k, oc, cols, MatRef::row_major(col, cols), go.t(), gw_t, false);
            for (r, row) in gw_t.chunks_exact(oc).enumerate() {
                row.iter().zip(gw[r..].iter_mut().step_by(k)).for_each(|(s, d)| *d = *s);
            }
        }
        if let Some(gi) = grad_input {
            // (K, images·P) = (K, oc) · (oc, images·P), folded back onto the input.
            gemm(k, cols, oc, MatRef::row_major(weight, k).t(), go, col, false);
            col2im(g, images, col, gi);
        }
    });
}

/// `dst.copy_from_slice(src)` for im2col's short rows: eight-float blocks that compile
/// to inline vector moves, where `copy_from_slice` would call `memmove` for every row.
fn copy_short(dst: &mut [f32], src: &[f32]) {
    let (mut d, mut s) = (dst.chunks_exact_mut(8), src.chunks_exact(8));
    for (d, s) in (&mut d).zip(&mut s) {
        let block: &[f32; 8] = s.try_into().unwrap();
        d.copy_from_slice(block);
    }
    for (d, s) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *d = *s;
    }
}

/// Sum of `xs` in eight interleaved running sums, which LLVM vectorises (it may not
/// reorder a single f32 chain).
fn sum(xs: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = xs.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().sum();
    for chunk in chunks {
        lanes.iter_mut().zip(chunk).for_each(|(l, v)| *l += v);
    }
    lanes.iter().sum::<f32>() + tail
}

/// Output positions `o` in `0..out_len` whose input index `o·stride + offset − pad`
/// lies in `0..in_len` (possibly none).
fn valid_range(offset: usize, pad: usize, stride: usize, in_len: usize, out_len: usize) -> Range<usize> {
    let lo = pad.saturating_sub(offset).div_ceil(stride);
    let hi = (in_len + pad).saturating_sub(offset).div_ceil(stride).min(out_len);
    lo.min(hi)..hi
}

/// Where kernel tap (ki, kj) reads in each input plane: over the output rectangle
/// `rows` x `cols` it reads the input (elsewhere the padding), starting at in-plane
/// index `first`.
struct Tap {
    rows: Range<usize>,
    cols: Range<usize>,
    first: usize,
}

/// Every tap of the kernel in (ki, kj) order; `None` for a tap that only reads padding.
fn taps(g: &Conv2dGeometry) -> Vec<Option<Tap>> {
    let (s, pad, oh_n, ow_n) = (g.stride, g.padding, g.out_h(), g.out_w());
    let tap = |ki: usize, kj: usize| {
        let rows = valid_range(ki, pad, s, g.in_h, oh_n);
        let cols = valid_range(kj, pad, s, g.in_w, ow_n);
        let (ih, iw) = ((rows.start * s + ki).checked_sub(pad)?, (cols.start * s + kj).checked_sub(pad)?);
        let first = ih * g.in_w + iw;
        (!rows.is_empty() && !cols.is_empty()).then_some(Tap { rows, cols, first })
    };
    (0..g.kernel_h).flat_map(|ki| (0..g.kernel_w).map(move |kj| tap(ki, kj))).collect()
}

/// Unfolds `images` images (images, in_ch, in_h, in_w) into col (K, images·P): row
/// (c, ki, kj), column (n, oh, ow) holds `input[n, c, oh·s + ki − pad, ow·s + kj − pad]`,
/// zero where that falls in the padding. Every element of `col` is written.
fn im2col(g: &Conv2dGeometry, images: usize, input: &[f32], col: &mut [f32]) {
    let (ow_n, p, plane, s) = (g.out_w(), g.out_h() * g.out_w(), g.in_h * g.in_w, g.stride);
    let (taps, row_step) = (taps(g), s * g.in_w);
    let edges = g.padding > 0; // skip zero-length fills: each would be a memset call
    for (r, row) in col.chunks_exact_mut(images * p).enumerate() {
        let (c, tap) = (r / taps.len(), &taps[r % taps.len()]);
        let Some(Tap { rows, cols, first }) = tap else {
            row.fill(0.0);
            continue;
        };
        let span = (cols.len() - 1) * s + 1; // input elements under one output row
        for (n, dst) in row.chunks_exact_mut(p).enumerate() {
            // dst (out_h, out_w); src: where input plane (n, c) is first read.
            let src = (n * g.in_channels + c) * plane + first;
            if edges {
                dst[..rows.start * ow_n].fill(0.0);
                dst[rows.end * ow_n..].fill(0.0);
            }
            // One bounds check per (tap, image) instead of two per 8-float row below:
            // this loop is the im2col hot path (~40% of LeNet's conv time).
            assert!(src + (rows.len() - 1) * row_step + span <= input.len());
            for (i, oh) in rows.clone().enumerate() {
                let (at, x0) = (oh * ow_n, src + i * row_step);
                if edges {
                    dst[at..at + cols.start].fill(0.0);
                    dst[at + cols.end..at + ow_n].fill(0.0);
                }
                // SAFETY: `at + cols.end <= rows.end·ow_n <= p = dst.len()` (valid_range
                // caps both ranges), and `x0 + span <= input.len()` was asserted above.
                let (d, x) = unsafe {
                    let d = dst.get_unchecked_mut(at + cols.start..at + cols.end);
                    (d, input.get_unchecked(x0..x0 + span))
                };
                if s == 1 {
                    copy_short(d, x);
                } else {
                    d.iter_mut().zip(x.iter().step_by(s)).for_each(|(d, x)| *d = *x);
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: overwrites `grad_input` (images, in_ch, in_h, in_w) with
/// the sum of every col (K, images·P) entry at the input position it was copied from.
fn col2im(g: &Conv2dGeometry, images: usize, col: &[f32], grad_input: &mut [f32]) {
    let (ow_n, p, plane, s) = (g.out_w(), g.out_h() * g.out_w(), g.in_h * g.in_w, g.stride);
    let (taps, row_step) = (taps(g), s * g.in_w);
    grad_input.fill(0.0);
    for (r, row) in col.chunks_exact(images * p).enumerate() {
        let (c, tap) = (r / taps.len(), &taps[r % taps.len()]);
        let Some(Tap { rows, cols, first }) = tap else { continue };
        let span = (cols.len() - 1) * s + 1;
        for (n, src) in row.chunks_exact(p).enumerate() {
            let dst = (n * g.in_channels + c) * plane + first;
            assert!(dst + (rows.len() - 1) * row_step + span <= grad_input.len());
            for (i, oh) in rows.clone().enumerate() {
                let (at, x0) = (oh * ow_n, dst + i * row_step);
                // SAFETY: as in `im2col`: `src` holds p elements, the rest was asserted.
                let (y, x) = unsafe {
                    let y = src.get_unchecked(at + cols.start..at + cols.end);
                    (y, grad_input.get_unchecked_mut(x0..x0 + span))
                };
                if s == 1 {
                    x.iter_mut().zip(y).for_each(|(x, y)| *x += y);
                } else {
                    x.iter_mut().step_by(s).zip(y).for_each(|(x, y)| *x += y);
                }
            }
        }
    }
}

/// Calls `f(x, w, y)` with the input, weight and output indices of every multiply-add
/// of the convolution, padding skipped: the one loop nest of the naive references.
fn for_each_multiply_add(g: &Conv2dGeometry, mut f: impl FnMut(usize, usize, usize)) {
    let (oh_n, ow_n, ci, oc) = (g.out_h(), g.out_w(), g.in_channels, g.out_channels);
    let source = |o: usize, k: usize, len: usize| (o * g.stride + k).checked_sub(g.padding).filter(|&i| i < len);
    for (n, o, oh, ow) in (0..g.batch)
        .flat_map(|n| (0..oc).map(move |o| (n, o)))
        .flat_map(|(n, o)| (0..oh_n).flat_map(move |oh| (0..ow_n).map(move |ow| (n, o, oh, ow))))
    {
        let y = ((n * oc + o) * oh_n + oh) * ow_n + ow;
        for c in 0..ci {
            for ki in 0..g.kernel_h {
                let Some(ih) = source(oh, ki, g.in_h) else { continue };
                for kj in 0..g.kernel_w {
                    let Some(iw) = source(ow, kj, g.in_w) else { continue };
                    let x = ((n * ci + c) * g.in_h + ih) * g.in_w + iw;
                    f(x, ((o * ci + c) * g.kernel_h + ki) * g.kernel_w + kj, y);
                }
            }
        }
    }
}

/// Naive direct-loop reference for [`conv2d_forward`] (f64 accumulation; tests only).
pub fn conv2d_forward_reference(g: &Conv2dGeometry, input: &[f32], weight: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    let p = g.out_h() * g.out_w();
    let mut acc: Vec<f64> = (0..out.len())
        .map(|y| bias.map_or(0.0, |b| b[y / p % g.out_channels] as f64))
        .collect();
    for_each_multiply_add(g, |x, w, y| acc[y] += input[x] as f64 * weight[w] as f64);
    out.iter_mut().zip(&acc).for_each(|(o, &a)| *o = a as f32);
}

/// Naive direct-loop reference for [`conv2d_backward`] (f64 accumulation; tests only).
pub fn conv2d_backward_reference(
    g: &Conv2dGeometry,
    input: &[f32],
    weight: &[f32],
    grad_out: &[f32],
    grad_input: Option<&mut [f32]>,
    grad_weight: Option<&mut [f32]>,
    grad_bias: Option<&mut [f32]>,
) {
    let p = g.out_h() * g.out_w();
    let (mut gi, mut gw, mut gb) = (vec![0.0f64; input.len()], vec![0.0f64; weight.len()], vec![0.0f64; g.out_channels]);
    for_each_multiply_add(g, |x, w, y| {
        gi[x] += grad_out[y] as f64 * weight[w] as f64;
        gw[w] += grad_out[y] as f64 * input[x] as f64;
    });
    for (y, &dy) in grad_out.iter().enumerate() {
        gb[y / p % g.out_channels] += dy as f64;
    }
    for (dst, src) in [(grad_input, gi), (grad_weight, gw), (grad_bias, gb)] {
        if let Some(dst) = dst {
            dst.iter_mut().zip(&src).for_each(|(d, &s)| *d = s as f32);
        }
    }
}
