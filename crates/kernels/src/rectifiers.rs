//! Scalar functions (and derivatives) of the ReLU relatives: leaky ReLU (DCGAN's
//! discriminator), SiLU (diffusion U-Nets), softplus, and a stable logistic sigmoid.
//! The tensor layer maps them over slices; they follow PyTorch's definitions at the
//! edges (derivative at 0, softplus's switch to x above 20).

/// Logistic sigmoid 1/(1 + e⁻ˣ), without overflow for large |x|.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

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
}
