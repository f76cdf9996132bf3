//! The adversarial game over epochs of shuffled batches, one alternating step each
//! (`common::adversarial`: the non-saturating generator loss maximises log D(G(z))
//! instead of minimising log(1 − D(G(z))), the paper's own fix for G's vanishing
//! gradient early on).
//!
//! Along the way: D and G losses, the mean D(x) and D(G(z)) (as probabilities), a grid
//! of samples from fixed noise after every epoch, and the frames of a progress strip.

use crate::common::adversarial::{self, Players, StepInput, StepStats};
use crate::{MilestoneError, Run};
use descent_models::gan::{Gan, GanConfig};
use descent_nn::Module;
use descent_optim::Adam;
use descent_report::GridOptions;
use descent_tensor::{no_grad, Param, Rng, Tensor};

/// Hyper-parameters of one GAN's training.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GanTraining {
    /// Networks and sizes.
    pub(crate) config: GanConfig,
    /// Passes over the training images.
    pub(crate) epochs: usize,
    /// Real (and fake) images per step.
    pub(crate) batch_size: usize,
    /// Adam step size of both players (DCGAN's 2e-4, β₁ 0.5).
    pub(crate) lr: f32,
}

/// A trained GAN and the progress frames collected on the way.
pub(crate) struct Trained {
    /// Both networks.
    pub(crate) gan: Gan,
    /// One row of samples from the same fixed noise after each epoch, (epochs × 10, 784).
    pub(crate) progress: Vec<f32>,
    /// Epochs trained.
    pub(crate) epochs: usize,
}

/// Images (B, 784) in [0, 1] from `gan`'s generator in evaluation mode (batch norm on
/// its running statistics, as `descent draw` uses it).
pub(crate) fn sample(gan: &Gan, z: &Tensor, labels: Option<&[usize]>) -> Vec<f32> {
    gan.generator.set_training(false);
    let images = no_grad(|| gan.generator.generate(z, labels)).to_vec();
    gan.generator.set_training(true);
    images.iter().map(|&v| 0.5 * (v + 1.0)).collect()
}

/// The labels drawn with the fixed grid noise: row r of a 10-wide grid asks for class r.
fn grid_labels(count: usize, classes: usize) -> Option<Vec<usize>> {
    (classes > 0).then(|| (0..count).map(|i| (i / 10) % classes).collect())
}

/// Trains a GAN named `key` (history series `<key>_d_loss`, ...; grids
/// `<key>_epoch_NN.png`) on `images` ((N, 784) in [−1, 1]) with `labels`.
pub(crate) fn train(
    run: &mut Run,
    key: &str,
    settings: GanTraining,
    images: &[f32],
    labels: &[usize],
    seed: u64,
) -> Result<Trained, MilestoneError> {
    let config = settings.config;
    let gan = Gan::new(config, &mut Rng::new(seed ^ 0x6A4));
    let (g_params, d_params) = gan.params();
    let mut game = Game {
        gan: &gan,
        images,
        labels,
        optimizers: (adversarial::adam(settings.lr), adversarial::adam(settings.lr)),
        params: (g_params, d_params),
    };
    let mut rng = Rng::new(seed ^ 0x5EED);
    let (n, batch) = (labels.len(), settings.batch_size);
    let steps_per_epoch = n / batch;
    let fixed_z = Tensor::randn(&[100, config.z_dim], &mut Rng::new(seed ^ 0xF1ED));
    let fixed_labels = grid_labels(100, config.classes);
    let mut progress = Vec::new();
    let phase = run.phase(
        &format!("{key} ({})", config.kind.name()),
        (settings.epochs * steps_per_epoch * batch) as u64,
    );
    let mut curves = Curves::new(key, steps_per_epoch);
    for epoch in 0..settings.epochs {
        phase.status(&format!("epoch {}/{}", epoch + 1, settings.epochs));
        let order = rng.permutation(n);
        for step in 0..steps_per_epoch {
            let stats = game.step(&order[step * batch..(step + 1) * batch], &mut rng);
            phase.advance(batch as u64);
            curves.add(run, epoch, step, stats);
        }
        let grid = sample(&gan, &fixed_z, fixed_labels.as_deref());
        progress.extend_from_slice(&grid[..10 * 784]);
        let options = GridOptions::unit_grey(10, 2);
        run.image_grid(&format!("{key}_epoch_{:02}.png", epoch + 1), &grid, 28, 28, &options)?;
    }
    Ok(Trained {
        gan,
        progress,
        epochs: settings.epochs,
    })
}

/// The game in progress: the players, the data they learn from, their optimizers.
struct Game<'a> {
    /// Both players.
    gan: &'a Gan,
    /// Training images (N, 784) in [−1, 1].
    images: &'a [f32],
    /// Their labels.
    labels: &'a [usize],
    /// Adam for G and for D.
    optimizers: (Adam, Adam),
    /// G's and D's parameters.
    params: (Vec<Param>, Vec<Param>),
}

impl Game<'_> {
    /// One alternating step on the real images `rows`, with the classes asked of G and
    /// then the noise drawn from `rng`, in that order.
    fn step(&mut self, rows: &[usize], rng: &mut Rng) -> StepStats {
        let config = self.gan.generator.config;
        let batch = rows.len();
        let real: Vec<f32> = rows
            .iter()
            .flat_map(|&r| self.images[r * 784..(r + 1) * 784].iter().copied())
            .collect();
        let real = Tensor::from_vec(real, &[batch, 1, 28, 28]);
        let real_labels: Vec<usize> = rows.iter().map(|&r| self.labels[r]).collect();
        let fake_labels: Vec<usize> = (0..batch).map(|_| rng.below(config.classes.max(1))).collect();
        let (real_labels, fake_labels) = if config.classes > 0 {
            (Some(&real_labels[..]), Some(&fake_labels[..]))
        } else {
            (None, None)
        };
        let z = Tensor::randn(&[batch, config.z_dim], rng);
        let input = StepInput {
            real: &real,
            real_labels,
            z: &z,
            fake_labels,
        };
        let (opt_g, opt_d) = &mut self.optimizers;
        adversarial::step(self.gan, input, opt_d, opt_g, (&self.params.0, &self.params.1))
    }
}

/// Running means of D's and G's losses, D(x) and D(G(z)), recorded four times an epoch
/// as the history series `<key>_d_loss`, `<key>_g_loss`, `<key>_d_real`, `<key>_d_fake`.
struct Curves {
    /// The GAN's name.
    key: String,
    /// Steps per epoch.
    steps_per_epoch: usize,
    /// Steps between records.
    every: usize,
    /// Sums since the last record: d loss, g loss, D(x), D(G(z)).
    sums: [f64; 4],
    /// Steps summed.
    counted: usize,
}

impl Curves {
    /// Empty sums for `key`, which trains `steps_per_epoch` steps an epoch.
    fn new(key: &str, steps_per_epoch: usize) -> Curves {
        Curves {
            key: key.to_string(),
            steps_per_epoch,
            every: (steps_per_epoch / 4).max(1),
            sums: [0.0; 4],
            counted: 0,
        }
    }

    /// Adds the statistics of `step` of `epoch`; records the means when a quarter ends.
    fn add(&mut self, run: &mut Run, epoch: usize, step: usize, stats: StepStats) {
        for (s, v) in self.sums.iter_mut().zip([stats.d_loss, stats.g_loss, stats.d_real, stats.d_fake]) {
            *s += v as f64;
        }
        self.counted += 1;
        if (step + 1) % self.every == 0 {
            let x = epoch as f64 + (step + 1) as f64 / self.steps_per_epoch as f64;
            for (name, s) in ["d_loss", "g_loss", "d_real", "d_fake"].iter().zip(&self.sums) {
                run.record(&format!("{}_{name}", self.key), x, s / self.counted as f64);
            }
            (self.sums, self.counted) = ([0.0; 4], 0);
        }
    }
}
