//! Stochastic gradient descent with optional momentum, Nesterov momentum and coupled
//! (L2) weight decay, as `torch.optim.SGD` with dampening 0.

use crate::state::{check_len, entry_name, parse_entry_name, set_once, unknown_slot};
use crate::CHUNK;
use crate::{dense_grad, Optimizer};
use descent_tensor::{GradStore, Param, TensorId};
use rayon::prelude::*;
use std::collections::HashMap;

/// Hyper-parameters of [`Sgd`]; `Default` gives plain SGD at lr 0.01.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SgdConfig {
    /// Step size.
    pub lr: f32,
    /// Momentum factor μ (0 disables the buffer).
    pub momentum: f32,
    /// Use Nesterov momentum (`g + μ·b` instead of `b`); needs `momentum > 0`.
    pub nesterov: bool,
    /// Coupled L2 penalty: `g ← g + weight_decay·p` before momentum.
    pub weight_decay: f32,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig {
            lr: 0.01,
            momentum: 0.0,
            nesterov: false,
            weight_decay: 0.0,
        }
    }
}

impl SgdConfig {
    /// Builds the optimizer (burn's `Config::init` habit; same as [`Sgd::new`]).
    pub fn init(self) -> Sgd {
        Sgd::new(self)
    }
}

/// SGD: `g ← g + wd·p`; with momentum `b₁ = g₁`, `b_t = μ·b_{t−1} + g_t`, and the step
/// direction `b_t` (or `g_t + μ·b_t` with Nesterov); then `p ← p − lr·direction`.
///
/// The first buffer is the gradient itself, not `(1 − μ)·g` or `0.1·g`: PyTorch's
/// rule, which `optim.sgd` in the golden file tells apart.
#[derive(Clone)]
pub struct Sgd {
    config: SgdConfig,
    /// Momentum buffers by parameter id; empty when `momentum == 0`.
    buffers: HashMap<TensorId, Vec<f32>>,
}

impl Sgd {
    /// A fresh optimizer with no momentum state. Panics on Nesterov without momentum
    /// (PyTorch refuses it too: the update would silently be plain SGD).
    pub fn new(config: SgdConfig) -> Sgd {
        assert!(
            !config.nesterov || config.momentum > 0.0,
            "Sgd: nesterov needs momentum > 0 (got {})",
            config.momentum
        );
        Sgd {
            config,
            buffers: HashMap::new(),
        }
    }

    /// The hyper-parameters in use (the learning rate as last set).
    pub fn config(&self) -> &SgdConfig {
        &self.config
    }
}

/// Shows the hyper-parameters and how many parameters have state, not the buffers.
impl std::fmt::Debug for Sgd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sgd")
            .field("config", &self.config)
            .field("params_with_state", &self.buffers.len())
            .finish()
    }
}

/// The momentum update's scalars, applied to one chunk at a time.
#[derive(Clone, Copy)]
struct MomentumRule {
    lr: f32,
    momentum: f32,
    weight_decay: f32,
}

impl MomentumRule {
    /// `b ← g` (first step) or `μ·b + g`, then `p ← p − lr·(b or g + μ·b)`. The two flags
    /// are type parameters so that each variant is a branch-free loop the compiler
    /// vectorises (tested per element, they kept it scalar).
    fn apply<const FIRST: bool, const NESTEROV: bool>(self, values: &mut [f32], grad: &[f32], buffer: &mut [f32]) {
        let MomentumRule {
            lr,
            momentum,
            weight_decay,
        } = self;
        crate::wide::with_wide_simd(
            #[inline(always)]
            || {
                for ((p, &g), b) in values.iter_mut().zip(grad).zip(buffer.iter_mut()) {
                    let g = g + weight_decay * *p;
                    *b = if FIRST { g } else { momentum * *b + g };
                    let direction = if NESTEROV { g + momentum * *b } else { *b };
                    *p -= lr * direction;
                }
            },
        );
    }
}

impl Optimizer for Sgd {
    fn step(&mut self, params: &[Param], grads: &GradStore) {
        let SgdConfig {
            lr,
            momentum,
            nesterov,
            weight_decay,
        } = self.config;
        for param in params {
            let id = param.id();
            let Some(grad) = dense_grad("Sgd", id, param, grads) else {
                continue;
            };
            if momentum == 0.0 {
                param.update(|values| {
                    values.par_chunks_mut(CHUNK).zip(grad.par_chunks(CHUNK)).for_each(|(values, grad)| {
                        crate::wide::with_wide_simd(
                            #[inline(always)]
                            || {
                                for (p, &g) in values.iter_mut().zip(grad) {
                                    *p -= lr * (g + weight_decay * *p);
                                }
                            },
                        )
                    })
                });
                continue;
            }
            // A missing buffer means this is the parameter's first step: b₁ = g₁.
            let first = !self.buffers.contains_key(&id);
            let buffer = self.buffers.entry(id).or_insert_with(|| vec![0.0; grad.len()]);
            // Memory-bound: large parameters are updated in parallel chunks (elementwise,
            // so the result does not depend on the split).
            let rule = MomentumRule {
                lr,
                momentum,
                weight_decay,
            };
            param.update(|values| {
                let chunks = values
                    .par_chunks_mut(CHUNK)
                    .zip(grad.par_chunks(CHUNK))
                    .zip(buffer.par_chunks_mut(CHUNK));
                chunks.for_each(|((values, grad), buffer)| match (first, nesterov) {
                    (true, true) => rule.apply::<true, true>(values, grad, buffer),
                    (true, false) => rule.apply::<true, false>(values, grad, buffer),
                    (false, true) => rule.apply::<false, true>(values, grad, buffer),
                    (false, false) => rule.apply::<false, false>(values, grad, buffer),
                })
            });
        }
    }

    fn learning_rate(&self) -> f32 {
        self.config.lr
    }

    fn set_learning_rate(&mut self, lr: f32) {
        self.config.lr = lr;
    }

    /// One `"<index>.momentum"` buffer per parameter that has one (none without
    /// momentum, or before the parameter's first step).
    fn export_state(&self, params: &[Param]) -> Vec<(String, Vec<f32>)> {
        params
            .iter()
            .enumerate()
            .filter_map(|(index, param)| {
                let buffer = self.buffers.get(&param.id())?;
                Some((entry_name(index, "momentum"), buffer.clone()))
            })
            .collect()
    }

    /// Restores the momentum buffers; a parameter without one takes its next step as
    /// a first step (`b = g`). A buffer given to an optimizer with `momentum == 0` is
    /// an error: it would be silently ignored.
    fn import_state(&mut self, params: &[Param], state: &[(String, Vec<f32>)]) -> Result<(), String> {
        let mut restored: Vec<Option<&[f32]>> = vec![None; params.len()];
        for (name, values) in state {
            let (index, slot) = parse_entry_name("Sgd", name, params.len())?;
            if slot != "momentum" {
                return Err(unknown_slot("Sgd", name, &["momentum"]));
            }
            if self.config.momentum == 0.0 {
                return Err(format!(
                    "Sgd: state entry {name:?} is a momentum buffer, but this optimizer has \
                     momentum 0"
                ));
            }
            check_len("Sgd", name, values, params[index].numel())?;
            set_once("Sgd", name, &mut restored[index], values.as_slice())?;
        }
        for (param, buffer) in params.iter().zip(restored) {
            match buffer {
                Some(buffer) => self.buffers.insert(param.id(), buffer.to_vec()),
                None => self.buffers.remove(&param.id()),
            };
        }
        Ok(())
    }
}
