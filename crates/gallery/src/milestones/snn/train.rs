//! The two networks of the comparison, both 784-H-10 and trained by Adam on the same
//! batches for the same epochs: a spiking network of leaky integrate-and-fire neurons,
//! trained through time with a surrogate gradient, and a ReLU MLP.

use super::data::{encode, Coding, PIXELS};
use crate::Run;
use descent_data::BatchLoader;
use descent_nn::{params, Forward, Linear};
use descent_optim::{AdamConfig, Optimizer};
use descent_tensor::{Param, Rng, Tensor};

/// The classes of MNIST and Fashion-MNIST.
pub const CLASSES: usize = 10;

/// A leaky integrate-and-fire neuron: `u ← β·u + I − θ·s_prev`, spike `s = H(u − θ)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lif {
    /// Membrane decay per step β.
    pub beta: f32,
    /// Firing threshold θ (also what a spike subtracts: reset by subtraction).
    pub threshold: f32,
    /// Slope k of the fast-sigmoid surrogate 1/(1 + k|u − θ|)².
    pub slope: f32,
}

/// 784 input spikes → H LIF neurons → 10 leaky integrators (non-spiking readout).
pub struct Snn {
    /// Input to hidden synapses.
    pub fc1: Linear,
    /// Hidden to output synapses.
    pub fc2: Linear,
    /// The neuron model.
    pub lif: Lif,
}

/// One pass of the spiking network over `T` steps of a batch of `B` images.
pub struct SnnPass {
    /// Output potentials of every step, `(T·B, 10)`, step-major.
    pub out: Tensor,
    /// Hidden spikes `(T, B, H)`.
    pub hidden_spikes: Tensor,
    /// Hidden membrane potentials of every step, each `(B, H)` (for the traces).
    pub hidden_mem: Vec<Tensor>,
}

impl Snn {
    /// A fresh network with PyTorch's default initialisation (as snnTorch's tutorials).
    pub fn new(hidden: usize, lif: Lif, rng: &mut Rng) -> Snn {
        Snn {
            fc1: Linear::new(PIXELS, hidden, rng),
            fc2: Linear::new(hidden, CLASSES, rng),
            lif,
        }
    }

    /// Every weight and bias.
    pub fn params(&self) -> Vec<Param> {
        [params(&self.fc1), params(&self.fc2)].concat()
    }

    /// Runs input spikes `(T, B, 784)` through the network. The recurrence is written
    /// with ordinary ops and the one `spike` op, so backpropagation through time is the
    /// autograd's; the reset is detached (snnTorch's default).
    pub fn forward(&self, spikes: &Tensor) -> SnnPass {
        let (steps, batch) = (spikes.dim(0), spikes.dim(1));
        let Lif { beta, threshold, slope } = self.lif;
        let current = self.fc1.forward(&spikes.reshape(&[steps * batch, PIXELS]));
        let hidden = current.dim(1);
        let current = current.reshape(&[steps, batch, hidden]);
        let (mut mem, mut reset) = (Tensor::zeros(&[batch, hidden]), Tensor::zeros(&[batch, hidden]));
        let (mut fired, mut hidden_mem) = (Vec::with_capacity(steps), Vec::with_capacity(steps));
        for t in 0..steps {
            let input = current.narrow(0, t, 1).reshape(&[batch, hidden]);
            mem = mem.mul_scalar(beta).add(&input).sub(&reset.mul_scalar(threshold));
            let s = mem.add_scalar(-threshold).spike(slope);
            reset = s.detach();
            fired.push(s.reshape(&[1, batch, hidden]));
            hidden_mem.push(mem.clone());
        }
        let hidden_spikes = Tensor::concat(&fired, 0);
        let current = self.fc2.forward(&hidden_spikes.reshape(&[steps * batch, hidden]));
        let mut potential = Tensor::zeros(&[batch, CLASSES]);
        let mut out = Vec::with_capacity(steps);
        for t in 0..steps {
            potential = potential.mul_scalar(beta).add(&current.narrow(0, t * batch, batch));
            out.push(potential.clone());
        }
        SnnPass {
            out: Tensor::concat(&out, 0),
            hidden_spikes,
            hidden_mem,
        }
    }
}

/// The same-shape ANN: 784 → H ReLU → 10.
pub struct Ann {
    /// Input to hidden.
    pub fc1: Linear,
    /// Hidden to output.
    pub fc2: Linear,
}

impl Ann {
    /// A fresh network with PyTorch's default initialisation.
    pub fn new(hidden: usize, rng: &mut Rng) -> Ann {
        Ann {
            fc1: Linear::new(PIXELS, hidden, rng),
            fc2: Linear::new(hidden, CLASSES, rng),
        }
    }

    /// Logits `(B, 10)` of images `(B, 784)`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        self.fc2.forward(&self.fc1.forward(x).relu())
    }
}

/// What both trainings share: the data, epochs, batches and optimizer.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Budget {
    pub epochs: usize,
    pub batch: usize,
    pub lr: f32,
    pub seed: u64,
}

/// A batch's loss from its images (B, 784), labels and index in the whole training.
type BatchLoss<'a> = &'a dyn Fn(&[f32], &[usize], u64) -> Tensor;

/// Adam on `loss(images (B, 784), labels, batch index)` over shuffled batches; returns
/// the mean loss of each epoch.
fn train_loop(run: &Run, label: &str, ps: &[Param], budget: Budget, data: (&[f32], &[usize]), loss: BatchLoss) -> Vec<f32> {
    let loader = BatchLoader::new(data.0, &[PIXELS], data.1, budget.batch).shuffled(budget.seed);
    let mut adam = AdamConfig {
        lr: budget.lr,
        ..AdamConfig::default()
    }
    .init();
    let phase = run.phase(label, (budget.epochs * loader.batches_per_epoch()) as u64);
    let mut curve = Vec::with_capacity(budget.epochs);
    for epoch in 0..budget.epochs {
        let mut total = 0.0f64;
        for (i, batch) in loader.epoch(epoch as u64).enumerate() {
            let l = loss(&batch.inputs, &batch.labels, (epoch * loader.batches_per_epoch() + i) as u64);
            total += l.item() as f64;
            adam.step(ps, &l.backward());
            phase.advance(1);
        }
        curve.push((total / loader.batches_per_epoch() as f64) as f32);
    }
    curve
}

/// Trains the SNN at `steps` time steps with `coding`: the loss is the cross-entropy of
/// the output potential at every step, averaged (snnTorch's tutorial sums it).
pub(crate) fn train_snn(run: &Run, snn: &Snn, steps: usize, coding: Coding, budget: Budget, data: (&[f32], &[usize])) -> Vec<f32> {
    let loss = |x: &[f32], y: &[usize], index: u64| {
        let mut rng = Rng::new(budget.seed ^ 0x5EED_0000 ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let b = y.len();
        let spikes = Tensor::from_vec(encode(x, steps, coding, &mut rng), &[steps, b, PIXELS]);
        let targets: Vec<usize> = (0..steps).flat_map(|_| y.iter().copied()).collect();
        snn.forward(&spikes).out.cross_entropy(&targets)
    };
    train_loop(run, &format!("SNN, T = {steps}"), &snn.params(), budget, data, &loss)
}

/// Trains the ANN on the intensities themselves, with the SNN's budget.
pub(crate) fn train_ann(run: &Run, ann: &Ann, budget: Budget, data: (&[f32], &[usize])) -> Vec<f32> {
    let loss = |x: &[f32], y: &[usize], _| ann.forward(&Tensor::from_vec(x.to_vec(), &[y.len(), PIXELS])).cross_entropy(y);
    let ps = [params(&ann.fc1), params(&ann.fc2)].concat();
    train_loop(run, "ANN", &ps, budget, data, &loss)
}
