//! The LSTM kernel's elementwise work: the per-row forward and backward cell kernels,
//! compiled once per SIMD level (AVX-512, AVX2+FMA, baseline) and picked at run time,
//! with `fast_math`'s branch-free σ and tanh so their loops vectorise.

use crate::fast_math::{sigmoid, tanh};
use std::mem::MaybeUninit;

// ---- per-row cell kernels (hot loops, compiled per SIMD level) ----------------------------

/// Forward cell for one batch row of a chunk: `z` holds the pre-activations
/// `[i | f | g | o]` (4·len) and receives the activations; writes c_t (into `c_out`,
/// which may be uninitialised) and h_t.
#[inline(always)]
fn cell_forward_row(z: &mut [f32], c_prev: &[f32], c_out: &mut [MaybeUninit<f32>], h_out: &mut [f32]) {
    let len = c_prev.len();
    let (zi, rest) = z.split_at_mut(len);
    let (zf, rest) = rest.split_at_mut(len);
    let (zg, zo) = rest.split_at_mut(len);
    let (zo, c_out, h_out) = (&mut zo[..len], &mut c_out[..len], &mut h_out[..len]);
    for u in 0..len {
        let (i, f, g, o) = (sigmoid(zi[u]), sigmoid(zf[u]), tanh(zg[u]), sigmoid(zo[u]));
        let c = f * c_prev[u] + i * g;
        (zi[u], zf[u], zg[u], zo[u]) = (i, f, g, o);
        c_out[u].write(c);
        h_out[u] = o * tanh(c);
    }
}

/// Backward cell for one batch row of a chunk. `gates` are the four activation slices,
/// `dh` the total gradient reaching h_t, `dc` the carried gradient of c_t (updated to
/// that of c_{t−1}); writes the pre-activation gradients `dz = [di | df | dg | do]`.
#[inline(always)]
fn cell_backward_row(gates: [&[f32]; 4], c: &[f32], c_prev: &[f32], dh: &[f32], dc: &mut [f32], dz: &mut [f32]) {
    let len = c.len();
    let [gi, gf, gg, go] = gates.map(|g| &g[..len]);
    let (c_prev, dh, dc) = (&c_prev[..len], &dh[..len], &mut dc[..len]);
    let (dzi, rest) = dz.split_at_mut(len);
    let (dzf, rest) = rest.split_at_mut(len);
    let (dzg, dzo) = rest.split_at_mut(len);
    let dzo = &mut dzo[..len];
    for u in 0..len {
        let (i, f, g, o) = (gi[u], gf[u], gg[u], go[u]);
        let tc = tanh(c[u]);
        let dct = dc[u] + dh[u] * o * (1.0 - tc * tc);
        dzi[u] = dct * g * i * (1.0 - i);
        dzf[u] = dct * c_prev[u] * f * (1.0 - f);
        dzg[u] = dct * i * (1.0 - g * g);
        dzo[u] = dh[u] * tc * o * (1.0 - o);
        dc[u] = dct * f;
    }
}

/// Runs a row kernel compiled for the best SIMD level this CPU has (the same source,
/// vectorised by LLVM at 16, 8 or 4 lanes).
macro_rules! simd_dispatch {
    ($name:ident, $generic:ident, ($($arg:ident: $ty:ty),*)) => {
        pub(super) fn $name($($arg: $ty),*) {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
                fn wide($($arg: $ty),*) { $generic($($arg),*) }
                #[target_feature(enable = "avx2,fma")]
                fn narrow($($arg: $ty),*) { $generic($($arg),*) }
                if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl") {
                    // SAFETY: the CPU has the features `wide` was compiled for.
                    return unsafe { wide($($arg),*) };
                }
                if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                    // SAFETY: as above, for `narrow`.
                    return unsafe { narrow($($arg),*) };
                }
            }
            $generic($($arg),*)
        }
    };
}

simd_dispatch!(cell_forward, cell_forward_row, (z: &mut [f32], c_prev: &[f32], c_out: &mut [MaybeUninit<f32>], h_out: &mut [f32]));
simd_dispatch!(cell_backward, cell_backward_row, (gates: [&[f32]; 4], c: &[f32], c_prev: &[f32], dh: &[f32], dc: &mut [f32], dz: &mut [f32]));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fast_math::exp;

    #[test]
    fn fast_exp_sigmoid_and_tanh_match_std() {
        let mut worst = [0.0f32; 3];
        for i in -40_000..=40_000 {
            let x = i as f32 * 5e-4; // [−20, 20]
            let rel = |a: f32, b: f32| (a - b).abs() / b.abs().max(1e-30);
            if x.abs() < 15.0 {
                worst[0] = worst[0].max(rel(exp(x), x.exp()));
            }
            worst[1] = worst[1].max((sigmoid(x) - 1.0 / (1.0 + (-x).exp())).abs());
            worst[2] = worst[2].max((tanh(x) - x.tanh()).abs());
        }
        assert!(worst[0] < 3e-7, "exp relative error {}", worst[0]);
        assert!(worst[1] < 2e-7 && worst[2] < 3e-7, "sigmoid/tanh absolute errors {worst:?}");
        assert!((0.0..1e-30).contains(&sigmoid(-200.0)));
        assert!(sigmoid(200.0) == 1.0 && tanh(200.0) > 0.999_999 && tanh(-1e-6) == -1e-6);
    }
}
