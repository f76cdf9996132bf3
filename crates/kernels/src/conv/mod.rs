//! 2-D convolution (NCHW, cross-correlation as in PyTorch) via im2col + gemm, beside
//! naive references. 3×3 layers with stride 1, padding 1, 16+ channels each side and 100+
//! pixels a plane take Winograd's F(2×2, 3×3) instead (`winograd/`): 16 products where
//! im2col does 36 multiplies.
//!
//! The batch is cut into chunks of a few images. Each chunk unfolds its receptive fields
//! into one column matrix `col` (K, n·P), with K = in_ch·kh·kw and P = out_h·out_w, so one
//! gemm covers the whole chunk: small outputs (LeNet conv2's 8x8) still give the gemm a
//! long dimension, while `col` stays in L2. Both extremes are slower on LeNet's layers:
//! one gemm per image (short products) and one per batch (a `col` far past L2). Chunks
//! run in parallel through rayon when the work is large; per-chunk weight/bias gradients
//! are summed in chunk order afterwards, and the chunk size depends only on the
//! geometry, so results are bit-identical whatever the thread count.
//!
//! Large weights (DCGAN's 64→128 and 256→128 layers, at least `LARGE_WEIGHT_ELEMS`)
//! take another route for their gradient: per-chunk partials would be one weight-sized
//! copy per image, so image groups accumulate into one gradient through a gemm that is
//! parallel inside (`weight_grad_accumulated`). The unfold and its adjoint live in
//! `unfold.rs`.
//!
//! Stride and padding are shared by both axes and there are no groups: the geometry's
//! fields are the ones the tensor layer was promised. The backward pass re-unfolds the
//! input rather than keep the forward's `col`, so the kernels stay stateless.

use std::cell::Cell;
use std::ops::Range;
use std::thread::LocalKey;

use rayon::prelude::*;

use crate::matmul::{matmul, matmul_serial, MatRef};
use crate::PARALLEL_THRESHOLD;

mod unfold;
mod winograd;

use unfold::{col2im, copy_short, im2col};

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

/// Target size (elements) of one chunk's `col`: 256 KiB, well inside L2, and small
/// enough that LeNet's batches still make enough chunks (11 to 16 at batch 64) to balance
/// two threads.
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
    with_buffer(&SCRATCH, SCRATCH_KEEP_ELEMS, len, f)
}

/// Runs `f` on `len` elements of the buffer in `cell` (contents unspecified), putting it
/// back afterwards unless it grew past `keep` elements.
fn with_buffer<R>(cell: &'static LocalKey<Cell<Vec<f32>>>, keep: usize, len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    let mut buf = cell.take();
    if buf.len() < len {
        buf.resize(len, 0.0);
    }
    let result = f(&mut buf[..len]);
    if buf.len() <= keep {
        cell.set(buf);
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
    if winograd::suits(g) {
        return winograd::forward(g, input, weight, bias, out);
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
    if images == 1 {
        // One image's (oc, P) product is its output as laid out: no permuting copy.
        return with_scratch(k * p, |col| {
            im2col(g, 1, input, col); // (K, P)
            gemm(oc, p, k, MatRef::row_major(weight, k), MatRef::row_major(col, p), out, false);
            if let Some(bias) = bias {
                for (row, &b) in out.chunks_exact_mut(p).zip(bias) {
                    row.iter_mut().for_each(|y| *y += b);
                }
            }
        });
    }
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
    if winograd::suits(g) {
        return winograd::backward(g, input, weight, grad_out, grad_input, grad_weight, grad_bias);
    }
    // A large weight would need one partial copy per chunk: accumulate it instead.
    let grad_weight = match grad_weight {
        Some(gw) if g.weight_len() >= LARGE_WEIGHT_ELEMS => {
            weight_grad_accumulated(g, input, grad_out, gw);
            None
        }
        other => other,
    };
    if grad_input.is_none() && grad_weight.is_none() && grad_bias.is_none() {
        return;
    }
    let nb = g.images_per_chunk();
    let n_chunks = g.batch.div_ceil(nb);
    let in_image = g.in_channels * g.in_h * g.in_w;
    let out_image = g.out_channels * g.out_h() * g.out_w();
    // Per-chunk partial sums, (n_chunks, weight_len + out_ch), reduced in order below.
    let (want_w, want_b) = (grad_weight.is_some(), grad_bias.is_some());
    let wl = if want_w { g.weight_len() } else { 0 };
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

/// Weights of at least this many elements take [`weight_grad_accumulated`]: at batch 64
/// the per-chunk partials of DCGAN's 256→128 layer were 134 MB, and allocating, filling
/// and summing them took longer than the products themselves.
const LARGE_WEIGHT_ELEMS: usize = 1 << 16;

/// Target size (elements) of one image group's `col` in [`weight_grad_accumulated`].
const WEIGHT_GROUP_COL_ELEMS: usize = 1 << 20;

/// Overwrites `grad_weight` (out_ch, K) with Σ over images of grad_out · colᵀ. The
/// batch is cut in two halves that run in parallel (rayon::join), each accumulating its
/// image groups into one (K, out_ch) partial: a group's product has inner dimension
/// images·P, long enough to run the gemm near its peak, and the unfold of one half
/// overlaps the other's gemm. The halves and groups follow the geometry only and the
/// two partials are added in order, so the result does not depend on the thread count.
fn weight_grad_accumulated(g: &Conv2dGeometry, input: &[f32], grad_out: &[f32], grad_weight: &mut [f32]) {
    let (k, p, oc) = (g.patch_len(), g.out_h() * g.out_w(), g.out_channels);
    let per = (WEIGHT_GROUP_COL_ELEMS / (k * p).max(1)).clamp(1, g.batch.max(1));
    let groups = g.batch.div_ceil(per);
    let split = groups.div_ceil(2) * per; // first image of the second half
    let mut partials = PARTIALS.take();
    partials.resize(partials.len().max(2 * k * oc), 0.0);
    let (first_half, second_half) = partials[..2 * k * oc].split_at_mut(k * oc);
    rayon::join(
        || weight_grad_images(g, 0..split.min(g.batch), per, input, grad_out, first_half),
        || weight_grad_images(g, split.min(g.batch)..g.batch, per, input, grad_out, second_half),
    );
    // (K, oc) partials, summed and transposed into (oc, K).
    for (r, (a, b)) in first_half.chunks_exact(oc).zip(second_half.chunks_exact(oc)).enumerate() {
        let dst = grad_weight[r..].iter_mut().step_by(k);
        dst.zip(a.iter().zip(b)).for_each(|(d, (a, b))| *d = a + b);
    }
    PARTIALS.set(partials);
}

thread_local! {
    /// The two (K, out_ch) partials of [`weight_grad_accumulated`], kept between calls
    /// like `SCRATCH` (its own cell: the halves borrow `SCRATCH`).
    static PARTIALS: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

/// Overwrites `gw_t` (K, out_ch) with Σ col · grad_outᵀ over `images`, `per` at a time
/// (zero for no images): the first group's product overwrites, the others add.
fn weight_grad_images(g: &Conv2dGeometry, images: Range<usize>, per: usize, input: &[f32], grad_out: &[f32], gw_t: &mut [f32]) {
    let (k, p, oc) = (g.patch_len(), g.out_h() * g.out_w(), g.out_channels);
    let (in_image, out_image) = (g.in_channels * g.in_h * g.in_w, oc * p);
    if images.is_empty() {
        gw_t.fill(0.0);
    }
    let permuted = if per == 1 { 0 } else { oc * per * p }; // see `channel_rows`
    with_scratch(permuted + k * per * p, |scratch| {
        let (go_buf, col_buf) = scratch.split_at_mut(permuted);
        for first in images.clone().step_by(per) {
            let n = per.min(images.end - first);
            let cols = n * p;
            let col = &mut col_buf[..k * cols];
            let go = channel_rows(&grad_out[first * out_image..][..n * out_image], oc, p, go_buf);
            im2col(g, n, &input[first * in_image..][..n * in_image], col); // (K, n·P)
                                                                           // (K, oc) += col · goᵀ: the gemm streams col as it lies (packing a transposed
                                                                           // col cost as much as the unfold).
            let (col, go_t) = (MatRef::row_major(col, cols), MatRef::row_major(go, cols).t());
            matmul(k, oc, cols, col, go_t, gw_t, first > images.start);
        }
    });
}

/// The input gradient alone of [`conv2d_forward`], overwriting `grad_input`: what
/// [`conv2d_backward`] gives for it, without the forward input, plus `bias[c]` on every
/// element of input channel c when given. It is also the forward pass of a transposed
/// convolution (`conv_transpose`), whose bias this is: added while the chunk is in cache.
///
/// Shapes: weight (out_ch, in_ch, kh, kw), grad_out (batch, out_ch, out_h, out_w),
/// bias (in_ch), grad_input (batch, in_ch, in_h, in_w).
pub fn conv2d_backward_input(g: &Conv2dGeometry, weight: &[f32], grad_out: &[f32], bias: Option<&[f32]>, grad_input: &mut [f32]) {
    check_len("weight", weight.len(), g.weight_len(), g);
    check_len("grad_out", grad_out.len(), g.output_len(), g);
    check_len("grad_input", grad_input.len(), g.input_len(), g);
    if let Some(b) = bias {
        check_len("bias", b.len(), g.in_channels, g);
    }
    let plane = g.in_h * g.in_w;
    let add_bias = |gi: &mut [f32]| {
        if let Some(b) = bias {
            for (i, dst) in gi.chunks_exact_mut(plane.max(1)).enumerate() {
                let b = b[i % g.in_channels];
                dst.iter_mut().for_each(|v| *v += b);
            }
        }
    };
    if grad_out.is_empty() || grad_input.is_empty() {
        grad_input.fill(0.0);
        add_bias(grad_input);
        return;
    }
    let nb = g.images_per_chunk();
    let in_image = g.in_channels * g.in_h * g.in_w;
    let out_image = g.out_channels * g.out_h() * g.out_w();
    let chunks: Vec<_> = grad_input.chunks_mut(nb * in_image).collect();
    run_chunks(chunks, g.output_len() * g.patch_len(), |c, gi, gemm| {
        let images = gi.len() / in_image;
        let grad_out = &grad_out[c * nb * out_image..][..images * out_image];
        backward_chunk(g, gemm, images, &[], weight, grad_out, Some(&mut *gi), None, None);
        add_bias(gi);
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
    let permuted = if images == 1 { 0 } else { oc * cols }; // see `channel_rows`
    with_scratch(permuted + k * cols + k * oc, |scratch| {
        let (go_buf, rest) = scratch.split_at_mut(permuted);
        let (col, gw_t) = rest.split_at_mut(k * cols);
        let go = channel_rows(grad_out, oc, p, go_buf); // (oc, images·P)
        if let Some(gb) = grad_bias {
            gb.iter_mut().zip(go.chunks_exact(cols)).for_each(|(b, row)| *b = sum(row));
        }
        let go = MatRef::row_major(go, cols); // (oc, images·P)
        if let Some(gw) = grad_weight {
            // (K, oc) = (K, images·P) · (images·P, oc), then transposed into gw: this
            // orientation lets gemm stream `col` as it lies instead of packing it.
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

/// `dy` (images, oc, P) as one (oc, images·P) matrix: one image's is that matrix as it
/// lies; more are permuted into `buf` (at least oc·images·P long).
fn channel_rows<'a>(dy: &'a [f32], oc: usize, p: usize, buf: &'a mut [f32]) -> &'a [f32] {
    let images = dy.len() / (oc * p).max(1);
    if images <= 1 {
        return dy; // one image, or nothing to permute
    }
    let (cols, buf) = (images * p, &mut buf[..dy.len()]);
    for (o, dst_row) in buf.chunks_exact_mut(cols).enumerate() {
        for (n, dst) in dst_row.chunks_exact_mut(p).enumerate() {
            copy_short(dst, &dy[(n * oc + o) * p..][..p]);
        }
    }
    buf
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
