//! Shape ops: views that only change the layout (reshape, permute, narrow, broadcast),
//! and the copies that move data (contiguous, concat, index_select, gather).

use crate::layout::Layout;
use crate::op::Op;
use crate::Tensor;
use std::sync::Arc;

impl Tensor {
    /// Same elements, new shape (one dim may be `usize::MAX` to infer it). A view when
    /// the tensor is dense, a copy otherwise.
    pub fn reshape(&self, shape: &[usize]) -> Tensor {
        let mut shape = shape.to_vec();
        let known: usize = shape.iter().filter(|&&d| d != usize::MAX).product();
        if let Some(pos) = shape.iter().position(|&d| d == usize::MAX) {
            assert!(
                known > 0 && self.numel() % known == 0,
                "reshape: cannot infer a dim to fit shape {:?} into {shape:?}",
                self.shape()
            );
            shape[pos] = self.numel() / known;
        }
        assert_eq!(
            shape.iter().product::<usize>(),
            self.numel(),
            "reshape: shape {:?} ({} elements) cannot become {shape:?}",
            self.shape(),
            self.numel()
        );
        if self.shape() == shape.as_slice() {
            return self.clone();
        }
        let layout = self.layout();
        let (storage, offset) = if layout.is_contiguous() {
            (self.storage_arc().clone(), layout.offset)
        } else {
            (Arc::new(crate::Storage::Cpu(self.to_vec())), 0)
        };
        let mut new_layout = Layout::contiguous(&shape);
        new_layout.offset = offset;
        Tensor::view_from_op(storage, new_layout, &[self], || Op::Reshape(self.clone()))
    }

    /// All dims folded into one.
    pub fn flatten_all(&self) -> Tensor {
        self.reshape(&[self.numel()])
    }

    /// Dims `from..` folded into one (e.g. `(N, C, H, W)` → `(N, C·H·W)` with `from = 1`).
    pub fn flatten_from(&self, from: usize) -> Tensor {
        let mut shape = self.shape()[..from].to_vec();
        shape.push(self.shape()[from..].iter().product());
        self.reshape(&shape)
    }

    /// Dims reordered (a view): new dim `i` is old dim `perm[i]`.
    pub fn permute(&self, perm: &[usize]) -> Tensor {
        let layout = self.layout().permute(perm);
        Tensor::view_from_op(self.storage_arc().clone(), layout, &[self], || {
            Op::Permute(self.clone(), perm.to_vec())
        })
    }

    /// Two dims swapped (a view).
    pub fn transpose(&self, a: usize, b: usize) -> Tensor {
        let mut perm: Vec<usize> = (0..self.rank()).collect();
        assert!(
            a < self.rank() && b < self.rank(),
            "transpose: dims {a},{b} out of range for shape {:?}",
            self.shape()
        );
        perm.swap(a, b);
        self.permute(&perm)
    }

    /// The last two dims swapped (matrix transpose, a view).
    pub fn t(&self) -> Tensor {
        assert!(self.rank() >= 2, "t: needs at least 2 dims, shape is {:?}", self.shape());
        self.transpose(self.rank() - 2, self.rank() - 1)
    }

    /// Elements `start..start + len` along `dim` (a view).
    pub fn narrow(&self, dim: usize, start: usize, len: usize) -> Tensor {
        let layout = self.layout().narrow(dim, start, len);
        Tensor::view_from_op(self.storage_arc().clone(), layout, &[self], || Op::Narrow {
            arg: self.clone(),
            dim,
            start,
        })
    }

    /// Repeats size-1 (or missing leading) dims to reach `shape` (a stride-0 view).
    pub fn broadcast_to(&self, shape: &[usize]) -> Tensor {
        if self.shape() == shape {
            return self.clone();
        }
        let layout = self.layout().broadcast_to(shape, "broadcast_to");
        Tensor::view_from_op(self.storage_arc().clone(), layout, &[self], || Op::BroadcastTo(self.clone()))
    }

    /// A new size-1 dim at position `dim`.
    pub fn unsqueeze(&self, dim: usize) -> Tensor {
        assert!(dim <= self.rank(), "unsqueeze: dim {dim} out of range for shape {:?}", self.shape());
        let mut shape = self.shape().to_vec();
        shape.insert(dim, 1);
        self.reshape(&shape)
    }

    /// Removes dim `dim`, which must have size 1.
    pub fn squeeze(&self, dim: usize) -> Tensor {
        assert!(
            dim < self.rank() && self.shape()[dim] == 1,
            "squeeze: dim {dim} of shape {:?} is not 1",
            self.shape()
        );
        let mut shape = self.shape().to_vec();
        shape.remove(dim);
        self.reshape(&shape)
    }

    /// A dense row-major copy (itself when already dense).
    pub fn contiguous(&self) -> Tensor {
        if self.is_contiguous() {
            return self.clone();
        }
        Tensor::from_op(self.to_vec(), self.shape(), &[self], || Op::Contiguous(self.clone()))
    }

    /// Tensors joined along `dim`; all other dims must match.
    pub fn concat(tensors: &[Tensor], dim: usize) -> Tensor {
        assert!(!tensors.is_empty(), "concat: no tensors given");
        let first = tensors[0].shape();
        assert!(dim < first.len(), "concat: dim {dim} out of range for shape {first:?}");
        for t in tensors {
            let ok = t.rank() == first.len() && (0..first.len()).all(|d| d == dim || t.shape()[d] == first[d]);
            assert!(ok, "concat: shape {:?} does not match {first:?} outside dim {dim}", t.shape());
        }
        let outer: usize = first[..dim].iter().product();
        let inner: usize = first[dim + 1..].iter().product();
        let total: usize = tensors.iter().map(|t| t.shape()[dim]).sum();
        let mut out = vec![0.0f32; outer * total * inner];
        let mut start = 0;
        for t in tensors {
            let data = t.contiguous_data();
            let block = t.shape()[dim] * inner;
            for o in 0..outer {
                let dst = o * total * inner + start * inner;
                out[dst..dst + block].copy_from_slice(&data[o * block..(o + 1) * block]);
            }
            start += t.shape()[dim];
        }
        let mut shape = first.to_vec();
        shape[dim] = total;
        let refs: Vec<&Tensor> = tensors.iter().collect();
        Tensor::from_op(out, &shape, &refs, || Op::Concat {
            args: tensors.to_vec(),
            dim,
        })
    }

    /// Tensors of one shape stacked along a new dim `dim`.
    pub fn stack(tensors: &[Tensor], dim: usize) -> Tensor {
        let expanded: Vec<Tensor> = tensors.iter().map(|t| t.unsqueeze(dim)).collect();
        Tensor::concat(&expanded, dim)
    }

    /// Consecutive pieces of the given sizes along `dim` (views).
    pub fn split(&self, sizes: &[usize], dim: usize) -> Vec<Tensor> {
        assert_eq!(
            sizes.iter().sum::<usize>(),
            self.dim(dim),
            "split: sizes {sizes:?} do not add up to dim {dim} of shape {:?}",
            self.shape()
        );
        let mut start = 0;
        sizes
            .iter()
            .map(|&len| {
                let piece = self.narrow(dim, start, len);
                start += len;
                piece
            })
            .collect()
    }

    /// `n` equal pieces along `dim` (views).
    pub fn chunk(&self, n: usize, dim: usize) -> Vec<Tensor> {
        assert!(
            n > 0 && self.dim(dim) % n == 0,
            "chunk: dim {dim} of shape {:?} does not split into {n}",
            self.shape()
        );
        self.split(&vec![self.dim(dim) / n; n], dim)
    }

    /// Whole slices along `dim` picked by `indices` (may repeat); embedding lookup is
    /// `weight.index_select(0, ids)`.
    pub fn index_select(&self, dim: usize, indices: &[usize]) -> Tensor {
        let shape = self.shape();
        assert!(dim < shape.len(), "index_select: dim {dim} out of range for shape {shape:?}");
        let size = shape[dim];
        if let Some(&bad) = indices.iter().find(|&&i| i >= size) {
            panic!("index_select: index {bad} is out of range for dim {dim} (size {size}) of shape {shape:?}");
        }
        let outer: usize = shape[..dim].iter().product();
        let inner: usize = shape[dim + 1..].iter().product();
        let data = self.contiguous_data();
        let mut out = Vec::with_capacity(outer * indices.len() * inner);
        for o in 0..outer {
            for &i in indices {
                let src = (o * size + i) * inner;
                out.extend_from_slice(&data[src..src + inner]);
            }
        }
        let mut out_shape = shape.to_vec();
        out_shape[dim] = indices.len();
        let indices = Arc::new(indices.to_vec());
        Tensor::from_op(out, &out_shape, &[self], || Op::IndexSelect {
            arg: self.clone(),
            dim,
            indices,
        })
    }

    /// Elementwise pick along `dim`: the output has `index_shape`, and
    /// `out[.., j, ..] = self[.., indices[.., j, ..], ..]` (torch.gather). Other dims of
    /// `index_shape` must equal the input's.
    pub fn gather(&self, dim: usize, indices: &[usize], index_shape: &[usize]) -> Tensor {
        let shape = self.shape();
        assert!(
            index_shape.len() == shape.len() && (0..shape.len()).all(|d| d == dim || index_shape[d] == shape[d]),
            "gather: index shape {index_shape:?} does not fit input shape {shape:?} along dim {dim}"
        );
        assert_eq!(
            indices.len(),
            index_shape.iter().product::<usize>(),
            "gather: {} indices for index shape {index_shape:?}",
            indices.len()
        );
        let size = shape[dim];
        let inner: usize = shape[dim + 1..].iter().product();
        let k = index_shape[dim];
        let data = self.contiguous_data();
        let out: Vec<f32> = indices
            .iter()
            .enumerate()
            .map(|(pos, &i)| {
                assert!(
                    i < size,
                    "gather: index {i} is out of range for dim {dim} (size {size}) of shape {shape:?}"
                );
                let (o, rest) = (pos / (k * inner), pos % inner);
                data[(o * size + i) * inner + rest]
            })
            .collect();
        let indices = Arc::new(indices.to_vec());
        Tensor::from_op(out, index_shape, &[self], || Op::Gather {
            arg: self.clone(),
            dim,
            indices,
        })
    }
}

/// Scatter-adds `grad` (shape of the gather output) back into a zero tensor of `shape`.
pub(crate) fn gather_backward(grad: &Tensor, shape: &[usize], dim: usize, indices: &[usize]) -> Tensor {
    let size = shape[dim];
    let inner: usize = shape[dim + 1..].iter().product();
    let k = grad.shape()[dim];
    let g = grad.contiguous_data();
    let mut out = vec![0.0f32; shape.iter().product()];
    for (pos, &i) in indices.iter().enumerate() {
        let (o, rest) = (pos / (k * inner), pos % inner);
        out[(o * size + i) * inner + rest] += g[pos];
    }
    Tensor::from_vec(out, shape)
}

/// Scatter-adds slices of `grad` back to the rows `indices` picked (embedding backward).
pub(crate) fn index_select_backward(grad: &Tensor, shape: &[usize], dim: usize, indices: &[usize]) -> Tensor {
    let size = shape[dim];
    let outer: usize = shape[..dim].iter().product();
    let inner: usize = shape[dim + 1..].iter().product();
    let g = grad.contiguous_data();
    let mut out = vec![0.0f32; shape.iter().product()];
    for o in 0..outer {
        for (j, &i) in indices.iter().enumerate() {
            let src = (o * indices.len() + j) * inner;
            let dst = (o * size + i) * inner;
            out[dst..dst + inner]
                .iter_mut()
                .zip(&g[src..src + inner])
                .for_each(|(d, s)| *d += s);
        }
    }
    Tensor::from_vec(out, shape)
}

/// Places `grad` at `start..` along `dim` inside zeros of `shape` (narrow backward).
pub(crate) fn narrow_backward(grad: &Tensor, shape: &[usize], dim: usize, start: usize) -> Tensor {
    let outer: usize = shape[..dim].iter().product();
    let inner: usize = shape[dim + 1..].iter().product();
    let len = grad.shape()[dim];
    let g = grad.contiguous_data();
    let mut out = vec![0.0f32; shape.iter().product()];
    for o in 0..outer {
        let dst = (o * shape[dim] + start) * inner;
        out[dst..dst + len * inner].copy_from_slice(&g[o * len * inner..(o + 1) * len * inner]);
    }
    Tensor::from_vec(out, shape)
}
