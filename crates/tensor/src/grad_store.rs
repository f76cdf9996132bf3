//! Gradients kept outside tensors, keyed by tensor id (candle's design).

use crate::{no_grad, Param, Tensor, TensorId};
use std::collections::HashMap;

/// The gradients one or more backward passes produced, by tensor id.
///
/// Passing the same store to several `backward_into` calls adds the gradients up
/// (gradient accumulation over micro-batches).
#[derive(Default, Clone)]
pub struct GradStore {
    grads: HashMap<TensorId, Tensor>,
}

impl GradStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The gradient of `tensor`, if backward reached it.
    pub fn get(&self, tensor: &Tensor) -> Option<&Tensor> {
        self.grads.get(&tensor.id())
    }

    /// The gradient of a parameter, if backward reached it.
    pub fn get_param(&self, param: &Param) -> Option<&Tensor> {
        self.grads.get(&param.id())
    }

    /// The gradient stored under `id`.
    pub fn get_id(&self, id: TensorId) -> Option<&Tensor> {
        self.grads.get(&id)
    }

    /// Adds `grad` to the gradient kept for `id` (inserting it if there was none).
    pub fn accumulate(&mut self, id: TensorId, grad: Tensor) {
        match self.grads.remove(&id) {
            Some(previous) => {
                let sum = no_grad(|| previous.add(&grad));
                self.grads.insert(id, sum);
            }
            None => {
                self.grads.insert(id, grad);
            }
        }
    }

    /// Replaces the gradient kept for `id`.
    pub fn insert(&mut self, id: TensorId, grad: Tensor) {
        self.grads.insert(id, grad);
    }

    /// Removes and returns the gradient kept for `id`.
    pub fn remove(&mut self, id: TensorId) -> Option<Tensor> {
        self.grads.remove(&id)
    }

    /// Number of stored gradients.
    pub fn len(&self) -> usize {
        self.grads.len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.grads.is_empty()
    }

    /// Forgets every gradient (start of a new accumulation).
    pub fn clear(&mut self) {
        self.grads.clear();
    }
}
