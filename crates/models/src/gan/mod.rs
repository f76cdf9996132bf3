//! Generative adversarial networks for 28×28 grey images (Goodfellow et al. 2014), in
//! two architectures and with optional class conditioning (Mirza & Osindero 2014):
//!
//! - `mlp`: the 2014 paper's kind of networks — fully connected, G: z → 256 → 512 →
//!   1024 → 784 (tanh), D: 784 → 512 → 256 → 1 logit, leaky ReLUs (0.2) — with batch
//!   norm on G's hidden layers (DCGAN's lesson of 2015: without it the same networks
//!   need several times more steps to draw digits).
//! - `dcgan`: Radford et al.'s convolutional networks, [`crate::dcgan`] (W7 at full
//!   width): transposed convolutions, batch norm, leaky ReLU.
//!
//! With `classes > 0` the generator sees `[z, one_hot(y)]` and the discriminator adds a
//! projection term `⟨embed(y), features(x)⟩` to its logit (Miyato & Koyama 2018; a
//! one-hot appended to 784 pixels is a whisper D learns to hear only slowly), so "draw
//! a 7" is a request the networks were trained to honour. Images are in [−1, 1].
//!
//! A trained pair is saved with its class names as kind `gan` ([`ImageGan`], `saved.rs`),
//! so `descent draw` can rebuild the generator from the file alone.

mod saved;

pub use saved::{DrawRequest, Drawing, ImageGan, ImageGanConfig, MAX_IMAGES};

use crate::dcgan::{DcganConfig, Discriminator as DcDiscriminator, Generator as DcGenerator};
use crate::ModelError;
use descent_nn::{join_name, BatchNorm, Embedding, Forward, Linear, Module};
use descent_tensor::{Param, Rng, Tensor};
use serde::{Deserialize, Serialize};

/// Side of the images.
pub const SIDE: usize = 28;
/// Negative slope of the leaky ReLUs.
const LEAK: f32 = 0.2;

/// Which networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GanKind {
    /// Fully connected G and D (the 2014 paper's kind).
    Mlp,
    /// DCGAN's convolutional G and D.
    Dcgan,
}

impl GanKind {
    /// `mlp` or `dcgan` (metadata, file names).
    pub fn name(self) -> &'static str {
        match self {
            GanKind::Mlp => "mlp",
            GanKind::Dcgan => "dcgan",
        }
    }
}

/// Sizes of a GAN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GanConfig {
    /// Architecture.
    pub kind: GanKind,
    /// Length of z.
    pub z_dim: usize,
    /// Classes it is conditioned on (0: unconditional).
    pub classes: usize,
    /// Generator width: the first hidden layer (MLP, doubled twice) or the 7×7 map's
    /// channels (DCGAN, halved once).
    pub g_width: usize,
    /// Discriminator width: the first hidden layer (MLP, halved once) or the first
    /// conv's channels (DCGAN, doubled once).
    pub d_width: usize,
}

impl GanConfig {
    /// Checks the sizes before anything is allocated.
    pub fn validate(&self) -> Result<(), ModelError> {
        let bounded = [
            ("z_dim", self.z_dim, 1, 4096),
            ("classes", self.classes, 0, 1000),
            ("g_width", self.g_width, 2, 4096),
            ("d_width", self.d_width, 1, 4096),
        ];
        for (name, value, low, high) in bounded {
            if !(low..=high).contains(&value) {
                return Err(ModelError::invalid(format!("config '{name}' = {value} is outside {low}..={high}")));
            }
        }
        if self.kind == GanKind::Dcgan && self.g_width % 2 != 0 {
            return Err(ModelError::invalid(format!(
                "config 'g_width' = {} must be even for a DCGAN",
                self.g_width
            )));
        }
        Ok(())
    }

    /// The DCGAN generator's sizes (its input is z and the one-hot label).
    fn dcgan_generator(&self) -> DcganConfig {
        DcganConfig {
            z_dim: self.z_dim + self.classes,
            g_channels: self.g_width,
            d_channels: self.d_width,
        }
    }

    /// The DCGAN discriminator's sizes (labels enter through the projection).
    fn dcgan_discriminator(&self) -> DcganConfig {
        DcganConfig {
            z_dim: self.z_dim,
            ..self.dcgan_generator()
        }
    }
}

/// `[x, one_hot(labels)]` along dim 1 when the model is conditional.
fn with_labels(x: &Tensor, labels: Option<&[usize]>, classes: usize) -> Tensor {
    match (classes, labels) {
        (0, _) => x.clone(),
        (c, Some(l)) => Tensor::concat(&[x.clone(), Tensor::one_hot(l, c)], 1),
        (c, None) => panic!("GAN: a model conditioned on {c} classes needs labels"),
    }
}

/// G: z (B, z_dim) [+ labels] → images (B, 1, 28, 28) in [−1, 1].
pub struct ImageGenerator {
    /// Its sizes.
    pub config: GanConfig,
    layers: GeneratorLayers,
}

enum GeneratorLayers {
    /// Four linear layers and the batch norms after the first three.
    Mlp([Linear; 4], [BatchNorm; 3]),
    Dcgan(DcGenerator),
}

impl ImageGenerator {
    /// A PyTorch-default initialised generator.
    pub fn new(config: GanConfig, rng: &mut Rng) -> ImageGenerator {
        let w = config.g_width;
        let layers = match config.kind {
            GanKind::Mlp => GeneratorLayers::Mlp(
                [
                    Linear::new(config.z_dim + config.classes, w, rng),
                    Linear::new(w, 2 * w, rng),
                    Linear::new(2 * w, 4 * w, rng),
                    Linear::new(4 * w, SIDE * SIDE, rng),
                ],
                [BatchNorm::new(w), BatchNorm::new(2 * w), BatchNorm::new(4 * w)],
            ),
            GanKind::Dcgan => GeneratorLayers::Dcgan(DcGenerator::new(config.dcgan_generator(), rng)),
        };
        ImageGenerator { config, layers }
    }

    /// Images for noise `z` (B, z_dim) and, for a conditional model, one label each.
    pub fn generate(&self, z: &Tensor, labels: Option<&[usize]>) -> Tensor {
        let input = with_labels(z, labels, self.config.classes); // (B, z + classes)
        let batch = z.dim(0);
        match &self.layers {
            GeneratorLayers::Mlp(fc, bn) => {
                let h = bn[0].forward(&fc[0].forward(&input)).leaky_relu(LEAK); // (B, w)
                let h = bn[1].forward(&fc[1].forward(&h)).leaky_relu(LEAK); // (B, 2w)
                let h = bn[2].forward(&fc[2].forward(&h)).leaky_relu(LEAK); // (B, 4w)
                fc[3].forward(&h).tanh().reshape(&[batch, 1, SIDE, SIDE])
            }
            GeneratorLayers::Dcgan(g) => g.forward(&input),
        }
    }
}

impl Module for ImageGenerator {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        match &self.layers {
            GeneratorLayers::Mlp(fc, bn) => {
                for (i, layer) in fc.iter().enumerate() {
                    layer.visit(&join_name(prefix, &format!("fc{}", i + 1)), f);
                    if let Some(norm) = bn.get(i) {
                        norm.visit(&join_name(prefix, &format!("bn{}", i + 1)), f);
                    }
                }
            }
            GeneratorLayers::Dcgan(g) => g.visit(prefix, f),
        }
    }

    fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        match &self.layers {
            GeneratorLayers::Mlp(_, bn) => {
                for (i, norm) in bn.iter().enumerate() {
                    norm.visit_buffers(&join_name(prefix, &format!("bn{}", i + 1)), f);
                }
            }
            GeneratorLayers::Dcgan(g) => g.visit_buffers(prefix, f),
        }
    }

    fn set_training(&self, training: bool) {
        match &self.layers {
            GeneratorLayers::Mlp(_, bn) => bn.iter().for_each(|norm| norm.set_training(training)),
            GeneratorLayers::Dcgan(g) => g.set_training(training),
        }
    }
}

/// D: images (B, 1, 28, 28) [+ labels] → one real-vs-fake logit each (B, 1).
pub struct ImageDiscriminator {
    /// Its sizes.
    pub config: GanConfig,
    layers: DiscriminatorLayers,
}

/// The layers and, when conditional, the class projection table.
enum DiscriminatorLayers {
    Mlp([Linear; 3], Option<Embedding>),
    Dcgan(DcDiscriminator, Option<Embedding>),
}

/// A projection table of `classes` rows over `features`, scaled N(0, 1/features) so the
/// projection starts at about the size of the plain logit.
fn projection(classes: usize, features: usize, rng: &mut Rng) -> Option<Embedding> {
    (classes > 0).then(|| {
        let table = Embedding::new(classes, features, rng);
        let scale = 1.0 / (features as f32).sqrt();
        table.weight.update(|v| v.iter_mut().for_each(|x| *x *= scale));
        table
    })
}

/// `logit + ⟨embed(labels), h⟩` for features `h` (B, F).
fn project(logit: Tensor, h: &Tensor, table: Option<&Embedding>, labels: Option<&[usize]>) -> Tensor {
    match (table, labels) {
        (None, _) => logit,
        (Some(table), Some(l)) => logit.add(&table.lookup(l, &[h.dim(0)]).mul(h).sum(1, true)),
        (Some(_), None) => panic!("GAN: a conditional discriminator needs labels"),
    }
}

impl ImageDiscriminator {
    /// A PyTorch-default initialised discriminator.
    pub fn new(config: GanConfig, rng: &mut Rng) -> ImageDiscriminator {
        let w = config.d_width;
        let layers = match config.kind {
            GanKind::Mlp => DiscriminatorLayers::Mlp(
                [
                    Linear::new(SIDE * SIDE, w, rng),
                    Linear::new(w, w / 2, rng),
                    Linear::new(w / 2, 1, rng),
                ],
                projection(config.classes, w / 2, rng),
            ),
            GanKind::Dcgan => {
                let d = DcDiscriminator::new(config.dcgan_discriminator(), rng);
                DiscriminatorLayers::Dcgan(d, projection(config.classes, 2 * w * 7 * 7, rng))
            }
        };
        ImageDiscriminator { config, layers }
    }

    /// Logits (B, 1) for images `x` (B, 1, 28, 28), with labels for a conditional model.
    pub fn discriminate(&self, x: &Tensor, labels: Option<&[usize]>) -> Tensor {
        let batch = x.dim(0);
        match &self.layers {
            DiscriminatorLayers::Mlp(fc, embed) => {
                let h = fc[0].forward(&x.reshape(&[batch, SIDE * SIDE])).leaky_relu(LEAK); // (B, w)
                let h = fc[1].forward(&h).leaky_relu(LEAK); // (B, w/2)
                project(fc[2].forward(&h), &h, embed.as_ref(), labels) // (B, 1)
            }
            DiscriminatorLayers::Dcgan(d, embed) => {
                let h = d.c1.forward(x).leaky_relu(LEAK); // (B, d, 14, 14)
                let h = d.bn2.forward(&d.c2.forward(&h)).leaky_relu(LEAK); // (B, 2d, 7, 7)
                let h = h.flatten_from(1); // (B, 2d·49)
                project(d.fc.forward(&h), &h, embed.as_ref(), labels) // (B, 1)
            }
        }
    }
}

impl Module for ImageDiscriminator {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        match &self.layers {
            DiscriminatorLayers::Mlp(fc, embed) => {
                for (i, layer) in fc.iter().enumerate() {
                    layer.visit(&join_name(prefix, &format!("fc{}", i + 1)), f);
                }
                if let Some(table) = embed {
                    table.visit(&join_name(prefix, "embed"), f);
                }
            }
            DiscriminatorLayers::Dcgan(d, embed) => {
                d.visit(prefix, f);
                if let Some(table) = embed {
                    table.visit(&join_name(prefix, "embed"), f);
                }
            }
        }
    }

    fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        if let DiscriminatorLayers::Dcgan(d, _) = &self.layers {
            d.visit_buffers(prefix, f);
        }
    }

    fn set_training(&self, training: bool) {
        if let DiscriminatorLayers::Dcgan(d, _) = &self.layers {
            d.set_training(training);
        }
    }
}

/// Generator and discriminator under one name space (`G.*`, `D.*`), as checkpoints hold
/// them.
pub struct Gan {
    /// `G.*`.
    pub generator: ImageGenerator,
    /// `D.*`.
    pub discriminator: ImageDiscriminator,
}

impl Gan {
    /// Both networks, the generator initialised first.
    pub fn new(config: GanConfig, rng: &mut Rng) -> Gan {
        let generator = ImageGenerator::new(config, rng);
        Gan {
            generator,
            discriminator: ImageDiscriminator::new(config, rng),
        }
    }
}

gan_pair_module!(Gan);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_and_configs_round_trip() {
        for kind in [GanKind::Mlp, GanKind::Dcgan] {
            for classes in [0, 10] {
                let config = GanConfig {
                    kind,
                    z_dim: 8,
                    classes,
                    g_width: 16,
                    d_width: 8,
                };
                let gan = Gan::new(config, &mut Rng::new(1));
                let labels = [3usize, 7];
                let labels = (classes > 0).then_some(&labels[..]);
                let images = gan.generator.generate(&Tensor::randn(&[2, 8], &mut Rng::new(2)), labels);
                assert_eq!(images.shape(), &[2, 1, 28, 28]);
                assert!(images.to_vec().iter().all(|v| v.abs() <= 1.0));
                assert_eq!(gan.discriminator.discriminate(&images, labels).shape(), &[2, 1]);
                let json = serde_json::to_string(&config).unwrap();
                assert_eq!(serde_json::from_str::<GanConfig>(&json).unwrap(), config);
                assert!(config.validate().is_ok());
            }
        }
    }
}
