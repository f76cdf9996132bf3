//! Fused softmax cross-entropy over (N, classes) logits, with an optional ignored target
//! (padding), forward and backward.
//!
//! Language models compute this over tens of millions of logits per step (a 6,000-char
//! vocabulary times 4,096 positions), where the composite `log_softmax → gather → mean`
//! makes about ten passes over the logits. This op makes one pass forward (a
//! log-sum-exp per row, saved) and one backward: `(softmax − onehot)·g/count`.
//! [`Tensor::cross_entropy`] (the composite) is its test oracle.

use super::fast_math::{log_sum_exp_rows, scaled_exp};
use crate::op::Op;
use crate::Tensor;
use descent_kernels::PARALLEL_THRESHOLD;
use rayon::prelude::*;
use std::sync::Arc;

/// Rows per rayon task.
fn chunk_rows(classes: usize) -> usize {
    (PARALLEL_THRESHOLD / classes.max(1)).max(1)
}

impl Tensor {
    /// Mean cross-entropy of (N, classes) logits against `targets`, skipping rows whose
    /// target equals `ignore_index` (padding); the mean is over the rows kept. Fused:
    /// one pass forward, one backward. Returns a 0-d tensor (0 when every row is ignored).
    pub fn softmax_cross_entropy(&self, targets: &[usize], ignore_index: Option<usize>) -> Tensor {
        assert!(
            self.rank() == 2 && self.dim(0) == targets.len(),
            "softmax_cross_entropy: logits {:?} do not match {} targets",
            self.shape(),
            targets.len()
        );
        let classes = self.dim(1);
        let kept = |t: usize| Some(t) != ignore_index;
        if let Some(&bad) = targets.iter().find(|&&t| kept(t) && t >= classes) {
            panic!("softmax_cross_entropy: target {bad} is not below {classes} classes");
        }
        let data = self.contiguous_data();
        let mut lse = vec![0.0f32; targets.len()];
        let chunk = chunk_rows(classes);
        let work = |(l, rows): (&mut [f32], &[f32])| log_sum_exp_rows(rows, classes, l);
        if data.len() >= PARALLEL_THRESHOLD {
            lse.par_chunks_mut(chunk).zip(data.par_chunks(chunk * classes)).for_each(work);
        } else {
            lse.chunks_mut(chunk).zip(data.chunks(chunk * classes)).for_each(work);
        }
        let count = targets.iter().filter(|&&t| kept(t)).count();
        let total: f64 = targets
            .iter()
            .enumerate()
            .filter(|(_, &t)| kept(t))
            .map(|(r, &t)| (lse[r] - data[r * classes + t]) as f64)
            .sum();
        let loss = if count == 0 { 0.0 } else { (total / count as f64) as f32 };
        let (targets, lse) = (Arc::new(targets.to_vec()), Arc::new(lse));
        Tensor::from_op(vec![loss], &[], &[self], || Op::CrossEntropy {
            logits: self.clone(),
            targets,
            ignore_index,
            lse,
        })
    }
}

/// Backward: `dlogits = g/count · (softmax − onehot)` on kept rows, 0 on ignored rows.
pub(crate) fn cross_entropy_grad(logits: &Tensor, targets: &[usize], ignore_index: Option<usize>, lse: &[f32], grad: &Tensor) -> Tensor {
    let classes = logits.dim(1);
    let count = targets.iter().filter(|&&t| Some(t) != ignore_index).count();
    let g = if count == 0 { 0.0 } else { grad.item() / count as f32 };
    let data = logits.contiguous_data();
    let mut out = vec![0.0f32; data.len()];
    let chunk = chunk_rows(classes);
    let work = |(r0, (dst, src)): (usize, (&mut [f32], &[f32]))| {
        for (i, (d, s)) in dst.chunks_mut(classes).zip(src.chunks(classes)).enumerate() {
            let row = r0 * chunk + i;
            let t = targets[row];
            if Some(t) == ignore_index {
                continue;
            }
            let l = lse[row];
            scaled_exp(s, l, g, d);
            d[t] -= g;
        }
    };
    if data.len() >= PARALLEL_THRESHOLD {
        out.par_chunks_mut(chunk * classes)
            .zip(data.par_chunks(chunk * classes))
            .enumerate()
            .for_each(work);
    } else {
        out.chunks_mut(chunk * classes)
            .zip(data.chunks(chunk * classes))
            .enumerate()
            .for_each(work);
    }
    Tensor::from_vec(out, logits.shape())
}
