//! Choosing the next token from a row of logits: greedy, temperature, top-k, top-p,
//! seeded so that the same seed writes the same text.

use descent_tensor::Rng;

/// How the next token is drawn from the logits.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SamplingConfig {
    /// Logits are divided by this; 0 means greedy (argmax, first on ties).
    pub temperature: f32,
    /// Keep only the k most likely tokens (ties by lower id).
    pub top_k: Option<usize>,
    /// Keep the smallest set of most likely tokens whose probability reaches p (nucleus).
    pub top_p: Option<f32>,
    /// Seed of the draws: same seed, same text.
    pub seed: u64,
}

impl SamplingConfig {
    /// Always the most likely token.
    pub fn greedy() -> SamplingConfig {
        SamplingConfig {
            temperature: 0.0,
            top_k: None,
            top_p: None,
            seed: 0,
        }
    }
}

/// A seeded token chooser.
pub struct Sampler {
    config: SamplingConfig,
    rng: Rng,
}

impl Sampler {
    /// A chooser with its own random stream from `config.seed`.
    pub fn new(config: SamplingConfig) -> Sampler {
        Sampler {
            config,
            rng: Rng::new(config.seed),
        }
    }

    /// The next token for one row of logits.
    pub fn sample(&mut self, logits: &[f32]) -> usize {
        let c = self.config;
        if c.temperature <= 0.0 {
            return argmax(logits);
        }
        let mut order: Vec<usize> = (0..logits.len()).collect();
        order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
        if let Some(k) = c.top_k {
            order.truncate(k.max(1));
        }
        let max = logits[order[0]];
        let mut probs: Vec<f32> = order.iter().map(|&i| ((logits[i] - max) / c.temperature).exp()).collect();
        let total: f32 = probs.iter().sum();
        probs.iter_mut().for_each(|p| *p /= total);
        if let Some(p) = c.top_p {
            let mut cumulative = 0.0;
            let keep = probs.iter().position(|&q| {
                cumulative += q;
                cumulative >= p
            });
            let keep = keep.map_or(probs.len(), |i| i + 1);
            probs.truncate(keep);
            order.truncate(keep);
        }
        let total: f32 = probs.iter().sum();
        let mut u = self.rng.uniform() * total;
        for (&id, &p) in order.iter().zip(&probs) {
            if u < p {
                return id;
            }
            u -= p;
        }
        *order.last().expect("at least one token is kept")
    }
}

/// Index of the largest value (the first of equal ones).
pub fn argmax(xs: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in xs.iter().enumerate() {
        if x > xs[best] {
            best = i;
        }
    }
    best
}
