//! The tile transforms of F(2×2, 3×3), one plane at a time: Bᵀ d B of the input tiles,
//! Aᵀ m A back to output tiles, and their adjoints for the gradients.
//!
//! A plane zero-padded by one is kept as its even and odd columns, so the four columns
//! of every tile in a tile row are four contiguous vectors (the even or odd array,
//! shifted by one for the right half of the tile); every loop below is then a plain
//! slice loop over the tiles of a row, which the compiler vectorises. Each function is
//! compiled for AVX2 when the CPU has it (`dispatch!`); helpers are inlined into it and
//! take their outputs as separate `&mut` parameters, so the compiler knows they do not
//! overlap.

// Flat kernel signatures: slices passed apart are what tells the compiler they are disjoint.
#![allow(clippy::too_many_arguments)]

use crate::fast_math::dispatch;

/// How a plane of (h, w) is cut into 2×2 output tiles.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tiles {
    /// Tile rows, ⌈h/2⌉.
    pub th: usize,
    /// Tile columns, ⌈w/2⌉.
    pub tw: usize,
    /// Rows of the padded plane, 2·th + 2.
    pub hp: usize,
    /// Length of a padded row's even (or odd) column array, tw + 1.
    pub half: usize,
}

impl Tiles {
    /// Tiles of an (h, w) plane.
    pub fn of(h: usize, w: usize) -> Tiles {
        let (th, tw) = (h.div_ceil(2), w.div_ceil(2));
        Tiles {
            th,
            tw,
            hp: 2 * th + 2,
            half: tw + 1,
        }
    }

    /// Tiles per plane.
    pub fn per_plane(&self) -> usize {
        self.th * self.tw
    }

    /// Elements of a padded plane (hp, 2·half), or of its even and odd columns apart.
    pub fn split_len(&self) -> usize {
        2 * self.hp * self.half
    }
}

/// `dst = a + sign·b`.
#[inline(always)]
fn combine(a: &[f32], b: &[f32], sign: f32, dst: &mut [f32]) {
    dst.iter_mut().zip(a.iter().zip(b)).for_each(|(d, (a, b))| *d = a + sign * b);
}

/// d·B of one padded row (2·half long) over every tile of it: the four transformed
/// columns. The stride-2 reads vectorise as interleaved loads.
#[inline(always)]
fn input_columns(row: &[f32], c0: &mut [f32], c1: &mut [f32], c2: &mut [f32], c3: &mut [f32]) {
    let n = c0.len();
    let (row, c1, c2, c3) = (&row[..2 * n + 2], &mut c1[..n], &mut c2[..n], &mut c3[..n]);
    for x in 0..n {
        let (d0, d1, d2, d3) = (row[2 * x], row[2 * x + 1], row[2 * x + 2], row[2 * x + 3]);
        c0[x] = d0 - d2;
        c1[x] = d1 + d2;
        c2[x] = d2 - d1;
        c3[x] = d1 - d3;
    }
}

/// Writes `plane` (rows of `w`) zero-padded by one into `padded` (hp, 2·half).
#[inline(always)]
fn pad(plane: &[f32], w: usize, tl: Tiles, padded: &mut [f32]) {
    let wp = 2 * tl.half;
    padded[..wp].fill(0.0);
    for (h, dst) in padded[wp..].chunks_exact_mut(wp).enumerate() {
        match plane.get(h * w..(h + 1) * w) {
            Some(row) => {
                dst[0] = 0.0;
                dst[1..=w].copy_from_slice(row);
                dst[w + 1..].fill(0.0);
            }
            None => dst.fill(0.0),
        }
    }
}

dispatch! {
    /// Bᵀ d B of every tile of one input `plane` (rows of `w`) into `u_c`, one channel's
    /// (16, n_cols) block, at columns `col0..col0 + tiles`. `padded` (split_len) and
    /// `cols` (16·tw) are scratch.
    pub(crate) fn input_plane(plane: &[f32], w: usize, tl: Tiles, padded: &mut [f32], cols: &mut [f32], u_c: &mut [f32], n_cols: usize, col0: usize) {
        let (tw, wp) = (tl.tw, 2 * tl.half);
        pad(plane, w, tl, padded);
        for ty in 0..tl.th {
            for (i, c4) in cols.chunks_exact_mut(4 * tw).enumerate() {
                let (c0, rest) = c4.split_at_mut(tw);
                let (c1, rest) = rest.split_at_mut(tw);
                let (c2, c3) = rest.split_at_mut(tw);
                input_columns(&padded[(2 * ty + i) * wp..][..wp], c0, c1, c2, c3);
            }
            let at = |i: usize, j: usize| &cols[(i * 4 + j) * tw..][..tw];
            let start = col0 + ty * tw;
            for j in 0..4 {
                let (r0, r1, r2, r3) = (at(0, j), at(1, j), at(2, j), at(3, j));
                let rows = [(0, r0, r2, -1.0), (1, r1, r2, 1.0), (2, r2, r1, -1.0), (3, r1, r3, -1.0)];
                for (i, a, b, sign) in rows {
                    combine(a, b, sign, &mut u_c[(i * 4 + j) * n_cols + start..][..tw]);
                }
            }
        }
    }
}

/// Aᵀ·m over the rows of a tile: `t0 = m0 + m1 + m2`, `t1 = m1 − m2 − m3`.
#[inline(always)]
fn output_rows(m0: &[f32], m1: &[f32], m2: &[f32], m3: &[f32], t0: &mut [f32], t1: &mut [f32]) {
    let n = t0.len();
    let (m0, m1, m2, m3, t1) = (&m0[..n], &m1[..n], &m2[..n], &m3[..n], &mut t1[..n]);
    for x in 0..n {
        t0[x] = m0[x] + m1[x] + m2[x];
        t1[x] = m1[x] - m2[x] - m3[x];
    }
}

/// One output row: columns 2x and 2x + 1 of every tile, plus `bias`.
#[inline(always)]
fn output_pairs(t0: &[f32], t1: &[f32], t2: &[f32], t3: &[f32], bias: f32, dst: &mut [f32]) {
    let mut pairs = dst.chunks_exact_mut(2);
    for (pair, (((a, b), c), d)) in pairs.by_ref().zip(t0.iter().zip(t1).zip(t2).zip(t3)) {
        pair[0] = a + b + c + bias;
        pair[1] = b - c - d + bias;
    }
    if let [last] = pairs.into_remainder() {
        let x = t0.len() - 1;
        *last = t0[x] + t1[x] + t2[x] + bias;
    }
}

dispatch! {
    /// One output plane `y` (h, w) = Aᵀ m A of its tiles plus `bias`: `m` holds the 16
    /// (channels, n_cols) products, this plane's channel is `o` of `oc` and its tiles
    /// start at column `col0`. `rows` (8·tw) is scratch.
    pub(crate) fn output_plane(m: &[f32], o: usize, oc: usize, n_cols: usize, col0: usize, bias: f32, h: usize, w: usize, tl: Tiles, rows: &mut [f32], y: &mut [f32]) {
        let tw = tl.tw;
        for ty in 0..tl.th {
            let start = col0 + ty * tw;
            let at = |i: usize, j: usize| &m[((i * 4 + j) * oc + o) * n_cols + start..][..tw];
            for j in 0..4 {
                let (t0, t1) = rows.split_at_mut(4 * tw);
                output_rows(at(0, j), at(1, j), at(2, j), at(3, j), &mut t0[j * tw..][..tw], &mut t1[j * tw..][..tw]);
            }
            for r in 0..2.min(h - 2 * ty) {
                let t = &rows[r * 4 * tw..][..4 * tw];
                let (t0, t1, t2, t3) = (&t[..tw], &t[tw..2 * tw], &t[2 * tw..3 * tw], &t[3 * tw..]);
                output_pairs(t0, t1, t2, t3, bias, &mut y[(2 * ty + r) * w..][..w]);
            }
        }
    }
}

/// dy·Aᵀ of one gradient row over every tile (the adjoint of [`output_pairs`]).
#[inline(always)]
fn grad_out_columns(row: &[f32], t0: &mut [f32], t1: &mut [f32], t2: &mut [f32], t3: &mut [f32]) {
    let (n, full) = (t0.len(), row.len() / 2);
    let (t1, t2, t3) = (&mut t1[..n], &mut t2[..n], &mut t3[..n]);
    for x in 0..full {
        let (e, o) = (row[2 * x], row[2 * x + 1]);
        (t0[x], t1[x], t2[x], t3[x]) = (e, e + o, e - o, -o);
    }
    if row.len() % 2 == 1 {
        let e = row[row.len() - 1];
        (t0[full], t1[full], t2[full], t3[full]) = (e, e, e, 0.0);
    }
}

dispatch! {
    /// A dy Aᵀ of every 2×2 tile of one gradient plane `dy` (h, w), zero past its edge,
    /// into `z_o`, one channel's (16, n_cols) block, at columns `col0..`. `t` (8·tw) is
    /// scratch.
    pub(crate) fn grad_out_plane(dy: &[f32], h: usize, w: usize, tl: Tiles, t: &mut [f32], z_o: &mut [f32], n_cols: usize, col0: usize) {
        let tw = tl.tw;
        for ty in 0..tl.th {
            t.fill(0.0);
            for r in 0..2.min(h - 2 * ty) {
                let (t0, rest) = t[r * 4 * tw..][..4 * tw].split_at_mut(tw);
                let (t1, rest) = rest.split_at_mut(tw);
                let (t2, t3) = rest.split_at_mut(tw);
                grad_out_columns(&dy[(2 * ty + r) * w..][..w], t0, t1, t2, t3);
            }
            let start = col0 + ty * tw;
            for j in 0..4 {
                let (a, b) = (&t[j * tw..][..tw], &t[(4 + j) * tw..][..tw]);
                z_o[j * n_cols + start..][..tw].copy_from_slice(a);
                for (i, sa, sb) in [(1, 1.0, 1.0), (2, 1.0, -1.0), (3, 0.0, -1.0)] {
                    let dst = &mut z_o[(i * 4 + j) * n_cols + start..][..tw];
                    dst.iter_mut().zip(a.iter().zip(b)).for_each(|(d, (a, b))| *d = sa * a + sb * b);
                }
            }
        }
    }
}

/// B·du over the rows of a tile (the adjoint of the input transform's row stage).
#[inline(always)]
fn input_grad_rows(d0: &[f32], d1: &[f32], d2: &[f32], d3: &[f32], t0: &mut [f32], t1: &mut [f32], t2: &mut [f32], t3: &mut [f32]) {
    let n = t0.len();
    let (d0, d1, d2, d3) = (&d0[..n], &d1[..n], &d2[..n], &d3[..n]);
    let (t1, t2, t3) = (&mut t1[..n], &mut t2[..n], &mut t3[..n]);
    for x in 0..n {
        t0[x] = d0[x];
        t1[x] = d1[x] - d2[x] + d3[x];
        t2[x] = d1[x] + d2[x] - d0[x];
        t3[x] = -d3[x];
    }
}

/// Adds ·Bᵀ of one tile row's four columns onto a padded row's even and odd arrays.
#[inline(always)]
fn input_grad_columns(t0: &[f32], t1: &[f32], t2: &[f32], t3: &[f32], e: &mut [f32], o: &mut [f32]) {
    let n = t0.len();
    let (t1, t2, t3) = (&t1[..n], &t2[..n], &t3[..n]);
    let (e0, o0) = (&mut e[..n], &mut o[..n]);
    for x in 0..n {
        e0[x] += t0[x];
        o0[x] += t1[x] - t2[x] + t3[x];
    }
    let (e1, o1) = (&mut e[1..=n], &mut o[1..=n]);
    for x in 0..n {
        e1[x] += t1[x] + t2[x] - t0[x];
        o1[x] -= t3[x];
    }
}

dispatch! {
    /// One input-gradient plane `dx` (rows of `w`) = Σ over its tiles of B du Bᵀ, added
    /// where tiles overlap and cropped of the padding: `du` holds the 16 (channels,
    /// n_cols) products, this plane's channel is `c` of `ic`, its tiles start at column
    /// `col0`. `split` (split_len) and `t` (16·tw) are scratch.
    pub(crate) fn input_grad_plane(du: &[f32], c: usize, ic: usize, n_cols: usize, col0: usize, w: usize, tl: Tiles, split: &mut [f32], t: &mut [f32], dx: &mut [f32]) {
        let tw = tl.tw;
        split.fill(0.0);
        for ty in 0..tl.th {
            let start = col0 + ty * tw;
            let at = |i: usize, j: usize| &du[((i * 4 + j) * ic + c) * n_cols + start..][..tw];
            for j in 0..4 {
                let (t0, rest) = t.split_at_mut(4 * tw);
                let (t1, rest) = rest.split_at_mut(4 * tw);
                let (t2, t3) = rest.split_at_mut(4 * tw);
                let (t0, t1, t2, t3) = (&mut t0[j * tw..][..tw], &mut t1[j * tw..][..tw], &mut t2[j * tw..][..tw], &mut t3[j * tw..][..tw]);
                input_grad_rows(at(0, j), at(1, j), at(2, j), at(3, j), t0, t1, t2, t3);
            }
            let (even, odd) = split.split_at_mut(tl.hp * tl.half);
            for i in 0..4 {
                let r = &t[i * 4 * tw..][..4 * tw];
                let (t0, t1, t2, t3) = (&r[..tw], &r[tw..2 * tw], &r[2 * tw..3 * tw], &r[3 * tw..]);
                let e = &mut even[(2 * ty + i) * tl.half..][..tl.half];
                let o = &mut odd[(2 * ty + i) * tl.half..][..tl.half];
                input_grad_columns(t0, t1, t2, t3, e, o);
            }
        }
        let (even, odd) = split.split_at(tl.hp * tl.half);
        let full = w / 2;
        for (h, row) in dx.chunks_exact_mut(w).enumerate() {
            let (e, o) = (&even[(h + 1) * tl.half..][..tl.half], &odd[(h + 1) * tl.half..][..tl.half]);
            let mut pairs = row.chunks_exact_mut(2);
            for (pair, (o, e)) in pairs.by_ref().zip(o[..full].iter().zip(&e[1..=full])) {
                (pair[0], pair[1]) = (*o, *e);
            }
            if let [last] = pairs.into_remainder() {
                *last = o[full];
            }
        }
    }
}
