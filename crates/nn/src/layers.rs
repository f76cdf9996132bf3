//! Layers with parameters beyond Linear: 2-D convolution, embedding, layer norm.

use crate::{init, join_name, Forward, Module};
use descent_tensor::{Param, Rng, Tensor};

/// 2-D convolution, weight (out, in, k, k), NCHW (PyTorch layout and default init).
pub struct Conv2d {
    /// Kernel (out_channels, in_channels, k, k).
    pub weight: Param,
    /// Per-output-channel bias.
    pub bias: Option<Param>,
    /// Step between windows.
    pub stride: usize,
    /// Zero padding on each side.
    pub padding: usize,
}

impl Conv2d {
    /// PyTorch-default initialised convolution with bias.
    pub fn new(in_channels: usize, out_channels: usize, kernel: usize, stride: usize, padding: usize, rng: &mut Rng) -> Conv2d {
        let fan_in = in_channels * kernel * kernel;
        let weight = init::pytorch_default(&[out_channels, in_channels, kernel, kernel], fan_in, rng);
        let bias = init::pytorch_default(&[out_channels], fan_in, rng);
        Conv2d {
            weight: Param::new(weight),
            bias: Some(Param::new(bias)),
            stride,
            padding,
        }
    }
}

impl Forward for Conv2d {
    fn forward(&self, x: &Tensor) -> Tensor {
        let bias = self.bias.as_ref().map(|b| b.value());
        x.conv2d(&self.weight.value(), bias.as_ref(), self.stride, self.padding)
    }
}

impl Module for Conv2d {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        f(&join_name(prefix, "weight"), &self.weight);
        if let Some(b) = &self.bias {
            f(&join_name(prefix, "bias"), b);
        }
    }
}

/// Lookup table of learned vectors: ids → rows of `weight` (num_embeddings, dim).
pub struct Embedding {
    /// Table (num_embeddings, dim), N(0, 1) initialised like PyTorch.
    pub weight: Param,
}

impl Embedding {
    /// A table of `count` vectors of size `dim`.
    pub fn new(count: usize, dim: usize, rng: &mut Rng) -> Embedding {
        Embedding {
            weight: Param::new(Tensor::randn(&[count, dim], rng)),
        }
    }

    /// Rows for `ids`, shaped `batch_shape + [dim]`.
    pub fn lookup(&self, ids: &[usize], batch_shape: &[usize]) -> Tensor {
        let w = self.weight.value();
        let count = w.dim(0);
        if let Some(&bad) = ids.iter().find(|&&i| i >= count) {
            panic!("Embedding: id {bad} is not below the table size {count}");
        }
        let mut shape = batch_shape.to_vec();
        shape.push(w.dim(1));
        w.index_select(0, ids).reshape(&shape)
    }
}

impl Forward for Embedding {
    /// Ids given as an f32 tensor of whole numbers.
    fn forward(&self, ids: &Tensor) -> Tensor {
        let ids_usize: Vec<usize> = ids.to_vec().iter().map(|&x| x as usize).collect();
        self.lookup(&ids_usize, ids.shape())
    }
}

impl Module for Embedding {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        f(&join_name(prefix, "weight"), &self.weight);
    }
}

/// Layer normalisation over the last dim (biased variance, ε inside the root), with
/// learned gain and bias (Ba et al. 2016); `forward` is the fused op
/// [`Tensor::layer_norm`].
pub struct LayerNorm {
    /// Gain (dim), starts at 1.
    pub weight: Param,
    /// Bias (dim), starts at 0.
    pub bias: Param,
    /// Added to the variance.
    pub eps: f32,
}

impl LayerNorm {
    /// Normalisation over a last dim of size `dim`, ε = 1e-5 (PyTorch's default).
    pub fn new(dim: usize) -> LayerNorm {
        LayerNorm::with_eps(dim, 1e-5)
    }

    /// Normalisation over a last dim of size `dim` with ε = `eps` (BERT uses 1e-12).
    pub fn with_eps(dim: usize, eps: f32) -> LayerNorm {
        LayerNorm {
            weight: Param::new(Tensor::ones(&[dim])),
            bias: Param::new(Tensor::zeros(&[dim])),
            eps,
        }
    }
}

impl Forward for LayerNorm {
    fn forward(&self, x: &Tensor) -> Tensor {
        x.layer_norm(&self.weight.value(), &self.bias.value(), self.eps)
    }
}

impl Module for LayerNorm {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        f(&join_name(prefix, "weight"), &self.weight);
        f(&join_name(prefix, "bias"), &self.bias);
    }
}
