//! Weight initialisers (Glorot/Xavier, He/Kaiming, PyTorch's layer defaults).
//!
//! Each draws from an explicit [`Rng`], so a seed fixes every starting weight.

use descent_tensor::{Rng, Tensor};

/// Xavier/Glorot uniform: U(±gain·√(6/(fan_in+fan_out))) — keeps activation variance
/// steady through tanh/sigmoid layers (Glorot & Bengio 2010).
pub fn xavier_uniform(shape: &[usize], fan_in: usize, fan_out: usize, gain: f32, rng: &mut Rng) -> Tensor {
    let bound = gain * (6.0 / (fan_in + fan_out) as f32).sqrt();
    Tensor::uniform(shape, -bound, bound, rng)
}

/// Xavier/Glorot normal: N(0, gain²·2/(fan_in+fan_out)).
pub fn xavier_normal(shape: &[usize], fan_in: usize, fan_out: usize, gain: f32, rng: &mut Rng) -> Tensor {
    let std = gain * (2.0 / (fan_in + fan_out) as f32).sqrt();
    Tensor::randn(shape, rng).mul_scalar(std)
}

/// Kaiming/He uniform for ReLU nets: U(±√(6/fan_in)) (He et al. 2015).
pub fn kaiming_uniform(shape: &[usize], fan_in: usize, rng: &mut Rng) -> Tensor {
    let bound = (6.0 / fan_in as f32).sqrt();
    Tensor::uniform(shape, -bound, bound, rng)
}

/// Kaiming/He normal for ReLU nets: N(0, 2/fan_in).
pub fn kaiming_normal(shape: &[usize], fan_in: usize, rng: &mut Rng) -> Tensor {
    Tensor::randn(shape, rng).mul_scalar((2.0 / fan_in as f32).sqrt())
}

/// PyTorch's default for Linear and Conv weights and biases: U(±1/√fan_in)
/// (kaiming_uniform with a = √5), so our layers start where PyTorch's do.
pub fn pytorch_default(shape: &[usize], fan_in: usize, rng: &mut Rng) -> Tensor {
    let bound = 1.0 / (fan_in as f32).sqrt();
    Tensor::uniform(shape, -bound, bound, rng)
}
