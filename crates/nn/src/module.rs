//! The `Module` trait: a forward function plus a visit over named parameters.
//!
//! One traversal serves everything that needs "all the parameters": optimizers,
//! checkpoints, parameter counts, gradient clipping (burn's design).

use descent_tensor::{Param, Tensor};

/// A layer or model: maps a tensor to a tensor and exposes its parameters by name.
pub trait Module {
    /// Applies the layer.
    fn forward(&self, x: &Tensor) -> Tensor;

    /// Calls `f(name, param)` for every parameter, names dotted like PyTorch's
    /// `state_dict` keys (`"0.weight"`, `"fc1.bias"`) under `prefix`.
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param));

    /// Switches training behaviour (dropout) on or off; containers pass it down.
    fn set_training(&self, _training: bool) {}
}

/// `prefix.name`, or `name` at the top level.
pub fn join_name(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

/// Every parameter with its full name, in visit order.
pub fn named_params(module: &dyn Module) -> Vec<(String, Param)> {
    let mut out = Vec::new();
    module.visit("", &mut |name, p| out.push((name.to_string(), p.clone())));
    out
}

/// Every parameter, in visit order (what an optimizer takes).
pub fn params(module: &dyn Module) -> Vec<Param> {
    named_params(module).into_iter().map(|(_, p)| p).collect()
}

/// Total number of trainable scalars.
pub fn param_count(module: &dyn Module) -> usize {
    named_params(module).iter().map(|(_, p)| p.numel()).sum()
}
