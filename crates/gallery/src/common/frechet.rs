//! The Fréchet distance between two sets of feature vectors (Heusel et al. 2017, the
//! "FID" when the features are Inception's): each set is summarised by a Gaussian
//! (mean, covariance) and
//!
//! d² = |μ₁ − μ₂|² + tr(Σ₁ + Σ₂ − 2·(Σ₁^½ Σ₂ Σ₁^½)^½).
//!
//! The generative milestones use this project's own classifiers' features instead of
//! Inception's, and calibrate the number in the same run: two disjoint halves of the
//! real test set give the floor (real against real, same sizes). The matrix square roots
//! come from a symmetric eigendecomposition (cyclic Jacobi, f64), exact for the few
//! hundred dimensions used here.

/// Mean and covariance (unbiased, n − 1) of a set of feature vectors.
#[derive(Clone, Debug)]
pub struct FeatureGaussian {
    /// Feature dimension d.
    pub dim: usize,
    /// Mean (d).
    pub mean: Vec<f64>,
    /// Covariance (d, d), row-major.
    pub cov: Vec<f64>,
    /// How many vectors it summarises.
    pub count: usize,
}

impl FeatureGaussian {
    /// Fits `features` (n, dim), row-major; needs at least two vectors.
    pub fn fit(features: &[f32], dim: usize) -> FeatureGaussian {
        assert!(
            dim > 0 && features.len() % dim == 0 && features.len() / dim >= 2,
            "FeatureGaussian: {} values are not at least two {dim}-vectors",
            features.len()
        );
        let n = features.len() / dim;
        let mut mean = vec![0.0f64; dim];
        for row in features.chunks_exact(dim) {
            mean.iter_mut().zip(row).for_each(|(m, &x)| *m += x as f64);
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut cov = vec![0.0f64; dim * dim];
        let mut centred = vec![0.0f64; dim];
        for row in features.chunks_exact(dim) {
            centred.iter_mut().zip(row).zip(&mean).for_each(|((c, &x), m)| *c = x as f64 - m);
            for (i, &ci) in centred.iter().enumerate() {
                let line = &mut cov[i * dim..(i + 1) * dim];
                line.iter_mut().zip(&centred).for_each(|(v, &cj)| *v += ci * cj);
            }
        }
        cov.iter_mut().for_each(|v| *v /= (n - 1) as f64);
        FeatureGaussian { dim, mean, cov, count: n }
    }
}

/// The Fréchet distance (the squared form, as FID reports it) between two Gaussians.
pub fn frechet_distance(a: &FeatureGaussian, b: &FeatureGaussian) -> f64 {
    assert_eq!(a.dim, b.dim, "frechet_distance: dimensions {} and {} differ", a.dim, b.dim);
    let d = a.dim;
    let mean_term: f64 = a.mean.iter().zip(&b.mean).map(|(x, y)| (x - y) * (x - y)).sum();
    let trace = |m: &[f64]| (0..d).map(|i| m[i * d + i]).sum::<f64>();
    let root_a = sqrtm_symmetric(&a.cov, d);
    let middle = matmul(&matmul(&root_a, &b.cov, d), &root_a, d); // Σ₁^½ Σ₂ Σ₁^½, symmetric PSD
    let (values, _) = symmetric_eigen(&middle, d);
    let cross: f64 = values.iter().map(|&v| v.max(0.0).sqrt()).sum();
    (mean_term + trace(&a.cov) + trace(&b.cov) - 2.0 * cross).max(0.0)
}

/// The Fréchet distance between two feature sets (n, dim) and (m, dim).
pub fn frechet_distance_of(a: &[f32], b: &[f32], dim: usize) -> f64 {
    frechet_distance(&FeatureGaussian::fit(a, dim), &FeatureGaussian::fit(b, dim))
}

/// The symmetric positive semi-definite square root of a symmetric (n, n) matrix:
/// V·diag(√max(λ, 0))·Vᵀ from its eigendecomposition.
pub fn sqrtm_symmetric(m: &[f64], n: usize) -> Vec<f64> {
    let (values, vectors) = symmetric_eigen(m, n);
    let roots: Vec<f64> = values.iter().map(|&v| v.max(0.0).sqrt()).collect();
    let mut out = vec![0.0f64; n * n];
    for i in 0..n {
        for j in 0..n {
            out[i * n + j] = (0..n).map(|k| vectors[i * n + k] * roots[k] * vectors[j * n + k]).sum();
        }
    }
    out
}

fn matmul(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0f64; n * n];
    for i in 0..n {
        for k in 0..n {
            let aik = a[i * n + k];
            let row = &b[k * n..(k + 1) * n];
            out[i * n..(i + 1) * n].iter_mut().zip(row).for_each(|(o, &bkj)| *o += aik * bkj);
        }
    }
    out
}

/// Eigenvalues and eigenvectors (columns of the row-major (n, n) result) of a symmetric
/// matrix, by cyclic Jacobi rotations until the off-diagonal mass is negligible.
pub fn symmetric_eigen(m: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    assert_eq!(m.len(), n * n, "symmetric_eigen: {} values for a {n}×{n} matrix", m.len());
    let mut a = m.to_vec();
    // Symmetrise exactly: rounding in the caller's products leaves tiny asymmetries.
    for i in 0..n {
        for j in 0..i {
            let v = 0.5 * (a[i * n + j] + a[j * n + i]);
            a[i * n + j] = v;
            a[j * n + i] = v;
        }
    }
    let mut v = vec![0.0f64; n * n];
    (0..n).for_each(|i| v[i * n + i] = 1.0);
    let total: f64 = a.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    for _sweep in 0..100 {
        let off: f64 = (0..n).flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j))).map(|(i, j)| a[i * n + j].powi(2)).sum();
        if off <= 1e-24 * total {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() <= 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
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
        }
    }
    ((0..n).map(|i| a[i * n + i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use descent_tensor::Rng;

    #[test]
    fn square_root_squares_back() {
        let m = [4.0, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 2.0];
        let r = sqrtm_symmetric(&m, 3);
        let back = matmul(&r, &r, 3);
        for (x, y) in back.iter().zip(&m) {
            assert!((x - y).abs() < 1e-10, "{back:?}");
        }
    }

    #[test]
    fn distance_of_known_gaussians() {
        // Diagonal covariances: d² = |Δμ|² + Σ (√σ₁ − √σ₂)² per dimension.
        let a = FeatureGaussian { dim: 2, mean: vec![0.0, 1.0], cov: vec![4.0, 0.0, 0.0, 1.0], count: 10 };
        let b = FeatureGaussian { dim: 2, mean: vec![3.0, 1.0], cov: vec![1.0, 0.0, 0.0, 9.0], count: 10 };
        let expected = 9.0 + (2.0f64 - 1.0).powi(2) + (1.0f64 - 3.0).powi(2);
        assert!((frechet_distance(&a, &b) - expected).abs() < 1e-9);
        assert!(frechet_distance(&a, &a).abs() < 1e-9);
    }

    #[test]
    fn samples_of_one_distribution_are_nearer_than_of_another() {
        let mut rng = Rng::new(0);
        let mut draw = |shift: f32, n: usize| -> Vec<f32> { (0..n * 4).map(|i| rng.normal() + if i % 4 == 0 { shift } else { 0.0 }).collect() };
        let (x, y, z) = (draw(0.0, 2000), draw(0.0, 2000), draw(1.0, 2000));
        let same = frechet_distance_of(&x, &y, 4);
        let other = frechet_distance_of(&x, &z, 4);
        assert!(same < 0.05 && (other - 1.0).abs() < 0.15, "same {same}, shifted {other}");
    }
}
