//! Learning-rate schedules: a closed enum of pure functions from step to rate.
//!
//! A schedule holds no state, so resuming a run needs only the step number, and the
//! same schedule can drive several optimizers. Steps count from 0: `lr_at(0)` is the
//! rate of the first optimizer step.

use crate::Optimizer;
use std::f64::consts::PI;

/// The learning rate as a function of the optimizer step (0-based).
///
/// Build with the constructors and chain [`LrSchedule::with_warmup`] for the common
/// warmup-then-decay shape:
///
/// ```
/// use descent_optim::LrSchedule;
/// // 100 warmup steps up to 3e-4, then cosine down to 3e-5 over 900 steps.
/// let schedule = LrSchedule::cosine(3e-4, 3e-5, 900).with_warmup(100);
/// assert!(schedule.lr_at(0) < schedule.lr_at(99));
/// assert_eq!(schedule.lr_at(100), 3e-4);
/// assert_eq!(schedule.lr_at(1000), 3e-5);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum LrSchedule {
    /// The same rate at every step.
    Constant {
        /// The rate.
        lr: f32,
    },
    /// `lr · gamma^⌊step / every⌋` (PyTorch's `StepLR`): multiply by `gamma` every
    /// `every` steps.
    StepDecay {
        /// Rate of the first `every` steps.
        lr: f32,
        /// Steps between two decays; must be positive.
        every: usize,
        /// Factor applied at each decay.
        gamma: f32,
    },
    /// Half a cosine from `lr` at step 0 to `min_lr` at `total_steps`, then `min_lr`
    /// (PyTorch's `CosineAnnealingLR` without its restart past the end).
    Cosine {
        /// Rate at step 0.
        lr: f32,
        /// Rate from `total_steps` on.
        min_lr: f32,
        /// Length of the decay.
        total_steps: usize,
    },
    /// Linear warmup to `then`'s first rate, after which `then` runs with its step
    /// counted from the end of the warmup.
    ///
    /// Step `s < steps` gets `then.lr_at(0) · (s + 1) / (steps + 1)` (nanoGPT's rule):
    /// never zero, so the first step already moves the weights, and rising strictly
    /// up to the hand-over.
    Warmup {
        /// Number of warmup steps (0 means none).
        steps: usize,
        /// The schedule after the warmup.
        then: Box<LrSchedule>,
    },
}

impl LrSchedule {
    /// A constant rate.
    pub fn constant(lr: f32) -> LrSchedule {
        LrSchedule::Constant { lr }
    }

    /// Multiplies the rate by `gamma` every `every` steps; panics when `every` is 0.
    pub fn step_decay(lr: f32, every: usize, gamma: f32) -> LrSchedule {
        assert!(every > 0, "LrSchedule::step_decay: `every` must be positive");
        LrSchedule::StepDecay { lr, every, gamma }
    }

    /// Cosine decay from `lr` to `min_lr` over `total_steps` steps.
    pub fn cosine(lr: f32, min_lr: f32, total_steps: usize) -> LrSchedule {
        LrSchedule::Cosine { lr, min_lr, total_steps }
    }

    /// Prepends `steps` steps of linear warmup to this schedule, which then starts at
    /// step `steps` as if it were its step 0.
    pub fn with_warmup(self, steps: usize) -> LrSchedule {
        LrSchedule::Warmup {
            steps,
            then: Box::new(self),
        }
    }

    /// The learning rate of optimizer step `step` (0-based).
    pub fn lr_at(&self, step: usize) -> f32 {
        match self {
            LrSchedule::Constant { lr } => *lr,
            LrSchedule::StepDecay { lr, every, gamma } => {
                assert!(*every > 0, "LrSchedule::StepDecay: `every` must be positive");
                let decays = (step / every) as f64;
                (*lr as f64 * (*gamma as f64).powf(decays)) as f32
            }
            LrSchedule::Cosine { lr, min_lr, total_steps } => {
                if step >= *total_steps {
                    return *min_lr;
                }
                let progress = step as f64 / *total_steps as f64;
                let (lr, min_lr) = (*lr as f64, *min_lr as f64);
                (min_lr + (lr - min_lr) * 0.5 * (1.0 + (PI * progress).cos())) as f32
            }
            LrSchedule::Warmup { steps, then } => {
                if step >= *steps {
                    return then.lr_at(step - steps);
                }
                let fraction = (step + 1) as f64 / (*steps + 1) as f64;
                (then.lr_at(0) as f64 * fraction) as f32
            }
        }
    }

    /// Sets `optimizer`'s learning rate to `lr_at(step)`; call before each step.
    pub fn apply(&self, optimizer: &mut dyn Optimizer, step: usize) {
        optimizer.set_learning_rate(self.lr_at(step));
    }
}
