//! Parameter-free layers: activations, flatten, pooling, upsampling, dropout.

use crate::{join_name, Forward, Module};
use descent_tensor::{Param, Rng, Tensor};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// An elementwise nonlinearity (or softmax) as a layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// max(x, 0)
    Relu,
    /// Logistic sigmoid.
    Sigmoid,
    /// tanh.
    Tanh,
    /// Exact GELU.
    Gelu,
    /// Heaviside step (threshold unit, no gradient).
    Step,
    /// Softmax over the last dim.
    Softmax,
    /// Leaky ReLU with the given negative slope (DCGAN's discriminator: 0.2).
    LeakyRelu(f32),
    /// SiLU (swish): x·σ(x).
    Silu,
    /// Softplus ln(1 + eˣ).
    Softplus,
}

impl Forward for Activation {
    fn forward(&self, x: &Tensor) -> Tensor {
        match self {
            Activation::Relu => x.relu(),
            Activation::Sigmoid => x.sigmoid(),
            Activation::Tanh => x.tanh(),
            Activation::Gelu => x.gelu(),
            Activation::Step => x.step(),
            Activation::Softmax => x.softmax(x.rank() - 1),
            Activation::LeakyRelu(slope) => x.leaky_relu(*slope),
            Activation::Silu => x.silu(),
            Activation::Softplus => x.softplus(),
        }
    }
}

impl Module for Activation {
    fn visit(&self, _prefix: &str, _f: &mut dyn FnMut(&str, &Param)) {}
}

/// Folds every dim after the batch dim into one (channel-major for NCHW, as PyTorch).
pub struct Flatten;

impl Forward for Flatten {
    fn forward(&self, x: &Tensor) -> Tensor {
        x.flatten_from(1)
    }
}

impl Module for Flatten {
    fn visit(&self, _prefix: &str, _f: &mut dyn FnMut(&str, &Param)) {}
}

/// Square-window pooling layer.
#[derive(Clone, Copy, Debug)]
pub enum Pool2d {
    /// Max over each window.
    Max {
        /// Window size (stride equals it).
        kernel: usize,
    },
    /// Mean over each window.
    Avg {
        /// Window size (stride equals it).
        kernel: usize,
    },
}

impl Forward for Pool2d {
    fn forward(&self, x: &Tensor) -> Tensor {
        match *self {
            Pool2d::Max { kernel } => x.max_pool2d(kernel, kernel),
            Pool2d::Avg { kernel } => x.avg_pool2d(kernel, kernel),
        }
    }
}

impl Module for Pool2d {
    fn visit(&self, _prefix: &str, _f: &mut dyn FnMut(&str, &Param)) {}
}

/// Nearest-neighbour upsampling of (N, C, H, W) by an integer factor (PyTorch's
/// `nn.Upsample(scale_factor=scale, mode="nearest")`).
#[derive(Clone, Copy, Debug)]
pub struct Upsample {
    /// Factor on both spatial axes.
    pub scale: usize,
}

impl Forward for Upsample {
    fn forward(&self, x: &Tensor) -> Tensor {
        x.upsample_nearest2d(self.scale)
    }
}

impl Module for Upsample {
    fn visit(&self, _prefix: &str, _f: &mut dyn FnMut(&str, &Param)) {}
}

/// Inverted dropout (Srivastava et al. 2014): in training, zeroes each element with
/// probability `p` and scales survivors by 1/(1−p); identity in evaluation.
pub struct Dropout {
    p: f32,
    training: AtomicBool,
    rng: Mutex<Rng>,
}

impl Dropout {
    /// Dropout with drop probability `p` in [0, 1), masks drawn from `seed`.
    pub fn new(p: f32, seed: u64) -> Dropout {
        assert!((0.0..1.0).contains(&p), "Dropout: p = {p} must be in [0, 1)");
        Dropout {
            p,
            training: AtomicBool::new(true),
            rng: Mutex::new(Rng::new(seed)),
        }
    }
}

impl Forward for Dropout {
    fn forward(&self, x: &Tensor) -> Tensor {
        if !self.training.load(Ordering::Relaxed) || self.p == 0.0 {
            return x.clone();
        }
        let keep = 1.0 - self.p;
        let mut rng = self.rng.lock().expect("dropout rng poisoned");
        let mask: Vec<f32> = (0..x.numel())
            .map(|_| if rng.uniform() < keep { 1.0 / keep } else { 0.0 })
            .collect();
        x.mul(&Tensor::from_vec(mask, x.shape()))
    }
}

impl Module for Dropout {
    fn visit(&self, _prefix: &str, _f: &mut dyn FnMut(&str, &Param)) {}

    fn set_training(&self, training: bool) {
        self.training.store(training, Ordering::Relaxed);
    }
}

/// Layers applied in order; parameters named by position (`"0.weight"`) or by the
/// names given.
#[derive(Default)]
pub struct Sequential {
    layers: Vec<(String, Box<dyn Forward + Send + Sync>)>,
}

impl Sequential {
    /// An empty stack.
    pub fn new() -> Sequential {
        Sequential::default()
    }

    /// Appends a layer named by its position.
    #[allow(clippy::should_implement_trait)] // builder-style, as nn.Sequential; not `+`
    pub fn add(mut self, layer: impl Forward + Send + Sync + 'static) -> Sequential {
        let name = self.layers.len().to_string();
        self.layers.push((name, Box::new(layer)));
        self
    }

    /// Appends a layer under an explicit name (e.g. `"conv1"`).
    pub fn add_named(mut self, name: &str, layer: impl Forward + Send + Sync + 'static) -> Sequential {
        self.layers.push((name.to_string(), Box::new(layer)));
        self
    }

    /// Number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// True when there are no layers.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// Output of every layer in turn (for inspection, e.g. activations per layer).
    pub fn forward_all(&self, x: &Tensor) -> Vec<Tensor> {
        let mut outs = Vec::with_capacity(self.layers.len());
        let mut h = x.clone();
        for (_, layer) in &self.layers {
            h = layer.forward(&h);
            outs.push(h.clone());
        }
        outs
    }
}

impl Forward for Sequential {
    fn forward(&self, x: &Tensor) -> Tensor {
        self.layers.iter().fold(x.clone(), |h, (_, layer)| layer.forward(&h))
    }
}

impl Module for Sequential {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        for (name, layer) in &self.layers {
            layer.visit(&join_name(prefix, name), f);
        }
    }

    fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        for (name, layer) in &self.layers {
            layer.visit_buffers(&join_name(prefix, name), f);
        }
    }

    fn set_training(&self, training: bool) {
        self.layers.iter().for_each(|(_, l)| l.set_training(training));
    }
}
