//! Branch-free `exp` and `erf` for slices, so the compiler vectorises them (8 lanes under
//! AVX2+FMA, picked at run time; plain code otherwise). The transformer's hot elementwise
//! work — GELU forward and backward, attention and cross-entropy softmaxes — calls
//! transcendental functions on millions of values per step, where libm's scalar calls
//! cost more than the matrix products around them.
//!
//! * [`exp`]: Cephes' `expf` (range reduction by ln 2 in two parts, degree-6 polynomial,
//!   2ⁿ built in the exponent bits); within 2 ulp of libm on [−87, 88].
//! * [`sigmoid`] through [`exp`]; [`tanh`]: Eigen's rational minimax approximation, a few
//!   ulp (both the LSTM cell's and the tensor ops').
//! * [`erf`]: Eigen's rational approximation `x·P(x²)/Q(x²)` on [−4, 4] (±1 beyond, as in
//!   f32); absolute error ≤ 4.2e-7.
//!
//! The references are libm's `expf`/`erff` (`tests/fast_math.rs` compares them).

use std::f32::consts::FRAC_1_SQRT_2;

const LOG2E: f32 = std::f32::consts::LOG2_E;
/// 1.5·2²³: adding it rounds an f32 of magnitude < 2²² to an integer (in the low bits).
const ROUND_MAGIC: f32 = 12_582_912.0;
const INV_SQRT_2PI: f32 = 0.398_942_3;

/// eˣ without branches (inputs are clamped to [−87.3, 88.3]; the result there is
/// within the f32 normal range).
#[inline(always)]
pub fn exp(x: f32) -> f32 {
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

/// The logistic sigmoid 1/(1 + e⁻ˣ) through [`exp`] (clamped, so no overflow to ∞;
/// absolute error under 2e-7): the crate's only σ, behind the LSTM cell, `Tensor::sigmoid`,
/// SiLU, softplus's gradient and binary cross-entropy's.
#[inline(always)]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// tanh as Eigen's rational minimax approximation (a few ulp), clamped where it
/// reaches ±1 in f32; tiny inputs return x.
#[inline(always)]
pub fn tanh(x: f32) -> f32 {
    let y = x.clamp(-7.905_311, 7.905_311);
    let y2 = y * y;
    let p = -2.760_768_4e-16_f32;
    let p = p * y2 + 2.000_188e-13;
    let p = p * y2 - 8.604_672e-11;
    let p = p * y2 + 5.122_297_3e-8;
    let p = p * y2 + 1.485_722_35e-5;
    let p = p * y2 + 6.372_619_5e-4;
    let p = (p * y2 + 4.893_524_6e-3) * y;
    let q = 1.198_258_4e-6_f32;
    let q = q * y2 + 1.185_347_1e-4;
    let q = q * y2 + 2.268_434_7e-3;
    let q = q * y2 + 4.893_525e-3;
    if x.abs() < 4e-4 {
        x
    } else {
        p / q
    }
}

/// erf(x) as a rational function (Eigen's `generic_fast_erf_float`).
#[inline(always)]
pub fn erf(x: f32) -> f32 {
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

/// Exact-form GELU 0.5·z·(1 + erf(z/√2)) through the fast [`erf`].
#[inline(always)]
pub fn gelu(z: f32) -> f32 {
    0.5 * z * (1.0 + erf(z * FRAC_1_SQRT_2))
}

/// d GELU / dz = Φ(z) + z·φ(z) through the fast [`erf`] and [`exp`].
#[inline(always)]
pub fn gelu_grad(z: f32) -> f32 {
    0.5 * (1.0 + erf(z * FRAC_1_SQRT_2)) + z * INV_SQRT_2PI * exp(-0.5 * z * z)
}

/// Sum of a slice with 8 independent accumulators (vectorisable, unlike a serial sum).
#[inline(always)]
pub fn sum(x: &[f32]) -> f32 {
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

/// Σ (x − c)² with 8 independent accumulators (a variance's numerator, vectorisable).
#[inline(always)]
pub fn sum_squared_deviations(x: &[f32], c: f32) -> f32 {
    let mut acc = [0.0f32; 8];
    let chunks = x.chunks_exact(8);
    let tail: f32 = chunks.remainder().iter().map(|&v| (v - c) * (v - c)).sum();
    for ch in chunks {
        for i in 0..8 {
            acc[i] += (ch[i] - c) * (ch[i] - c);
        }
    }
    acc.iter().sum::<f32>() + tail
}

/// Σ f(a[i], b[i]) in eight interleaved f32 lanes, which LLVM vectorises (it may not
/// reorder a single f32 chain).
#[inline]
pub(crate) fn lane_sum(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(&x, &y)| f(x, y)).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            lanes[i] += f(x[i], y[i]);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Largest value of a slice with 8 independent lanes (vectorisable); −∞ when empty.
#[inline(always)]
pub fn max(x: &[f32]) -> f32 {
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

/// Defines `$vis fn $name($args)` running `$body` compiled for AVX2+FMA when the CPU has
/// them, and for the baseline otherwise. The body must be plain slice loops.
macro_rules! dispatch {
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) $body:block) => {
        $(#[$doc])*
        $vis fn $name($($arg: $ty),*) {
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
pub(crate) use dispatch;

dispatch! {
    /// `x[i] ← exp(x[i]·scale − shift)` in place.
    pub fn exp_scaled_in_place(x: &mut [f32], scale: f32, shift: f32) {
        x.iter_mut().for_each(|v| *v = exp(*v * scale - shift));
    }
}

dispatch! {
    /// `out[i] = g·exp(x[i] − shift)` (a softmax row times g).
    pub fn scaled_exp(x: &[f32], shift: f32, g: f32, out: &mut [f32]) {
        out.iter_mut().zip(x).for_each(|(o, &v)| *o = g * exp(v - shift));
    }
}

dispatch! {
    /// `out[r] = log Σ exp(row r)` over rows of `n` values (max-shifted, stable).
    pub fn log_sum_exp_rows(x: &[f32], n: usize, out: &mut [f32]) {
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
