//! The first two principal components of a set of vectors, for scatter plots of
//! embeddings (`clip`'s image and caption vectors, `bert`'s sentence vectors).

/// The first two principal components of `rows` (n, width): each row's coordinates.
/// Power iteration with deflation on the covariance (deterministic start).
pub fn pca_2d(rows: &[f32], width: usize) -> Vec<(f64, f64)> {
    let n = rows.len() / width;
    let mut mean = vec![0.0f64; width];
    rows.chunks(width)
        .for_each(|r| r.iter().zip(&mut mean).for_each(|(v, m)| *m += *v as f64 / n as f64));
    let centred: Vec<Vec<f64>> = rows
        .chunks(width)
        .map(|r| r.iter().zip(&mean).map(|(v, m)| *v as f64 - m).collect())
        .collect();
    let mut cov = vec![0.0f64; width * width];
    for r in &centred {
        for a in 0..width {
            for b in 0..width {
                cov[a * width + b] += r[a] * r[b];
            }
        }
    }
    let mut components: Vec<Vec<f64>> = Vec::new();
    for _ in 0..2 {
        let mut v: Vec<f64> = (0..width).map(|i| 1.0 + (i as f64 * 0.37).sin()).collect();
        for _ in 0..200 {
            let mut next: Vec<f64> = (0..width).map(|a| (0..width).map(|b| cov[a * width + b] * v[b]).sum()).collect();
            for c in &components {
                let along: f64 = next.iter().zip(c).map(|(x, y)| x * y).sum();
                next.iter_mut().zip(c).for_each(|(x, y)| *x -= along * y);
            }
            let norm = next.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
            v = next.into_iter().map(|x| x / norm).collect();
        }
        components.push(v);
    }
    let project = |r: &[f64], c: &[f64]| r.iter().zip(c).map(|(x, y)| x * y).sum::<f64>();
    centred
        .iter()
        .map(|r| (project(r, &components[0]), project(r, &components[1])))
        .collect()
}
