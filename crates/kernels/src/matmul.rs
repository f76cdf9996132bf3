//! Matrix multiplication through the `gemm` crate (runtime SIMD dispatch, packing, tiling).
//!
//! Every operand is described by a pointer-free slice plus a row stride and a column
//! stride, so a transposed operand is just swapped strides: no copy.

/// One matrix operand: element `(i, j)` is at `data[i * row_stride + j * col_stride]`.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a> {
    /// The backing elements; must cover every addressed element.
    pub data: &'a [f32],
    /// Distance between consecutive rows.
    pub row_stride: isize,
    /// Distance between consecutive columns.
    pub col_stride: isize,
}

impl<'a> MatRef<'a> {
    /// A contiguous row-major matrix with `cols` columns.
    pub fn row_major(data: &'a [f32], cols: usize) -> Self {
        MatRef {
            data,
            row_stride: cols as isize,
            col_stride: 1,
        }
    }

    /// The same matrix read transposed (swap the strides).
    pub fn t(self) -> Self {
        MatRef {
            data: self.data,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    fn check(&self, rows: usize, cols: usize, what: &str) {
        if rows == 0 || cols == 0 {
            return;
        }
        let last = (rows as isize - 1) * self.row_stride + (cols as isize - 1) * self.col_stride;
        assert!(
            self.row_stride >= 0 && self.col_stride >= 0 && (last as usize) < self.data.len(),
            "matmul: operand {what} ({rows}x{cols}, strides {}/{}) overruns its {} elements",
            self.row_stride,
            self.col_stride,
            self.data.len()
        );
    }
}

/// `c (m×n, row-major) = a (m×k) · b (k×n)`, or `c += a·b` when `accumulate`.
///
/// Multithreaded (rayon) only when `m·n·k` is large enough to pay for it.
pub fn matmul(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, c: &mut [f32], accumulate: bool) {
    let parallel = m * n * k >= 1 << 18 && rayon::current_num_threads() > 1;
    matmul_with(m, n, k, a, b, c, accumulate, parallel);
}

/// [`matmul`] on the calling thread only: for callers that already run in parallel
/// (one small product per rayon task).
pub fn matmul_serial(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, c: &mut [f32], accumulate: bool) {
    matmul_with(m, n, k, a, b, c, accumulate, false);
}

#[allow(clippy::too_many_arguments)]
fn matmul_with(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, c: &mut [f32], accumulate: bool, parallel: bool) {
    assert_eq!(c.len(), m * n, "matmul: output has {} elements, expected {m}x{n}", c.len());
    a.check(m, k, "a");
    b.check(k, n, "b");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            c.fill(0.0);
        }
        return;
    }
    crate::flops::record_gemm(m, n, k);
    let parallelism = if parallel {
        gemm::Parallelism::Rayon(rayon::current_num_threads())
    } else {
        gemm::Parallelism::None
    };
    // SAFETY: the bounds of every operand were checked above; `c` is exclusively borrowed
    // and does not alias `a` or `b` (they are shared borrows).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride,
            a.row_stride,
            b.data.as_ptr(),
            b.col_stride,
            b.row_stride,
            if accumulate { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            parallelism,
        );
    }
}

/// Naive triple-loop reference for [`matmul`] (tests only: never on a hot path).
pub fn matmul_reference(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, c: &mut [f32], accumulate: bool) {
    for i in 0..m {
        for j in 0..n {
            let mut sum = 0.0f64;
            for p in 0..k {
                let x = a.data[(i as isize * a.row_stride + p as isize * a.col_stride) as usize];
                let y = b.data[(p as isize * b.row_stride + j as isize * b.col_stride) as usize];
                sum += x as f64 * y as f64;
            }
            let out = &mut c[i * n + j];
            *out = if accumulate { *out + sum as f32 } else { sum as f32 };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(n: usize, seed: u32) -> Vec<f32> {
        (0..n)
            .map(|i| (((i as u32).wrapping_mul(2654435761) ^ seed) % 1000) as f32 / 500.0 - 1.0)
            .collect()
    }

    #[test]
    fn matmul_matches_reference_with_transposes() {
        for &(m, n, k) in &[(1, 1, 1), (3, 5, 4), (17, 9, 33), (64, 70, 65), (130, 129, 128)] {
            let a = fill(m * k, 1);
            let b = fill(k * n, 2);
            let bt: Vec<f32> = (0..n * k).map(|idx| b[(idx % k) * n + idx / k]).collect();
            let mut fast = vec![0.5; m * n];
            let mut slow = vec![0.5; m * n];
            let ar = MatRef::row_major(&a, k);
            // b given as its transpose (n×k row-major), read back transposed.
            let br = MatRef::row_major(&bt, k).t();
            matmul(m, n, k, ar, br, &mut fast, true);
            matmul_reference(m, n, k, ar, MatRef::row_major(&b, n), &mut slow, true);
            for (x, y) in fast.iter().zip(&slow) {
                assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "{m}x{n}x{k}: {x} vs {y}");
            }
        }
    }
}
