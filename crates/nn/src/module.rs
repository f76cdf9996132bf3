//! The `Module` trait (a visit over named parameters and buffers) and the `Forward`
//! trait (one tensor in, one out).
//!
//! Traversal is separate from the forward pass (burn's design): one traversal serves
//! everything that needs "all the parameters" (optimizers, checkpoints, parameter
//! counts, gradient clipping), while models whose forward takes several inputs (a
//! translator's source and target, a decoder block's memory) implement `Module` alone.

use descent_tensor::{Param, Tensor};

/// A layer or model that owns named parameters (and possibly buffers).
///
/// A model implements [`Module::visit`] by visiting its layers under their field names;
/// everything that needs "all the parameters" is then built on it:
///
/// ```
/// use descent_nn::{join_name, named_params, param_count, Linear, Module};
/// use descent_tensor::{Param, Rng};
///
/// struct Mlp {
///     fc1: Linear,
///     fc2: Linear,
/// }
///
/// impl Module for Mlp {
///     fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
///         self.fc1.visit(&join_name(prefix, "fc1"), f);
///         self.fc2.visit(&join_name(prefix, "fc2"), f);
///     }
/// }
///
/// let mut rng = Rng::new(0);
/// let mlp = Mlp { fc1: Linear::new(4, 8, &mut rng), fc2: Linear::new(8, 2, &mut rng) };
/// let names: Vec<String> = named_params(&mlp).into_iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
/// assert_eq!(param_count(&mlp), 4 * 8 + 8 + 8 * 2 + 2);
/// ```
pub trait Module {
    /// Calls `f(name, param)` for every trainable parameter, names dotted like PyTorch's
    /// `state_dict` keys (`"0.weight"`, `"fc1.bias"`) under `prefix`.
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param));

    /// Calls `f(name, buffer)` for every non-trainable tensor that a checkpoint must keep
    /// (batch norm's running statistics). Optimizers never see buffers.
    fn visit_buffers(&self, _prefix: &str, _f: &mut dyn FnMut(&str, &Param)) {}

    /// Switches training behaviour (dropout, batch statistics) on or off; containers
    /// pass it down.
    fn set_training(&self, _training: bool) {}
}

/// A module applied to one tensor: what [`crate::Sequential`] chains and what the
/// classification loops train.
pub trait Forward: Module {
    /// Applies the layer.
    fn forward(&self, x: &Tensor) -> Tensor;
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

/// Every buffer with its full name, in visit order.
pub fn named_buffers(module: &dyn Module) -> Vec<(String, Param)> {
    let mut out = Vec::new();
    module.visit_buffers("", &mut |name, p| out.push((name.to_string(), p.clone())));
    out
}

/// Parameters and then buffers, with names: everything a checkpoint saves.
pub fn named_state(module: &dyn Module) -> Vec<(String, Param)> {
    let mut out = named_params(module);
    out.extend(named_buffers(module));
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
