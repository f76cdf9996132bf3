//! Where tensor elements physically live.
//!
//! An enum rather than a trait object or a type parameter: a CUDA variant can be added
//! later as one more arm, and every kernel dispatch is a `match` the compiler checks.

/// The elements behind one or more tensors (views share it through an `Arc`).
#[derive(Debug, Clone)]
pub enum Storage {
    /// Host memory, f32.
    Cpu(Vec<f32>),
}

impl Storage {
    /// The host elements. Future device variants will copy to host or refuse here.
    pub fn as_slice(&self) -> &[f32] {
        match self {
            Storage::Cpu(v) => v,
        }
    }

    /// Mutable host elements (only reachable when the storage is uniquely owned).
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        match self {
            Storage::Cpu(v) => v,
        }
    }

    /// Number of stored elements.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// True when no element is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
