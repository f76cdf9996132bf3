//! 3×3 convolutions with stride 1 and padding 1 by Winograd's minimal filtering
//! F(2×2, 3×3) (Lavin & Gray 2016), forward and both gradients.
//!
//! Each 2×2 output tile is `Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` for the 4×4 input tile `d` under
//! it: after transforming tiles and filters, the channel sums are 16 independent
//! products (one per position of the 4×4 transformed tile) of (out_ch × in_ch) by
//! (in_ch × tiles), 16 multiplies where im2col spends 36. The gradients are the same
//! algebra transposed: the input's gradient is `B [(G g Gᵀ) ⊙ (A dy Aᵀ)] Bᵀ` added over
//! overlapping tiles, the filter's `Gᵀ [(A dy Aᵀ) ⊙ (Bᵀ d B)] G` summed over tiles.
//!
//! The tile transforms (`tiles.rs`) run a plane at a time as slice loops over a row of
//! tiles. Images go in chunks whose size depends only on the geometry; within a chunk,
//! work is split over channels or transform positions, never inside a sum, so results
//! do not depend on the thread count. On W10's layers at 28×28 and 14×14 it beats or
//! matches im2col, by far less than 16/36 suggests: the transforms are memory-bound and
//! the products' inner dimension is short. At 7×7 (and W8's 8×8 layer) the transforms
//! and the tiles' overhang cost what they save, hence the 100-pixel floor in [`suits`].

use std::cell::Cell;

use rayon::prelude::*;

use super::{sum, with_buffer, Conv2dGeometry};
use crate::matmul::{matmul_serial, MatRef};

mod tiles;

use tiles::Tiles;

/// Positions of a transformed 4×4 tile: one gemm each.
const POS: usize = 16;

/// Target size (elements) of one chunk's transformed input, 16·in_ch·tiles.
const CHUNK_ELEMS: usize = 1 << 20;

/// Fewest tiles per chunk: the products' long side, below which the weight gradient's
/// per-chunk gemms (inner dimension = tiles) run far under the gemm's rate.
const MIN_COLS: usize = 512;

/// Largest scratch (elements) kept between calls.
const KEEP_ELEMS: usize = 1 << 24;

thread_local! {
    /// Transform buffers reused across calls (a chunk's are megabytes).
    static BUFFERS: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

/// Whether [`super::conv2d_forward`] and its gradients take this route: 3×3 kernels,
/// stride 1, padding 1, and channels and pixels enough for the products to outweigh
/// the transforms (a 1→64 input layer or a 64→1 output layer stay on im2col).
pub(super) fn suits(g: &Conv2dGeometry) -> bool {
    let shape = g.kernel_h == 3 && g.kernel_w == 3 && g.stride == 1 && g.padding == 1;
    shape && g.in_channels >= 16 && g.out_channels >= 16 && g.in_h * g.in_w >= 100
}

/// Images per chunk, from the geometry only.
fn images_per_chunk(g: &Conv2dGeometry, tl: Tiles) -> usize {
    let per = POS * g.in_channels.max(g.out_channels) * tl.per_plane();
    let fit = CHUNK_ELEMS / per.max(1);
    fit.max(MIN_COLS.div_ceil(tl.per_plane().max(1))).clamp(1, g.batch.max(1))
}

/// Runs `f` on `len` elements of this thread's transform buffer (contents unspecified).
fn with_buffers<R>(len: usize, f: impl FnOnce(&mut [f32]) -> R) -> R {
    with_buffer(&BUFFERS, KEEP_ELEMS, len, f)
}

/// [`super::conv2d_forward`] for a geometry that [`suits`].
pub(super) fn forward(g: &Conv2dGeometry, input: &[f32], weight: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    let (ic, oc, tl) = (g.in_channels, g.out_channels, Tiles::of(g.in_h, g.in_w));
    let (nb, plane) = (images_per_chunk(g, tl), g.in_h * g.in_w);
    let most = nb * tl.per_plane();
    with_buffers(POS * oc * ic + POS * (ic + oc) * most, |buf| {
        let (v, rest) = buf.split_at_mut(POS * oc * ic);
        let (u, m) = rest.split_at_mut(POS * ic * most);
        transform_weights(g, weight, v);
        for (c, out) in out.chunks_mut(nb * oc * plane).enumerate() {
            let images = out.len() / (oc * plane);
            let n_cols = images * tl.per_plane();
            let input = &input[c * nb * ic * plane..][..images * ic * plane];
            let (u, m) = (&mut u[..POS * ic * n_cols], &mut m[..POS * oc * n_cols]);
            transform_input(g, tl, input, u);
            let u = &*u;
            m.par_chunks_mut(oc * n_cols).enumerate().for_each(|(p, m_p)| {
                let v_p = MatRef::row_major(&v[p * oc * ic..][..oc * ic], ic);
                matmul_serial(oc, n_cols, ic, v_p, position(u, p, n_cols), m_p, false);
            });
            transform_output(g, tl, m, bias, out);
        }
    });
    count_saved(g, 1);
}

/// Counts what `products` passes (forward: 1; both gradients: 2) saved against im2col's
/// 2·out_ch·in_ch·9 FLOPs per pixel, so `flops` reports the convolution's direct work.
fn count_saved(g: &Conv2dGeometry, products: u64) {
    let filters = (g.out_channels * g.in_channels) as u64;
    let direct = 2 * filters * 9 * (g.batch * g.in_h * g.in_w) as u64;
    let done = 2 * filters * POS as u64 * (g.batch * Tiles::of(g.in_h, g.in_w).per_plane()) as u64;
    crate::flops::record_saved(products * direct.saturating_sub(done));
}

/// [`super::conv2d_backward`] for a geometry that [`suits`]; every given buffer is
/// overwritten.
pub(super) fn backward(
    g: &Conv2dGeometry,
    input: &[f32],
    weight: &[f32],
    grad_out: &[f32],
    grad_input: Option<&mut [f32]>,
    grad_weight: Option<&mut [f32]>,
    grad_bias: Option<&mut [f32]>,
) {
    let (ic, oc, tl) = (g.in_channels, g.out_channels, Tiles::of(g.in_h, g.in_w));
    let (nb, plane) = (images_per_chunk(g, tl), g.in_h * g.in_w);
    if let Some(gb) = grad_bias {
        for (o, b) in gb.iter_mut().enumerate() {
            *b = (0..g.batch).map(|n| sum(&grad_out[(n * oc + o) * plane..][..plane])).sum();
        }
    }
    let (want_w, want_input) = (grad_weight.is_some(), grad_input.is_some());
    if !want_input && !want_w {
        return;
    }
    let most = nb * tl.per_plane();
    let weights = POS * oc * ic;
    with_buffers(2 * weights + POS * (2 * ic + oc) * most, |buf| {
        let (v, rest) = buf.split_at_mut(weights);
        let (dv, rest) = rest.split_at_mut(weights);
        let (z, rest) = rest.split_at_mut(POS * oc * most);
        let (u, du) = rest.split_at_mut(POS * ic * most);
        if grad_input.is_some() {
            transform_weights(g, weight, v);
        }
        let v = &*v;
        let mut gi_chunks = grad_input.map(|gi| gi.chunks_mut(nb * ic * plane));
        for (c, first) in (0..g.batch).step_by(nb).enumerate() {
            let images = nb.min(g.batch - first);
            let n_cols = images * tl.per_plane();
            let z = &mut z[..POS * oc * n_cols];
            transform_grad_out(g, tl, &grad_out[first * oc * plane..][..images * oc * plane], z);
            let z = &*z;
            if want_w {
                let u = &mut u[..POS * ic * n_cols];
                transform_input(g, tl, &input[first * ic * plane..][..images * ic * plane], u);
                let u = &*u;
                dv.par_chunks_mut(oc * ic).enumerate().for_each(|(p, dv_p)| {
                    let u_t = position(u, p, n_cols).t();
                    matmul_serial(oc, ic, n_cols, position(z, p, n_cols), u_t, dv_p, c > 0);
                });
            }
            if let Some(gi) = gi_chunks.as_mut().and_then(|chunks| chunks.next()) {
                let du = &mut du[..POS * ic * n_cols];
                du.par_chunks_mut(ic * n_cols).enumerate().for_each(|(p, du_p)| {
                    let v_t = MatRef::row_major(&v[p * oc * ic..][..oc * ic], ic).t();
                    matmul_serial(ic, n_cols, oc, v_t, position(z, p, n_cols), du_p, false);
                });
                transform_input_grad(g, tl, du, gi);
            }
        }
        if let Some(gw) = grad_weight {
            transform_weight_grad(g, dv, gw);
        }
    });
    count_saved(g, want_w as u64 + want_input as u64);
}

/// Rows of position `p` in a (channels, 16, n_cols) transform: a (channels, n_cols) matrix.
fn position(t: &[f32], p: usize, n_cols: usize) -> MatRef<'_> {
    MatRef {
        data: &t[p * n_cols..],
        row_stride: (POS * n_cols) as isize,
        col_stride: 1,
    }
}

/// `v` (16, out_ch, in_ch) = G g Gᵀ of every 3×3 filter g.
fn transform_weights(g: &Conv2dGeometry, weight: &[f32], v: &mut [f32]) {
    let (oc, ic) = (g.out_channels, g.in_channels);
    for (k, f) in weight.chunks_exact(9).enumerate() {
        let mut t = [[0.0f32; 3]; 4]; // G g
        for j in 0..3 {
            let (g0, g1, g2) = (f[j], f[3 + j], f[6 + j]);
            t[0][j] = g0;
            t[1][j] = 0.5 * (g0 + g1 + g2);
            t[2][j] = 0.5 * (g0 - g1 + g2);
            t[3][j] = g2;
        }
        for (i, [a, b, c]) in t.into_iter().enumerate() {
            let row = [a, 0.5 * (a + b + c), 0.5 * (a - b + c), c];
            for (j, x) in row.into_iter().enumerate() {
                v[(i * 4 + j) * oc * ic + k] = x;
            }
        }
    }
}

/// `grad_weight` (out_ch, in_ch, 3, 3) = Gᵀ dv G, the adjoint of [`transform_weights`].
fn transform_weight_grad(g: &Conv2dGeometry, dv: &[f32], grad_weight: &mut [f32]) {
    let filters = g.out_channels * g.in_channels;
    for (k, f) in grad_weight.chunks_exact_mut(9).enumerate() {
        let d = |i: usize, j: usize| dv[(i * 4 + j) * filters + k];
        // Gᵀ dv, column by column.
        let t: [[f32; 3]; 4] = std::array::from_fn(|j| {
            let (d0, d1, d2, d3) = (d(0, j), d(1, j), d(2, j), d(3, j));
            [d0 + 0.5 * (d1 + d2), 0.5 * (d1 - d2), 0.5 * (d1 + d2) + d3]
        });
        for r in 0..3 {
            let [a, b, c, e] = t.map(|column| column[r]);
            f[r * 3] = a + 0.5 * (b + c);
            f[r * 3 + 1] = 0.5 * (b - c);
            f[r * 3 + 2] = 0.5 * (b + c) + e;
        }
    }
}

/// `u` (in_ch, 16, images·tiles) = Bᵀ d B of every input tile d of a chunk.
fn transform_input(g: &Conv2dGeometry, tl: Tiles, input: &[f32], u: &mut [f32]) {
    let (ic, plane) = (g.in_channels, g.in_h * g.in_w);
    let images = input.len() / (ic * plane);
    let n_cols = images * tl.per_plane();
    u.par_chunks_mut(POS * n_cols).enumerate().for_each(|(c, u_c)| {
        let (mut split, mut cols) = (vec![0.0f32; tl.split_len()], vec![0.0f32; POS * tl.tw]);
        for n in 0..images {
            let x = &input[(n * ic + c) * plane..][..plane];
            tiles::input_plane(x, g.in_w, tl, &mut split, &mut cols, u_c, n_cols, n * tl.per_plane());
        }
    });
}

/// `out` (images, out_ch, h, w) = Aᵀ m A of every tile, plus the bias.
fn transform_output(g: &Conv2dGeometry, tl: Tiles, m: &[f32], bias: Option<&[f32]>, out: &mut [f32]) {
    let (oc, plane) = (g.out_channels, g.in_h * g.in_w);
    let n_cols = out.len() / (oc * plane) * tl.per_plane();
    out.par_chunks_mut(plane).enumerate().for_each(|(k, y)| {
        let (n, o) = (k / oc, k % oc);
        let b = bias.map_or(0.0, |b| b[o]);
        let mut rows = vec![0.0f32; 8 * tl.tw];
        tiles::output_plane(m, o, oc, n_cols, n * tl.per_plane(), b, g.in_h, g.in_w, tl, &mut rows, y);
    });
}

/// `z` (out_ch, 16, images·tiles) = A dy Aᵀ of every 2×2 tile of `grad_out`, zero past
/// the plane's edge: the adjoint of [`transform_output`].
fn transform_grad_out(g: &Conv2dGeometry, tl: Tiles, grad_out: &[f32], z: &mut [f32]) {
    let (oc, plane) = (g.out_channels, g.in_h * g.in_w);
    let images = grad_out.len() / (oc * plane);
    let n_cols = images * tl.per_plane();
    z.par_chunks_mut(POS * n_cols).enumerate().for_each(|(o, z_o)| {
        let mut t = vec![0.0f32; 8 * tl.tw];
        for n in 0..images {
            let dy = &grad_out[(n * oc + o) * plane..][..plane];
            tiles::grad_out_plane(dy, g.in_h, g.in_w, tl, &mut t, z_o, n_cols, n * tl.per_plane());
        }
    });
}

/// `grad_input` (images, in_ch, h, w) = Σ over tiles of B du Bᵀ, added where tiles
/// overlap and cropped of the padding: the adjoint of [`transform_input`].
fn transform_input_grad(g: &Conv2dGeometry, tl: Tiles, du: &[f32], grad_input: &mut [f32]) {
    let (ic, plane) = (g.in_channels, g.in_h * g.in_w);
    let n_cols = grad_input.len() / (ic * plane) * tl.per_plane();
    grad_input.par_chunks_mut(plane).enumerate().for_each(|(k, dx)| {
        let (n, c) = (k / ic, k % ic);
        let (mut split, mut t) = (vec![0.0f32; tl.split_len()], vec![0.0f32; POS * tl.tw]);
        tiles::input_grad_plane(du, c, ic, n_cols, n * tl.per_plane(), g.in_w, tl, &mut split, &mut t, dx);
    });
}
