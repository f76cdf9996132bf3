//! Branch-free `exp` and `erf` for slices, so the compiler vectorises them (8 lanes under
//! AVX2+FMA, picked at run time; plain code otherwise). The transformer's hot elementwise
//! work — GELU forward and backward, attention and cross-entropy softmaxes — calls
//! transcendental functions on millions of values per step, where libm's scalar calls
//! cost more than the matrix products around them.
//!
//! * `exp`: Cephes' `expf` (range reduction by ln 2 in two parts, degree-6 polynomial,
//!   2ⁿ built in the exponent bits); within 2 ulp of libm on [−87, 88].
//! * `erf`: Eigen's rational approximation `x·P(x²)/Q(x²)` on [−4, 4] (±1 beyond, as in
//!   f32); absolute error ≤ 4.2e-7 (tests compare both with libm).

use std::f32::consts::FRAC_1_SQRT_2;

const LOG2E: f32 = std::f32::consts::LOG2_E;
/// 1.5·2²³: adding it rounds an f32 of magnitude < 2²² to an integer (in the low bits).
const ROUND_MAGIC: f32 = 12_582_912.0;
const INV_SQRT_2PI: f32 = 0.398_942_3;

/// eˣ without branches (inputs are clamped to [−87.3, 88.3]; the result there is
/// within the f32 normal range).
#[inline(always)]
pub(crate) fn exp(x: f32) -> f32 {
    let x = x.clamp(-87.3, 88.3);
    let t = x * LOG2E + ROUND_MAGIC;
    let n = t - ROUND_MAGIC; // round(x / ln 2)
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    let k = (t.to_bits() as i32).wrapping_sub(ROUND_MAGIC.to_bits() as i32); // n as an integer
    y * f32::from_bits(((k + 127) << 23) as u32)
}

/// erf(x) as a rational function (Eigen's `generic_fast_erf_float`).
#[inline(always)]
pub(crate) fn erf(x: f32) -> f32 {
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = -2.726_142_3e-10f32;
    p = p * x2 + 2.770_681_4e-8;
    p = p * x2 + -2.101_024e-6;
    p = p * x2 + -5.692_506_4e-5;
    p = p * x2 + -7.349_906_3e-4;
    p = p * x2 + -2.954_6e-3;
    p = p * x2 + -1.609_603_3e-2;
    let mut q = -1.456_607_2e-5f32;
    q = q * x2 + -2.133_740_6e-4;
    q = q * x2 + -1.682_827e-3;
    q = q * x2 + -7.373_329e-3;
    q = q * x2 + -1.426_474e-2;
    x * p / q
}

/// Exact-form GELU 0.5·z·(1 + erf(z/√2)).
#[inline(always)]
pub(crate) fn gelu(z: f32) -> f32 {
    0.5 * z * (1.0 + erf(z * FRAC_1_SQRT_2))
}

/// d GELU / dz = Φ(z) + z·φ(z).
#[inline(always)]
pub(crate) fn gelu_grad(z: f32) -> f32 {
    0.5 * (1.0 + erf(z * FRAC_1_SQRT_2)) + z * INV_SQRT_2PI * exp(-0.5 * z * z)
}

/// Defines `pub(crate) fn $name($args)` running `$body` compiled for AVX2+FMA when the
/// CPU has them, and for the baseline otherwise. The body must be plain slice loops.
macro_rules! dispatch {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) $body:block) => {
        $(#[$doc])*
        pub(crate) fn $name($($arg: $ty),*) {
            #[inline(always)]
            fn body($($arg: $ty),*) $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx2,fma")]
                unsafe fn wide($($arg: $ty),*) {
                    body($($arg),*)
                }
                if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                    // SAFETY: the CPU supports the features `wide` was compiled for.
                    return unsafe { wide($($arg),*) };
                }
            }
            body($($arg),*)
        }
    };
}

dispatch! {
    /// `x[i] ← exp(x[i]·scale − shift)` in place.
    fn exp_scaled_in_place(x: &mut [f32], scale: f32, shift: f32) {
        x.iter_mut().for_each(|v| *v = exp(*v * scale - shift));
    }
}

dispatch! {
    /// `out[i] = g·exp(x[i] − shift)` (a softmax row times g).
    fn scaled_exp(x: &[f32], shift: f32, g: f32, out: &mut [f32]) {
        out.iter_mut().zip(x).for_each(|(o, &v)| *o = g * exp(v - shift));
    }
}

dispatch! {
    /// `y = gelu(x + b)` over rows of `b.len()` values.
    fn bias_gelu_rows(x: &[f32], b: &[f32], y: &mut [f32]) {
        for (yr, xr) in y.chunks_mut(b.len()).zip(x.chunks(b.len())) {
            yr.iter_mut().zip(xr.iter().zip(b)).for_each(|(o, (&xv, &bv))| *o = gelu(xv + bv));
        }
    }
}

dispatch! {
    /// `dx = dy · gelu'(x + b)` over rows of `b.len()` values.
    fn bias_gelu_grad_rows(x: &[f32], b: &[f32], dy: &[f32], dx: &mut [f32]) {
        let n = b.len();
        for ((dr, xr), gr) in dx.chunks_mut(n).zip(x.chunks(n)).zip(dy.chunks(n)) {
            for i in 0..n {
                dr[i] = gr[i] * gelu_grad(xr[i] + b[i]);
            }
        }
    }
}

/// Sum of a slice with 8 independent accumulators (vectorisable, unlike a serial sum).
#[inline(always)]
pub(crate) fn sum(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = x.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for i in 0..8 {
            acc[i] += c[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Largest value of a slice with 8 independent lanes (vectorisable); −∞ when empty.
#[inline(always)]
pub(crate) fn max(x: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; 8];
    let chunks = x.chunks_exact(8);
    let tail = chunks.remainder().iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
    for c in chunks {
        for i in 0..8 {
            acc[i] = acc[i].max(c[i]);
        }
    }
    acc.iter().fold(tail, |m, &v| m.max(v))
}

dispatch! {
    /// `out[r] = log Σ exp(row r)` over rows of `n` values (max-shifted, stable).
    fn log_sum_exp_rows(x: &[f32], n: usize, out: &mut [f32]) {
        for (o, row) in out.iter_mut().zip(x.chunks(n)) {
            let m = max(row);
            let mut acc = [0.0f32; 8];
            let chunks = row.chunks_exact(8);
            let tail: f32 = chunks.remainder().iter().map(|&v| exp(v - m)).sum();
            for c in chunks {
                for i in 0..8 {
                    acc[i] += exp(c[i] - m);
                }
            }
            *o = m + (acc.iter().sum::<f32>() + tail).ln();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_is_within_two_ulp_of_libm() {
        let mut worst = 0.0f32;
        for i in -87_000..88_000 {
            let x = i as f32 * 1e-3 + 0.000_37;
            let (fast, exact) = (exp(x), x.exp());
            worst = worst.max((fast - exact).abs() / exact);
        }
        assert!(worst < 2.5e-7, "relative error {worst}");
        let mut v = vec![1.0f32, 2.0, -3.0];
        exp_scaled_in_place(&mut v, 2.0, 1.0);
        assert!((v[0] - 1f32.exp()).abs() < 1e-6 && (v[2] - (-7f32).exp()).abs() < 1e-9);
    }

    #[test]
    fn erf_and_gelu_match_libm() {
        for i in -6000..6000 {
            let x = i as f32 * 1e-3;
            assert!((erf(x) - libm::erff(x)).abs() <= 4.5e-7, "erf({x})");
            let exact = 0.5 * x * (1.0 + libm::erff(x * FRAC_1_SQRT_2));
            // erf's absolute error, halved and scaled by |x|, plus rounding.
            assert!((gelu(x) - exact).abs() <= 2.5e-7 * x.abs() + 1e-6 * exact.abs() + 1e-7, "gelu({x})");
        }
    }

    #[test]
    fn log_sum_exp_matches_the_definition() {
        let row: Vec<f32> = (0..37).map(|i| (i as f32 * 0.37).sin() * 5.0).collect();
        let mut out = [0.0f32; 1];
        log_sum_exp_rows(&row, row.len(), &mut out);
        let exact = row.iter().map(|&v| (v as f64).exp()).sum::<f64>().ln();
        assert!((out[0] as f64 - exact).abs() < 1e-5);
        assert_eq!(max(&row), row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v)));
    }
}
