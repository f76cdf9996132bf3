//! What the `dbn` run measures of its RBMs: the two cheap monitors of training
//! (reconstruction error and the exact pseudo-log-likelihood), the test log-likelihood
//! by annealed importance sampling (`ais.rs`), and what an RBM dreams — samples from
//! long Gibbs chains, a strip of chains mixing over time, and a number that says
//! whether the samples are digits or noise: how much each sample's ink overlaps that of
//! its best-matching training image (intersection over union, so neither a blank page
//! nor an ink blot scores well), beside the same for samples of the pixel-independent
//! base-rate model and for held-out digits.

use super::ais::{self, AisEstimate, AisSettings};
use super::data::{Data, PIXELS};
use super::train::TrainedRbm;
use crate::Run;
use descent_kernels::fast_math::sigmoid;
use descent_models::rbm::{bernoulli, softplus, Rbm};
use descent_tensor::{no_grad, Rng, Tensor};
use rayon::prelude::*;

/// Chains per sample grid.
const CHAINS: usize = 100;

/// An RBM's test log-likelihood, estimated by AIS.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Likelihood {
    /// The estimate of log Z and its band.
    pub(crate) ais: AisEstimate,
    /// Mean log-likelihood of the binarised test digits, nats per image.
    pub(crate) test_log_likelihood: f64,
}

/// Estimates `trained`'s log Z by AIS from the base-rate model (`base_bias`) and the
/// test digits' mean log-likelihood under it; `stream` separates the RBMs' seeds.
pub(crate) fn test_log_likelihood(
    run: &Run,
    trained: &TrainedRbm,
    base_bias: &[f32],
    data: &Data,
    settings: AisSettings,
    stream: u64,
) -> Likelihood {
    let phase = run.phase(&format!("RBM {}", trained.name), 0);
    phase.status("annealed importance sampling");
    let ais = ais::log_partition(&trained.rbm, base_bias, settings, &mut Rng::new(run.seed() ^ (stream << 16)));
    let test_log_likelihood = ais::mean_log_likelihood(&trained.rbm, &data.test_bits, ais.log_z);
    drop(phase);
    let (error, pll) = (trained.reconstruction_error, trained.pseudo_log_likelihood);
    run.log(&format!(
        "RBM {}: reconstruction error {:.1} → {:.1}, pseudo-log-likelihood {:.1} → {:.1} nats, \
         AIS test log-likelihood {test_log_likelihood:.1} nats (log Z {:.1})",
        trained.name, error.0, error.1, pll.0, pll.1, ais.log_z
    ));
    Likelihood { ais, test_log_likelihood }
}

/// How digit-like an RBM's samples are.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SampleQuality {
    /// Mean ink overlap (intersection over union) of a Gibbs sample with its
    /// best-matching training image.
    pub(crate) sample_overlap: f32,
    /// The same for base-rate noise (independent pixels with the data's marginals).
    pub(crate) noise_overlap: f32,
    /// The same for held-out test digits: where real digits lie.
    pub(crate) data_overlap: f32,
}

/// What one RBM dreams: chains from noise, a mixing strip, and how digit-like it is.
pub(crate) struct Dreams {
    /// Final states of [`CHAINS`] chains started from base-rate noise.
    pub(crate) samples: ChainSamples,
    /// Ten chains (one test digit of each class) photographed every tenth of the run.
    pub(crate) strip: Vec<f32>,
    /// The samples' overlap with training digits, beside noise's and real digits'.
    pub(crate) quality: SampleQuality,
}

/// Runs each RBM's chains for `steps` Gibbs steps from base-rate noise and from one
/// test digit of each class, and measures how digit-like the samples are.
pub(crate) fn dream(run: &Run, rbms: &[TrainedRbm], data: &Data, base_bias: &[f32], steps: usize) -> Vec<Dreams> {
    let mut rng = Rng::new(run.seed() ^ 0x5A4D);
    let noise = base_rate_samples(base_bias, CHAINS, &mut rng);
    let noise_overlap = nearest_overlap(&noise, &data.train_bits, PIXELS);
    let held_out = &data.test_bits[..CHAINS.min(data.test_bits.len() / PIXELS) * PIXELS];
    let data_overlap = nearest_overlap(held_out, &data.train_bits, PIXELS);
    // One test digit of each class starts the mixing chains.
    let starts: Vec<f32> = (0..10)
        .filter_map(|digit| data.test.labels.iter().position(|&l| l == digit))
        .flat_map(|i| data.test_bits[i * PIXELS..(i + 1) * PIXELS].iter().copied())
        .collect();
    let every = (steps / 10).max(1);
    let mut dreams = Vec::new();
    for trained in rbms {
        let samples = sample_from_noise(&trained.rbm, base_bias, CHAINS, steps, &mut rng);
        let strip = mixing_strip(&trained.rbm, &starts, every, 10, &mut rng);
        let sample_overlap = nearest_overlap(&samples.states, &data.train_bits, PIXELS);
        run.log(&format!(
            "RBM {}: {CHAINS} samples after {steps} Gibbs steps overlap their best-matching training digit by {sample_overlap:.2} \
             (intersection over union; base-rate noise {noise_overlap:.2}, held-out digits {data_overlap:.2})",
            trained.name
        ));
        let quality = SampleQuality {
            sample_overlap,
            noise_overlap,
            data_overlap,
        };
        dreams.push(Dreams { samples, strip, quality });
    }
    dreams
}

/// Mean squared reconstruction error per image, `Σᵢ (vᵢ − p(vᵢ | h))²` with `h` the
/// hidden probabilities of `v` (deterministic, so the curve shows learning, not noise).
pub fn reconstruction_error(rbm: &Rbm, data: &[f32]) -> f32 {
    let v_len = rbm.visible();
    let n = data.len() / v_len;
    let v = Tensor::from_slice(data, &[n, v_len]);
    let recon = rbm.visible_probs(&rbm.hidden_probs(&v));
    let error = no_grad(|| recon.sub(&v).powf(2.0).sum_all()).item();
    error / n.max(1) as f32
}

/// Mean exact pseudo-log-likelihood `Σᵢ log p(vᵢ | v₋ᵢ)` (nats per image) of binary
/// rows `data`: every pixel of every row is flipped once, using
/// `log p(vᵢ | v₋ᵢ) = −softplus(F(v) − F(v with i flipped))`.
pub fn pseudo_log_likelihood(rbm: &Rbm, data: &[f32]) -> f32 {
    let (v_len, h_len) = (rbm.visible(), rbm.hidden());
    let n = data.len() / v_len;
    let logits = rbm.hidden_logits(&Tensor::from_slice(data, &[n, v_len])).to_vec(); // (N, H)
    let weight_t = rbm.weight.value().t().contiguous().to_vec(); // (V, H): column i of W as a row
    let visible_bias = rbm.visible_bias.value().to_vec();
    let total: f64 = (0..n)
        .into_par_iter()
        .map(|r| {
            let v = &data[r * v_len..(r + 1) * v_len];
            let a = &logits[r * h_len..(r + 1) * h_len];
            let base: f32 = a.iter().map(|&x| softplus(x)).sum();
            let mut sum = 0.0f64;
            for (i, &vi) in v.iter().enumerate() {
                let sign = 1.0 - 2.0 * vi;
                let column = &weight_t[i * h_len..(i + 1) * h_len];
                let flipped: f32 = a.iter().zip(column).map(|(&x, &w)| softplus(x + sign * w)).sum();
                let gap = visible_bias[i] * sign + flipped - base; // F(v) − F(v flipped)
                sum -= softplus(gap) as f64;
            }
            sum
        })
        .sum();
    (total / n.max(1) as f64) as f32
}

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
    let probs: Vec<f32> = (0..count).flat_map(|_| base_bias.iter().map(|&b| sigmoid(b))).collect();
    bernoulli(&Tensor::from_vec(probs, &[count, base_bias.len()]), rng).to_vec()
}

/// Chains started at `starts` (rows of binary images), photographed every `every`
/// steps, `snapshots` times: the frames row by row (one row per chain, the start
/// first), ready for an image grid with `snapshots + 1` columns.
fn mixing_strip(rbm: &Rbm, starts: &[f32], every: usize, snapshots: usize, rng: &mut Rng) -> Vec<f32> {
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
