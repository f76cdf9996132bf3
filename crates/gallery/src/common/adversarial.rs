//! The adversarial game played by alternating steps (Goodfellow et al. 2014, Alg. 1 with
//! k = 1 and the non-saturating generator loss): D takes one step on
//! `BCE(D(x), 1) + BCE(D(G(z)), 0)` with the fake detached, then G one step on
//! `BCE(D(G(z)), 1)` through the updated, frozen D. One step for the `gan` milestone's
//! networks and W7's DCGAN.

use descent_models::dcgan::Dcgan;
use descent_models::gan::Gan;
use descent_nn::{params, Forward};
use descent_optim::{Adam, AdamConfig, Optimizer};
use descent_tensor::{no_grad, Param, Tensor};

/// The two players as the step sees them.
pub trait Players {
    /// G(z) for `labels` (conditional models) (B, 1, 28, 28).
    fn fake(&self, z: &Tensor, labels: Option<&[usize]>) -> Tensor;
    /// D's logits (B, 1), with gradients for D's parameters.
    fn judge(&self, x: &Tensor, labels: Option<&[usize]>) -> Tensor;
    /// D's logits with D's parameters frozen (the generator's update reads D only).
    fn judge_frozen(&self, x: &Tensor, labels: Option<&[usize]>) -> Tensor;
    /// The generator's and the discriminator's parameters.
    fn params(&self) -> (Vec<Param>, Vec<Param>);
}

impl Players for Gan {
    fn fake(&self, z: &Tensor, labels: Option<&[usize]>) -> Tensor {
        self.generator.generate(z, labels)
    }
    fn judge(&self, x: &Tensor, labels: Option<&[usize]>) -> Tensor {
        self.discriminator.discriminate(x, labels)
    }
    fn judge_frozen(&self, x: &Tensor, labels: Option<&[usize]>) -> Tensor {
        self.discriminator.discriminate(x, labels)
    }
    fn params(&self) -> (Vec<Param>, Vec<Param>) {
        (params(&self.generator), params(&self.discriminator))
    }
}

impl Players for Dcgan {
    fn fake(&self, z: &Tensor, _: Option<&[usize]>) -> Tensor {
        self.generator.forward(z)
    }
    fn judge(&self, x: &Tensor, _: Option<&[usize]>) -> Tensor {
        self.discriminator.forward(x)
    }
    fn judge_frozen(&self, x: &Tensor, _: Option<&[usize]>) -> Tensor {
        self.discriminator.forward_frozen(x)
    }
    fn params(&self) -> (Vec<Param>, Vec<Param>) {
        (params(&self.generator), params(&self.discriminator))
    }
}

/// DCGAN's optimizer for either player: Adam with β (0.5, 0.999) at `lr` (2e-4 in the paper).
pub fn adam(lr: f32) -> Adam {
    Adam::new(AdamConfig {
        lr,
        betas: (0.5, 0.999),
        ..AdamConfig::default()
    })
}

/// One real batch and the noise of one step.
pub struct StepInput<'a> {
    /// Real images (B, 1, 28, 28) in [−1, 1].
    pub real: &'a Tensor,
    /// Their classes (conditional models).
    pub real_labels: Option<&'a [usize]>,
    /// Noise (B, z).
    pub z: &'a Tensor,
    /// The classes asked of the fakes (conditional models).
    pub fake_labels: Option<&'a [usize]>,
}

/// What one step measured: both losses (each before its own update), and the mean D(x)
/// and D(G(z)) as probabilities before D's update.
#[derive(Clone, Copy, Debug)]
pub struct StepStats {
    /// D's loss.
    pub d_loss: f32,
    /// G's loss.
    pub g_loss: f32,
    /// Mean D(x).
    pub d_real: f32,
    /// Mean D(G(z)).
    pub d_fake: f32,
}

/// One alternating step of `players` with `opt_d` and `opt_g` over `(g, d)` parameters.
pub fn step(
    players: &dyn Players,
    input: StepInput,
    opt_d: &mut dyn Optimizer,
    opt_g: &mut dyn Optimizer,
    (g, d): (&[Param], &[Param]),
) -> StepStats {
    let fake = players.fake(input.z, input.fake_labels); // (B, 1, 28, 28)
    let d_real = players.judge(input.real, input.real_labels); // (B, 1) logits
    let d_fake = players.judge(&fake.detach(), input.fake_labels);
    let ones = Tensor::ones(d_real.shape());
    let zeros = Tensor::zeros(d_fake.shape());
    let loss_d = d_real.bce_with_logits(&ones).add(&d_fake.bce_with_logits(&zeros));
    let mean_prob = |logits: &Tensor| no_grad(|| logits.sigmoid().mean_all()).item();
    let (p_real, p_fake) = (mean_prob(&d_real), mean_prob(&d_fake));
    let (grads, d_loss) = (loss_d.backward(), loss_d.item());
    // Each graph is dropped before its update: it holds the parameter values it read,
    // and a shared value makes the optimizer copy the parameter instead of updating it
    // in place.
    drop((loss_d, d_real, d_fake));
    opt_d.step(d, &grads);
    drop(grads);
    let loss_g = players.judge_frozen(&fake, input.fake_labels).bce_with_logits(&ones);
    let (grads, g_loss) = (loss_g.backward(), loss_g.item());
    drop((loss_g, fake));
    opt_g.step(g, &grads);
    StepStats {
        d_loss,
        g_loss,
        d_real: p_real,
        d_fake: p_fake,
    }
}
