//! Annealed importance sampling (Neal 2001) for an RBM's partition function, as
//! Salakhutdinov & Murray (2008) used it to give RBMs and DBNs their first honest
//! test log-likelihoods.
//!
//! The walk starts at a tractable "base-rate" model A (independent pixels with the
//! training set's marginals, no couplings) and moves through intermediate models
//! `p_β(v) ∝ exp((1−β)·b_Aᵀv + β·b_Bᵀv) Π_j (1 + exp(β (Wv + c)_j))`, β from 0 to 1
//! (S&M's schedule: a tenth of the steps to 0.5, more to 0.9, most of them near 1).
//! Each run collects the importance weight `Σ_k log p*_{β_k}(v_k) − log p*_{β_{k−1}}(v_k)`
//! while a Gibbs step that leaves `p_{β_k}` invariant moves `v`; the mean weight
//! estimates `Z_B / Z_A`. Its spread across runs gives the ±3σ band we report.

/// The logistic function, as the annealing walk and the RBMs' biases use it.
pub(crate) use descent_kernels::fast_math::sigmoid;
use descent_models::rbm::{bernoulli, softplus, Rbm};
use descent_tensor::{no_grad, Rng, Tensor};
use rayon::prelude::*;

/// Size of an AIS estimate.
#[derive(Clone, Copy, Debug)]
pub struct AisSettings {
    /// Independent annealing runs.
    pub runs: usize,
    /// Intermediate distributions (S&M used 14,500).
    pub steps: usize,
}

/// `log Z` of an RBM and a ±3σ band.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AisEstimate {
    /// The estimate of log Z.
    pub(crate) log_z: f64,
    /// log of (mean weight − 3 standard errors), or −∞ when that is not positive.
    pub(crate) log_z_low: f64,
    /// log of (mean weight + 3 standard errors).
    pub(crate) log_z_high: f64,
}

/// The inverse temperatures: `steps + 1` values from 0 to 1, spaced as in S&M (2008):
/// 500/14,500 of them in [0, 0.5), 4,000 in [0.5, 0.9), the rest in [0.9, 1].
pub(crate) fn schedule(steps: usize) -> Vec<f64> {
    let first = (steps * 500 / 14_500).max(1);
    let second = (steps * 4_000 / 14_500).max(1);
    let third = steps.saturating_sub(first + second).max(1);
    let mut betas = Vec::with_capacity(steps + 1);
    for (from, to, count) in [(0.0, 0.5, first), (0.5, 0.9, second), (0.9, 1.0, third)] {
        betas.extend((0..count).map(|i| from + (to - from) * i as f64 / count as f64));
    }
    betas.push(1.0);
    betas
}

/// Estimates `log Z` of `rbm`, starting from the base-rate model with visible biases
/// `base_bias` (logits of the training marginals).
pub(crate) fn log_partition(rbm: &Rbm, base_bias: &[f32], settings: AisSettings, rng: &mut Rng) -> AisEstimate {
    let (v_len, h_len) = (rbm.visible(), rbm.hidden());
    let m = settings.runs;
    let betas = schedule(settings.steps);
    let bias_b = rbm.visible_bias.value().to_vec();
    let weight = rbm.weight.value();
    let hidden_bias = rbm.hidden_bias.value();
    // (V, 2): both visible biases, so one product gives b_Aᵀv and b_Bᵀv for every run.
    let biases: Vec<f32> = base_bias.iter().zip(&bias_b).flat_map(|(&a, &b)| [a, b]).collect();
    let biases = Tensor::from_vec(biases, &[v_len, 2]);
    let base_probs: Vec<f32> = (0..m).flat_map(|_| base_bias.iter().map(|&b| sigmoid(b))).collect();
    let mut v = bernoulli(&Tensor::from_vec(base_probs, &[m, v_len]), rng);
    let mut log_w = vec![0.0f64; m];
    for k in 1..betas.len() {
        let (previous, beta) = (betas[k - 1], betas[k]);
        let (logits, linear) = no_grad(|| (v.matmul(&weight.t()).add(&hidden_bias), v.matmul(&biases)));
        let (logits, linear) = (logits.to_vec(), linear.to_vec()); // (M, H), (M, 2)
        log_w.par_iter_mut().enumerate().for_each(|(r, w)| {
            let a = &logits[r * h_len..(r + 1) * h_len];
            let (base, model) = (linear[2 * r] as f64, linear[2 * r + 1] as f64);
            let hidden: f64 = a
                .iter()
                .map(|&x| softplus(beta as f32 * x) as f64 - softplus(previous as f32 * x) as f64)
                .sum();
            *w += (beta - previous) * (model - base) + hidden;
        });
        if k + 1 < betas.len() {
            v = transition(&logits, beta as f32, base_bias, &bias_b, &weight, m, rng);
        }
    }
    let log_z_base = base_bias.iter().map(|&b| softplus(b) as f64).sum::<f64>() + h_len as f64 * std::f64::consts::LN_2;
    let top = log_w.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let scaled: Vec<f64> = log_w.iter().map(|w| (w - top).exp()).collect();
    let mean = scaled.iter().sum::<f64>() / m as f64;
    let variance = scaled.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (m.max(2) - 1) as f64;
    let band = 3.0 * (variance / m as f64).sqrt();
    let offset = log_z_base + top;
    AisEstimate {
        log_z: offset + mean.ln(),
        log_z_low: if mean > band {
            offset + (mean - band).ln()
        } else {
            f64::NEG_INFINITY
        },
        log_z_high: offset + (mean + band).ln(),
    }
}

/// One Gibbs sweep leaving `p_β` invariant: `h ~ σ(β(Wv + c))`, then
/// `v ~ σ((1 − β) b_A + β (Wᵀh + b_B))`. `logits` are `Wv + c` of the current `v`.
fn transition(logits: &[f32], beta: f32, base_bias: &[f32], bias_b: &[f32], weight: &Tensor, m: usize, rng: &mut Rng) -> Tensor {
    let h_len = logits.len() / m;
    let probs: Vec<f32> = logits.iter().map(|&a| sigmoid(beta * a)).collect();
    let h = bernoulli(&Tensor::from_vec(probs, &[m, h_len]), rng);
    let top_down = no_grad(|| h.matmul(weight)).to_vec(); // (M, V)
    let v_len = base_bias.len();
    let probs: Vec<f32> = top_down
        .iter()
        .enumerate()
        .map(|(at, &x)| {
            let i = at % v_len;
            sigmoid((1.0 - beta) * base_bias[i] + beta * (x + bias_b[i]))
        })
        .collect();
    bernoulli(&Tensor::from_vec(probs, &[m, v_len]), rng)
}

/// Mean test log-likelihood `−F(v) − log Z` (nats per image) of binary rows `data`.
pub(crate) fn mean_log_likelihood(rbm: &Rbm, data: &[f32], log_z: f64) -> f64 {
    let n = data.len() / rbm.visible();
    let free: f64 = rbm
        .free_energy(&Tensor::from_slice(data, &[n, rbm.visible()]))
        .iter()
        .map(|&f| f as f64)
        .sum();
    -free / n.max(1) as f64 - log_z
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On an RBM small enough to sum exactly (10 hidden units: 1,024 states), AIS must
    /// land within its own band of the true log Z.
    #[test]
    fn ais_matches_the_exact_partition_function_of_a_small_rbm() {
        let mut rng = Rng::new(5);
        let (v_len, h_len) = (12, 10);
        let rbm = Rbm::new(v_len, h_len, &mut rng);
        let w: Vec<f32> = (0..v_len * h_len).map(|_| rng.normal() * 0.8).collect();
        rbm.weight.set_values(&w);
        rbm.visible_bias.set_values(&(0..v_len).map(|_| rng.normal()).collect::<Vec<_>>());
        rbm.hidden_bias
            .set_values(&(0..h_len).map(|_| rng.normal() * 0.5).collect::<Vec<_>>());
        // Exact: sum over hidden states of Π_i (1 + exp(b_i + (Wᵀh)_i)) e^{cᵀh}.
        let (b, c) = (rbm.visible_bias.value().to_vec(), rbm.hidden_bias.value().to_vec());
        let mut terms = Vec::new();
        for bits in 0..(1u32 << h_len) {
            let h: Vec<f64> = (0..h_len).map(|j| ((bits >> j) & 1) as f64).collect();
            let mut t: f64 = (0..h_len).map(|j| c[j] as f64 * h[j]).sum();
            for i in 0..v_len {
                let x = b[i] as f64 + (0..h_len).map(|j| w[j * v_len + i] as f64 * h[j]).sum::<f64>();
                t += softplus(x as f32) as f64;
            }
            terms.push(t);
        }
        let top = terms.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let exact = top + terms.iter().map(|t| (t - top).exp()).sum::<f64>().ln();
        let base = vec![0.0f32; v_len];
        let estimate = log_partition(&rbm, &base, AisSettings { runs: 200, steps: 2000 }, &mut rng);
        assert!(
            (estimate.log_z - exact).abs() < 0.1,
            "AIS log Z {:.4} [{:.4}, {:.4}] vs exact {exact:.4}",
            estimate.log_z,
            estimate.log_z_low,
            estimate.log_z_high
        );
    }

    #[test]
    fn schedule_runs_from_zero_to_one_and_rises() {
        let betas = schedule(14_500);
        assert_eq!(betas.len(), 14_501);
        assert_eq!((betas[0], betas[14_500]), (0.0, 1.0));
        assert!(betas.windows(2).all(|w| w[1] > w[0]));
    }
}
