//! Trainable parameters: a mutable cell around an immutable tensor value.

use crate::{Tensor, TensorId};
use std::sync::{Arc, RwLock};

/// A trainable tensor shared between a module (which reads it in forward) and an
/// optimizer (which updates it). Cloning shares the same parameter.
///
/// The id stays the same across updates, so gradients computed from the value read
/// in forward find their parameter in a [`crate::GradStore`].
#[derive(Clone)]
pub struct Param(Arc<RwLock<Tensor>>);

impl Param {
    /// A new parameter starting at `value`'s elements.
    pub fn new(value: Tensor) -> Param {
        Param(Arc::new(RwLock::new(value.to_variable())))
    }

    /// The current value (a graph leaf that collects gradients).
    pub fn value(&self) -> Tensor {
        self.0.read().expect("parameter lock poisoned").clone()
    }

    /// The gradient-store identity of this parameter.
    pub fn id(&self) -> TensorId {
        self.value().id()
    }

    /// The parameter's shape.
    pub fn shape(&self) -> Vec<usize> {
        self.value().shape().to_vec()
    }

    /// Number of scalars in the parameter.
    pub fn numel(&self) -> usize {
        self.value().numel()
    }

    /// Modifies the values in place (no graph is recorded). Tensors read earlier keep
    /// their old values.
    pub fn update(&self, f: impl FnOnce(&mut [f32])) {
        let mut guard = self.0.write().expect("parameter lock poisoned");
        guard.update_values(f);
    }

    /// Overwrites every value (e.g. when loading a checkpoint); panics if the count differs.
    pub fn set_values(&self, values: &[f32]) {
        let n = self.numel();
        assert_eq!(
            values.len(),
            n,
            "Param::set_values: {} values for a parameter of shape {:?}",
            values.len(),
            self.shape()
        );
        self.update(|dst| dst.copy_from_slice(values));
    }
}

impl std::fmt::Debug for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Param({:?})", self.value())
    }
}
