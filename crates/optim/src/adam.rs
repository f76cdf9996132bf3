//! Adam (with optional coupled L2 decay, as `torch.optim.Adam`) and AdamW (decoupled
//! decay, as `torch.optim.AdamW`), sharing one update loop.

use crate::state::{check_len, decode_step, encode_step, entry_name, parse_entry_name, set_once, unknown_slot};
use crate::CHUNK;
use crate::{dense_grad, Optimizer};
use descent_tensor::{GradStore, Param, TensorId};
use rayon::prelude::*;
use std::collections::HashMap;

/// Hyper-parameters of [`Adam`]; `Default` is PyTorch's (lr 1e-3, β (0.9, 0.999),
/// ε 1e-8, no weight decay).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamConfig {
    /// Step size.
    pub lr: f32,
    /// Decay rates (β₁, β₂) of the first and second moment averages.
    pub betas: (f32, f32),
    /// Added to the bias-corrected √v, keeping the step finite for tiny gradients.
    pub eps: f32,
    /// Coupled L2 penalty: `g ← g + weight_decay·p` before the moments (not AdamW).
    pub weight_decay: f32,
}

impl Default for AdamConfig {
    fn default() -> Self {
        AdamConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
        }
    }
}

impl AdamConfig {
    /// Builds the optimizer (same as [`Adam::new`]).
    pub fn init(self) -> Adam {
        Adam::new(self)
    }
}

/// Hyper-parameters of [`AdamW`]; `Default` is PyTorch's (lr 1e-3, β (0.9, 0.999),
/// ε 1e-8, weight decay 0.01).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamWConfig {
    /// Step size.
    pub lr: f32,
    /// Decay rates (β₁, β₂) of the first and second moment averages.
    pub betas: (f32, f32),
    /// Added to the bias-corrected √v, keeping the step finite for tiny gradients.
    pub eps: f32,
    /// Decoupled decay: `p ← p·(1 − lr·weight_decay)` before the Adam update.
    pub weight_decay: f32,
}

impl Default for AdamWConfig {
    fn default() -> Self {
        AdamWConfig {
            lr: 1e-3,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.01,
        }
    }
}

impl AdamWConfig {
    /// Builds the optimizer (same as [`AdamW::new`]).
    pub fn init(self) -> AdamW {
        AdamW::new(self)
    }
}

/// Defines one Adam-family optimizer: the struct (config + moments), its constructor,
/// `Debug`, and the `Optimizer` impl; the two members differ only in how weight decay
/// enters (`decay`).
macro_rules! adam_family {
    ($(#[$doc:meta])* $name:ident, $config:ident, $decay:expr) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            config: $config,
            moments: HashMap<TensorId, Moments>,
        }

        impl $name {
            /// A fresh optimizer with zero moments.
            pub fn new(config: $config) -> $name {
                $name { config, moments: HashMap::new() }
            }

            /// The hyper-parameters in use (the learning rate as last set).
            pub fn config(&self) -> &$config {
                &self.config
            }
        }

        /// Shows the hyper-parameters and how many parameters have state, not the buffers.
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name)).field("config", &self.config).field("params_with_state", &self.moments.len()).finish()
            }
        }

        impl Optimizer for $name {
            fn step(&mut self, params: &[Param], grads: &GradStore) {
                let $config { lr, betas, eps, weight_decay } = self.config;
                let decay: fn(f32) -> Decay = $decay;
                let hyper = Hyper { lr, betas, eps, decay: decay(weight_decay) };
                adam_step(stringify!($name), &hyper, &mut self.moments, params, grads);
            }

            fn learning_rate(&self) -> f32 {
                self.config.lr
            }

            fn set_learning_rate(&mut self, lr: f32) {
                self.config.lr = lr;
            }

            /// `"<index>.m"`, `"<index>.v"` and `"<index>.step"` for each parameter that has
            /// taken a step.
            fn export_state(&self, params: &[Param]) -> Vec<(String, Vec<f32>)> {
                export_moments(&self.moments, params)
            }

            /// Restores the moments and step counters (all three entries of a parameter, or
            /// none, which makes its next step the first).
            fn import_state(&mut self, params: &[Param], state: &[(String, Vec<f32>)]) -> Result<(), String> {
                import_moments(stringify!($name), &mut self.moments, params, state)
            }
        }
    };
}

adam_family!(
/// Adam: `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
/// `p ← p − (lr/(1−β₁ᵗ)) · m / (√v/√(1−β₂ᵗ) + ε)`, with `t` counted per parameter.
///
/// ε goes *after* bias-correcting √v (PyTorch's placement; `√(v̂ + ε)` misses the
/// golden `optim.adam` by a factor of 1,654 of the tolerance).
    Adam,
    AdamConfig,
    Decay::Coupled
);

adam_family!(
/// AdamW: `p ← p·(1 − lr·wd)` first, then the [`Adam`] update with no L2 term.
///
/// The decay applies to every parameter it is given (biases and norm gains included,
/// as the golden `gpt` run does); pass a separate parameter list to a second
/// optimizer to exempt some.
    AdamW,
    AdamWConfig,
    Decay::Decoupled
);

/// Per-parameter Adam state: the step count `t` and the two moment averages.
#[derive(Clone)]
struct Moments {
    step: u64,
    m: Vec<f32>,
    v: Vec<f32>,
}

/// The checkpoint entries of `moments` for `params`, by position (see
/// [`Optimizer::export_state`]).
fn export_moments(moments: &HashMap<TensorId, Moments>, params: &[Param]) -> Vec<(String, Vec<f32>)> {
    let mut entries = Vec::new();
    for (index, param) in params.iter().enumerate() {
        if let Some(state) = moments.get(&param.id()) {
            entries.push((entry_name(index, "m"), state.m.clone()));
            entries.push((entry_name(index, "v"), state.v.clone()));
            entries.push((entry_name(index, "step"), encode_step(state.step)));
        }
    }
    entries
}

/// One parameter's entries as read from a checkpoint, before they are known complete.
#[derive(Clone, Default)]
struct Partial<'a> {
    m: Option<&'a [f32]>,
    v: Option<&'a [f32]>,
    step: Option<u64>,
}

/// Replaces the state of `params` in `moments` by `state`, after checking all of it
/// (see [`Optimizer::import_state`]); on `Err` nothing has changed.
fn import_moments(
    name: &str,
    moments: &mut HashMap<TensorId, Moments>,
    params: &[Param],
    state: &[(String, Vec<f32>)],
) -> Result<(), String> {
    let mut partials = vec![Partial::default(); params.len()];
    for (entry, values) in state {
        let (index, slot) = parse_entry_name(name, entry, params.len())?;
        let partial = &mut partials[index];
        match slot {
            "m" | "v" => {
                check_len(name, entry, values, params[index].numel())?;
                let cell = if slot == "m" { &mut partial.m } else { &mut partial.v };
                set_once(name, entry, cell, values.as_slice())?;
            }
            "step" => {
                let step = decode_step(name, entry, values)?;
                if step == 0 {
                    return Err(format!(
                        "{name}: state entry {entry:?} is 0, but a parameter with moments has \
                         taken at least one step"
                    ));
                }
                set_once(name, entry, &mut partial.step, step)?;
            }
            _ => return Err(unknown_slot(name, entry, &["m", "v", "step"])),
        }
    }
    let mut restored = Vec::with_capacity(params.len());
    for (index, partial) in partials.into_iter().enumerate() {
        restored.push(match partial {
            Partial {
                m: Some(m),
                v: Some(v),
                step: Some(step),
            } => Some(Moments {
                step,
                m: m.to_vec(),
                v: v.to_vec(),
            }),
            Partial {
                m: None,
                v: None,
                step: None,
            } => None,
            partial => {
                let missing: Vec<String> = [
                    ("m", partial.m.is_none()),
                    ("v", partial.v.is_none()),
                    ("step", partial.step.is_none()),
                ]
                .into_iter()
                .filter(|&(_, absent)| absent)
                .map(|(slot, _)| entry_name(index, slot))
                .collect();
                return Err(format!(
                    "{name}: parameter {index} has only part of its state (missing {missing:?})"
                ));
            }
        });
    }
    for (param, state) in params.iter().zip(restored) {
        match state {
            Some(state) => moments.insert(param.id(), state),
            None => moments.remove(&param.id()),
        };
    }
    Ok(())
}

/// Where weight decay enters: Adam's L2 term in the gradient, or AdamW's shrink.
#[derive(Clone, Copy)]
enum Decay {
    Coupled(f32),
    Decoupled(f32),
}

/// The hyper-parameters one step uses, common to both optimizers.
struct Hyper {
    lr: f32,
    betas: (f32, f32),
    eps: f32,
    decay: Decay,
}

/// One Adam(W) step over `params`: a single pass per parameter that decays, updates
/// both moments and writes the new value.
fn adam_step(name: &str, hyper: &Hyper, moments: &mut HashMap<TensorId, Moments>, params: &[Param], grads: &GradStore) {
    let Hyper {
        lr,
        betas: (beta1, beta2),
        eps,
        decay,
    } = *hyper;
    let (l2, shrink) = match decay {
        Decay::Coupled(wd) => (wd, 1.0),
        Decay::Decoupled(wd) => (0.0, 1.0 - lr * wd),
    };
    for param in params {
        let id = param.id();
        let Some(grad) = dense_grad(name, id, param, grads) else {
            continue;
        };
        let state = moments.entry(id).or_insert_with(|| Moments {
            step: 0,
            m: vec![0.0; grad.len()],
            v: vec![0.0; grad.len()],
        });
        state.step += 1;
        // Bias corrections in f64 (PyTorch computes them as Python floats): β₂ᵗ is
        // within 1e-3 of 1 for the first steps, where f32 would lose digits.
        let t = state.step as f64;
        let bias1 = 1.0 - (beta1 as f64).powf(t);
        let bias2_sqrt = (1.0 - (beta2 as f64).powf(t)).sqrt();
        let step_size = (lr as f64 / bias1) as f32;
        let bias2_sqrt = bias2_sqrt as f32;
        let Moments { m, v, .. } = state;
        // Memory-bound: large parameters are updated in parallel chunks (elementwise,
        // so the result does not depend on the split).
        param.update(|values| {
            let chunks = values
                .par_chunks_mut(CHUNK)
                .zip(grad.par_chunks(CHUNK))
                .zip(m.par_chunks_mut(CHUNK).zip(v.par_chunks_mut(CHUNK)));
            chunks.for_each(|((values, grad), (m, v))| {
                crate::wide::with_wide_simd(
                    #[inline(always)]
                    || {
                        for ((p, &g), (m, v)) in values.iter_mut().zip(grad).zip(m.iter_mut().zip(v.iter_mut())) {
                            let g = g + l2 * *p;
                            *p *= shrink;
                            *m = beta1 * *m + (1.0 - beta1) * g;
                            *v = beta2 * *v + (1.0 - beta2) * g * g;
                            // PyTorch's order: denom = √v/√(1−β₂ᵗ) + ε, p −= step_size·(m/denom).
                            *p -= step_size * (*m / (v.sqrt() / bias2_sqrt + eps));
                        }
                    },
                )
            })
        });
    }
}
