//! LeNet-5 (LeCun et al. 1989, 1998) on 28×28 digits, in two flavours: the article's
//! 1989 code (sigmoid, average pooling, SGD) and the modern recipe (ReLU, max pooling,
//! Adam). Parameter names match PyTorch (`conv1.weight`, ...) and
//! `crates/testkit/golden/lenet.safetensors`. The milestone that trains it is
//! `descent_gallery::lenet`.

use descent_nn::{join_name, Conv2d, Forward, Linear, Module};
use descent_optim::{Adam, AdamConfig, LrSchedule, Optimizer, Sgd, SgdConfig};
use descent_tensor::{Param, Rng, Tensor};

/// Which LeNet: the article's 1989 code or the modern recipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Sigmoid, average pooling, SGD with momentum (lr 0.1, momentum 0.9).
    Classic1989,
    /// ReLU, max pooling, Adam (lr 1e-3).
    Modern,
}

impl Variant {
    /// Parses `--variant` (`1989` or `modern`, default modern).
    pub fn parse(name: Option<&str>) -> Result<Variant, String> {
        match name {
            None | Some("modern") => Ok(Variant::Modern),
            Some("1989") => Ok(Variant::Classic1989),
            Some(other) => Err(format!("unknown lenet variant '{other}'; use --variant modern or --variant 1989")),
        }
    }

    /// Name used in files and metadata.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Classic1989 => "1989",
            Variant::Modern => "modern",
        }
    }

    /// Learning rate over `total_steps`: the modern recipe decays Adam's 1e-3 by a
    /// cosine to 1e-5 (a settled end instead of a noisy one); 1989 keeps SGD's 0.1.
    pub fn schedule(self, total_steps: usize) -> LrSchedule {
        match self {
            Variant::Classic1989 => LrSchedule::constant(0.1),
            Variant::Modern => LrSchedule::cosine(1e-3, 1e-5, total_steps),
        }
    }

    /// The optimizer of the variant (the anchor workloads' settings).
    pub fn optimizer(self) -> Box<dyn Optimizer> {
        match self {
            Variant::Classic1989 => Box::new(Sgd::new(SgdConfig {
                lr: 0.1,
                momentum: 0.9,
                ..SgdConfig::default()
            })),
            Variant::Modern => Box::new(Adam::new(AdamConfig {
                lr: 1e-3,
                ..AdamConfig::default()
            })),
        }
    }
}

/// LeNet-5 on 28×28 inputs; parameter names match PyTorch (`conv1.weight`, ...).
pub struct LeNet {
    /// 1 → 6 channels, 5×5.
    pub conv1: Conv2d,
    /// 6 → 16 channels, 5×5.
    pub conv2: Conv2d,
    /// 256 → 120.
    pub fc1: Linear,
    /// 120 → 84.
    pub fc2: Linear,
    /// 84 → 10 (logits; softmax lives in the loss).
    pub fc3: Linear,
    /// Activation and pooling flavour.
    pub variant: Variant,
}

impl LeNet {
    /// PyTorch-default initialised LeNet, layers created in PyTorch's order.
    pub fn new(variant: Variant, rng: &mut Rng) -> LeNet {
        LeNet {
            conv1: Conv2d::new(1, 6, 5, 1, 0, rng),
            conv2: Conv2d::new(6, 16, 5, 1, 0, rng),
            fc1: Linear::new(256, 120, rng),
            fc2: Linear::new(120, 84, rng),
            fc3: Linear::new(84, 10, rng),
            variant,
        }
    }

    fn act(&self, x: &Tensor) -> Tensor {
        match self.variant {
            Variant::Classic1989 => x.sigmoid(),
            Variant::Modern => x.relu(),
        }
    }

    fn pool(&self, x: &Tensor) -> Tensor {
        match self.variant {
            Variant::Classic1989 => x.avg_pool2d(2, 2),
            Variant::Modern => x.max_pool2d(2, 2),
        }
    }
}

impl LeNet {
    /// The 84 activations before the last layer (B, 84): the features a Fréchet
    /// distance on this classifier compares.
    pub fn features(&self, x: &Tensor) -> Tensor {
        let x = self.pool(&self.act(&self.conv1.forward(x))); // (B, 6, 12, 12)
        let x = self.pool(&self.act(&self.conv2.forward(&x))); // (B, 16, 4, 4)
        let x = self.act(&self.fc1.forward(&x.flatten_from(1))); // (B, 120)
        self.act(&self.fc2.forward(&x)) // (B, 84)
    }
}

impl Forward for LeNet {
    fn forward(&self, x: &Tensor) -> Tensor {
        self.fc3.forward(&self.features(x)) // (B, 10)
    }
}

impl Module for LeNet {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.conv1.visit(&join_name(prefix, "conv1"), f);
        self.conv2.visit(&join_name(prefix, "conv2"), f);
        self.fc1.visit(&join_name(prefix, "fc1"), f);
        self.fc2.visit(&join_name(prefix, "fc2"), f);
        self.fc3.visit(&join_name(prefix, "fc3"), f);
    }
}
