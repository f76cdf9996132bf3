//! Matrix products through `descent_kernels::matmul` (the `gemm` crate): 2-D and batched
//! with broadcasting batch dims. Transposed views are passed as strides, never copied.

use crate::layout::{broadcast_shapes, for_each_offset, Layout};
use crate::op::Op;
use crate::Tensor;
use descent_kernels::matmul::{matmul_uninit, worth_threads, MatRef};
use rayon::prelude::*;
use std::mem::MaybeUninit;

/// A tensor whose last two dims can be read as a strided matrix (unit stride on one side).
fn matrix_ready(t: &Tensor) -> Tensor {
    let l = t.layout();
    let r = l.shape.len();
    let (rs, cs) = (l.strides[r - 2], l.strides[r - 1]);
    if rs == 1 || cs == 1 || l.shape[r - 2] == 1 || l.shape[r - 1] == 1 {
        t.clone()
    } else {
        Tensor::from_vec(t.to_vec(), t.shape())
    }
}

fn mat_strides(l: &Layout) -> (isize, isize) {
    let r = l.shape.len();
    (l.strides[r - 2] as isize, l.strides[r - 1] as isize)
}

/// Computes `a · b` for tensors of rank ≥ 2 into a new dense buffer.
fn matmul_forward(a: &Tensor, b: &Tensor) -> (Vec<f32>, Vec<usize>) {
    let (ra, rb) = (a.rank(), b.rank());
    assert!(
        ra >= 2 && rb >= 2,
        "matmul: needs matrices (rank >= 2), got shapes {:?} and {:?}",
        a.shape(),
        b.shape()
    );
    let (m, k) = (a.shape()[ra - 2], a.shape()[ra - 1]);
    let (k2, n) = (b.shape()[rb - 2], b.shape()[rb - 1]);
    assert_eq!(k, k2, "matmul: inner dims differ: {:?} · {:?}", a.shape(), b.shape());
    let batch = broadcast_shapes(&a.shape()[..ra - 2], &b.shape()[..rb - 2], "matmul");
    let batch_count: usize = batch.iter().product();
    let mut out_shape = batch.clone();
    out_shape.extend([m, n]);
    let len = batch_count * m * n;
    let (a, b) = (matrix_ready(a), matrix_ready(b));
    // The products write every element.
    let out = crate::ops::fresh(len, |out| write_products(&a, &b, &batch, (m, n, k), out));
    (out, out_shape)
}

/// Writes every element of `out`, the `(batch.., m, n)` product of broadcast `a` and `b`.
fn write_products(a: &Tensor, b: &Tensor, batch: &[usize], (m, n, k): (usize, usize, usize), out: &mut [MaybeUninit<f32>]) {
    let (ra, rb) = (a.rank(), b.rank());
    let batch_count: usize = batch.iter().product();

    // (B.., m, k) dense times a shared (k, n): one tall product instead of B small ones.
    let b_shared = b.layout().strides[..rb - 2].iter().all(|&s| s == 0) || rb == 2;
    if batch_count > 1 && b_shared && a.is_contiguous() && ra - 2 == batch.len() {
        let la = a.layout();
        let (brs, bcs) = mat_strides(b.layout());
        let am = MatRef {
            data: &a.storage_slice()[la.offset..],
            row_stride: k as isize,
            col_stride: 1,
        };
        let bm = MatRef {
            data: &b.storage_slice()[b.layout().offset..],
            row_stride: brs,
            col_stride: bcs,
        };
        matmul_uninit(batch_count * m, n, k, am, bm, out, true);
        return;
    }

    let mut a_shape = batch.to_vec();
    a_shape.extend([m, k]);
    let mut b_shape = batch.to_vec();
    b_shape.extend([k, n]);
    let la = a.layout().broadcast_to(&a_shape, "matmul");
    let lb = b.layout().broadcast_to(&b_shape, "matmul");
    let nb = batch.len();
    let mut a_offsets = Vec::with_capacity(batch_count);
    for_each_offset(batch, &la.strides[..nb], la.offset, |o| a_offsets.push(o));
    let mut b_offsets = Vec::with_capacity(batch_count);
    for_each_offset(batch, &lb.strides[..nb], lb.offset, |o| b_offsets.push(o));
    if batch.is_empty() {
        a_offsets = vec![la.offset];
        b_offsets = vec![lb.offset];
    }
    let ((ars, acs), (brs, bcs)) = (mat_strides(&la), mat_strides(&lb));
    let (da, db) = (a.storage_slice(), b.storage_slice());
    let one = |i: usize, dst: &mut [MaybeUninit<f32>], parallel: bool| {
        let am = MatRef {
            data: &da[a_offsets[i]..],
            row_stride: ars,
            col_stride: acs,
        };
        let bm = MatRef {
            data: &db[b_offsets[i]..],
            row_stride: brs,
            col_stride: bcs,
        };
        matmul_uninit(m, n, k, am, bm, dst, parallel)
    };
    if batch_count > 1 && m * n > 0 && !worth_threads(m, n, k) {
        // Many products too small to split: one per rayon task, each single-threaded.
        out.par_chunks_mut(m * n).enumerate().for_each(|(i, dst)| one(i, dst, false));
    } else if m * n > 0 {
        out.chunks_mut(m * n).enumerate().for_each(|(i, dst)| one(i, dst, true));
    }
}

impl Tensor {
    /// Matrix product over the last two dims; leading (batch) dims broadcast.
    pub fn matmul(&self, other: &Tensor) -> Tensor {
        let (out, shape) = matmul_forward(self, other);
        Tensor::from_op(out, &shape, &[self, other], || Op::Matmul(self.clone(), other.clone()))
    }
}

/// Gradients of `a · b` given `grad` of the output: `(grad · bᵀ, aᵀ · grad)`, each summed
/// back to its operand's shape. Runs without recording.
pub(crate) fn matmul_backward(a: &Tensor, b: &Tensor, grad: &Tensor, need_a: bool, need_b: bool) -> (Option<Tensor>, Option<Tensor>) {
    let grad_a = need_a.then(|| crate::ops::reduce::sum_to_shape(&grad.matmul(&b.t()), a.shape()));
    let grad_b = need_b.then(|| {
        let lb = b.layout();
        let column_major = b.rank() == 2 && lb.strides[0] == 1 && lb.strides[1] == b.shape()[0] && lb.offset == 0;
        if column_major && a.rank() == 2 {
            // b is a transposed dense matrix (Linear's `w.t()`): compute the gradient in
            // w's own order, (grad^T · a), and hand back its transpose view, so no copy
            // is needed when it reaches w.
            grad.t().matmul(a).t()
        } else if b.rank() == 2 && a.rank() > 2 {
            // Shared weight: fold the batch into rows, one (k × B·m) · (B·m × n) product.
            let k = a.shape()[a.rank() - 1];
            let n = grad.shape()[grad.rank() - 1];
            let a2 = a.contiguous().reshape(&[usize::MAX, k]);
            let g2 = grad.contiguous().reshape(&[usize::MAX, n]);
            a2.t().matmul(&g2)
        } else {
            crate::ops::reduce::sum_to_shape(&a.t().matmul(grad), b.shape())
        }
    });
    (grad_a, grad_b)
}
