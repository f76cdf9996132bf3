//! The restricted Boltzmann machine with binary units (Smolensky 1986; Hinton 2002) and
//! the deep belief net stacked from them (Hinton, Osindero & Teh 2006).
//!
//! An RBM over visible `v ∈ {0,1}^V` and hidden `h ∈ {0,1}^H` has the energy
//! `E(v, h) = −bᵀv − cᵀh − hᵀWv`, so both conditionals factorise into logistic units:
//! `p(h = 1 | v) = σ(Wv + c)` and `p(v = 1 | h) = σ(Wᵀh + b)`, and the hidden units sum
//! out in closed form, giving the free energy `F(v) = −bᵀv − Σⱼ softplus((Wv + c)ⱼ)`
//! with `p(v) = e^{−F(v)} / Z`. This file holds the model and its inference (the
//! conditionals, Gibbs sampling, the free energy); how it is trained (contrastive
//! divergence) and measured (AIS, pseudo-likelihood) lives in the `dbn` milestone.
//!
//! The weight is stored `(hidden, visible)`, PyTorch's `Linear` layout, so an RBM's
//! recognition direction *is* a `Linear(visible → hidden)` followed by a sigmoid:
//! [`DeepBeliefNet::unroll`] turns the stack into a feed-forward sigmoid network with
//! the same weights, ready for supervised fine-tuning.

use crate::saved::SavedModel;
use crate::ModelError;
use descent_nn::{join_name, Activation, Linear, Module, Sequential};
use descent_tensor::{no_grad, Param, Rng, Tensor};
use serde::{Deserialize, Serialize};

/// A binary–binary RBM.
pub struct Rbm {
    /// Couplings W, `(hidden, visible)`.
    pub weight: Param,
    /// Visible biases b, `(visible)`.
    pub visible_bias: Param,
    /// Hidden biases c, `(hidden)`.
    pub hidden_bias: Param,
}

impl Rbm {
    /// Small random couplings N(0, 0.01²) and zero biases (Hinton's practical guide).
    pub fn new(visible: usize, hidden: usize, rng: &mut Rng) -> Rbm {
        let weight = Tensor::randn(&[hidden, visible], rng).mul_scalar(0.01);
        Rbm {
            weight: Param::new(weight),
            visible_bias: Param::new(Tensor::zeros(&[visible])),
            hidden_bias: Param::new(Tensor::zeros(&[hidden])),
        }
    }

    /// Sets the visible biases to `log(p / (1 − p))` of the data's mean activations
    /// `mean` (clamped away from 0 and 1): a model that starts out reproducing the
    /// pixel marginals.
    pub fn set_visible_bias_from_mean(&self, mean: &[f32]) {
        let logits: Vec<f32> = mean.iter().map(|&p| logit(p.clamp(1e-3, 1.0 - 1e-3))).collect();
        self.visible_bias.set_values(&logits);
    }

    /// Number of visible units.
    pub fn visible(&self) -> usize {
        self.weight.shape()[1]
    }

    /// Number of hidden units.
    pub fn hidden(&self) -> usize {
        self.weight.shape()[0]
    }

    /// Hidden pre-activations `vWᵀ + c` for a batch `v` of shape (B, V): (B, H).
    pub fn hidden_logits(&self, v: &Tensor) -> Tensor {
        no_grad(|| v.matmul(&self.weight.value().t()).add(&self.hidden_bias.value()))
    }

    /// `p(h = 1 | v)`: (B, V) → (B, H).
    pub fn hidden_probs(&self, v: &Tensor) -> Tensor {
        no_grad(|| self.hidden_logits(v).sigmoid())
    }

    /// `p(v = 1 | h)`: (B, H) → (B, V).
    pub fn visible_probs(&self, h: &Tensor) -> Tensor {
        no_grad(|| h.matmul(&self.weight.value()).add(&self.visible_bias.value()).sigmoid())
    }

    /// Free energy `F(v)` of each row of `v` (B, V); `p(v) ∝ e^{−F(v)}`.
    pub fn free_energy(&self, v: &Tensor) -> Vec<f32> {
        let logits = self.hidden_logits(v).to_vec(); // (B, H)
        let linear = no_grad(|| v.matmul(&self.visible_bias.value().unsqueeze(1))).to_vec(); // (B, 1)
        let h = self.hidden();
        logits
            .chunks_exact(h.max(1))
            .zip(&linear)
            .map(|(row, &bv)| -bv - row.iter().map(|&a| softplus(a)).sum::<f32>())
            .collect()
    }

    /// `steps` rounds of block Gibbs sampling `v → h → v` from the binary states `v`
    /// (B, V); returns the last binary visible states and their probabilities.
    pub fn gibbs(&self, v: &Tensor, steps: usize, rng: &mut Rng) -> GibbsState {
        let mut state = GibbsState {
            visible: v.clone(),
            visible_probs: v.clone(),
        };
        for _ in 0..steps {
            let h = bernoulli(&self.hidden_probs(&state.visible), rng);
            state.visible_probs = self.visible_probs(&h);
            state.visible = bernoulli(&state.visible_probs, rng);
        }
        state
    }
}

impl Module for Rbm {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        f(&join_name(prefix, "weight"), &self.weight);
        f(&join_name(prefix, "visible_bias"), &self.visible_bias);
        f(&join_name(prefix, "hidden_bias"), &self.hidden_bias);
    }
}

/// Where a Gibbs chain stands: binary visible states and the probabilities they were
/// drawn from (the smoother picture to show).
pub struct GibbsState {
    /// Binary states (B, V).
    pub visible: Tensor,
    /// `p(v = 1 | h)` of the last step (B, V); the start states when no step was taken.
    pub visible_probs: Tensor,
}

/// Independent binary draws: each element is 1 with the probability given
/// ([`Tensor::bernoulli`]: the same draws from `rng`).
pub fn bernoulli(probs: &Tensor, rng: &mut Rng) -> Tensor {
    probs.bernoulli(rng)
}

/// `log(1 + eˣ)` without overflow (the kernels' softplus, as PyTorch's).
pub use descent_kernels::rectifiers::softplus;

/// `log(p / (1 − p))`.
pub fn logit(p: f32) -> f32 {
    (p / (1.0 - p)).ln()
}

/// A stack of RBMs, each trained on the hidden activities of the one below: the
/// greedy layer-wise deep belief net. Parameters are named `layers.<i>.<name>`.
pub struct DeepBeliefNet {
    /// Bottom (pixels) first.
    pub layers: Vec<Rbm>,
}

impl DeepBeliefNet {
    /// Layer sizes, visible first (e.g. `[784, 500, 500, 2000]`).
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes: Vec<usize> = self.layers.first().map(|r| vec![r.visible()]).unwrap_or_default();
        sizes.extend(self.layers.iter().map(Rbm::hidden));
        sizes
    }

    /// The recognition path as a feed-forward classifier: each RBM becomes
    /// `Linear(W, c)` + sigmoid with a copy of its weights, and a freshly initialised
    /// `Linear(top, classes)` gives logits. Layers are named `0, 1, 2, ...` as
    /// `nn.Sequential`.
    pub fn unroll(&self, classes: usize, rng: &mut Rng) -> Sequential {
        let mut net = Sequential::new();
        for rbm in &self.layers {
            let weight = Tensor::from_vec(rbm.weight.value().to_vec(), &rbm.weight.shape());
            let bias = Tensor::from_vec(rbm.hidden_bias.value().to_vec(), &[rbm.hidden()]);
            net = net.add(Linear::from_tensors(weight, Some(bias))).add(Activation::Sigmoid);
        }
        let top = self.layers.last().map_or(0, Rbm::hidden);
        net.add(Linear::new(top, classes, rng))
    }
}

impl Module for DeepBeliefNet {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        for (i, rbm) in self.layers.iter().enumerate() {
            rbm.visit(&join_name(prefix, &format!("layers.{i}")), f);
        }
    }
}

/// What a saved [`DeepBeliefNet`] (kind `dbn`) needs besides its weights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbnConfig {
    /// Layer sizes, visible first (e.g. `[784, 500, 500, 2000]`).
    pub sizes: Vec<usize>,
}

impl SavedModel for DeepBeliefNet {
    const KIND: &'static str = "dbn";
    type Config = DbnConfig;

    fn config(&self) -> DbnConfig {
        DbnConfig { sizes: self.sizes() }
    }

    fn validate(config: &DbnConfig) -> Result<(), ModelError> {
        if !(2..=64).contains(&config.sizes.len()) {
            return Err(ModelError::invalid(format!(
                "config 'sizes' = {:?} needs 2 to 64 layer sizes",
                config.sizes
            )));
        }
        let named: Vec<(String, usize)> = config.sizes.iter().enumerate().map(|(i, &n)| (format!("sizes[{i}]"), n)).collect();
        crate::limits::check_dims(&named.iter().map(|(k, n)| (k.as_str(), *n)).collect::<Vec<_>>())?;
        crate::limits::check_count("parameters", DeepBeliefNet::value_count(config).unwrap_or(0))
    }

    fn build(config: DbnConfig) -> Result<DeepBeliefNet, ModelError> {
        DeepBeliefNet::validate(&config)?;
        let mut rng = Rng::new(0);
        let layers = config.sizes.windows(2).map(|w| Rbm::new(w[0], w[1], &mut rng)).collect();
        Ok(DeepBeliefNet { layers })
    }

    fn module(&self) -> &dyn Module {
        self
    }

    fn value_count(config: &DbnConfig) -> Option<u128> {
        Some(config.sizes.windows(2).map(|w| (w[0] as u128 + 1) * (w[1] as u128 + 1) - 1).sum())
    }
}

/// How the random baseline's weights are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RandomInit {
    /// PyTorch's `Linear` default, U(±1/√fan_in): small weights, the 2006-era habit.
    PytorchDefault,
    /// Glorot & Bengio (2010) for sigmoid units, U(±4·√(6/(fan_in + fan_out))), zero
    /// biases: the later fix that lets deep sigmoid nets train from scratch.
    GlorotSigmoid,
}

impl RandomInit {
    /// Name for reports.
    pub fn name(self) -> &'static str {
        match self {
            RandomInit::PytorchDefault => "PyTorch default",
            RandomInit::GlorotSigmoid => "Glorot (sigmoid)",
        }
    }
}

/// The same feed-forward sigmoid network as [`DeepBeliefNet::unroll`] with every layer
/// freshly initialised: the baseline that pre-training is measured against. `sizes` is
/// visible first, e.g. `[784, 500, 500, 2000]`; the output layer always takes
/// PyTorch's default, as in the unrolled net.
pub fn sigmoid_network(sizes: &[usize], classes: usize, init: RandomInit, rng: &mut Rng) -> Sequential {
    let mut net = Sequential::new();
    for pair in sizes.windows(2) {
        let (fan_in, fan_out) = (pair[0], pair[1]);
        let layer = match init {
            RandomInit::PytorchDefault => Linear::new(fan_in, fan_out, rng),
            RandomInit::GlorotSigmoid => Linear::from_tensors(
                descent_nn::init::xavier_uniform(&[fan_out, fan_in], fan_in, fan_out, 4.0, rng),
                Some(Tensor::zeros(&[fan_out])),
            ),
        };
        net = net.add(layer).add(Activation::Sigmoid);
    }
    net.add(Linear::new(*sizes.last().expect("sigmoid_network: no layer sizes"), classes, rng))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Free energy by brute force over every hidden configuration of a tiny RBM.
    #[test]
    fn free_energy_matches_the_sum_over_hidden_states() {
        let rbm = Rbm::new(3, 2, &mut Rng::new(1));
        rbm.weight.set_values(&[0.5, -1.0, 0.3, 1.2, 0.1, -0.7]);
        rbm.visible_bias.set_values(&[0.2, -0.4, 0.1]);
        rbm.hidden_bias.set_values(&[-0.3, 0.6]);
        let v = [1.0f32, 0.0, 1.0];
        let (w, b, c) = (rbm.weight.value().to_vec(), [0.2f32, -0.4, 0.1], [-0.3f32, 0.6]);
        let mut total = 0.0f64;
        for bits in 0..4u32 {
            let h = [(bits & 1) as f32, ((bits >> 1) & 1) as f32];
            let mut neg_energy = (0..3).map(|i| b[i] * v[i]).sum::<f32>() + (0..2).map(|j| c[j] * h[j]).sum::<f32>();
            for j in 0..2 {
                for i in 0..3 {
                    neg_energy += h[j] * w[j * 3 + i] * v[i];
                }
            }
            total += (neg_energy as f64).exp();
        }
        let f = rbm.free_energy(&Tensor::from_slice(&v, &[1, 3]))[0];
        assert!((f as f64 + total.ln()).abs() < 1e-5, "F = {f}, brute force {}", -total.ln());
    }

    #[test]
    fn unrolled_network_reuses_the_rbm_weights() {
        let mut rng = Rng::new(3);
        let dbn = DeepBeliefNet {
            layers: vec![Rbm::new(6, 4, &mut rng), Rbm::new(4, 3, &mut rng)],
        };
        assert_eq!(dbn.sizes(), vec![6, 4, 3]);
        let net = dbn.unroll(2, &mut rng);
        let named = descent_nn::named_params(&net);
        let names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]);
        assert_eq!(named[0].1.value().to_vec(), dbn.layers[0].weight.value().to_vec());
        let x = Tensor::from_vec(vec![1.0, 0.0, 1.0, 1.0, 0.0, 0.0], &[1, 6]);
        let expected = dbn.layers[1].hidden_probs(&dbn.layers[0].hidden_probs(&x)).to_vec();
        let outs = net.forward_all(&x);
        let got = outs[3].to_vec();
        for (a, b) in got.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-6);
        }
    }
}
