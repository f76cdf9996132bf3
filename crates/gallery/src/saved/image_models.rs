//! Saved image generators, read back for `descent draw`. A checkpoint's `model`
//! metadata entry says what it holds; [`load_image_model`] dispatches on it and hands
//! back something that draws. Today: the GANs of `descent run gan` (`gan-mlp`,
//! `gan-dcgan`); a text-conditioned model adds its own arm and answers
//! [`DrawRequest::prompt`].

use crate::MilestoneError;
use descent_data::Dataset;
use descent_models::gan::{Gan, GanConfig};
use descent_nn::{named_state, Checkpoint, Module};
use descent_tensor::{no_grad, Rng, Tensor};
use std::collections::HashMap;
use std::path::Path;

/// Most images one `draw` makes.
pub const MAX_IMAGES: usize = 10_000;

/// What to draw.
#[derive(Clone, Debug, Default)]
pub struct DrawRequest {
    /// How many images.
    pub count: usize,
    /// A class, by number (`7`) or by name (`sneaker`); none: every class in turn for
    /// a conditional model, free samples for an unconditional one.
    pub label: Option<String>,
    /// A text prompt, for text-conditioned models.
    pub prompt: Option<String>,
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

/// A saved model that draws images.
pub trait ImageModel {
    /// One line for people: what it is and what it was trained on.
    fn describe(&self) -> String;
    /// Draws the request; bad labels or options are errors saying what to do.
    fn draw(&self, request: &DrawRequest) -> Result<Drawing, MilestoneError>;
}

/// Reads the checkpoint at `path` and returns the model its `model` entry names.
pub fn load_image_model(path: &Path) -> Result<Box<dyn ImageModel>, MilestoneError> {
    let checkpoint = Checkpoint::load(path)?;
    match checkpoint.metadata.get("model").map(String::as_str) {
        Some("gan-mlp" | "gan-dcgan") => Ok(Box::new(SavedGan::from_checkpoint(&checkpoint, path)?)),
        other => {
            let what = match (other, checkpoint.metadata.get("milestone")) {
                (Some(model), _) => format!("a '{model}' model"),
                (None, Some(milestone)) => format!("a '{milestone}' checkpoint"),
                (None, None) => "an unlabelled checkpoint".into(),
            };
            Err(MilestoneError::Config(format!(
                "{}: {what} cannot draw images; use one saved by `descent run gan` (gan.safetensors or conditional_gan.safetensors)",
                path.display()
            )))
        }
    }
}

/// A GAN's generator with the names of the classes it was trained on.
pub struct SavedGan {
    gan: Gan,
    dataset: Dataset,
    path: String,
}

impl SavedGan {
    fn from_checkpoint(checkpoint: &Checkpoint, path: &Path) -> Result<SavedGan, MilestoneError> {
        let bad = |why: String| MilestoneError::Config(format!("{}: {why}", path.display()));
        let config = GanConfig::from_metadata(&checkpoint.metadata).map_err(bad)?;
        let dataset = match checkpoint.metadata.get("dataset") {
            Some(name) => Dataset::from_name(name).ok_or_else(|| bad(format!("unknown data set '{name}' in metadata")))?,
            None => Dataset::Mnist,
        };
        let gan = Gan::new(config, &mut Rng::new(0));
        checkpoint.apply(&named_state(&gan), &["optim."])?;
        gan.set_training(false);
        Ok(SavedGan {
            gan,
            dataset,
            path: path.display().to_string(),
        })
    }

    /// The class index `label` names: a number below the class count, or a class name
    /// (case and spaces ignored).
    fn class_of(&self, label: &str, classes: usize) -> Result<usize, MilestoneError> {
        let names = self.dataset.class_names();
        let simple = |s: &str| s.to_lowercase().replace([' ', '-', '_', '/'], "");
        let found = match label.trim().parse::<usize>() {
            Ok(n) => (n < classes).then_some(n),
            Err(_) => names
                .iter()
                .position(|n| simple(n) == simple(label) || n.split('/').any(|part| simple(part) == simple(label))),
        };
        found.ok_or_else(|| {
            MilestoneError::Config(format!(
                "--label {label}: this {} generator draws classes 0–{} ({})",
                self.dataset.title(),
                classes - 1,
                names.join(", ")
            ))
        })
    }
}

impl ImageModel for SavedGan {
    fn describe(&self) -> String {
        let c = self.gan.generator.config;
        let conditioning = if c.classes > 0 { "class-conditional" } else { "unconditional" };
        format!("{conditioning} {} GAN trained on {} ({})", c.kind.name(), self.dataset.title(), self.path)
    }

    fn draw(&self, request: &DrawRequest) -> Result<Drawing, MilestoneError> {
        let config = self.gan.generator.config;
        if request.prompt.is_some() {
            return Err(MilestoneError::Config(format!(
                "{}: a GAN takes no --prompt; it draws {}",
                self.path,
                if config.classes > 0 { "the class given with --label" } else { "free samples" }
            )));
        }
        if request.count == 0 || request.count > MAX_IMAGES {
            return Err(MilestoneError::Config(format!("--n {}: ask for 1 to {MAX_IMAGES} images", request.count)));
        }
        let classes = match (&request.label, config.classes) {
            (Some(_), 0) => {
                return Err(MilestoneError::Config(format!(
                    "{}: this GAN is unconditional (trained without labels); drop --label, or use conditional_gan.safetensors",
                    self.path
                )))
            }
            (Some(label), c) => vec![self.class_of(label, c)?; request.count],
            (None, 0) => Vec::new(),
            (None, c) => (0..request.count).map(|i| i % c).collect(),
        };
        let z = Tensor::randn(&[request.count, config.z_dim], &mut Rng::new(request.seed));
        let labels = (!classes.is_empty()).then_some(&classes[..]);
        let images = no_grad(|| self.gan.generator.generate(&z, labels)).to_vec();
        let names = self.dataset.class_names();
        Ok(Drawing {
            pixels: images.iter().map(|&v| (0.5 * (v + 1.0)).clamp(0.0, 1.0)).collect(),
            height: 28,
            width: 28,
            labels: (0..request.count)
                .map(|i| classes.get(i).map(|&c| names.get(c).map_or(c.to_string(), |n| n.to_string())))
                .collect(),
        })
    }
}

/// The metadata entries [`load_image_model`] reads, for code that saves generators
/// outside a run (tests).
pub fn gan_metadata(config: &GanConfig, dataset: Dataset) -> HashMap<String, String> {
    let mut meta: HashMap<String, String> = config.to_metadata().into_iter().collect();
    meta.insert("dataset".into(), dataset.name().into());
    meta.insert("milestone".into(), "gan".into());
    meta
}
