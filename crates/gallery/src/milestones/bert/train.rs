//! The optimisation every network of this milestone uses (the recipe of BERT's paper):
//! AdamW with decoupled weight decay on matrices only (biases, LayerNorm gains and
//! the MLM output bias are not decayed), linear warmup then cosine decay, and global
//! gradient-norm clipping.

use descent_nn::{named_params, Module};
use descent_optim::{clip_grad_norm, AdamW, AdamWConfig, LrSchedule, Optimizer};
use descent_tensor::{Param, Tensor};

/// Learning-rate schedule and regularisation of one training run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OptimSettings {
    /// Peak learning rate (reached after warmup).
    pub lr: f32,
    /// AdamW's decoupled decay on matrices.
    pub weight_decay: f32,
    /// Share of the steps spent warming up linearly.
    pub warmup_fraction: f32,
    /// Largest global gradient norm (clipped above).
    pub clip_norm: f32,
}

/// AdamW over a model's parameters, in two groups, stepping along a schedule.
pub struct Trainer {
    groups: [(AdamW, Vec<Param>); 2],
    all: Vec<Param>,
    schedule: LrSchedule,
    clip_norm: f32,
    /// Steps taken.
    pub step: usize,
}

impl Trainer {
    /// A trainer of `model` for `total_steps` steps.
    pub fn new(model: &dyn Module, settings: OptimSettings, total_steps: usize) -> Trainer {
        let named = named_params(model);
        let (matrices, others): (Vec<Param>, Vec<Param>) = named.into_iter().map(|(_, p)| p).partition(|p| p.shape().len() >= 2);
        let config = AdamWConfig {
            lr: settings.lr,
            weight_decay: settings.weight_decay,
            ..AdamWConfig::default()
        };
        let plain = AdamWConfig {
            weight_decay: 0.0,
            ..config
        };
        let warmup = ((total_steps as f32 * settings.warmup_fraction) as usize).min(total_steps.saturating_sub(1));
        let schedule = LrSchedule::cosine(settings.lr, settings.lr / 20.0, total_steps.saturating_sub(warmup).max(1)).with_warmup(warmup);
        Trainer {
            all: matrices.iter().chain(&others).cloned().collect(),
            groups: [(AdamW::new(config), matrices), (AdamW::new(plain), others)],
            schedule,
            clip_norm: settings.clip_norm,
            step: 0,
        }
    }

    /// Back-propagates `loss`, clips and steps; returns the loss value.
    pub fn step(&mut self, loss: Tensor) -> f32 {
        let mut grads = loss.backward();
        let value = loss.item();
        // Free the graph first: parameters then have one owner and update in place.
        drop(loss);
        clip_grad_norm(&mut grads, &self.all, self.clip_norm);
        let lr = self.schedule.lr_at(self.step);
        for (optimizer, params) in &mut self.groups {
            optimizer.set_learning_rate(lr);
            optimizer.step(params, &grads);
        }
        self.step += 1;
        value
    }
}
