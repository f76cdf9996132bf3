//! An AlexNet-style convolutional network for 32×32 colour images (Krizhevsky,
//! Sutskever & Hinton 2012, at CIFAR scale): three convolution blocks — convolution,
//! optional batch norm, ReLU (or tanh), overlapping max-pooling — then a hidden fully
//! connected layer with dropout and the class logits.
//!
//! One configurable class serves the `alexnet` milestone's variants (ReLU vs tanh,
//! dropout on/off, batch norm, widths) and the W8 benchmark network of
//! `../shared/bench/WORKLOADS.md`. Parameter names follow PyTorch attribute names
//! (`conv1.weight`, `bn2.running_mean`, `fc1.bias`). A trained network is saved with its
//! class names as kind `cifarnet` ([`CifarClassifier`]), so `descent classify` can
//! rebuild it from the file alone.

use crate::saved::SavedModel;
use crate::ModelError;
use descent_nn::{join_name, BatchNorm, Conv2d, Dropout, Forward, Linear, Module};
use descent_tensor::{Param, Rng, Tensor};
use serde::{Deserialize, Serialize};

/// The nonlinearity after each convolution and the hidden layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Nonlinearity {
    /// max(0, x): AlexNet's choice ("non-saturating").
    Relu,
    /// tanh: the saturating unit it replaced.
    Tanh,
}

impl Nonlinearity {
    /// `relu` or `tanh`.
    pub fn name(self) -> &'static str {
        match self {
            Nonlinearity::Relu => "relu",
            Nonlinearity::Tanh => "tanh",
        }
    }

    fn apply(self, x: &Tensor) -> Tensor {
        match self {
            Nonlinearity::Relu => x.relu(),
            Nonlinearity::Tanh => x.tanh(),
        }
    }
}

/// How the weights start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeightInit {
    /// PyTorch's layer defaults (uniform, bound 1/√fan_in): what bench.py's network uses.
    Pytorch,
    /// Normal with std = gain/√fan_in and zero biases, the gain of the nonlinearity
    /// (√2 for ReLU — He et al. 2015 — and 5/3 for tanh, PyTorch's `calculate_gain`), so
    /// neither unit starts with signals that shrink layer by layer.
    Fan,
}

/// Max-pooling window: AlexNet's overlapping pool is kernel 3, stride 2 (padding 1 keeps
/// 32 → 16 → 8 → 4); kernel 2, stride 2 is the classic non-overlapping one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolShape {
    /// Window side.
    pub kernel: usize,
    /// Step between windows.
    pub stride: usize,
    /// Implicit −∞ border.
    pub padding: usize,
}

impl PoolShape {
    /// Side of the output for an input side `n`.
    pub fn out(self, n: usize) -> usize {
        (n + 2 * self.padding - self.kernel) / self.stride + 1
    }
}

/// The shape of a [`CifarNet`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CifarNetConfig {
    /// Output channels of the three convolutions.
    pub widths: [usize; 3],
    /// Kernel sides of the three convolutions (padding keeps the size: `k / 2`).
    pub kernels: [usize; 3],
    /// Width of the hidden fully connected layer.
    pub hidden: usize,
    /// ReLU or tanh.
    pub nonlinearity: Nonlinearity,
    /// Dropout probability before the last layer (0 turns it off).
    pub dropout: f32,
    /// The max-pool after each convolution block.
    pub pool: PoolShape,
    /// Batch norm after convolution i (before the nonlinearity).
    pub batch_norm: [bool; 3],
    /// Number of classes.
    pub classes: usize,
    /// Initial weights.
    pub init: WeightInit,
}

impl CifarNetConfig {
    /// The milestone's AlexNet-style network: ReLU, overlapping max-pool 3/2 (padding 1),
    /// dropout 0.5, no batch norm, with the given widths.
    pub fn alexnet(widths: [usize; 3], hidden: usize) -> CifarNetConfig {
        CifarNetConfig {
            widths,
            kernels: [5, 5, 3],
            hidden,
            nonlinearity: Nonlinearity::Relu,
            dropout: 0.5,
            pool: PoolShape {
                kernel: 3,
                stride: 2,
                padding: 1,
            },
            batch_norm: [false; 3],
            classes: 10,
            init: WeightInit::Fan,
        }
    }

    /// W8 of WORKLOADS.md (bench.py's `CifarNet`): widths 32/64/128, max-pool 2/2, batch
    /// norm after the second and third convolutions, hidden 256, dropout 0.5.
    pub fn w8() -> CifarNetConfig {
        CifarNetConfig {
            pool: PoolShape {
                kernel: 2,
                stride: 2,
                padding: 0,
            },
            batch_norm: [false, true, true],
            init: WeightInit::Pytorch,
            ..CifarNetConfig::alexnet([32, 64, 128], 256)
        }
    }

    /// Side of the last feature map for 32×32 inputs.
    pub fn final_side(&self) -> usize {
        (0..3).fold(32, |n, _| self.pool.out(n))
    }

    /// Checks the sizes before anything is allocated: widths, kernels and hidden units
    /// in `1..=MAX_DIM`, odd kernels, a pool that leaves at least one pixel, a dropout
    /// probability in [0, 1), and a bounded parameter count.
    pub fn validate(&self) -> Result<(), ModelError> {
        let [w0, w1, w2] = self.widths;
        let [k0, k1, k2] = self.kernels;
        crate::limits::check_dims(&[
            ("widths[0]", w0),
            ("widths[1]", w1),
            ("widths[2]", w2),
            ("kernels[0]", k0),
            ("kernels[1]", k1),
            ("kernels[2]", k2),
            ("hidden", self.hidden),
            ("classes", self.classes),
            ("pool.kernel", self.pool.kernel),
            ("pool.stride", self.pool.stride),
        ])?;
        if self.kernels.iter().any(|k| k % 2 == 0 || *k > 31) {
            return Err(ModelError::invalid(format!(
                "config 'kernels' = {:?} must be odd and at most 31",
                self.kernels
            )));
        }
        let fits = |n: usize| n + 2 * self.pool.padding >= self.pool.kernel && self.pool.padding < self.pool.kernel;
        if (0..3).try_fold(32usize, |n, _| fits(n).then(|| self.pool.out(n))).is_none() {
            return Err(ModelError::invalid(format!(
                "config 'pool' = {:?} does not fit 32×32 images",
                self.pool
            )));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(ModelError::invalid(format!(
                "config 'dropout' = {} is outside [0, 1)",
                self.dropout
            )));
        }
        crate::limits::check_count("parameters", self.parameter_count())
    }

    /// Parameters and batch-norm buffers of a network of these sizes (exact, in u128).
    pub fn parameter_count(&self) -> u128 {
        let w = self.widths.map(|x| x as u128);
        let k = self.kernels.map(|x| x as u128);
        let inputs = [3, w[0], w[1]];
        let side = self.final_side() as u128;
        let convs: u128 = (0..3).map(|i| w[i] * inputs[i] * k[i] * k[i] + w[i]).sum();
        let norms: u128 = (0..3).filter(|&i| self.batch_norm[i]).map(|i| 4 * w[i]).sum();
        let (h, c) = (self.hidden as u128, self.classes as u128);
        convs + norms + w[2] * side * side * h + h + h * c + c
    }
}

/// The network: `[conv → (bn) → nonlinearity → max-pool] × 3 → fc1 → nonlinearity →
/// dropout → fc2`.
pub struct CifarNet {
    /// The three convolutions (3 → w0 → w1 → w2 channels).
    pub convs: [Conv2d; 3],
    /// Batch norms after the convolutions that have one.
    pub norms: [Option<BatchNorm>; 3],
    /// Flattened features → hidden.
    pub fc1: Linear,
    /// Hidden → class logits.
    pub fc2: Linear,
    dropout: Dropout,
    /// The shape it was built with.
    pub config: CifarNetConfig,
}

impl CifarNet {
    /// PyTorch-default initialised network; dropout masks drawn from `dropout_seed`
    /// (data-parallel ranks pass different ones).
    pub fn new(config: &CifarNetConfig, rng: &mut Rng, dropout_seed: u64) -> CifarNet {
        let [w0, w1, w2] = config.widths;
        let [k0, k1, k2] = config.kernels;
        let convs = [
            Conv2d::new(3, w0, k0, 1, k0 / 2, rng),
            Conv2d::new(w0, w1, k1, 1, k1 / 2, rng),
            Conv2d::new(w1, w2, k2, 1, k2 / 2, rng),
        ];
        let norms = [0, 1, 2].map(|i| config.batch_norm[i].then(|| BatchNorm::new(config.widths[i])));
        let side = config.final_side();
        let net = CifarNet {
            convs,
            norms,
            fc1: Linear::new(w2 * side * side, config.hidden, rng),
            fc2: Linear::new(config.hidden, config.classes, rng),
            dropout: Dropout::new(config.dropout, dropout_seed),
            config: config.clone(),
        };
        if config.init == WeightInit::Fan {
            let gain = match config.nonlinearity {
                Nonlinearity::Relu => 2f32.sqrt(),
                Nonlinearity::Tanh => 5.0 / 3.0,
            };
            let layers: [(&Param, &Option<Param>, f32); 5] = [
                (&net.convs[0].weight, &net.convs[0].bias, gain),
                (&net.convs[1].weight, &net.convs[1].bias, gain),
                (&net.convs[2].weight, &net.convs[2].bias, gain),
                (&net.fc1.weight, &net.fc1.bias, gain),
                (&net.fc2.weight, &net.fc2.bias, 1.0),
            ];
            for (weight, bias, gain) in layers {
                let shape = weight.shape();
                let fan_in: usize = shape[1..].iter().product();
                weight.set_values(&Tensor::randn(&shape, rng).mul_scalar(gain / (fan_in as f32).sqrt()).to_vec());
                if let Some(b) = bias {
                    b.set_values(&vec![0.0; b.numel()]);
                }
            }
        }
        net
    }

    /// The activations after each convolution block and after the hidden layer.
    pub fn features(&self, x: &Tensor) -> Tensor {
        let act = self.config.nonlinearity;
        let pool = self.config.pool;
        let mut h = x.clone(); // (B, 3, 32, 32)
        for (conv, norm) in self.convs.iter().zip(&self.norms) {
            let mut z = conv.forward(&h); // (B, C, S, S)
            if let Some(bn) = norm {
                z = bn.forward(&z);
            }
            h = act.apply(&z).max_pool2d_padded(pool.kernel, pool.stride, pool.padding);
            // (B, C, S', S')
        }
        act.apply(&self.fc1.forward(&h.flatten_from(1))) // (B, hidden)
    }
}

impl Forward for CifarNet {
    fn forward(&self, x: &Tensor) -> Tensor {
        let h = self.dropout.forward(&self.features(x)); // (B, hidden)
        self.fc2.forward(&h) // (B, classes)
    }
}

impl Module for CifarNet {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        for (i, (conv, norm)) in self.convs.iter().zip(&self.norms).enumerate() {
            conv.visit(&join_name(prefix, &format!("conv{}", i + 1)), f);
            if let Some(bn) = norm {
                bn.visit(&join_name(prefix, &format!("bn{}", i + 1)), f);
            }
        }
        self.fc1.visit(&join_name(prefix, "fc1"), f);
        self.fc2.visit(&join_name(prefix, "fc2"), f);
    }

    fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        for (i, norm) in self.norms.iter().enumerate() {
            if let Some(bn) = norm {
                bn.visit_buffers(&join_name(prefix, &format!("bn{}", i + 1)), f);
            }
        }
    }

    fn set_training(&self, training: bool) {
        self.dropout.set_training(training);
        self.norms.iter().flatten().for_each(|bn| bn.set_training(training));
    }
}

/// A trained [`CifarNet`] with the names of its classes: what `descent run alexnet` saves
/// (kind `cifarnet`) and `descent classify` reads photos with.
pub struct CifarClassifier {
    /// The network, in evaluation mode once loaded.
    pub net: CifarNet,
    /// One name per class, in logit order.
    pub class_names: Vec<String>,
}

/// What a saved [`CifarClassifier`] needs besides its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CifarClassifierConfig {
    /// The network's shape.
    pub net: CifarNetConfig,
    /// One name per class.
    pub class_names: Vec<String>,
}

impl SavedModel for CifarClassifier {
    const KIND: &'static str = "cifarnet";
    type Config = CifarClassifierConfig;

    fn config(&self) -> CifarClassifierConfig {
        CifarClassifierConfig {
            net: self.net.config.clone(),
            class_names: self.class_names.clone(),
        }
    }

    fn build(config: CifarClassifierConfig) -> Result<CifarClassifier, ModelError> {
        config.net.validate()?;
        if config.class_names.len() != config.net.classes {
            return Err(ModelError::invalid(format!(
                "{} class names for {} classes",
                config.class_names.len(),
                config.net.classes
            )));
        }
        let net = CifarNet::new(&config.net, &mut Rng::new(0), 0);
        net.set_training(false);
        Ok(CifarClassifier {
            net,
            class_names: config.class_names,
        })
    }

    fn module(&self) -> &dyn Module {
        &self.net
    }

    fn validate(config: &Self::Config) -> Result<(), ModelError> {
        config.net.validate()
    }

    fn value_count(config: &CifarClassifierConfig) -> Option<u128> {
        Some(config.net.parameter_count())
    }
}
