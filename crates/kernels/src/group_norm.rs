//! Group normalisation (Wu & He 2018) of (N, C, *) tensors, forward and backward,
//! beside naive references.
//!
//! The channels of each image are split into `groups` consecutive groups; each (image,
//! group) is one contiguous row of (C/groups)·inner values, normalised by its own mean
//! and biased variance (ε inside the root), then scaled and shifted per channel. Unlike
//! batch norm it does not depend on the batch, so diffusion U-Nets use it at any batch
//! size. Images go parallel; the per-channel weight and bias gradients are summed per
//! image and then reduced in image order, so results do not depend on the thread count.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use crate::batch_norm::ChannelShape;
use crate::fast_math::lane_sum;
use crate::PARALLEL_THRESHOLD;

fn check(s: &ChannelShape, groups: usize, what: &str, actual: usize, expected: usize) {
    assert!(
        groups >= 1 && s.channels % groups == 0,
        "group_norm: {} channels do not split into {groups} groups",
        s.channels
    );
    assert_eq!(
        actual, expected,
        "group_norm: {what} has {actual} elements, expected {expected} for {s:?}"
    );
}

/// Runs `body(n, items)` for each image, `items` being that image's slices of each
/// buffer (cut into `sizes[k]`-element pieces), in parallel when the tensor is large.
fn per_image<T: Send, const K: usize>(
    s: &ChannelShape,
    bufs: [&mut [T]; K],
    sizes: [usize; K],
    body: impl Fn(usize, [&mut [T]; K]) + Sync,
) {
    let mut items: Vec<[&mut [T]; K]> = Vec::with_capacity(s.batch);
    let mut rests = bufs;
    for _ in 0..s.batch {
        let mut item: [&mut [T]; K] = std::array::from_fn(|_| Default::default());
        for k in 0..K {
            let (head, tail) = std::mem::take(&mut rests[k]).split_at_mut(sizes[k]);
            item[k] = head;
            rests[k] = tail;
        }
        items.push(item);
    }
    if s.len() >= PARALLEL_THRESHOLD && rayon::current_num_threads() > 1 {
        items.into_par_iter().enumerate().for_each(|(n, item)| body(n, item));
    } else {
        items.into_iter().enumerate().for_each(|(n, item)| body(n, item));
    }
}

/// Group norm forward: writes every element of `y` (like x; it may be uninitialised) and
/// overwrites `stats` ((batch, groups, 2): each row's mean and 1/√(var + eps)). Shapes:
/// x (batch, channels, inner); weight and bias (channels).
#[allow(clippy::too_many_arguments)] // a flat kernel signature reads better than a struct
pub fn group_norm_forward(
    s: &ChannelShape,
    groups: usize,
    x: &[f32],
    weight: &[f32],
    bias: &[f32],
    eps: f32,
    y: &mut [MaybeUninit<f32>],
    stats: &mut [f32],
) {
    check(s, groups, "input", x.len(), s.len());
    check(s, groups, "output", y.len(), s.len());
    check(s, groups, "weight", weight.len(), s.channels);
    check(s, groups, "bias", bias.len(), s.channels);
    check(s, groups, "stats", stats.len(), 2 * s.batch * groups);
    let (image, row, per_group) = (s.channels * s.inner, s.channels / groups * s.inner, s.channels / groups);
    // SAFETY: only initialised values are written through this view of `stats`.
    let stats = unsafe { &mut *(stats as *mut [f32] as *mut [MaybeUninit<f32>]) };
    per_image(s, [y, stats], [image, 2 * groups], |n, [y, st]| {
        let x = &x[n * image..][..image];
        for (g, ((yr, xr), st)) in y
            .chunks_exact_mut(row.max(1))
            .zip(x.chunks_exact(row.max(1)))
            .zip(st.chunks_exact_mut(2))
            .enumerate()
        {
            let mean = lane_sum(xr, xr, |v, _| v) / row as f32;
            let var = lane_sum(xr, xr, |v, _| (v - mean) * (v - mean)) / row as f32;
            let rstd = 1.0 / (var + eps).sqrt();
            st[0].write(mean);
            st[1].write(rstd);
            let planes = yr.chunks_exact_mut(s.inner.max(1)).zip(xr.chunks_exact(s.inner.max(1)));
            for (c, (yp, xp)) in (g * per_group..).zip(planes) {
                let (a, b) = (rstd * weight[c], bias[c] - mean * rstd * weight[c]);
                yp.iter_mut().zip(xp).for_each(|(y, &x)| {
                    y.write(x * a + b);
                });
            }
        }
    });
}

/// Group norm backward. Overwrites `grad_input` (when given) with dx, `grad_weight`
/// with Σ dy·x̂ and `grad_bias` with Σ dy per channel. `stats` as the forward wrote it.
#[allow(clippy::too_many_arguments)] // a flat kernel signature reads better than a struct
pub fn group_norm_backward(
    s: &ChannelShape,
    groups: usize,
    x: &[f32],
    grad_out: &[f32],
    stats: &[f32],
    weight: &[f32],
    grad_input: Option<&mut [f32]>,
    grad_weight: &mut [f32],
    grad_bias: &mut [f32],
) {
    check(s, groups, "input", x.len(), s.len());
    check(s, groups, "grad_out", grad_out.len(), s.len());
    check(s, groups, "stats", stats.len(), 2 * s.batch * groups);
    for (what, v) in [("weight", weight), ("grad_weight", &*grad_weight), ("grad_bias", &*grad_bias)] {
        check(s, groups, what, v.len(), s.channels);
    }
    let (c_n, inner, image) = (s.channels, s.inner.max(1), s.channels * s.inner);
    let (row, per_group) = (c_n / groups * s.inner, c_n / groups);
    // Per image: Σ dy·x̂ and Σ dy per channel, (batch, 2, channels), reduced below.
    let mut partial = vec![0.0f32; s.batch * 2 * c_n];
    let mut scratch = Vec::new();
    let dx = match grad_input {
        Some(dx) => {
            check(s, groups, "grad_input", dx.len(), s.len());
            dx
        }
        None => {
            scratch.resize(s.len(), 0.0);
            &mut scratch[..]
        }
    };
    per_image(s, [dx, &mut partial], [image, 2 * c_n], |n, [dx, part]| {
        let (dw, db) = part.split_at_mut(c_n);
        let (x, dy) = (&x[n * image..][..image], &grad_out[n * image..][..image]);
        for g in 0..groups {
            let (mean, rstd) = (stats[2 * (n * groups + g)], stats[2 * (n * groups + g) + 1]);
            let channels = g * per_group..(g + 1) * per_group;
            // Row sums of dŷ = dy·w and dŷ·x̂, and the channel sums on the way.
            let (mut sum_g, mut sum_gx) = (0.0f32, 0.0f32);
            for c in channels.clone() {
                let (xp, gp) = (&x[c * inner..][..s.inner], &dy[c * inner..][..s.inner]);
                let sg = lane_sum(gp, gp, |g, _| g);
                let sgx = lane_sum(gp, xp, |g, v| g * (v - mean)) * rstd;
                (dw[c], db[c]) = (sgx, sg);
                sum_g += sg * weight[c];
                sum_gx += sgx * weight[c];
            }
            let (mg, mgx) = (sum_g / row as f32, sum_gx / row as f32);
            for c in channels {
                let (xp, gp) = (&x[c * inner..][..s.inner], &dy[c * inner..][..s.inner]);
                let w = weight[c];
                // dx = rstd·(dy·w − mg − x̂·mgx), x̂ = (x − mean)·rstd.
                let (a, b) = (rstd * w, -rstd * rstd * mgx);
                let c0 = -rstd * mg - b * mean;
                let d = &mut dx[c * inner..][..s.inner];
                d.iter_mut()
                    .zip(gp.iter().zip(xp))
                    .for_each(|(d, (&g, &v))| *d = a * g + b * v + c0);
            }
        }
    });
    grad_weight.fill(0.0);
    grad_bias.fill(0.0);
    for part in partial.chunks_exact(2 * c_n) {
        grad_weight.iter_mut().zip(&part[..c_n]).for_each(|(d, s)| *d += s);
        grad_bias.iter_mut().zip(&part[c_n..]).for_each(|(d, s)| *d += s);
    }
}

/// Naive f64 reference for [`group_norm_forward`]'s output (tests only).
pub fn group_norm_forward_reference(s: &ChannelShape, groups: usize, x: &[f32], weight: &[f32], bias: &[f32], eps: f32, y: &mut [f32]) {
    let (row, per_group) = (s.channels / groups * s.inner, s.channels / groups);
    for (r, (xr, yr)) in x.chunks(row).zip(y.chunks_mut(row)).enumerate() {
        let mean = xr.iter().map(|&v| v as f64).sum::<f64>() / row as f64;
        let var = xr.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / row as f64;
        let rstd = 1.0 / (var + eps as f64).sqrt();
        for (i, (&v, o)) in xr.iter().zip(yr.iter_mut()).enumerate() {
            let c = (r % groups) * per_group + i / s.inner;
            *o = ((v as f64 - mean) * rstd * weight[c] as f64 + bias[c] as f64) as f32;
        }
    }
}

/// Naive f64 reference for [`group_norm_backward`], every output (tests only): the
/// textbook formula dx = rstd/M·(M·dŷ − Σdŷ − x̂·Σdŷ·x̂) per row.
#[allow(clippy::too_many_arguments)]
pub fn group_norm_backward_reference(
    s: &ChannelShape,
    groups: usize,
    x: &[f32],
    grad_out: &[f32],
    weight: &[f32],
    eps: f32,
    grad_input: &mut [f32],
    grad_weight: &mut [f32],
    grad_bias: &mut [f32],
) {
    let (row, per_group) = (s.channels / groups * s.inner, s.channels / groups);
    let (mut dw, mut db) = (vec![0.0f64; s.channels], vec![0.0f64; s.channels]);
    for r in 0..s.batch * groups {
        let (xr, gr) = (&x[r * row..][..row], &grad_out[r * row..][..row]);
        let mean = xr.iter().map(|&v| v as f64).sum::<f64>() / row as f64;
        let var = xr.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / row as f64;
        let rstd = 1.0 / (var + eps as f64).sqrt();
        let channel = |i: usize| (r % groups) * per_group + i / s.inner;
        let xhat = |i: usize| (xr[i] as f64 - mean) * rstd;
        let dxhat = |i: usize| gr[i] as f64 * weight[channel(i)] as f64;
        let sum: f64 = (0..row).map(dxhat).sum();
        let sum_x: f64 = (0..row).map(|i| dxhat(i) * xhat(i)).sum();
        for i in 0..row {
            let m = row as f64;
            grad_input[r * row + i] = (rstd / m * (m * dxhat(i) - sum - xhat(i) * sum_x)) as f32;
            dw[channel(i)] += gr[i] as f64 * xhat(i);
            db[channel(i)] += gr[i] as f64;
        }
    }
    grad_weight.iter_mut().zip(&dw).for_each(|(d, &v)| *d = v as f32);
    grad_bias.iter_mut().zip(&db).for_each(|(d, &v)| *d = v as f32);
}
