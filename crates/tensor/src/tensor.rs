//! The `Tensor` handle: an immutable, cheaply cloned view of shared storage plus the
//! op that produced it (when autograd is recording).

use crate::layout::{gather, Layout};
use crate::{grad_mode, Op, Rng, Storage};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Identity of a tensor value for gradient bookkeeping (stable across parameter updates).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TensorId(u64);

impl TensorId {
    pub(crate) fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TensorId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

pub(crate) struct Inner {
    pub(crate) id: TensorId,
    pub(crate) storage: Arc<Storage>,
    pub(crate) layout: Layout,
    pub(crate) op: Option<Op>,
    pub(crate) requires_grad: bool,
}

/// An n-dimensional f32 array with autograd history; clone is an `Arc` bump.
///
/// Values never change after creation (parameters are updated through
/// [`crate::Param`], which swaps in new values under a stable id), so a graph kept
/// alive for backward always sees the values its forward used.
///
/// ```
/// use descent_tensor::Tensor;
/// // A variable (a leaf that collects gradients), then ops recorded on it.
/// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0], &[3]).to_variable();
/// let loss = x.mul(&x).sum_all(); // Σ x²
/// assert_eq!(loss.item(), 14.0);
/// // Gradients come back in a store keyed by tensor: d(Σ x²)/dx = 2x.
/// let grads = loss.backward();
/// assert_eq!(grads.get(&x).unwrap().to_vec(), [2.0, 4.0, 6.0]);
/// ```
#[derive(Clone)]
pub struct Tensor(pub(crate) Arc<Inner>);

impl Tensor {
    // ---- construction -------------------------------------------------------------

    /// A tensor owning `data`, laid out row-major as `shape`.
    pub fn from_vec(data: Vec<f32>, shape: &[usize]) -> Tensor {
        let n: usize = shape.iter().product();
        assert_eq!(
            data.len(),
            n,
            "from_vec: {} values do not fill shape {shape:?} ({n} elements)",
            data.len()
        );
        Tensor::leaf(Storage::Cpu(data), Layout::contiguous(shape), false)
    }

    /// A tensor copied from a slice.
    pub fn from_slice(data: &[f32], shape: &[usize]) -> Tensor {
        Tensor::from_vec(data.to_vec(), shape)
    }

    /// A 0-d tensor holding `value`.
    pub fn scalar(value: f32) -> Tensor {
        Tensor::from_vec(vec![value], &[])
    }

    /// All elements equal to `value`.
    pub fn full(shape: &[usize], value: f32) -> Tensor {
        Tensor::from_vec(vec![value; shape.iter().product()], shape)
    }

    /// All zeros.
    pub fn zeros(shape: &[usize]) -> Tensor {
        Tensor::full(shape, 0.0)
    }

    /// All ones.
    pub fn ones(shape: &[usize]) -> Tensor {
        Tensor::full(shape, 1.0)
    }

    /// `[0, 1, ..., n-1]` as f32.
    pub fn arange(n: usize) -> Tensor {
        Tensor::from_vec((0..n).map(|i| i as f32).collect(), &[n])
    }

    /// Standard normal samples from `rng`.
    pub fn randn(shape: &[usize], rng: &mut Rng) -> Tensor {
        Tensor::from_vec((0..shape.iter().product()).map(|_| rng.normal()).collect(), shape)
    }

    /// Uniform samples in `[0, 1)` from `rng`.
    pub fn rand(shape: &[usize], rng: &mut Rng) -> Tensor {
        Tensor::uniform(shape, 0.0, 1.0, rng)
    }

    /// Uniform samples in `[low, high)` from `rng`.
    pub fn uniform(shape: &[usize], low: f32, high: f32, rng: &mut Rng) -> Tensor {
        Tensor::from_vec((0..shape.iter().product()).map(|_| rng.uniform_range(low, high)).collect(), shape)
    }

    /// One-hot rows: shape `[labels.len(), classes]`, 1 at each label.
    pub fn one_hot(labels: &[usize], classes: usize) -> Tensor {
        let mut data = vec![0.0; labels.len() * classes];
        for (row, &label) in labels.iter().enumerate() {
            assert!(label < classes, "one_hot: label {label} is not below {classes} classes");
            data[row * classes + label] = 1.0;
        }
        Tensor::from_vec(data, &[labels.len(), classes])
    }

    pub(crate) fn leaf(storage: Storage, layout: Layout, requires_grad: bool) -> Tensor {
        Tensor(Arc::new(Inner {
            id: TensorId::fresh(),
            storage: Arc::new(storage),
            layout,
            op: None,
            requires_grad,
        }))
    }

    /// The result of an op: records `make_op()` only if recording is on and an input needs grad.
    pub(crate) fn from_op(data: Vec<f32>, shape: &[usize], inputs: &[&Tensor], make_op: impl FnOnce() -> Op) -> Tensor {
        debug_assert_eq!(data.len(), shape.iter().product::<usize>());
        Tensor::view_from_op(Arc::new(Storage::Cpu(data)), Layout::contiguous(shape), inputs, make_op)
    }

    /// Like [`Tensor::from_op`] but sharing existing storage under a new layout (views).
    pub(crate) fn view_from_op(storage: Arc<Storage>, layout: Layout, inputs: &[&Tensor], make_op: impl FnOnce() -> Op) -> Tensor {
        let track = grad_mode::is_grad_enabled() && inputs.iter().any(|t| t.requires_grad());
        let op = if track { Some(make_op()) } else { None };
        Tensor(Arc::new(Inner {
            id: TensorId::fresh(),
            storage,
            layout,
            op,
            requires_grad: track,
        }))
    }

    /// The same values as a new leaf that gradients flow into (a trainable variable).
    pub fn to_variable(&self) -> Tensor {
        self.contiguous_detached().shared_leaf(true)
    }

    /// The same values with no history: gradients stop here.
    pub fn detach(&self) -> Tensor {
        self.shared_leaf(false)
    }

    /// A new leaf (fresh id, no history) over this tensor's storage and layout.
    fn shared_leaf(&self, requires_grad: bool) -> Tensor {
        Tensor(Arc::new(Inner {
            id: TensorId::fresh(),
            storage: self.0.storage.clone(),
            layout: self.0.layout.clone(),
            op: None,
            requires_grad,
        }))
    }

    // ---- inspection ---------------------------------------------------------------

    /// The identity used by [`crate::GradStore`].
    pub fn id(&self) -> TensorId {
        self.0.id
    }

    /// The dimensions.
    pub fn shape(&self) -> &[usize] {
        &self.0.layout.shape
    }

    /// Number of dimensions.
    pub fn rank(&self) -> usize {
        self.0.layout.shape.len()
    }

    /// Size of dimension `dim` (panics naming the shape when out of range).
    pub fn dim(&self, dim: usize) -> usize {
        assert!(dim < self.rank(), "dim {dim} is out of range for shape {:?}", self.shape());
        self.0.layout.shape[dim]
    }

    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.0.layout.numel()
    }

    /// True for graph leaves that collect gradients and for results computed from them.
    pub fn requires_grad(&self) -> bool {
        self.0.requires_grad
    }

    /// The op that produced this tensor, if it was recorded.
    pub fn op(&self) -> Option<&Op> {
        self.0.op.as_ref()
    }

    /// The layout (shape, strides, offset) inside storage.
    pub fn layout(&self) -> &Layout {
        &self.0.layout
    }

    /// True when the elements are dense and row-major.
    pub fn is_contiguous(&self) -> bool {
        self.0.layout.is_contiguous()
    }

    /// Whether both handles are the same tensor (clones of one value), not merely equal.
    /// A handle held elsewhere keeps a parameter's value from changing in place: its next
    /// update writes a new tensor, so a cache keyed on the handle can tell it is stale.
    pub fn same_tensor(&self, other: &Tensor) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The raw storage slice (all of it, not only this view's elements).
    pub(crate) fn storage_slice(&self) -> &[f32] {
        self.0.storage.as_slice()
    }

    pub(crate) fn storage_arc(&self) -> &Arc<Storage> {
        &self.0.storage
    }

    /// The elements in row-major order, borrowed when already dense, copied otherwise.
    pub fn contiguous_data(&self) -> std::borrow::Cow<'_, [f32]> {
        let layout = &self.0.layout;
        if layout.is_contiguous() {
            let n = layout.numel();
            std::borrow::Cow::Borrowed(&self.storage_slice()[layout.offset..layout.offset + n])
        } else {
            std::borrow::Cow::Owned(gather(self.storage_slice(), &layout.shape, &layout.strides, layout.offset))
        }
    }

    /// The elements in row-major order.
    pub fn to_vec(&self) -> Vec<f32> {
        self.contiguous_data().into_owned()
    }

    /// The only element of a one-element tensor.
    pub fn item(&self) -> f32 {
        assert_eq!(
            self.numel(),
            1,
            "item: tensor of shape {:?} has {} elements, not 1",
            self.shape(),
            self.numel()
        );
        self.contiguous_data()[0]
    }

    /// A dense copy with no history (cheap when already dense: shares storage).
    pub(crate) fn contiguous_detached(&self) -> Tensor {
        if self.is_contiguous() && self.0.layout.offset == 0 && self.storage_slice().len() == self.numel() {
            return self.detach();
        }
        Tensor::from_vec(self.to_vec(), self.shape())
    }

    /// Replaces the values of a uniquely held tensor in place, or copies when shared;
    /// keeps the id (used by [`crate::Param`] updates).
    pub(crate) fn update_values(&mut self, f: impl FnOnce(&mut [f32])) {
        let dense = self.is_contiguous() && self.0.layout.offset == 0 && self.storage_slice().len() == self.numel();
        if dense {
            if let Some(inner) = Arc::get_mut(&mut self.0) {
                if let Some(storage) = Arc::get_mut(&mut inner.storage) {
                    f(storage.as_mut_slice());
                    return;
                }
            }
        }
        let mut data = self.to_vec();
        f(&mut data);
        let inner = &self.0;
        *self = Tensor(Arc::new(Inner {
            id: inner.id,
            storage: Arc::new(Storage::Cpu(data)),
            layout: Layout::contiguous(&inner.layout.shape),
            op: None,
            requires_grad: inner.requires_grad,
        }));
    }
}

impl fmt::Debug for Tensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = self.contiguous_data();
        let shown: Vec<f32> = data.iter().take(8).copied().collect();
        write!(f, "Tensor{:?}{:?}{}", self.shape(), shown, if data.len() > 8 { "…" } else { "" })
    }
}
