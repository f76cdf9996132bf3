//! Matrix multiplication through the `gemm` crate (runtime SIMD dispatch, packing, tiling).
//!
//! Every operand is described by a pointer-free slice plus a row stride and a column
//! stride, so a transposed operand is just swapped strides: no copy.

use std::mem::MaybeUninit;

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

    /// The matrix from row `i` on (row `i` becomes row 0).
    pub fn rows_from(self, i: usize) -> Self {
        let start = (i as isize * self.row_stride) as usize;
        MatRef {
            data: &self.data[start.min(self.data.len())..],
            ..self
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
    assert_eq!(c.len(), m * n, "matmul: output has {} elements, expected {m}x{n}", c.len());
    matmul_with(m, n, k, a, b, DstPtr(c.as_mut_ptr()), n, accumulate, worth_threads(m, n, k));
}

/// [`matmul`] on the calling thread only: for callers that already run in parallel
/// (one small product per rayon task).
pub fn matmul_serial(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, c: &mut [f32], accumulate: bool) {
    assert_eq!(c.len(), m * n, "matmul: output has {} elements, expected {m}x{n}", c.len());
    matmul_with(m, n, k, a, b, DstPtr(c.as_mut_ptr()), n, accumulate, false);
}

/// `c = a · b` into memory not yet initialised (a new tensor's spare capacity): every
/// element is written, none read, so the output needs no zeroing pass first. Serial
/// unless `parallel` and the product is large enough.
pub fn matmul_uninit(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, c: &mut [MaybeUninit<f32>], parallel: bool) {
    assert_eq!(c.len(), m * n, "matmul: output has {} elements, expected {m}x{n}", c.len());
    let parallel = parallel && worth_threads(m, n, k);
    matmul_with(m, n, k, a, b, DstPtr(c.as_mut_ptr().cast()), n, false, parallel);
}

/// [`matmul_uninit`] on the calling thread into a band of a wider row-major matrix: row
/// `i` of the product goes to `c[i·ldc..i·ldc + n]`, the rest of each row is left as it
/// was. For products that cover only part of their output's rows (the visible keys of a
/// block of queries under a causal mask).
pub fn matmul_uninit_strided(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, c: &mut [MaybeUninit<f32>], ldc: usize) {
    assert!(
        ldc >= n && (m == 0 || c.len() >= (m - 1) * ldc + n),
        "matmul: output band of {} elements cannot hold {m}x{n} with row stride {ldc}",
        c.len()
    );
    matmul_with(m, n, k, a, b, DstPtr(c.as_mut_ptr().cast()), ldc, false, false);
}

/// Whether one `m×k · k×n` product is big enough to split over threads (callers with many
/// smaller ones run them side by side instead): from about 256K multiply-adds, below
/// which a block's work costs less than handing it to another thread. That bar holds when
/// the caller is itself a pool thread (the CLI runs every command on one), so a split
/// keeps a block on the calling thread; from outside the pool each split costs two thread
/// hand-offs and the bar would have to be much higher. Generation without a cache (W6:
/// up to 128 rows by 128–512) is what sets it.
pub fn worth_threads(m: usize, n: usize, k: usize) -> bool {
    m * n * k >= 1 << 18 && rayon::current_num_threads() > 1
}

/// The product into `dst`, a writable `m×n` block with row stride `ldc` (checked by every
/// caller).
#[allow(clippy::too_many_arguments)]
fn matmul_with(m: usize, n: usize, k: usize, a: MatRef, b: MatRef, dst: DstPtr, ldc: usize, accumulate: bool, parallel: bool) {
    a.check(m, k, "a");
    b.check(k, n, "b");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                // SAFETY: `dst` addresses m rows of n writable elements, ldc apart (checked
                // by the caller).
                unsafe { std::ptr::write_bytes(dst.0.add(i * ldc), 0, n) };
            }
        }
        return;
    }
    crate::flops::record_gemm(m, n, k);
    let threads = if parallel { rayon::current_num_threads() } else { 1 };
    if threads <= 1 {
        // SAFETY: the bounds of every operand were checked above; the caller's exclusive
        // borrow of the output does not alias `a` or `b` (they are shared borrows).
        unsafe { gemm_block(dst, ldc, (0, m), (0, n), k, a, b, accumulate) };
        return;
    }
    // One serial product per thread on a block of rows (or of columns when the output is
    // wider than tall), instead of gemm's own threading, which splits the short-and-wide
    // products of a training step (a batch of rows by a wide layer) less well; on large
    // square ones the two are even. Blocks are multiples of 16 (the kernel's register
    // tile) and depend only on the shape and thread count, so results are reproducible
    // for a given thread count.
    let split_rows = m >= n;
    let extent = if split_rows { m } else { n };
    let block = extent.div_ceil(threads).next_multiple_of(16);
    rayon::scope(|scope| {
        for start in (0..extent).step_by(block) {
            let range = (start, (start + block).min(extent));
            let (rows, cols) = if split_rows { (range, (0, n)) } else { ((0, m), range) };
            // SAFETY: as above; each task writes a disjoint block of the output, which
            // stays borrowed until the scope has joined every task.
            scope.spawn(move |_| unsafe { gemm_block(dst, ldc, rows, cols, k, a, b, accumulate) });
        }
    });
}

/// The output pointer shared by the tasks of one split product (each writes its own block).
#[derive(Clone, Copy)]
struct DstPtr(*mut f32);
// SAFETY: only used inside `matmul_with`'s scope, where tasks write disjoint blocks.
unsafe impl Send for DstPtr {}
// SAFETY: as for `Send`: the tasks sharing it write disjoint blocks.
unsafe impl Sync for DstPtr {}

/// Serial gemm of the output block `rows × cols` of a row-major `m×n` product with row
/// stride `ldc`.
///
/// # Safety
/// `dst` must point to a live, writable `m×ldc` buffer that no other thread touches in
/// this block, and `a`, `b` must cover the addressed rows and columns (checked by caller).
#[allow(clippy::too_many_arguments)]
unsafe fn gemm_block(
    dst: DstPtr,
    ldc: usize,
    rows: (usize, usize),
    cols: (usize, usize),
    k: usize,
    a: MatRef,
    b: MatRef,
    accumulate: bool,
) {
    let (h, w) = (rows.1 - rows.0, cols.1 - cols.0);
    // SAFETY: the caller checked that `a` covers rows `rows` and `b` columns `cols`, so
    // both offsets stay inside their slices.
    let (a_ptr, b_ptr) = unsafe {
        (
            a.data.as_ptr().offset(rows.0 as isize * a.row_stride),
            b.data.as_ptr().offset(cols.0 as isize * b.col_stride),
        )
    };
    // SAFETY: the caller guarantees `dst` is a live m×ldc buffer whose block `rows × cols`
    // only this call touches, and that `a` and `b` cover the h×k and k×w operands read
    // through the strides given.
    unsafe {
        gemm::gemm(
            h,
            w,
            k,
            dst.0.add(rows.0 * ldc + cols.0),
            1,
            ldc as isize,
            accumulate,
            a_ptr,
            a.col_stride,
            a.row_stride,
            b_ptr,
            b.col_stride,
            b.row_stride,
            if accumulate { 1.0 } else { 0.0 },
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    };
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
        // The last four are big enough to run in parallel (`worth_threads`), split by
        // columns (m < n) and by rows, with blocks that do not divide evenly.
        for &(m, n, k) in &[
            (1, 1, 1),
            (3, 5, 4),
            (17, 9, 33),
            (64, 70, 65),
            (130, 129, 128),
            (50, 301, 290),
            (301, 130, 110),
        ] {
            let threads = rayon::current_num_threads() > 1;
            assert_eq!(worth_threads(m, n, k), threads && m * n * k >= 1 << 18, "{m}x{n}x{k}");
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
