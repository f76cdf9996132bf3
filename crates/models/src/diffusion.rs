//! Denoising diffusion: the forward noising process of DDPM (Ho, Jain & Abbeel 2020),
//! the training target, and DDIM sampling (Song, Meng & Ermon 2021) with
//! classifier-free guidance (Ho & Salimans 2021).
//!
//! Training draws a step t, noise ε and forms x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε; the network
//! learns to predict ε (mean squared error). Sampling starts from pure noise and walks
//! a short subsequence of the T steps deterministically (DDIM, η = 0): at each step the
//! predicted ε gives a predicted x̂_0 (clipped to the data range), and x moves to the
//! previous step's noise level along it. With guidance scale w the prediction is
//! ε_uncond + w·(ε_cond − ε_uncond): w = 1 is the plain conditional model, larger w
//! trades variety for fidelity to the condition.
//!
//! A network may instead predict the velocity v = √ᾱ·ε − √(1−ᾱ)·x_0 (Salimans & Ho
//! 2022, [`Prediction::Velocity`]): at high noise ε is nearly x_t itself, so an ε
//! loss barely asks what the image is, while v there is nearly −x_0, and the loss
//! rewards knowing it — what a caption tells. Sampling turns either output into ε̂.

use descent_tensor::{no_grad, Rng, Tensor};

/// What a denoising network's output means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Prediction {
    /// The noise ε (DDPM, W10).
    Noise,
    /// The velocity v = √ᾱ_t·ε − √(1−ᾱ_t)·x_0.
    Velocity,
}

impl Prediction {
    /// Its name in checkpoint metadata.
    pub fn name(self) -> &'static str {
        match self {
            Prediction::Noise => "noise",
            Prediction::Velocity => "velocity",
        }
    }

    /// Reads [`name`](Self::name) back.
    pub fn from_name(name: &str) -> Option<Prediction> {
        [Prediction::Noise, Prediction::Velocity].into_iter().find(|p| p.name() == name)
    }

    /// The training target for clean items `x0` noised by `noise` at steps `t` (one
    /// step per item).
    pub fn target(self, schedule: &NoiseSchedule, x0: &[f32], noise: &[f32], t: &[usize]) -> Vec<f32> {
        match self {
            Prediction::Noise => noise.to_vec(),
            Prediction::Velocity => per_item(schedule, x0, noise, t, |sa, sb, x, e| sa * e - sb * x),
        }
    }

    /// ε̂ from the network's `output` at `xt` (steps `t`, one per item).
    pub fn noise_from(self, schedule: &NoiseSchedule, output: &[f32], xt: &[f32], t: &[usize]) -> Vec<f32> {
        match self {
            Prediction::Noise => output.to_vec(),
            // ε = √(1−ᾱ)·x_t + √ᾱ·v, since x_t = √ᾱ·x_0 + √(1−ᾱ)·ε.
            Prediction::Velocity => per_item(schedule, xt, output, t, |sa, sb, x, v| sb * x + sa * v),
        }
    }
}

/// `f(√ᾱ_t, √(1−ᾱ_t), a, b)` elementwise over items of `a` and `b`, item i at step `t[i]`.
fn per_item(schedule: &NoiseSchedule, a: &[f32], b: &[f32], t: &[usize], f: impl Fn(f32, f32, f32, f32) -> f32) -> Vec<f32> {
    assert!(
        a.len() == b.len() && !t.is_empty() && a.len() % t.len() == 0,
        "diffusion: {} and {} values for {} steps",
        a.len(),
        b.len(),
        t.len()
    );
    let n = a.len() / t.len();
    let mut out = Vec::with_capacity(a.len());
    for ((a, b), &step) in a.chunks_exact(n).zip(b.chunks_exact(n)).zip(t) {
        let ab = schedule.alpha_bars[step];
        let (sa, sb) = (ab.sqrt() as f32, (1.0 - ab).sqrt() as f32);
        out.extend(a.iter().zip(b).map(|(&a, &b)| f(sa, sb, a, b)));
    }
    out
}

/// A variance schedule β_1..β_T and its running products ᾱ_t = Π(1 − β_s).
#[derive(Clone, Debug)]
pub struct NoiseSchedule {
    /// β_t for t = 0..T (0-based).
    pub betas: Vec<f32>,
    /// ᾱ_t = Π_{s ≤ t} (1 − β_s), computed in f64.
    pub alpha_bars: Vec<f64>,
}

impl NoiseSchedule {
    /// DDPM's linear schedule: `steps` betas from `beta_start` to `beta_end` (W10:
    /// 1000, 1e-4, 0.02), as `torch.linspace`.
    pub fn linear(steps: usize, beta_start: f32, beta_end: f32) -> NoiseSchedule {
        assert!(steps >= 2, "NoiseSchedule: need at least 2 steps, got {steps}");
        let betas: Vec<f32> = (0..steps)
            .map(|i| beta_start + (beta_end - beta_start) * i as f32 / (steps - 1) as f32)
            .collect();
        let mut product = 1.0f64;
        let alpha_bars = betas
            .iter()
            .map(|&b| {
                product *= 1.0 - b as f64;
                product
            })
            .collect();
        NoiseSchedule { betas, alpha_bars }
    }

    /// W10's schedule: T = 1000 linear betas 1e-4..0.02.
    pub fn ddpm() -> NoiseSchedule {
        NoiseSchedule::linear(1000, 1e-4, 0.02)
    }

    /// Number of steps T.
    pub fn steps(&self) -> usize {
        self.betas.len()
    }

    /// x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε for a batch: `x0` and `noise` hold `t.len()` items
    /// of `x0.len() / t.len()` values each.
    pub fn add_noise(&self, x0: &[f32], noise: &[f32], t: &[usize]) -> Vec<f32> {
        per_item(self, x0, noise, t, |sa, sb, x, e| sa * x + sb * e)
    }

    /// The `n` steps DDIM visits, from T−1 down to 0, evenly spaced.
    pub fn ddim_steps(&self, n: usize) -> Vec<usize> {
        let total = self.steps();
        let n = n.clamp(1, total);
        (0..n).rev().map(|i| i * (total - 1) / (n - 1).max(1)).collect()
    }
}

/// How to sample.
#[derive(Clone, Copy, Debug)]
pub struct DdimOptions {
    /// DDIM steps (a few dozen suffice for 28×28 digits).
    pub steps: usize,
    /// Classifier-free guidance scale w (1: no guidance; 0: unconditional).
    pub guidance: f32,
    /// Seed of the starting noise.
    pub seed: u64,
}

/// Noise predictions for a batch: `predict(x_t, t, conditional)` returns ε̂ (same shape
/// as x_t) under the batch's condition (`true`) or the null condition (`false`).
pub type Predictor<'a> = dyn FnMut(&Tensor, &[usize], bool) -> Tensor + 'a;

/// Sees each DDIM step: `(step index, x after it, predicted clean x̂_0)`.
pub type StepObserver<'a> = dyn FnMut(usize, &[f32], &[f32]) + 'a;

/// Generates `shape[0]` samples (values about [−1, 1]) by DDIM with guidance, without
/// recording a graph. `on_step(i, x, x̂_0)` sees the batch after each step and the
/// clean batch predicted at it (for a denoising strip). Returns the final batch,
/// row-major in `shape`.
pub fn ddim_sample(
    schedule: &NoiseSchedule,
    shape: &[usize],
    options: DdimOptions,
    predict: &mut Predictor,
    on_step: &mut StepObserver,
) -> Vec<f32> {
    let mut rng = Rng::new(options.seed);
    let numel: usize = shape.iter().product();
    let batch = shape[0];
    let mut x: Vec<f32> = (0..numel).map(|_| rng.normal()).collect();
    let steps = schedule.ddim_steps(options.steps);
    for (i, &t) in steps.iter().enumerate() {
        let ts = vec![t; batch];
        let eps = no_grad(|| {
            let xt = Tensor::from_slice(&x, shape);
            let w = options.guidance;
            if w == 1.0 {
                predict(&xt, &ts, true).to_vec()
            } else {
                let cond = if w == 0.0 { None } else { Some(predict(&xt, &ts, true).to_vec()) };
                let uncond = predict(&xt, &ts, false).to_vec();
                match cond {
                    Some(c) => c.iter().zip(&uncond).map(|(&c, &u)| u + w * (c - u)).collect(),
                    None => uncond,
                }
            }
        });
        assert_eq!(
            eps.len(),
            numel,
            "ddim_sample: the predictor returned {} values for shape {shape:?}",
            eps.len()
        );
        let a = schedule.alpha_bars[t];
        let a_prev = steps.get(i + 1).map_or(1.0, |&p| schedule.alpha_bars[p]);
        let (sa, sb) = (a.sqrt(), (1.0 - a).sqrt());
        let mut x0 = vec![0.0f32; numel];
        for ((x0, &xt), &e) in x0.iter_mut().zip(&x).zip(&eps) {
            *x0 = (((xt as f64 - sb * e as f64) / sa) as f32).clamp(-1.0, 1.0);
        }
        // ε consistent with the clipped x̂_0, then one deterministic step to t_prev.
        let (spa, spb) = (a_prev.sqrt(), (1.0 - a_prev).sqrt());
        for (xt, &x0) in x.iter_mut().zip(&x0) {
            let e = (*xt as f64 - sa * x0 as f64) / sb;
            *xt = (spa * x0 as f64 + spb * e) as f32;
        }
        on_step(i, &x, &x0);
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_schedule_matches_ddpm() {
        let s = NoiseSchedule::ddpm();
        assert_eq!(s.steps(), 1000);
        assert!((s.betas[0] - 1e-4).abs() < 1e-9 && (s.betas[999] - 0.02).abs() < 1e-7);
        // ᾱ_T of DDPM's schedule is about 4.0e-5: x_T is almost pure noise.
        assert!((s.alpha_bars[999] - 4.04e-5).abs() < 1e-6, "{}", s.alpha_bars[999]);
        assert_eq!(s.ddim_steps(4), vec![999, 666, 333, 0]);
    }

    #[test]
    fn velocity_turns_back_into_the_noise() {
        let s = NoiseSchedule::ddpm();
        let (x0, noise, t) = (vec![0.5f32, -1.0, 0.25, 0.0], vec![1.5f32, -0.3, 0.7, -2.0], [10, 900]);
        let xt = s.add_noise(&x0, &noise, &t);
        let v = Prediction::Velocity.target(&s, &x0, &noise, &t);
        assert_ne!(v, noise);
        for (e, n) in Prediction::Velocity.noise_from(&s, &v, &xt, &t).iter().zip(&noise) {
            assert!((e - n).abs() < 1e-4, "{e} vs {n}");
        }
        assert_eq!(Prediction::Noise.noise_from(&s, &noise, &xt, &t), noise);
        assert_eq!(Prediction::from_name("velocity"), Some(Prediction::Velocity));
        assert_eq!(Prediction::from_name("x0"), None);
    }

    #[test]
    fn an_exact_noise_predictor_recovers_the_image() {
        // If ε̂ is the true noise, x̂_0 at the first step is x_0 and DDIM ends on it.
        let s = NoiseSchedule::ddpm();
        let x0 = vec![0.5f32, -0.25, 0.75, 0.0];
        let options = DdimOptions {
            steps: 10,
            guidance: 1.0,
            seed: 3,
        };
        let mut predict = |xt: &Tensor, t: &[usize], _: bool| {
            let a = s.alpha_bars[t[0]];
            let e: Vec<f32> = xt
                .to_vec()
                .iter()
                .zip(&x0)
                .map(|(&x, &c)| ((x as f64 - a.sqrt() * c as f64) / (1.0 - a).sqrt()) as f32)
                .collect();
            Tensor::from_vec(e, xt.shape())
        };
        let out = ddim_sample(&s, &[1, 4], options, &mut predict, &mut |_, _, _| {});
        for (o, e) in out.iter().zip(&x0) {
            assert!((o - e).abs() < 1e-4, "{out:?} vs {x0:?}");
        }
    }
}
