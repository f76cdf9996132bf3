//! A process-wide count of the floating-point operations done by matrix products
//! (2·m·n·k each: a multiply and an add per term), kept so `descent bench` can report
//! the FLOPs of a training step as counted at the gemm calls rather than estimated from
//! a formula. Convolutions, attention and the LSTM recurrence all reach gemm through
//! [`crate::matmul`], so they are counted too; elementwise work is not (it is a small
//! share of every workload's FLOPs, and bandwidth-bound rather than FLOP-bound).
//!
//! One relaxed atomic add per product: negligible beside the product itself.

use std::sync::atomic::{AtomicU64, Ordering};

static GEMM_FLOPS: AtomicU64 = AtomicU64::new(0);

/// Adds one `m×k · k×n` product to the count.
#[inline]
pub fn record_gemm(m: usize, n: usize, k: usize) {
    GEMM_FLOPS.fetch_add(2 * (m as u64) * (n as u64) * (k as u64), Ordering::Relaxed);
}

/// Adds `flops` that a faster algorithm saved against the direct one it stands for
/// (Winograd convolutions): a step's count stays the work of the operation it computes,
/// as cuDNN's and MKL's "effective" rates do, whatever route its products took.
#[inline]
pub fn record_saved(flops: u64) {
    GEMM_FLOPS.fetch_add(flops, Ordering::Relaxed);
}

/// FLOPs of every matrix product since the process started; differences of two
/// readings give the work in between.
pub fn gemm_flops() -> u64 {
    GEMM_FLOPS.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matmul::{matmul, MatRef};

    #[test]
    fn a_product_adds_two_m_n_k() {
        let (m, n, k) = (3, 5, 7);
        let (a, b) = (vec![1.0f32; m * k], vec![1.0f32; k * n]);
        let mut c = vec![0.0f32; m * n];
        let before = gemm_flops();
        matmul(m, n, k, MatRef::row_major(&a, k), MatRef::row_major(&b, n), &mut c, false);
        // Other tests may run products concurrently: at least ours was counted.
        assert!(gemm_flops() - before >= (2 * m * n * k) as u64);
        assert_eq!(c[0], k as f32);
    }
}
