//! The traditional pipeline AlexNet beat, at CIFAR scale: Coates, Lee & Ng, "An Analysis
//! of Single-Layer Networks in Unsupervised Feature Learning" (AISTATS 2011) — the
//! hand-designed feature pipeline that held the CIFAR-10 record before deep CNNs:
//!
//! 1. random 6×6×3 patches of the training images, each brightness/contrast normalised;
//! 2. ZCA whitening (eigenvectors of the patch covariance, ε = 0.1);
//! 3. k-means on the whitened patches: K centroids = the "dictionary";
//! 4. every patch of an image (stride s) encoded by the "triangle" activation
//!    f_k = max(0, mean_j(z_j) − z_k), z_k = ‖x − c_k‖;
//! 5. sum-pooling over the four image quadrants: 4K features;
//! 6. a linear classifier (L2-regularised softmax regression) on the standardised features.
//!
//! Nothing here is trained end to end: the features are fixed before the classifier sees a
//! label. The big products go through the gemm kernel; the eigen-decomposition (108×108,
//! once) is a plain cyclic Jacobi.

use crate::common::classifier::{evaluate, train_epoch, ClassificationData, EpochPlan, Split};
use crate::Phase;
use descent_data::CifarSet;
use descent_kernels::matmul::{matmul, MatRef};
use descent_nn::{params, Linear};
use descent_optim::{Adam, AdamConfig, LrSchedule};
use descent_tensor::Rng;

/// Sizes of the pipeline.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FeatureConfig {
    /// Patch side (Coates et al.: 6).
    pub(crate) patch: usize,
    /// Dictionary size K.
    pub(crate) centroids: usize,
    /// Step between encoded patches.
    pub(crate) stride: usize,
    /// Random patches k-means learns from.
    pub(crate) kmeans_patches: usize,
    /// k-means iterations.
    pub(crate) kmeans_iterations: usize,
    /// Epochs of the softmax classifier.
    pub(crate) classifier_epochs: usize,
    /// L2 penalty of the classifier.
    pub(crate) weight_decay: f32,
}

/// What the pipeline reached.
pub(crate) struct FeatureOutcome {
    /// Accuracy on the training images.
    pub(crate) train_accuracy: f32,
    /// Accuracy on the test images.
    pub(crate) test_accuracy: f32,
    /// Length of an image's feature vector (4K).
    pub(crate) dims: usize,
}

/// Learns the dictionary on `train`, encodes both sets, trains the classifier, measures.
pub(crate) fn run_features(train: &CifarSet, test: &CifarSet, config: FeatureConfig, seed: u64, phase: &Phase) -> FeatureOutcome {
    let mut rng = Rng::new(seed);
    let d = 3 * config.patch * config.patch;
    let mut patches = sample_patches(train, config.patch, config.kmeans_patches, &mut rng);
    normalize_rows(&mut patches, d);
    let whitening = Whitening::fit(&patches, d);
    whitening.apply(&mut patches);
    let centroids = kmeans(&patches, d, config.centroids, config.kmeans_iterations, &mut rng);
    phase.status("encoding images with the k-means dictionary");
    let encoder = Encoder {
        config,
        whitening,
        centroids,
    };
    let mut train_x = encoder.encode(train);
    let mut test_x = encoder.encode(test);
    let dims = 4 * config.centroids;
    standardize(&mut train_x, &mut test_x, dims);
    let data = ClassificationData {
        train: Split {
            inputs: train_x,
            labels: train.labels_usize(),
        },
        test: Split {
            inputs: test_x,
            labels: test.labels_usize(),
        },
        feature_shape: vec![dims],
        identity: String::new(),
        source: String::new(),
    };
    let classifier = Linear::new(dims, 10, &mut rng);
    let all = params(&classifier);
    let mut optimizer = Adam::new(AdamConfig {
        lr: 1e-3,
        weight_decay: config.weight_decay,
        ..AdamConfig::default()
    });
    let batch_size = 128;
    let steps = config.classifier_epochs * data.train.labels.len().div_ceil(batch_size);
    let schedule = LrSchedule::cosine(1e-3, 1e-5, steps);
    let plan = EpochPlan {
        batch_size,
        seed,
        schedule: Some(&schedule),
    };
    phase.status("training the linear classifier on the features");
    for epoch in 0..config.classifier_epochs {
        train_epoch(&classifier, &all, &mut optimizer, &data, plan, epoch as u64, &Phase::silent());
    }
    let (train_accuracy, _, _) = evaluate(&classifier, &data.train, &data.feature_shape, 1000);
    let (test_accuracy, _, _) = evaluate(&classifier, &data.test, &data.feature_shape, 1000);
    FeatureOutcome {
        train_accuracy,
        test_accuracy,
        dims,
    }
}

/// `count` random `patch`×`patch` windows of random training images, as rows of raw
/// pixel values (channel-major inside a row).
fn sample_patches(set: &CifarSet, patch: usize, count: usize, rng: &mut Rng) -> Vec<f32> {
    let span = 32 - patch + 1;
    let mut out = Vec::with_capacity(count * 3 * patch * patch);
    for _ in 0..count {
        let image = &set.images[rng.below(set.n) * 3072..][..3072];
        let (y, x) = (rng.below(span), rng.below(span));
        push_patch(image, patch, y, x, &mut out);
    }
    out
}

/// Appends the `patch`×`patch` window at `(y, x)` of a 32×32×3 image to `out`,
/// channel-major.
fn push_patch(image: &[u8], patch: usize, y: usize, x: usize, out: &mut Vec<f32>) {
    for c in 0..3 {
        for dy in 0..patch {
            let row = &image[c * 1024 + (y + dy) * 32 + x..][..patch];
            out.extend(row.iter().map(|&p| p as f32));
        }
    }
}

/// Per row: subtract the mean, divide by √(variance + 10) (pixels in 0–255, as Coates et al.).
fn normalize_rows(rows: &mut [f32], d: usize) {
    for row in rows.chunks_exact_mut(d) {
        let mean = row.iter().sum::<f32>() / d as f32;
        let var = row.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / (d - 1) as f32;
        let scale = 1.0 / (var + 10.0).sqrt();
        row.iter_mut().for_each(|v| *v = (*v - mean) * scale);
    }
}

/// ZCA whitening: `x ← (x − mean) · V diag(1/√(λ + 0.1)) Vᵀ`.
struct Whitening {
    /// Mean of the fitted rows.
    mean: Vec<f32>,
    /// The whitening matrix (d, d), symmetric.
    matrix: Vec<f32>,
    /// Values per row.
    d: usize,
}

impl Whitening {
    /// The whitening of `rows` (n, d): their mean and the eigen-decomposition of their
    /// covariance, with ε = 0.1 added to each eigenvalue.
    fn fit(rows: &[f32], d: usize) -> Whitening {
        let n = rows.len() / d;
        let mut mean = vec![0.0f32; d];
        rows.chunks_exact(d).for_each(|r| mean.iter_mut().zip(r).for_each(|(m, v)| *m += v));
        mean.iter_mut().for_each(|m| *m /= n as f32);
        let centered: Vec<f32> = rows.chunks_exact(d).flat_map(|r| r.iter().zip(&mean).map(|(v, m)| v - m)).collect();
        let mut cov = vec![0.0f32; d * d];
        let x = MatRef::row_major(&centered, d);
        matmul(d, d, n, x.t(), x, &mut cov, false);
        let cov: Vec<f64> = cov.iter().map(|&c| c as f64 / n as f64).collect();
        let (values, vectors) = symmetric_eigen(cov, d);
        // W = V diag(1/sqrt(λ + ε)) Vᵀ
        let mut matrix = vec![0.0f32; d * d];
        for i in 0..d {
            for j in 0..d {
                let s: f64 = (0..d)
                    .map(|k| vectors[i * d + k] * vectors[j * d + k] / (values[k] + 0.1).sqrt())
                    .sum();
                matrix[i * d + j] = s as f32;
            }
        }
        Whitening { mean, matrix, d }
    }

    /// Whitens `rows` in place: the mean removed, then one product with the matrix.
    fn apply(&self, rows: &mut [f32]) {
        let n = rows.len() / self.d;
        rows.chunks_exact_mut(self.d)
            .for_each(|r| r.iter_mut().zip(&self.mean).for_each(|(v, m)| *v -= m));
        let mut out = vec![0.0f32; rows.len()];
        matmul(
            n,
            self.d,
            self.d,
            MatRef::row_major(rows, self.d),
            MatRef::row_major(&self.matrix, self.d),
            &mut out,
            false,
        );
        rows.copy_from_slice(&out);
    }
}

/// Eigenvalues and eigenvectors (columns of a row-major `d×d`) of a symmetric matrix by
/// cyclic Jacobi rotations.
fn symmetric_eigen(mut a: Vec<f64>, d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0f64; d * d];
    (0..d).for_each(|i| v[i * d + i] = 1.0);
    for _sweep in 0..50 {
        let off: f64 = (0..d)
            .flat_map(|i| (0..d).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i * d + j].powi(2))
            .sum();
        if off < 1e-18 {
            break;
        }
        for p in 0..d {
            for q in p + 1..d {
                let apq = a[p * d + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..d {
                    let (akp, akq) = (a[k * d + p], a[k * d + q]);
                    a[k * d + p] = c * akp - s * akq;
                    a[k * d + q] = s * akp + c * akq;
                }
                for k in 0..d {
                    let (apk, aqk) = (a[p * d + k], a[q * d + k]);
                    a[p * d + k] = c * apk - s * aqk;
                    a[q * d + k] = s * apk + c * aqk;
                }
                for k in 0..d {
                    let (vkp, vkq) = (v[k * d + p], v[k * d + q]);
                    v[k * d + p] = c * vkp - s * vkq;
                    v[k * d + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..d).map(|i| a[i * d + i].max(0.0)).collect(), v)
}

/// Squared distances `(n, k)` from rows of `x` (n, d) to rows of `c` (k, d) via one gemm.
fn squared_distances(x: &[f32], c: &[f32], d: usize) -> Vec<f32> {
    let (n, k) = (x.len() / d, c.len() / d);
    let norms = |m: &[f32]| -> Vec<f32> { m.chunks_exact(d).map(|r| r.iter().map(|v| v * v).sum()).collect() };
    let (xx, cc) = (norms(x), norms(c));
    let mut out = vec![0.0f32; n * k];
    matmul(n, k, d, MatRef::row_major(x, d), MatRef::row_major(c, d).t(), &mut out, false);
    for (i, row) in out.chunks_exact_mut(k).enumerate() {
        row.iter_mut().zip(&cc).for_each(|(v, c2)| *v = (xx[i] - 2.0 * *v + c2).max(0.0));
    }
    out
}

/// Lloyd's k-means from `k` distinct random rows; an emptied cluster takes a random row.
fn kmeans(rows: &[f32], d: usize, k: usize, iterations: usize, rng: &mut Rng) -> Vec<f32> {
    let n = rows.len() / d;
    let mut centroids: Vec<f32> = rng.permutation(n)[..k]
        .iter()
        .flat_map(|&i| rows[i * d..(i + 1) * d].to_vec())
        .collect();
    let chunk = 8192;
    for _ in 0..iterations {
        let mut sums = vec![0.0f64; k * d];
        let mut counts = vec![0usize; k];
        for (block, part) in rows.chunks(chunk * d).enumerate() {
            let dist = squared_distances(part, &centroids, d);
            for (i, row) in dist.chunks_exact(k).enumerate() {
                let best = row.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(j, _)| j);
                counts[best] += 1;
                let x = &rows[(block * chunk + i) * d..][..d];
                sums[best * d..(best + 1) * d].iter_mut().zip(x).for_each(|(s, &v)| *s += v as f64);
            }
        }
        for j in 0..k {
            let target = &mut centroids[j * d..(j + 1) * d];
            if counts[j] == 0 {
                let i = rng.below(n);
                target.copy_from_slice(&rows[i * d..(i + 1) * d]);
            } else {
                target
                    .iter_mut()
                    .zip(&sums[j * d..])
                    .for_each(|(c, &s)| *c = (s / counts[j] as f64) as f32);
            }
        }
    }
    centroids
}

/// The fixed feature extractor: whitening and dictionary.
struct Encoder {
    /// Patch size, stride and dictionary size.
    config: FeatureConfig,
    /// The whitening fitted on the sampled patches.
    whitening: Whitening,
    /// The dictionary (K, d).
    centroids: Vec<f32>,
}

impl Encoder {
    /// `(n, 4K)` quadrant-pooled triangle activations, a few images per gemm.
    fn encode(&self, set: &CifarSet) -> Vec<f32> {
        let (p, s, k) = (self.config.patch, self.config.stride, self.config.centroids);
        let d = 3 * p * p;
        let grid = (32 - p) / s + 1;
        let mut out = vec![0.0f32; set.n * 4 * k];
        let per_chunk = 8;
        for (chunk, features) in out.chunks_mut(per_chunk * 4 * k).enumerate() {
            let images = features.len() / (4 * k);
            let mut rows = Vec::with_capacity(images * grid * grid * d);
            for i in 0..images {
                let image = &set.images[(chunk * per_chunk + i) * 3072..][..3072];
                for gy in 0..grid {
                    for gx in 0..grid {
                        push_patch(image, p, gy * s, gx * s, &mut rows);
                    }
                }
            }
            normalize_rows(&mut rows, d);
            self.whitening.apply(&mut rows);
            let mut z = squared_distances(&rows, &self.centroids, d);
            for (r, row) in z.chunks_exact_mut(k).enumerate() {
                row.iter_mut().for_each(|v| *v = v.sqrt());
                let mean = row.iter().sum::<f32>() / k as f32;
                let (i, cell) = (r / (grid * grid), r % (grid * grid));
                let quadrant = 2 * usize::from(cell / grid >= grid / 2) + usize::from(cell % grid >= grid / 2);
                let pooled = &mut features[(i * 4 + quadrant) * k..][..k];
                pooled.iter_mut().zip(row.iter()).for_each(|(f, &zk)| *f += (mean - zk).max(0.0));
            }
        }
        out
    }
}

/// Standardises every feature with the training set's mean and deviation.
fn standardize(train: &mut [f32], test: &mut [f32], dims: usize) {
    let n = (train.len() / dims) as f64;
    let mut mean = vec![0.0f64; dims];
    let mut square = vec![0.0f64; dims];
    for row in train.chunks_exact(dims) {
        for (j, &v) in row.iter().enumerate() {
            mean[j] += v as f64;
            square[j] += (v as f64) * (v as f64);
        }
    }
    let stats: Vec<(f32, f32)> = (0..dims)
        .map(|j| {
            let m = mean[j] / n;
            let var = (square[j] / n - m * m).max(0.0);
            (m as f32, 1.0 / (var + 0.01).sqrt() as f32)
        })
        .collect();
    for row in train.chunks_exact_mut(dims).chain(test.chunks_exact_mut(dims)) {
        row.iter_mut().zip(&stats).for_each(|(v, &(m, inv))| *v = (*v - m) * inv);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_diagonalises_a_symmetric_matrix() {
        let a = vec![4.0, 1.0, 2.0, 1.0, 3.0, 0.5, 2.0, 0.5, 5.0];
        let (values, v) = symmetric_eigen(a.clone(), 3);
        for k in 0..3 {
            for i in 0..3 {
                let av: f64 = (0..3).map(|j| a[i * 3 + j] * v[j * 3 + k]).sum();
                assert!((av - values[k] * v[i * 3 + k]).abs() < 1e-9, "A v = λ v fails for pair {k}");
            }
        }
        let trace: f64 = values.iter().sum();
        assert!((trace - 12.0).abs() < 1e-9);
    }
}
