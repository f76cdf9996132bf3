//! Fully connected layer, PyTorch layout: `y = x · Wᵀ + b`, W of shape (out, in).

use crate::{init, join_name, Forward, Module};
use descent_tensor::{is_grad_enabled, Param, Rng, Tensor};
use std::sync::Mutex;

/// An affine map on the last dimension.
///
/// ```
/// use descent_nn::{named_params, Forward, Linear};
/// use descent_tensor::Tensor;
/// // W (out 2, in 3) and b (2): y = x · Wᵀ + b.
/// let layer = Linear::from_tensors(
///     Tensor::from_vec(vec![1.0, 0.0, 0.0, 0.0, 1.0, 1.0], &[2, 3]),
///     Some(Tensor::from_vec(vec![0.5, -0.5], &[2])),
/// );
/// let y = layer.forward(&Tensor::from_vec(vec![1.0, 2.0, 3.0], &[1, 3]));
/// assert_eq!(y.to_vec(), [1.5, 4.5]);
/// // Parameters carry PyTorch's names; Σy's gradient for each row of W is x.
/// let names: Vec<String> = named_params(&layer).into_iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["weight", "bias"]);
/// let grads = y.sum_all().backward();
/// assert_eq!(grads.get_param(&layer.weight).unwrap().to_vec(), [1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);
/// ```
pub struct Linear {
    /// Weight (out_features, in_features).
    pub weight: Param,
    /// Bias (out_features), if any.
    pub bias: Option<Param>,
    /// For forward passes without gradients: Wᵀ as a dense (in, out) tensor, beside the
    /// weight value it was copied from (holding that value makes any update write a new
    /// one, so the pair goes stale instead of wrong).
    transposed: Mutex<Option<(Tensor, Tensor)>>,
}

impl Linear {
    /// PyTorch-default initialised layer with bias.
    pub fn new(in_features: usize, out_features: usize, rng: &mut Rng) -> Linear {
        let weight = init::pytorch_default(&[out_features, in_features], in_features, rng);
        let bias = init::pytorch_default(&[out_features], in_features, rng);
        Linear::from_tensors(weight, Some(bias))
    }

    /// A layer from given values (weight (out, in), optional bias (out)).
    pub fn from_tensors(weight: Tensor, bias: Option<Tensor>) -> Linear {
        assert_eq!(weight.rank(), 2, "Linear: weight must be (out, in), got {:?}", weight.shape());
        if let Some(b) = &bias {
            assert_eq!(
                b.shape(),
                &[weight.dim(0)],
                "Linear: bias {:?} does not match weight {:?}",
                b.shape(),
                weight.shape()
            );
        }
        Linear {
            weight: Param::new(weight),
            bias: bias.map(Param::new),
            transposed: Mutex::new(None),
        }
    }

    /// Wᵀ (in, out), the right operand of `x · Wᵀ`. With gradients on it is a view of
    /// the weight; without (generation, evaluation) a dense copy kept until the weight
    /// changes: the matrix product reads that layout without packing it on every call
    /// (generation without a cache multiplies by the same weights at every token).
    pub fn weight_t(&self) -> Tensor {
        let w = self.weight.value();
        let mut cache = self.transposed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if is_grad_enabled() {
            // Training: let go of any copy, so that the optimizer updates in place.
            *cache = None;
            return w.t();
        }
        match &*cache {
            Some((source, wt)) if source.same_tensor(&w) => wt.clone(),
            _ => {
                let wt = w.t().contiguous();
                *cache = Some((w, wt.clone()));
                wt
            }
        }
    }
}

impl Forward for Linear {
    fn forward(&self, x: &Tensor) -> Tensor {
        let y = x.matmul(&self.weight_t()); // (.., out)
        match &self.bias {
            Some(b) => y.add(&b.value()),
            None => y,
        }
    }
}

impl Module for Linear {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        f(&join_name(prefix, "weight"), &self.weight);
        if let Some(b) = &self.bias {
            f(&join_name(prefix, "bias"), b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use descent_tensor::no_grad;

    #[test]
    fn no_grad_forward_follows_weight_updates_and_matches_the_graph_path() {
        let layer = Linear::new(5, 3, &mut Rng::new(7));
        let x = Tensor::from_vec((0..10).map(|i| i as f32 * 0.3 - 1.0).collect(), &[2, 5]);
        let with_grad = layer.forward(&x).to_vec();
        let cached = no_grad(|| layer.forward(&x)).to_vec();
        let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(a, b)| (a - b).abs() <= 1e-6 * (1.0 + b.abs()));
        assert!(close(&cached, &with_grad), "{cached:?} vs {with_grad:?}");
        // An optimizer-style update after the cache was made must show in the next pass.
        layer.weight.update(|w| w.iter_mut().for_each(|v| *v += 1.0));
        let updated = no_grad(|| layer.forward(&x)).to_vec();
        let expected = layer.forward(&x).to_vec();
        assert!(close(&updated, &expected), "stale Wᵀ: {updated:?} vs {expected:?}");
        assert!(!close(&updated, &cached), "the update changed nothing");
    }
}
