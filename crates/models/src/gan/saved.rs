//! A trained GAN as saved (kind `gan`): both networks, what they were trained on and its
//! class names, so the generator can draw "a 7" or "a sneaker" from the file alone.

use super::{Gan, GanConfig};
use crate::saved::SavedModel;
use crate::ModelError;
use descent_nn::Module;
use descent_tensor::{no_grad, Rng, Tensor};
use serde::{Deserialize, Serialize};

/// Most images one draw makes.
pub const MAX_IMAGES: usize = 10_000;

/// A GAN with the names of the classes it was trained on.
pub struct ImageGan {
    /// Generator and discriminator.
    pub gan: Gan,
    /// The data set it learned, for people (`MNIST`, `Fashion-MNIST`).
    pub dataset: String,
    /// One name per class of the data set, in label order.
    pub class_names: Vec<String>,
}

/// What a saved [`ImageGan`] needs besides its weights.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageGanConfig {
    /// The networks' sizes.
    pub net: GanConfig,
    /// The data set it learned.
    pub dataset: String,
    /// One name per class.
    pub class_names: Vec<String>,
}

impl SavedModel for ImageGan {
    const KIND: &'static str = "gan";
    type Config = ImageGanConfig;

    fn config(&self) -> ImageGanConfig {
        ImageGanConfig {
            net: self.gan.generator.config,
            dataset: self.dataset.clone(),
            class_names: self.class_names.clone(),
        }
    }

    fn build(config: ImageGanConfig) -> Result<ImageGan, ModelError> {
        config.net.validate()?;
        let classes = config.net.classes;
        if classes > 0 && config.class_names.len() != classes {
            return Err(ModelError::invalid(format!(
                "{} class names for a generator of {classes} classes",
                config.class_names.len()
            )));
        }
        let gan = Gan::new(config.net, &mut Rng::new(0));
        gan.set_training(false);
        Ok(ImageGan {
            gan,
            dataset: config.dataset,
            class_names: config.class_names,
        })
    }

    fn module(&self) -> &dyn Module {
        &self.gan
    }
}

/// What to draw.
#[derive(Clone, Debug, Default)]
pub struct DrawRequest {
    /// How many images.
    pub count: usize,
    /// A class, by number (`7`) or by name (`sneaker`); none: every class in turn for
    /// a conditional model, free samples for an unconditional one.
    pub label: Option<String>,
    /// Seed of the noise.
    pub seed: u64,
}

/// Images drawn by a model.
#[derive(Clone, Debug)]
pub struct Drawing {
    /// Pixels in [0, 1], (count, height, width), ink bright.
    pub pixels: Vec<f32>,
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// The class each image was drawn as, where the model takes classes.
    pub labels: Vec<Option<String>>,
}

impl ImageGan {
    /// One line for people: what it is and what it was trained on.
    pub fn describe(&self) -> String {
        let c = self.gan.generator.config;
        let conditioning = if c.classes > 0 { "class-conditional" } else { "unconditional" };
        format!("{conditioning} {} GAN trained on {}", c.kind.name(), self.dataset)
    }

    /// The class index `label` names: a number below the class count, or a class name
    /// (case and spaces ignored; either half of a name like `T-shirt/top`).
    fn class_of(&self, label: &str, classes: usize) -> Result<usize, ModelError> {
        let simple = |s: &str| s.to_lowercase().replace([' ', '-', '_', '/'], "");
        let found = match label.trim().parse::<usize>() {
            Ok(n) => (n < classes).then_some(n),
            Err(_) => self
                .class_names
                .iter()
                .position(|n| simple(n) == simple(label) || n.split('/').any(|part| simple(part) == simple(label))),
        };
        found.ok_or_else(|| {
            ModelError::Input(format!(
                "--label {label}: this {} generator draws classes 0–{} ({})",
                self.dataset,
                classes - 1,
                self.class_names.join(", ")
            ))
        })
    }

    /// Draws the request; a bad label or count is an error saying what to do.
    pub fn draw(&self, request: &DrawRequest) -> Result<Drawing, ModelError> {
        let config = self.gan.generator.config;
        if request.count == 0 || request.count > MAX_IMAGES {
            return Err(ModelError::Input(format!(
                "--n {}: ask for 1 to {MAX_IMAGES} images",
                request.count
            )));
        }
        let classes = match (&request.label, config.classes) {
            (Some(_), 0) => {
                return Err(ModelError::Input(
                    "this GAN is unconditional (trained without labels); drop --label, or use conditional_gan.safetensors".into(),
                ))
            }
            (Some(label), c) => vec![self.class_of(label, c)?; request.count],
            (None, 0) => Vec::new(),
            (None, c) => (0..request.count).map(|i| i % c).collect(),
        };
        let z = Tensor::randn(&[request.count, config.z_dim], &mut Rng::new(request.seed));
        let labels = (!classes.is_empty()).then_some(&classes[..]);
        let images = no_grad(|| self.gan.generator.generate(&z, labels)).to_vec();
        let name = |c: usize| self.class_names.get(c).map_or(c.to_string(), String::clone);
        Ok(Drawing {
            pixels: images.iter().map(|&v| (0.5 * (v + 1.0)).clamp(0.0, 1.0)).collect(),
            height: super::SIDE,
            width: super::SIDE,
            labels: (0..request.count).map(|i| classes.get(i).map(|&c| name(c))).collect(),
        })
    }
}
