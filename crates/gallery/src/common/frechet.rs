//! The Fréchet distance between two sets of feature vectors, each summarised by a
//! Gaussian (Dowson & Landau 1982; used on Inception features as "FID" by Heusel et
//! al. 2017). The generative milestones compute it on features of this project's own
//! classifiers, so the number means something only beside its calibration in the same
//! run: real vs real (the floor) and a weak baseline generator (the far end).
//!
//! `d² = |μ₁ − μ₂|² + tr(Σ₁ + Σ₂ − 2 (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2})`, the square root of a
//! symmetric positive semi-definite matrix taken through its eigen-decomposition
//! (cyclic Jacobi rotations in f64; the matrices are feature-sized, 84×84 for LeNet).

use descent_kernels::matmul::{matmul, MatRef};

/// Mean and covariance of a set of feature vectors.
#[derive(Clone, Debug)]
pub struct Gaussian {
    /// Feature dimension.
    pub dim: usize,
    /// Mean (dim).
    pub mean: Vec<f64>,
    /// Covariance (dim, dim), row-major, unbiased.
    pub cov: Vec<f64>,
}

impl Gaussian {
    /// Fits rows of `features` (N, dim), N ≥ 2.
    pub fn fit(features: &[f32], dim: usize) -> Gaussian {
        let n = features.len() / dim.max(1);
        assert!(
            n >= 2 && n * dim == features.len(),
            "Gaussian::fit: need at least 2 whole rows of {dim} features, got {} values",
            features.len()
        );
        let mut mean = vec![0.0f64; dim];
        for row in features.chunks_exact(dim) {
            mean.iter_mut().zip(row).for_each(|(m, &x)| *m += x as f64);
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let centred: Vec<f32> = features
            .chunks_exact(dim)
            .flat_map(|row| row.iter().zip(&mean).map(|(&x, &m)| (x as f64 - m) as f32))
            .collect();
        // Σ = Xᵀ X / (n − 1), one gemm over the centred rows.
        let mut gram = vec![0.0f32; dim * dim];
        let x = MatRef::row_major(&centred, dim);
        matmul(dim, dim, n, x.t(), x, &mut gram, false);
        let cov = gram.iter().map(|&g| g as f64 / (n - 1) as f64).collect();
        Gaussian { dim, mean, cov }
    }
}

/// The Fréchet distance d² between two Gaussians of the same dimension.
pub fn frechet_distance(a: &Gaussian, b: &Gaussian) -> f64 {
    assert_eq!(a.dim, b.dim, "frechet_distance: dimensions {} and {} differ", a.dim, b.dim);
    let n = a.dim;
    let mean_term: f64 = a.mean.iter().zip(&b.mean).map(|(x, y)| (x - y).powi(2)).sum();
    let trace = |m: &[f64]| (0..n).map(|i| m[i * n + i]).sum::<f64>();
    let root_a = psd_sqrt(&a.cov, n);
    let middle = multiply(&multiply(&root_a, &b.cov, n), &root_a, n);
    let (eigenvalues, _) = symmetric_eigen(&middle, n);
    let cross: f64 = eigenvalues.iter().map(|&l| l.max(0.0).sqrt()).sum();
    (mean_term + trace(&a.cov) + trace(&b.cov) - 2.0 * cross).max(0.0)
}

/// `a · b` for small square f64 matrices (feature-sized, once per distance).
fn multiply(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            let (row, brow) = (&mut out[i * n..(i + 1) * n], &b[k * n..(k + 1) * n]);
            row.iter_mut().zip(brow).for_each(|(o, &bv)| *o += aik * bv);
        }
    }
    out
}

/// The symmetric square root `V diag(√λ) Vᵀ` of a symmetric PSD matrix (negative
/// eigenvalues from rounding clamped to 0).
fn psd_sqrt(m: &[f64], n: usize) -> Vec<f64> {
    let (values, vectors) = symmetric_eigen(m, n);
    let mut scaled = vectors.clone(); // columns scaled by √λ
    for i in 0..n {
        for (j, &l) in values.iter().enumerate() {
            scaled[i * n + j] *= l.max(0.0).sqrt();
        }
    }
    let transposed: Vec<f64> = (0..n * n).map(|at| vectors[(at % n) * n + at / n]).collect();
    multiply(&scaled, &transposed, n)
}

/// Eigenvalues and eigenvectors (as columns, row-major) of a symmetric matrix by
/// cyclic Jacobi rotations, until the off-diagonal mass is negligible.
pub fn symmetric_eigen(m: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = m.to_vec();
    let mut v: Vec<f64> = (0..n * n).map(|at| if at / n == at % n { 1.0 } else { 0.0 }).collect();
    let scale: f64 = a.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..n).flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j))).map(|(i, j)| a[i * n + j].powi(2)).sum();
        if off <= 1e-22 * scale {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                // The smaller root of t² + 2θt − 1 = 0 (Numerical Recipes' choice).
                let sign = if theta >= 0.0 { 1.0 } else { -1.0 };
                let t = sign / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                rotate(&mut a, &mut v, n, p, q, c, t * c);
            }
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

/// Applies the Jacobi rotation (p, q, c, s): `a ← Jᵀ a J`, `v ← v J`.
#[allow(clippy::too_many_arguments)]
fn rotate(a: &mut [f64], v: &mut [f64], n: usize, p: usize, q: usize, c: f64, s: f64) {
    for k in 0..n {
        let (akp, akq) = (a[k * n + p], a[k * n + q]);
        a[k * n + p] = c * akp - s * akq;
        a[k * n + q] = s * akp + c * akq;
    }
    for k in 0..n {
        let (apk, aqk) = (a[p * n + k], a[q * n + k]);
        a[p * n + k] = c * apk - s * aqk;
        a[q * n + k] = s * apk + c * aqk;
    }
    for k in 0..n {
        let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
        v[k * n + p] = c * vkp - s * vkq;
        v[k * n + q] = s * vkp + c * vkq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use descent_tensor::Rng;

    #[test]
    fn eigen_decomposition_reconstructs_the_matrix() {
        let mut rng = Rng::new(1);
        let n = 6;
        let r: Vec<f64> = (0..n * n).map(|_| rng.normal() as f64).collect();
        let m = multiply(&r, &(0..n * n).map(|at| r[(at % n) * n + at / n]).collect::<Vec<_>>(), n); // R Rᵀ
        let (values, vectors) = symmetric_eigen(&m, n);
        for i in 0..n {
            for j in 0..n {
                let back: f64 = (0..n).map(|k| vectors[i * n + k] * values[k] * vectors[j * n + k]).sum();
                assert!((back - m[i * n + j]).abs() < 1e-9, "({i},{j}): {back} vs {}", m[i * n + j]);
            }
        }
        let root = psd_sqrt(&m, n);
        let square = multiply(&root, &root, n);
        assert!(square.iter().zip(&m).all(|(a, b)| (a - b).abs() < 1e-8));
    }

    #[test]
    fn distance_matches_closed_forms() {
        let a = Gaussian {
            dim: 2,
            mean: vec![0.0, 1.0],
            cov: vec![4.0, 0.0, 0.0, 1.0],
        };
        let b = Gaussian {
            dim: 2,
            mean: vec![3.0, 1.0],
            cov: vec![1.0, 0.0, 0.0, 9.0],
        };
        // Diagonal covariances: |Δμ|² + Σ (σ₁ − σ₂)² = 9 + (2−1)² + (1−3)² = 14.
        assert!((frechet_distance(&a, &b) - 14.0).abs() < 1e-9);
        assert!(frechet_distance(&a, &a).abs() < 1e-9);
        // Fitted from samples: the same distribution twice gives a small distance,
        // a shifted one about the squared shift.
        let mut rng = Rng::new(2);
        let draw = |rng: &mut Rng, shift: f32| -> Vec<f32> { (0..20_000 * 3).map(|i| rng.normal() + if i % 3 == 0 { shift } else { 0.0 }).collect() };
        let (x, y, z) = (draw(&mut rng, 0.0), draw(&mut rng, 0.0), draw(&mut rng, 2.0));
        let (gx, gy, gz) = (Gaussian::fit(&x, 3), Gaussian::fit(&y, 3), Gaussian::fit(&z, 3));
        assert!(frechet_distance(&gx, &gy) < 0.01);
        assert!((frechet_distance(&gx, &gz) - 4.0).abs() < 0.1);
    }
}
