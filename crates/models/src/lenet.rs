//! LeNet-5 (LeCun et al. 1989, 1998) on 28×28 digits, in two flavours: the article's
//! 1989 code (sigmoid, average pooling, SGD) and the modern recipe (ReLU, max pooling,
//! Adam). Parameter names match PyTorch (`conv1.weight`, ...) and
//! `crates/testkit/golden/lenet.safetensors`; saved as kind `lenet` with its variant.
//! How each variant is trained (optimizer, schedule) is the gallery's `lenet` milestone.

use crate::saved::SavedModel;
use crate::ModelError;
use descent_nn::{join_name, Conv2d, Forward, Linear, Module};
use descent_tensor::{Param, Rng, Tensor};
use serde::{Deserialize, Serialize};

/// Which LeNet: the article's 1989 code or the modern recipe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Variant {
    /// Sigmoid and average pooling (trained by SGD with momentum in the article's code).
    #[serde(rename = "1989")]
    Classic1989,
    /// ReLU and max pooling (trained by Adam).
    #[serde(rename = "modern")]
    Modern,
}

impl Variant {
    /// Parses `--variant` (`1989` or `modern`, default modern).
    pub fn parse(name: Option<&str>) -> Result<Variant, ModelError> {
        match name {
            None | Some("modern") => Ok(Variant::Modern),
            Some("1989") => Ok(Variant::Classic1989),
            Some(other) => Err(ModelError::invalid(format!(
                "unknown lenet variant '{other}'; use --variant modern or --variant 1989"
            ))),
        }
    }

    /// Name used in files and metadata.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Classic1989 => "1989",
            Variant::Modern => "modern",
        }
    }
}

/// What a saved LeNet needs besides its weights.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeNetConfig {
    /// Activation and pooling flavour.
    pub variant: Variant,
}

/// Parameters of LeNet-5: two convolutions and three linear layers.
pub const LENET_PARAMETERS: u128 = (6 * 25 + 6) + (16 * 6 * 25 + 16) + (256 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10);

impl SavedModel for LeNet {
    const KIND: &'static str = "lenet";
    type Config = LeNetConfig;

    fn config(&self) -> LeNetConfig {
        LeNetConfig { variant: self.variant }
    }

    fn build(config: LeNetConfig) -> Result<LeNet, ModelError> {
        Ok(LeNet::new(config.variant, &mut Rng::new(0)))
    }

    fn module(&self) -> &dyn Module {
        self
    }

    fn value_count(_: &LeNetConfig) -> Option<u128> {
        Some(LENET_PARAMETERS)
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
