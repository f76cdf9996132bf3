//! Unfolding receptive fields into columns (im2col) and folding columns back onto the
//! input (col2im, its adjoint): the data movement around every convolution gemm.
//!
//! With stride s > 1 each tap reads every s-th input element, so a direct unfold is a
//! gather of short runs. Instead the input planes are first split into s² phase
//! planes (phase (a, b) holds `x[i·s + a, j·s + b]`, one pass over the input), and every
//! tap then copies unit-stride runs out of one phase; when a tap covers whole output
//! rows that are whole phase rows, its rows are one contiguous copy. On DCGAN's 4x4
//! stride-2 layers this made the unfold several times cheaper.

use std::cell::Cell;
use std::ops::Range;

use super::Conv2dGeometry;

/// `dst.copy_from_slice(src)` for im2col's short rows: eight-float blocks that compile
/// to inline vector moves, where `copy_from_slice` would call `memmove` for every row.
pub(super) fn copy_short(dst: &mut [f32], src: &[f32]) {
    let (mut d, mut s) = (dst.chunks_exact_mut(8), src.chunks_exact(8));
    for (d, s) in (&mut d).zip(&mut s) {
        let block: &[f32; 8] = s.try_into().unwrap();
        d.copy_from_slice(block);
    }
    for (d, s) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *d = *s;
    }
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
pub(super) fn im2col(g: &Conv2dGeometry, images: usize, input: &[f32], col: &mut [f32]) {
    if g.stride > 1 {
        return im2col_phased(g, images, input, col);
    }
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
            // this loop is the im2col hot path.
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
pub(super) fn col2im(g: &Conv2dGeometry, images: usize, col: &[f32], grad_input: &mut [f32]) {
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

thread_local! {
    /// Per-thread buffer for the phase planes of [`im2col_phased`] (its own cell: the
    /// callers' scratch is borrowed at the time).
    static PHASES: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

/// Along one axis, for kernel offset `k`: the phase `k − pad` falls in, the shift of the
/// phase index against the output index, and the outputs whose source lies inside that
/// phase's `in_len` elements (possibly none).
fn phase_axis(k: usize, pad: usize, s: usize, in_len: usize, out_len: usize) -> (usize, isize, Range<usize>) {
    let r = k as isize - pad as isize;
    let (phase, shift) = (r.rem_euclid(s as isize) as usize, r.div_euclid(s as isize));
    let len = in_len.saturating_sub(phase).div_ceil(s) as isize; // elements of this phase
    let lo = (-shift).max(0) as usize;
    let hi = ((len - shift).max(0) as usize).min(out_len);
    (phase, shift, lo.min(hi)..hi)
}

/// Splits each of `planes` (in_h, in_w) planes into s² phase planes of (hs, ws) =
/// (⌈in_h/s⌉, ⌈in_w/s⌉), phase (a, b) at index a·s + b; elements past a short phase's
/// end are left as they were (never read).
fn split_phases(g: &Conv2dGeometry, planes: usize, input: &[f32], phases: &mut [f32]) {
    let s = g.stride;
    let (hs, ws) = (g.in_h.div_ceil(s), g.in_w.div_ceil(s));
    let plane = g.in_h * g.in_w;
    for (x, out) in input.chunks_exact(plane).zip(phases.chunks_exact_mut(s * s * hs * ws)).take(planes) {
        for (i, row) in x.chunks_exact(g.in_w).enumerate() {
            let (a, i) = (i % s, i / s);
            for b in 0..s.min(g.in_w) {
                let dst = &mut out[((a * s + b) * hs + i) * ws..][..ws];
                dst.iter_mut().zip(row[b..].iter().step_by(s)).for_each(|(d, &v)| *d = v);
            }
        }
    }
}

/// [`im2col`] for stride > 1, reading unit-stride runs out of phase planes.
fn im2col_phased(g: &Conv2dGeometry, images: usize, input: &[f32], col: &mut [f32]) {
    let (s, pad, c_n) = (g.stride, g.padding, g.in_channels);
    let (oh_n, ow_n) = (g.out_h(), g.out_w());
    let p = oh_n * ow_n;
    let (hs, ws) = (g.in_h.div_ceil(s), g.in_w.div_ceil(s));
    let (phase_plane, kk) = (hs * ws, g.kernel_h * g.kernel_w);
    let mut phases = PHASES.take();
    phases.resize(phases.len().max(images * c_n * s * s * phase_plane), 0.0);
    split_phases(g, images * c_n, input, &mut phases);
    for (r, row) in col.chunks_exact_mut(images * p).enumerate() {
        let (c, t) = (r / kk, r % kk);
        let (a, dr, rows) = phase_axis(t / g.kernel_w, pad, s, g.in_h, oh_n);
        let (b, dc, cols) = phase_axis(t % g.kernel_w, pad, s, g.in_w, ow_n);
        if rows.is_empty() || cols.is_empty() {
            row.fill(0.0);
            continue;
        }
        // Whole output rows from whole phase rows: the tap's rows are one run.
        let whole_rows = cols == (0..ow_n) && dc == 0 && ws == ow_n;
        let first = (rows.start as isize + dr) as usize * ws; // phase index of the first row read
        for (n, dst) in row.chunks_exact_mut(p).enumerate() {
            let src = &phases[((n * c_n + c) * s * s + a * s + b) * phase_plane..][..phase_plane];
            dst[..rows.start * ow_n].fill(0.0);
            dst[rows.end * ow_n..].fill(0.0);
            if whole_rows {
                copy_short(&mut dst[rows.start * ow_n..rows.end * ow_n], &src[first..first + rows.len() * ws]);
                continue;
            }
            for (i, oh) in rows.clone().enumerate() {
                let at = oh * ow_n;
                let from = (first as isize + (i * ws) as isize + cols.start as isize + dc) as usize;
                dst[at..at + cols.start].fill(0.0);
                dst[at + cols.end..at + ow_n].fill(0.0);
                copy_short(&mut dst[at + cols.start..at + cols.end], &src[from..from + cols.len()]);
            }
        }
    }
    PHASES.set(phases);
}
