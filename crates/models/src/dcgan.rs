//! DCGAN (Radford, Metz & Chintala 2015) for 28×28 single-channel images: the W7
//! networks of `../shared/bench/WORKLOADS.md` (bench.py's `Generator` and
//! `Discriminator`), with configurable widths so `crates/testkit/golden/dcgan.safetensors`'
//! shrunk copy loads too. Parameter names follow that golden file: `G.fc`, `G.bn0`,
//! `G.up1`, `G.bn1`, `G.up2`, `D.c1`, `D.c2`, `D.bn2`, `D.fc`.
//!
//! ```text
//! G: z (B, z) → Linear → (B, g·49) → BatchNorm1d → ReLU → view (B, g, 7, 7)
//!    → ConvT(g → g/2, 4, 2, 1) (B, g/2, 14, 14) → BatchNorm2d → ReLU
//!    → ConvT(g/2 → 1, 4, 2, 1) (B, 1, 28, 28) → tanh
//! D: x (B, 1, 28, 28) → Conv(1 → d, 4, 2, 1) (B, d, 14, 14) → LeakyReLU 0.2
//!    → Conv(d → 2d, 4, 2, 1) (B, 2d, 7, 7) → BatchNorm2d → LeakyReLU 0.2
//!    → flatten (B, 2d·49) → Linear → logit (B, 1)
//! ```
//!
//! The biases of `G.fc`, `G.up1` and `D.c2` feed a training-mode batch norm, which
//! removes any per-channel constant, so their gradients are exactly zero; PyTorch's
//! layers keep them, and so do these (the golden file has them).

use descent_nn::{join_name, BatchNorm, Conv2d, ConvTranspose2d, Forward, Linear, Module};
use descent_tensor::{Param, Rng, Tensor};

/// Side of the generator's first feature map (7 → 14 → 28).
const SEED_SIDE: usize = 7;

/// Sizes of a DCGAN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DcganConfig {
    /// Length of the noise vector z.
    pub z_dim: usize,
    /// Channels of the generator's 7×7 map (halved by its first transposed conv).
    pub g_channels: usize,
    /// Channels of the discriminator's first conv (doubled by its second).
    pub d_channels: usize,
}

impl DcganConfig {
    /// W7: z 100, generator 256 → 128 → 1 channels, discriminator 1 → 64 → 128.
    pub fn w7() -> DcganConfig {
        DcganConfig {
            z_dim: 100,
            g_channels: 256,
            d_channels: 64,
        }
    }

    /// The golden file's shrunk copy: z 16, generator 32 → 16 → 1, discriminator 1 → 16 → 32.
    pub fn small() -> DcganConfig {
        DcganConfig {
            z_dim: 16,
            g_channels: 32,
            d_channels: 16,
        }
    }
}

/// z (B, z_dim) → images (B, 1, 28, 28) in [−1, 1].
pub struct Generator {
    /// z → g·49.
    pub fc: Linear,
    /// Over the g·49 features.
    pub bn0: BatchNorm,
    /// g → g/2 channels, 7 → 14.
    pub up1: ConvTranspose2d,
    /// Over g/2 channels.
    pub bn1: BatchNorm,
    /// g/2 → 1 channel, 14 → 28.
    pub up2: ConvTranspose2d,
    g_channels: usize,
}

impl Generator {
    /// PyTorch-default initialised generator (layers created in forward order).
    pub fn new(config: DcganConfig, rng: &mut Rng) -> Generator {
        let (g, half) = (config.g_channels, config.g_channels / 2);
        let features = g * SEED_SIDE * SEED_SIDE;
        Generator {
            fc: Linear::new(config.z_dim, features, rng),
            bn0: BatchNorm::new(features),
            up1: ConvTranspose2d::new(g, half, 4, 2, 1, rng),
            bn1: BatchNorm::new(half),
            up2: ConvTranspose2d::new(half, 1, 4, 2, 1, rng),
            g_channels: g,
        }
    }
}

impl Forward for Generator {
    fn forward(&self, z: &Tensor) -> Tensor {
        let batch = z.dim(0);
        let h = self.bn0.forward(&self.fc.forward(z)).relu(); // (B, g·49)
        let h = h.reshape(&[batch, self.g_channels, SEED_SIDE, SEED_SIDE]); // (B, g, 7, 7)
        let h = self.bn1.forward(&self.up1.forward(&h)).relu(); // (B, g/2, 14, 14)
        self.up2.forward(&h).tanh() // (B, 1, 28, 28)
    }
}

impl Module for Generator {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.fc.visit(&join_name(prefix, "fc"), f);
        self.bn0.visit(&join_name(prefix, "bn0"), f);
        self.up1.visit(&join_name(prefix, "up1"), f);
        self.bn1.visit(&join_name(prefix, "bn1"), f);
        self.up2.visit(&join_name(prefix, "up2"), f);
    }

    fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.bn0.visit_buffers(&join_name(prefix, "bn0"), f);
        self.bn1.visit_buffers(&join_name(prefix, "bn1"), f);
    }

    fn set_training(&self, training: bool) {
        self.bn0.set_training(training);
        self.bn1.set_training(training);
    }
}

/// Images (B, 1, 28, 28) → one real-vs-fake logit each (B, 1).
pub struct Discriminator {
    /// 1 → d channels, 28 → 14.
    pub c1: Conv2d,
    /// d → 2d channels, 14 → 7.
    pub c2: Conv2d,
    /// Over 2d channels.
    pub bn2: BatchNorm,
    /// 2d·49 → 1.
    pub fc: Linear,
}

/// The discriminator's negative slope.
const LEAK: f32 = 0.2;

impl Discriminator {
    /// PyTorch-default initialised discriminator (layers created in forward order).
    pub fn new(config: DcganConfig, rng: &mut Rng) -> Discriminator {
        let (d, double) = (config.d_channels, 2 * config.d_channels);
        Discriminator {
            c1: Conv2d::new(1, d, 4, 2, 1, rng),
            c2: Conv2d::new(d, double, 4, 2, 1, rng),
            bn2: BatchNorm::new(double),
            fc: Linear::new(double * SEED_SIDE * SEED_SIDE, 1, rng),
        }
    }
}

impl Discriminator {
    /// The same logits with the parameters read as constants: gradients reach `x` but
    /// not the discriminator, which is all the generator's update needs. (PyTorch's
    /// bench computes the discriminator's gradients there too and discards them; the
    /// generator's gradients are the same either way. Batch norm's running statistics
    /// are updated as in [`Forward::forward`].)
    pub fn forward_frozen(&self, x: &Tensor) -> Tensor {
        self.run(x, true)
    }

    fn run(&self, x: &Tensor, frozen: bool) -> Tensor {
        let value = |p: &Param| if frozen { p.value().detach() } else { p.value() };
        let bias = |b: &Option<Param>| b.as_ref().map(value);
        let (c1, c2, fc) = (&self.c1, &self.c2, &self.fc);
        let h = x.conv2d(&value(&c1.weight), bias(&c1.bias).as_ref(), c1.stride, c1.padding);
        let h = h.leaky_relu(LEAK); // (B, d, 14, 14)
        let h = h.conv2d(&value(&c2.weight), bias(&c2.bias).as_ref(), c2.stride, c2.padding);
        let h = self.bn2.forward_with(&h, &value(&self.bn2.weight), &value(&self.bn2.bias));
        let h = h.leaky_relu(LEAK).flatten_from(1); // (B, 2d·49)
        let logits = h.matmul(&value(&fc.weight).t()); // (B, 1)
        match bias(&fc.bias) {
            Some(b) => logits.add(&b),
            None => logits,
        }
    }
}

impl Forward for Discriminator {
    fn forward(&self, x: &Tensor) -> Tensor {
        self.run(x, false)
    }
}

impl Module for Discriminator {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.c1.visit(&join_name(prefix, "c1"), f);
        self.c2.visit(&join_name(prefix, "c2"), f);
        self.bn2.visit(&join_name(prefix, "bn2"), f);
        self.fc.visit(&join_name(prefix, "fc"), f);
    }

    fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.bn2.visit_buffers(&join_name(prefix, "bn2"), f);
    }

    fn set_training(&self, training: bool) {
        self.bn2.set_training(training);
    }
}

/// Generator and discriminator under one name space (`G.*`, `D.*`), as saved together.
pub struct Dcgan {
    /// The generator, `G.*`.
    pub generator: Generator,
    /// The discriminator, `D.*`.
    pub discriminator: Discriminator,
}

impl Dcgan {
    /// Both networks, generator initialised first (as the golden file).
    pub fn new(config: DcganConfig, rng: &mut Rng) -> Dcgan {
        let generator = Generator::new(config, rng);
        Dcgan {
            generator,
            discriminator: Discriminator::new(config, rng),
        }
    }

    /// The discriminator's loss on a real and a fake batch (the fake detached, so no
    /// gradient reaches the generator): BCE(D(real), 1) + BCE(D(fake), 0). Each D call
    /// normalises with its own batch statistics, as in PyTorch.
    pub fn discriminator_loss(&self, real: &Tensor, fake: &Tensor) -> Tensor {
        let d_real = self.discriminator.forward(real); // (B, 1)
        let d_fake = self.discriminator.forward(&fake.detach()); // (B, 1)
        let ones = Tensor::ones(d_real.shape());
        let zeros = Tensor::zeros(d_fake.shape());
        d_real.bce_with_logits(&ones).add(&d_fake.bce_with_logits(&zeros))
    }

    /// The generator's non-saturating loss BCE(D(fake), 1), through the discriminator
    /// (frozen: no gradients for the discriminator's parameters).
    pub fn generator_loss(&self, fake: &Tensor) -> Tensor {
        let d_fake = self.discriminator.forward_frozen(fake); // (B, 1)
        d_fake.bce_with_logits(&Tensor::ones(d_fake.shape()))
    }
}

gan_pair_module!(Dcgan);
