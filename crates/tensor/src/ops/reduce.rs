//! Reductions over dimensions: sum, mean, max/min, argmax, variance.

use crate::op::Op;
use crate::Tensor;
use std::sync::Arc;

/// Sums a dense `(outer, n, inner)` block over the middle dim into `(outer, inner)`.
fn sum_middle(data: &[f32], outer: usize, n: usize, inner: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; outer * inner];
    if inner == 1 {
        // Rows: accumulate in f64 so long sums (means over a data set) stay exact enough.
        for (o, dst) in out.iter_mut().enumerate() {
            *dst = data[o * n..(o + 1) * n].iter().map(|&x| x as f64).sum::<f64>() as f32;
        }
    } else {
        for o in 0..outer {
            let dst = &mut out[o * inner..(o + 1) * inner];
            for i in 0..n {
                let src = &data[(o * n + i) * inner..(o * n + i + 1) * inner];
                dst.iter_mut().zip(src).for_each(|(d, s)| *d += s);
            }
        }
    }
    out
}

fn normalize_dims(dims: &[usize], rank: usize, op: &str, shape: &[usize]) -> Vec<usize> {
    let mut dims = dims.to_vec();
    dims.sort_unstable();
    dims.dedup();
    assert!(
        dims.iter().all(|&d| d < rank),
        "{op}: dims {dims:?} out of range for shape {shape:?}"
    );
    dims
}

impl Tensor {
    /// Sum over `dims`; `keepdim` leaves them as size 1.
    pub fn sum_dims(&self, dims: &[usize], keepdim: bool) -> Tensor {
        let shape = self.shape().to_vec();
        let dims = normalize_dims(dims, shape.len(), "sum", &shape);
        let kept_shape: Vec<usize> = shape
            .iter()
            .enumerate()
            .map(|(d, &s)| if dims.contains(&d) { 1 } else { s })
            .collect();
        let out_shape: Vec<usize> = if keepdim {
            kept_shape.clone()
        } else {
            shape
                .iter()
                .enumerate()
                .filter(|(d, _)| !dims.contains(d))
                .map(|(_, &s)| s)
                .collect()
        };
        // Reduce consecutive runs of dims one block at a time on dense data.
        let mut data = self.contiguous_data().into_owned();
        let mut cur = shape.clone();
        for &d in dims.iter().rev() {
            let outer: usize = cur[..d].iter().product();
            let inner: usize = cur[d + 1..].iter().product();
            data = sum_middle(&data, outer, cur[d], inner);
            cur[d] = 1;
        }
        Tensor::from_op(data, &out_shape, &[self], || Op::Sum { arg: self.clone(), dims })
    }

    /// Sum of every element (a 0-d tensor).
    pub fn sum_all(&self) -> Tensor {
        let dims: Vec<usize> = (0..self.rank()).collect();
        self.sum_dims(&dims, false)
    }

    /// Sum over one dim.
    pub fn sum(&self, dim: usize, keepdim: bool) -> Tensor {
        self.sum_dims(&[dim], keepdim)
    }

    /// Mean over `dims`.
    pub fn mean_dims(&self, dims: &[usize], keepdim: bool) -> Tensor {
        let count: usize = dims.iter().map(|&d| self.dim(d)).product();
        self.sum_dims(dims, keepdim).mul_scalar(1.0 / count as f32)
    }

    /// Mean over one dim.
    pub fn mean(&self, dim: usize, keepdim: bool) -> Tensor {
        self.mean_dims(&[dim], keepdim)
    }

    /// Mean of every element (a 0-d tensor).
    pub fn mean_all(&self) -> Tensor {
        self.sum_all().mul_scalar(1.0 / self.numel().max(1) as f32)
    }

    /// Biased (÷N) or unbiased (÷(N−1)) variance over `dim`, composed from primitives.
    pub fn var(&self, dim: usize, keepdim: bool, unbiased: bool) -> Tensor {
        let n = self.dim(dim);
        let centered = self.sub(&self.mean(dim, true));
        let denom = if unbiased { n.saturating_sub(1).max(1) } else { n };
        centered.mul(&centered).sum(dim, keepdim).mul_scalar(1.0 / denom as f32)
    }

    /// Values and first-maximum positions along `dim`.
    fn max_with_indices(&self, dim: usize, keepdim: bool) -> (Vec<f32>, Vec<usize>, Vec<usize>) {
        let shape = self.shape();
        assert!(dim < shape.len(), "max: dim {dim} out of range for shape {shape:?}");
        let n = shape[dim];
        assert!(n > 0, "max: dim {dim} of shape {shape:?} is empty");
        let outer: usize = shape[..dim].iter().product();
        let inner: usize = shape[dim + 1..].iter().product();
        let data = self.contiguous_data();
        let mut values = vec![f32::NEG_INFINITY; outer * inner];
        let mut indices = vec![0usize; outer * inner];
        for o in 0..outer {
            for i in 0..n {
                let src = &data[(o * n + i) * inner..(o * n + i + 1) * inner];
                let (vals, idx) = (&mut values[o * inner..(o + 1) * inner], &mut indices[o * inner..(o + 1) * inner]);
                for j in 0..inner {
                    // Strictly greater: ties keep the first maximum; NaN propagates.
                    if src[j] > vals[j] || (i == 0) || src[j].is_nan() {
                        vals[j] = src[j];
                        idx[j] = i;
                    }
                }
            }
        }
        let out_shape: Vec<usize> = shape
            .iter()
            .enumerate()
            .filter_map(|(d, &s)| if d == dim { keepdim.then_some(1) } else { Some(s) })
            .collect();
        (values, indices, out_shape)
    }

    /// Maximum along `dim` (gradient goes to the first maximum).
    pub fn max(&self, dim: usize, keepdim: bool) -> Tensor {
        let (values, indices, out_shape) = self.max_with_indices(dim, keepdim);
        let indices = Arc::new(indices);
        Tensor::from_op(values, &out_shape, &[self], || Op::Max {
            arg: self.clone(),
            dim,
            indices,
        })
    }

    /// Minimum along `dim` (−max(−x)).
    pub fn min(&self, dim: usize, keepdim: bool) -> Tensor {
        self.neg().max(dim, keepdim).neg()
    }

    /// Positions of the first maximum along `dim`, as plain indices.
    pub fn argmax(&self, dim: usize) -> Vec<usize> {
        self.max_with_indices(dim, false).1
    }

    /// Largest element overall.
    pub fn max_all(&self) -> f32 {
        self.contiguous_data().iter().copied().fold(f32::NEG_INFINITY, f32::max)
    }
}

/// Sums `grad` down to `shape` (undoing broadcasting: leading dims and size-1 dims).
pub(crate) fn sum_to_shape(grad: &Tensor, shape: &[usize]) -> Tensor {
    if grad.shape() == shape {
        return grad.clone();
    }
    let extra = grad.rank() - shape.len();
    let mut dims: Vec<usize> = (0..extra).collect();
    for (d, &s) in shape.iter().enumerate() {
        if s == 1 && grad.shape()[d + extra] != 1 {
            dims.push(d + extra);
        }
    }
    let summed = grad.sum_dims(&dims, true);
    summed.reshape(shape)
}

/// Scatters `grad` (max output) to the argmax positions inside zeros of `shape`.
pub(crate) fn max_backward(grad: &Tensor, shape: &[usize], dim: usize, indices: &[usize]) -> Tensor {
    let n = shape[dim];
    let inner: usize = shape[dim + 1..].iter().product();
    let g = grad.contiguous_data();
    let mut out = vec![0.0f32; shape.iter().product()];
    for (pos, (&i, &gv)) in indices.iter().zip(g.iter()).enumerate() {
        let (o, j) = (pos / inner, pos % inner);
        out[(o * n + i) * inner + j] += gv;
    }
    Tensor::from_vec(out, shape)
}
