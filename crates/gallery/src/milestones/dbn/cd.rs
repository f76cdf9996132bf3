//! The learning rule of an RBM: contrastive divergence (CD-k, Hinton 2002) or
//! persistent contrastive divergence (PCD, Tieleman 2008).
//!
//! The log-likelihood gradient of an RBM is `⟨v hᵀ⟩_data − ⟨v hᵀ⟩_model`. CD-k replaces
//! the model expectation by k Gibbs steps started at the data; PCD keeps its negative
//! chains running from one update to the next, so they can wander towards the model's
//! own modes. Updates follow Hinton's practical guide (2010): mini-batches of 100, the
//! hidden probabilities (not samples) in the statistics, momentum 0.5 then 0.9, and a
//! small L2 weight cost.

use crate::Phase;
use descent_models::rbm::{bernoulli, Rbm};
use descent_tensor::{no_grad, Rng, Tensor};
use rayon::prelude::*;

/// How an RBM is trained.
#[derive(Clone, Copy, Debug)]
pub struct CdSettings {
    /// Gibbs steps per update (the k of CD-k; PCD advances its chains k steps).
    pub k: usize,
    /// Persistent chains (PCD) instead of chains restarted at the data (CD).
    pub persistent: bool,
    /// Examples per update (and the number of persistent chains).
    pub batch_size: usize,
    /// Step size at the start.
    pub lr: f32,
    /// Decay the step size linearly to zero over the run (PCD needs it to settle).
    pub lr_decay: bool,
    /// L2 weight cost on the couplings.
    pub weight_decay: f32,
    /// Momentum for the first `momentum_warmup` epochs, then `momentum`.
    pub initial_momentum: f32,
    /// Momentum after the warm-up.
    pub momentum: f32,
    /// Epochs at the initial momentum.
    pub momentum_warmup: usize,
}

impl CdSettings {
    /// Short name for reports: `CD-1`, `PCD-1`.
    pub(crate) fn name(&self) -> String {
        format!("{}CD-{}", if self.persistent { "P" } else { "" }, self.k)
    }
}

/// Optimizer state of one RBM's training: momentum buffers, the persistent chains.
pub struct CdTrainer<'a> {
    /// The machine being trained.
    rbm: &'a Rbm,
    /// How.
    settings: CdSettings,
    /// Momentum buffers of the weights, visible and hidden biases.
    velocity: [Vec<f32>; 3],
    /// The persistent chains (PCD), once started.
    chains: Option<Tensor>,
    /// Batch order and every Gibbs draw.
    rng: Rng,
}

impl<'a> CdTrainer<'a> {
    /// A trainer for `rbm`; `seed` drives the batch order and every Gibbs draw.
    pub fn new(rbm: &'a Rbm, settings: CdSettings, seed: u64) -> CdTrainer<'a> {
        let velocity = [
            vec![0.0; rbm.hidden() * rbm.visible()],
            vec![0.0; rbm.visible()],
            vec![0.0; rbm.hidden()],
        ];
        CdTrainer {
            rbm,
            settings,
            velocity,
            chains: None,
            rng: Rng::new(seed),
        }
    }

    /// One pass over `data` (N rows of `visible` values in [0, 1]) in shuffled
    /// mini-batches; `epoch` of `epochs` sets the momentum and the decayed step size.
    pub fn train_epoch(&mut self, data: &[f32], epoch: usize, epochs: usize, phase: &Phase) {
        let v_len = self.rbm.visible();
        let n = data.len() / v_len;
        let order = self.rng.permutation(n);
        let batches = n / self.settings.batch_size; // whole batches only
        for b in 0..batches {
            let rows = &order[b * self.settings.batch_size..(b + 1) * self.settings.batch_size];
            let batch: Vec<f32> = rows
                .iter()
                .flat_map(|&r| data[r * v_len..(r + 1) * v_len].iter().copied())
                .collect();
            let progress = (epoch * batches + b) as f32 / (epochs * batches).max(1) as f32;
            let lr = if self.settings.lr_decay {
                self.settings.lr * (1.0 - progress)
            } else {
                self.settings.lr
            };
            let momentum = if epoch < self.settings.momentum_warmup {
                self.settings.initial_momentum
            } else {
                self.settings.momentum
            };
            self.update(&Tensor::from_vec(batch, &[rows.len(), v_len]), lr, momentum);
            phase.advance(rows.len() as u64);
        }
    }

    /// One CD/PCD update from the batch `v0` (B, V).
    fn update(&mut self, v0: &Tensor, lr: f32, momentum: f32) {
        let rbm = self.rbm;
        let batch = v0.dim(0) as f32;
        let ph0 = rbm.hidden_probs(v0); // (B, H)
        let start = match (&self.chains, self.settings.persistent) {
            (Some(chains), true) => chains.clone(),
            _ if self.settings.persistent => bernoulli(v0, &mut self.rng), // chains start at (sampled) data
            _ => v0.clone(),
        };
        // Negative phase: k Gibbs steps v → h → v.
        let mut v = start;
        let mut h = if self.settings.persistent {
            bernoulli(&rbm.hidden_probs(&v), &mut self.rng)
        } else {
            bernoulli(&ph0, &mut self.rng)
        };
        for step in 0..self.settings.k {
            v = bernoulli(&rbm.visible_probs(&h), &mut self.rng);
            if step + 1 < self.settings.k {
                h = bernoulli(&rbm.hidden_probs(&v), &mut self.rng);
            }
        }
        let phk = rbm.hidden_probs(&v); // (B, H)
        if self.settings.persistent {
            self.chains = Some(v.clone());
        }
        let (grad_w, grad_b, grad_c) = no_grad(|| {
            let positive = ph0.t().matmul(v0); // (H, V)
            let negative = phk.t().matmul(&v); // (H, V)
            (
                positive.sub(&negative).mul_scalar(1.0 / batch).to_vec(),
                v0.sub(&v).mean(0, false).to_vec(),
                ph0.sub(&phk).mean(0, false).to_vec(),
            )
        });
        let decay = self.settings.weight_decay;
        let params = [&rbm.weight, &rbm.visible_bias, &rbm.hidden_bias];
        for ((param, velocity), (grad, decayed)) in
            params
                .into_iter()
                .zip(&mut self.velocity)
                .zip([(grad_w, true), (grad_b, false), (grad_c, false)])
        {
            param.update(|values| {
                velocity
                    .par_iter_mut()
                    .zip(values.par_iter_mut())
                    .zip(grad.par_iter())
                    .for_each(|((vel, x), g)| {
                        let g = if decayed { g - decay * *x } else { *g };
                        *vel = momentum * *vel + lr * g;
                        *x += *vel;
                    });
            });
        }
    }
}
