//! Sampling ops: draws from distributions whose parameters are tensors (no gradient).

use crate::{Rng, Tensor};

impl Tensor {
    /// A 0/1 sample per element, 1 with probability equal to that element (clamped to
    /// [0, 1]), drawn from `rng`: the stochastic binary units of an RBM. Not
    /// differentiable; the result is a new constant.
    pub fn bernoulli(&self, rng: &mut Rng) -> Tensor {
        let data = self
            .contiguous_data()
            .iter()
            .map(|&p| if rng.uniform() < p { 1.0 } else { 0.0 })
            .collect();
        Tensor::from_vec(data, self.shape())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bernoulli_is_seeded_and_follows_its_probabilities() {
        let p = Tensor::from_vec((0..4000).map(|i| [0.0, 1.0, 0.25, 0.9][i % 4]).collect(), &[1000, 4]);
        let a = p.bernoulli(&mut Rng::new(3));
        assert_eq!(a.to_vec(), p.bernoulli(&mut Rng::new(3)).to_vec(), "same seed, same sample");
        let means = a.mean(0, false).to_vec();
        assert_eq!((means[0], means[1]), (0.0, 1.0));
        assert!((means[2] - 0.25).abs() < 0.05 && (means[3] - 0.9).abs() < 0.03, "{means:?}");
        assert!(a.to_vec().iter().all(|&v| v == 0.0 || v == 1.0));
    }
}
