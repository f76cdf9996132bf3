//! Scalar functions (and derivatives) of the ReLU relatives: leaky ReLU (DCGAN's
//! discriminator), SiLU (diffusion U-Nets) and softplus, built on
//! [`fast_math::sigmoid`], the crate's one logistic sigmoid.
//! The tensor layer maps them over slices; they follow PyTorch's definitions at the
//! edges (derivative at 0, softplus's switch to x above 20).
//!
//! SiLU, σ and tanh also have slice kernels ([`silu_forward`], [`silu_backward`],
//! [`sigmoid_forward`], [`tanh_forward`]) through the
//! branch-free [`fast_math::exp`](crate::fast_math::exp), 8 lanes wide under AVX2: a
//! diffusion U-Net applies it to every activation twice per residual block, too often
//! for libm's scalar `expf`. The scalar [`silu`] and
//! [`silu_grad`] are their references.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use crate::fast_math::{self, dispatch, exp, sigmoid, tanh};
use crate::PARALLEL_THRESHOLD;

/// Leaky ReLU: x for x > 0, else `slope`·x.
#[inline]
pub fn leaky_relu(x: f32, slope: f32) -> f32 {
    if x > 0.0 {
        x
    } else {
        x * slope
    }
}

/// Derivative of [`leaky_relu`]: 1 for x > 0, else `slope` (PyTorch's value at 0).
#[inline]
pub fn leaky_relu_grad(x: f32, slope: f32) -> f32 {
    if x > 0.0 {
        1.0
    } else {
        slope
    }
}

/// SiLU (swish): x·σ(x).
#[inline]
pub fn silu(x: f32) -> f32 {
    x * sigmoid(x)
}

/// Derivative of [`silu`]: σ(x)·(1 + x·(1 − σ(x))).
#[inline]
pub fn silu_grad(x: f32) -> f32 {
    let s = sigmoid(x);
    s * (1.0 + x * (1.0 - s))
}

dispatch! {
    /// `y = x·σ(x)` over one block.
    fn silu_block(x: &[f32], y: &mut [MaybeUninit<f32>]) {
        y.iter_mut().zip(x).for_each(|(y, &x)| {
            y.write(x / (1.0 + exp(-x)));
        });
    }
}

dispatch! {
    /// `y = σ(x)` over one block.
    fn sigmoid_block(x: &[f32], y: &mut [MaybeUninit<f32>]) {
        y.iter_mut().zip(x).for_each(|(y, &x)| {
            y.write(fast_math::sigmoid(x));
        });
    }
}

dispatch! {
    /// `y = tanh(x)` over one block.
    fn tanh_block(x: &[f32], y: &mut [MaybeUninit<f32>]) {
        y.iter_mut().zip(x).for_each(|(y, &x)| {
            y.write(tanh(x));
        });
    }
}

dispatch! {
    /// `dx = dy·σ(x)·(1 + x·(1 − σ(x)))` over one block.
    fn silu_grad_block(x: &[f32], dy: &[f32], dx: &mut [MaybeUninit<f32>]) {
        for ((d, &x), &g) in dx.iter_mut().zip(x).zip(dy) {
            let s = fast_math::sigmoid(x);
            d.write(g * s * (1.0 + x * (1.0 - s)));
        }
    }
}

/// Elements per parallel task of the slice kernels.
const BLOCK: usize = PARALLEL_THRESHOLD / 4;

/// Runs `block` over matching blocks of `x` and `y` (same length), in parallel when large.
fn map_blocks(x: &[f32], y: &mut [MaybeUninit<f32>], what: &str, block: fn(&[f32], &mut [MaybeUninit<f32>])) {
    assert_eq!(x.len(), y.len(), "{what}: input has {} elements, output {}", x.len(), y.len());
    if x.len() >= PARALLEL_THRESHOLD {
        y.par_chunks_mut(BLOCK).zip(x.par_chunks(BLOCK)).for_each(|(y, x)| block(x, y));
    } else {
        block(x, y);
    }
}

/// `y = silu(x)` elementwise, writing every element of `y` (same length as `x`, possibly
/// uninitialised: a fresh output needs no zero-fill); within a few ulp of [`silu`],
/// parallel when large.
pub fn silu_forward(x: &[f32], y: &mut [MaybeUninit<f32>]) {
    map_blocks(x, y, "silu", silu_block);
}

/// `y = σ(x)` elementwise like [`silu_forward`], through [`fast_math::sigmoid`]. The
/// 1989 LeNet's activation, on every unit of every layer: too hot for libm's scalar `expf`.
pub fn sigmoid_forward(x: &[f32], y: &mut [MaybeUninit<f32>]) {
    map_blocks(x, y, "sigmoid", sigmoid_block);
}

/// `y = tanh(x)` elementwise like [`silu_forward`], through [`fast_math::tanh`](tanh);
/// within a few ulp of libm's.
pub fn tanh_forward(x: &[f32], y: &mut [MaybeUninit<f32>]) {
    map_blocks(x, y, "tanh", tanh_block);
}

/// `dx = dy·silu'(x)` elementwise, writing every element of `dx`; within a few ulp of
/// [`silu_grad`].
pub fn silu_backward(x: &[f32], dy: &[f32], dx: &mut [MaybeUninit<f32>]) {
    assert!(
        x.len() == dy.len() && x.len() == dx.len(),
        "silu backward: input has {} elements, dy {}, dx {}",
        x.len(),
        dy.len(),
        dx.len()
    );
    if x.len() >= PARALLEL_THRESHOLD {
        let blocks = dx.par_chunks_mut(BLOCK).zip(x.par_chunks(BLOCK).zip(dy.par_chunks(BLOCK)));
        blocks.for_each(|(dx, (x, dy))| silu_grad_block(x, dy, dx));
    } else {
        silu_grad_block(x, dy, dx);
    }
}

/// Above this, softplus returns x itself (PyTorch's default `threshold=20`).
pub const SOFTPLUS_THRESHOLD: f32 = 20.0;

/// Softplus: ln(1 + eˣ), and x itself above [`SOFTPLUS_THRESHOLD`] (as PyTorch).
#[inline]
pub fn softplus(x: f32) -> f32 {
    if x > SOFTPLUS_THRESHOLD {
        x
    } else {
        x.exp().ln_1p()
    }
}

/// Derivative of [`softplus`]: σ(x), and 1 above the threshold.
#[inline]
pub fn softplus_grad(x: f32) -> f32 {
    if x > SOFTPLUS_THRESHOLD {
        1.0
    } else {
        sigmoid(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rectifiers_match_their_f64_formulas_and_derivatives() {
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        for i in -400..=400 {
            let x = i as f32 * 0.07; // −28 … 28, across softplus's threshold
            let xd = x as f64;
            let close = |a: f32, b: f64| (a as f64 - b).abs() <= 1e-6 * (1.0 + b.abs());
            assert!(close(sigmoid(x), sig(xd)), "sigmoid({x})");
            assert!(close(silu(x), xd * sig(xd)), "silu({x})");
            assert!(close(silu_grad(x), sig(xd) * (1.0 + xd * (1.0 - sig(xd)))), "silu'({x})");
            let sp = if xd > 20.0 { xd } else { xd.exp().ln_1p() };
            assert!(close(softplus(x), sp), "softplus({x})");
            assert!(close(softplus_grad(x), if xd > 20.0 { 1.0 } else { sig(xd) }), "softplus'({x})");
            assert_eq!(leaky_relu(x, 0.2), if x > 0.0 { x } else { 0.2 * x });
        }
        assert_eq!((leaky_relu_grad(0.0, 0.2), leaky_relu_grad(1e-9, 0.2)), (0.2, 1.0));
        assert!(softplus(-100.0) >= 0.0 && softplus(100.0) == 100.0);
    }

    /// An awkward length (blocks and an 8-lane tail) of values over [−60, 60], then far
    /// tails, signed zeros and tiny values, and `last`.
    fn awkward_inputs(last: f32) -> Vec<f32> {
        let mut x: Vec<f32> = (0..PARALLEL_THRESHOLD + 13)
            .map(|i| ((i * 7919) % 20001) as f32 * 0.006 - 60.0)
            .collect();
        x.extend([0.0, -0.0, 1e-30, -1e-30, 88.0, -88.0, 200.0, -200.0, last]);
        x
    }

    /// Both slice kernels into fresh outputs.
    fn run(x: &[f32], dy: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let (mut y, mut dx) = (vec![MaybeUninit::uninit(); x.len()], vec![MaybeUninit::uninit(); x.len()]);
        silu_forward(x, &mut y);
        silu_backward(x, dy, &mut dx);
        // SAFETY: both kernels write every element.
        let init = |v: Vec<MaybeUninit<f32>>| v.into_iter().map(|v| unsafe { v.assume_init() }).collect();
        (init(y), init(dx))
    }

    #[test]
    fn silu_slice_kernels_match_the_scalar_references() {
        let x = awkward_inputs(f32::MIN_POSITIVE);
        let dy: Vec<f32> = (0..x.len()).map(|i| 1.0 - (i % 5) as f32 * 0.4).collect();
        let (y, dx) = run(&x, &dy);
        let close = |a: f32, b: f32| (a - b).abs() <= 2e-6 * (1.0 + b.abs());
        for i in 0..x.len() {
            assert!(close(y[i], silu(x[i])), "silu({}) = {} vs {}", x[i], y[i], silu(x[i]));
            let want = dy[i] * silu_grad(x[i]);
            assert!(close(dx[i], want), "silu'({}) = {} vs {want}", x[i], dx[i]);
        }
        for short in [0, 1, 7, 9] {
            let (y, dx) = run(&x[..short], &dy[..short]);
            assert!(y.iter().zip(&x).all(|(&y, &x)| close(y, silu(x))));
            assert!(dx.iter().zip(&x).zip(&dy).all(|((&d, &x), &g)| close(d, g * silu_grad(x))));
        }
    }

    #[test]
    fn sigmoid_and_tanh_slice_kernels_match_libm() {
        let x = awkward_inputs(f32::NAN);
        for len in [x.len(), 0, 1, 9] {
            let x = &x[..len];
            let (mut s, mut t) = (vec![MaybeUninit::uninit(); len], vec![MaybeUninit::uninit(); len]);
            sigmoid_forward(x, &mut s);
            tanh_forward(x, &mut t);
            for i in 0..len {
                // SAFETY: both kernels write every element.
                let (s, t) = unsafe { (s[i].assume_init(), t[i].assume_init()) };
                let (ws, wt) = ((1.0 / (1.0 + (-x[i] as f64).exp())) as f32, x[i].tanh());
                if x[i].is_nan() {
                    assert!(s.is_nan() && t.is_nan(), "NaN must stay NaN: σ {s}, tanh {t}");
                    continue;
                }
                assert!((s - ws).abs() <= 2e-7 + 1e-6 * ws, "sigmoid({}) = {s} vs {ws}", x[i]);
                assert!((t - wt).abs() <= 3e-7, "tanh({}) = {t} vs {wt}", x[i]);
            }
        }
    }
}
