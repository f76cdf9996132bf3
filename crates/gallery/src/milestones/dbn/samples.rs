//! What an RBM dreams: samples from long Gibbs chains, a strip of chains mixing over
//! time, and a number that says whether the samples are digits or noise — how much
//! each sample's ink overlaps that of its best-matching training image (intersection
//! over union, so neither a blank page nor an ink blot scores well), beside the same
//! for samples of the pixel-independent base-rate model and for held-out digits.

use descent_models::rbm::{bernoulli, Rbm};
use descent_tensor::{no_grad, Rng, Tensor};

/// Final states of Gibbs chains.
pub struct ChainSamples {
    /// Binary states, (chains, V).
    pub states: Vec<f32>,
    /// `p(v | h)` of the last step, (chains, V): the picture to show.
    pub probs: Vec<f32>,
}

/// Runs `chains` Gibbs chains for `steps` steps from base-rate noise (visible logits
/// `base_bias`), so nothing of the data leaks into the start.
pub fn sample_from_noise(rbm: &Rbm, base_bias: &[f32], chains: usize, steps: usize, rng: &mut Rng) -> ChainSamples {
    let start = base_rate_samples(base_bias, chains, rng);
    let state = rbm.gibbs(&Tensor::from_vec(start, &[chains, base_bias.len()]), steps, rng);
    ChainSamples {
        states: state.visible.to_vec(),
        probs: state.visible_probs.to_vec(),
    }
}

/// `count` images drawn from the base-rate model: pixel i on with probability
/// `σ(base_bias[i])`, independently.
pub fn base_rate_samples(base_bias: &[f32], count: usize, rng: &mut Rng) -> Vec<f32> {
    let probs: Vec<f32> = (0..count)
        .flat_map(|_| base_bias.iter().map(|&b| 1.0 / (1.0 + (-b).exp())))
        .collect();
    bernoulli(&Tensor::from_vec(probs, &[count, base_bias.len()]), rng).to_vec()
}

/// Chains started at `starts` (rows of binary images), photographed every `every`
/// steps, `snapshots` times: the frames row by row (one row per chain, the start
/// first), ready for an image grid with `snapshots + 1` columns.
pub fn mixing_strip(rbm: &Rbm, starts: &[f32], every: usize, snapshots: usize, rng: &mut Rng) -> Vec<f32> {
    let v_len = rbm.visible();
    let chains = starts.len() / v_len;
    let mut frames: Vec<Vec<f32>> = vec![starts.to_vec()];
    let mut v = Tensor::from_slice(starts, &[chains, v_len]);
    for _ in 0..snapshots {
        let state = rbm.gibbs(&v, every, rng);
        frames.push(state.visible_probs.to_vec());
        v = state.visible;
    }
    let mut out = Vec::with_capacity(frames.len() * starts.len());
    for c in 0..chains {
        for frame in &frames {
            out.extend_from_slice(&frame[c * v_len..(c + 1) * v_len]);
        }
    }
    out
}

/// Mean over `samples` (rows of binary images) of the best ink overlap with any row of
/// `reference`: `max_j |a ∧ b_j| / |a ∨ b_j|` (Jaccard), with `|a ∧ b| = a·b` from one
/// product per chunk of reference rows. 1 means a sample copies a training image.
pub fn nearest_overlap(samples: &[f32], reference: &[f32], v_len: usize) -> f32 {
    let n = samples.len() / v_len;
    let ones = |rows: &[f32]| -> Vec<f32> { rows.chunks_exact(v_len).map(|r| r.iter().sum()).collect() };
    let sample_ones = ones(samples);
    let a = Tensor::from_slice(samples, &[n, v_len]);
    let mut best = vec![0.0f32; n];
    for chunk in reference.chunks(4096 * v_len) {
        let m = chunk.len() / v_len;
        let ref_ones = ones(chunk);
        let dots = no_grad(|| a.matmul(&Tensor::from_slice(chunk, &[m, v_len]).t())).to_vec(); // (n, m)
        for (i, row) in dots.chunks_exact(m).enumerate() {
            for (j, &dot) in row.iter().enumerate() {
                let union = sample_ones[i] + ref_ones[j] - dot;
                if union > 0.0 {
                    best[i] = best[i].max(dot / union);
                }
            }
        }
    }
    best.iter().sum::<f32>() / n.max(1) as f32
}
