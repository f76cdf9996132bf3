//! Fully connected layer, PyTorch layout: `y = x · Wᵀ + b`, W of shape (out, in).

use crate::{init, join_name, Forward, Module};
use descent_tensor::{Param, Rng, Tensor};

/// An affine map on the last dimension.
pub struct Linear {
    /// Weight (out_features, in_features).
    pub weight: Param,
    /// Bias (out_features), if any.
    pub bias: Option<Param>,
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
        }
    }
}

impl Forward for Linear {
    fn forward(&self, x: &Tensor) -> Tensor {
        let y = x.matmul(&self.weight.value().t()); // (.., out)
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
