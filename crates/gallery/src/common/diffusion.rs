//! The diffusion training recipe shared by the text-to-image and text-to-video
//! milestones: draw a batch, a step t and noise per item, a caption per item (the null
//! caption with probability `null_prob`, which is what classifier-free guidance
//! needs), predict the noise (or the velocity), and take one AdamW step on the mean
//! squared error.

use crate::Phase;
use descent_models::caption::{CaptionEncoderConfig, CaptionVocab};
use descent_models::diffusion::{DdimOptions, NoiseSchedule, Prediction};
use descent_models::unet::{Condition, UNetConfig};
use descent_optim::{clip_grad_norm, AdamW, AdamWConfig, LrSchedule, Optimizer};
use descent_tensor::{Param, Rng, Tensor};

/// The sizes of a caption-conditioned denoiser: a caption encoder and the U-Net its
/// vector conditions (dalle's images, sora's frames).
#[derive(Clone, Copy, Debug)]
pub struct DenoiserSizes {
    /// U-Net base width (W10: 64).
    pub channels: usize,
    /// Time/condition embedding width (W10: 128).
    pub emb_dim: usize,
    /// Residual blocks scale and shift their features by the embedding (FiLM) rather
    /// than W10's shift ([`UNetConfig::scale_shift`]).
    pub scale_shift: bool,
    /// Caption encoder width, heads, blocks (its vector is as wide as the encoder).
    pub text: (usize, usize, usize),
}

impl DenoiserSizes {
    /// The caption encoder (captions of at most 16 words from `vocab_size` words) and
    /// the one-channel U-Net it conditions, predicting `prediction`.
    pub fn configs(&self, vocab_size: usize, prediction: Prediction) -> (CaptionEncoderConfig, UNetConfig) {
        let (d_model, n_heads, n_layers) = self.text;
        let text = CaptionEncoderConfig {
            vocab_size,
            max_len: 16,
            d_model,
            n_heads,
            n_layers,
            out_dim: d_model,
        };
        let unet = UNetConfig {
            in_channels: 1,
            channels: self.channels,
            emb_dim: self.emb_dim,
            time_dim: 64,
            groups: 8,
            condition: Condition::Vector(d_model),
            scale_shift: self.scale_shift,
            prediction,
        };
        (text, unet)
    }
}

/// Optimisation settings of a diffusion run.
#[derive(Clone, Copy, Debug)]
pub struct DiffusionTraining {
    /// Items per step.
    pub batch_size: usize,
    /// Optimizer steps.
    pub steps: usize,
    /// Peak learning rate (cosine decay to a tenth after a linear warm-up).
    pub lr: f32,
    /// Warm-up steps.
    pub warmup: usize,
    /// Share of items trained with the null caption.
    pub null_prob: f32,
    /// Gradient-norm clip.
    pub clip_norm: f32,
    /// Decay of the exponential moving average of the weights that the trained model
    /// ends with (the DDPM recipe: samples from averaged weights are cleaner than from
    /// the last step's); 0 keeps the last step's weights.
    pub ema_decay: f32,
    /// What the network learns to output (the model's `UNetConfig::prediction`).
    pub prediction: Prediction,
}

impl DiffusionTraining {
    /// The text-conditioned milestones' recipe: velocity prediction, a warm-up of a
    /// twentieth of the steps, the null caption 10% of the time, gradient clipping at 1,
    /// and an average of the weights decaying by `ema_decay` (0: none).
    pub fn velocity(batch_size: usize, steps: usize, lr: f32, ema_decay: f32) -> DiffusionTraining {
        DiffusionTraining {
            batch_size,
            steps,
            lr,
            warmup: steps / 20,
            null_prob: 0.1,
            clip_norm: 1.0,
            ema_decay,
            prediction: Prediction::Velocity,
        }
    }
}

/// Training-loss means over windows of `every` steps (and the last, shorter one): the
/// points of a run's loss chart, with the latest mean shown on the progress line.
pub struct LossWindows {
    every: usize,
    total: usize,
    window: Vec<f32>,
    /// (step, mean loss of the window ending there).
    pub points: Vec<(f64, f64)>,
}

impl LossWindows {
    /// Windows of `every` steps over a run of `total` steps.
    pub fn new(every: usize, total: usize) -> LossWindows {
        LossWindows {
            every: every.max(1),
            total,
            window: Vec::new(),
            points: Vec::new(),
        }
    }

    /// Takes step `step`'s loss; closes a window every `every` steps and at the end.
    pub fn push(&mut self, step: usize, loss: f32, phase: &Phase) {
        self.window.push(loss);
        if self.window.len() == self.every || step + 1 == self.total {
            let mean = self.window.iter().sum::<f32>() / self.window.len() as f32;
            self.points.push(((step + 1) as f64, mean as f64));
            phase.status(&format!("step {}/{}, loss {mean:.4}", step + 1, self.total));
            self.window.clear();
        }
    }
}

/// One sample per caption, `batch` captions at a time, each batch with its own DDIM
/// seed (`options.seed` + batch index) so batches differ: `sample(ids, options)` draws
/// one batch from the captions' ids.
pub fn sample_captions<'a>(
    vocab: &CaptionVocab,
    max_len: usize,
    captions: impl Iterator<Item = &'a str>,
    batch: usize,
    options: DdimOptions,
    phase: &Phase,
    mut sample: impl FnMut(&[&[usize]], DdimOptions) -> Vec<f32>,
) -> Vec<f32> {
    let ids: Vec<Vec<usize>> = captions
        .map(|c| vocab.encode(c, max_len).expect("milestone captions use the vocabulary (tested)"))
        .collect();
    let mut out = Vec::new();
    for (i, chunk) in ids.chunks(batch.max(1)).enumerate() {
        let refs: Vec<&[usize]> = chunk.iter().map(Vec::as_slice).collect();
        let seeded = DdimOptions {
            seed: options.seed.wrapping_add(i as u64),
            ..options
        };
        out.extend(sample(&refs, seeded));
        phase.advance(chunk.len() as u64);
    }
    out
}

/// Draws the item for one slot of a batch (`0..batch_size`, in order): its clean values
/// (in [−1, 1]) and its caption ids.
pub type DrawItem<'a> = dyn FnMut(&mut Rng, usize) -> (Vec<f32>, Vec<usize>) + 'a;
/// The model's output (ε̂ or v̂) for x_t at steps t under captions (`None`: the null caption).
pub type NoisePredictor<'a> = dyn Fn(&Tensor, &[usize], &[Option<&[usize]>]) -> Tensor + 'a;

/// One training example as the model sees it.
pub struct NoisyBatch {
    /// x_t, (B, item shape...).
    pub noisy: Tensor,
    /// What the network should output, same shape: the noise added, or the velocity.
    pub target: Tensor,
    /// Step of each item.
    pub steps: Vec<usize>,
    /// Caption of each item (`None`: the null caption).
    pub captions: Vec<Option<Vec<usize>>>,
}

/// Draws one batch: `draw(rng, slot)` returns an item's clean values (in [−1, 1]) and
/// its caption ids; `item_shape` is one item's shape.
pub fn noisy_batch(
    schedule: &NoiseSchedule,
    settings: &DiffusionTraining,
    item_shape: &[usize],
    rng: &mut Rng,
    draw: &mut DrawItem,
) -> NoisyBatch {
    let b = settings.batch_size;
    let per_item: usize = item_shape.iter().product();
    let mut clean = Vec::with_capacity(b * per_item);
    let mut captions = Vec::with_capacity(b);
    for slot in 0..b {
        let (values, caption) = draw(rng, slot);
        assert_eq!(
            values.len(),
            per_item,
            "noisy_batch: an item of {} values for shape {item_shape:?}",
            values.len()
        );
        clean.extend(values);
        captions.push((rng.uniform() >= settings.null_prob).then_some(caption));
    }
    let steps: Vec<usize> = (0..b).map(|_| rng.below(schedule.steps())).collect();
    let noise: Vec<f32> = (0..b * per_item).map(|_| rng.normal()).collect();
    let noisy = schedule.add_noise(&clean, &noise, &steps);
    let target = settings.prediction.target(schedule, &clean, &noise, &steps);
    let mut shape = vec![b];
    shape.extend_from_slice(item_shape);
    NoisyBatch {
        noisy: Tensor::from_vec(noisy, &shape),
        target: Tensor::from_vec(target, &shape),
        steps,
        captions,
    }
}

/// Trains by noise (or velocity) prediction: `predict(x_t, t, captions)` is the model's
/// output, its target `settings.prediction`'s; returns the loss of every step.
/// `on_step(step, loss)` is called after each (logging, records).
#[allow(clippy::too_many_arguments)] // the recipe's parts, each used once
pub fn train_denoiser(
    params: &[Param],
    settings: &DiffusionTraining,
    item_shape: &[usize],
    seed: u64,
    phase: &Phase,
    draw: &mut DrawItem,
    predict: &NoisePredictor,
    on_step: &mut dyn FnMut(usize, f32),
) -> Vec<f32> {
    let schedule = NoiseSchedule::ddpm();
    let mut optimizer = AdamW::new(AdamWConfig {
        lr: settings.lr,
        ..AdamWConfig::default()
    });
    let lr =
        LrSchedule::cosine(settings.lr, settings.lr / 10.0, settings.steps.saturating_sub(settings.warmup)).with_warmup(settings.warmup);
    let mut rng = Rng::new(seed);
    let mut losses = Vec::with_capacity(settings.steps);
    let mut average = (settings.ema_decay > 0.0).then(|| WeightAverage::new(params));
    for step in 0..settings.steps {
        let batch = noisy_batch(&schedule, settings, item_shape, &mut rng, draw);
        let captions: Vec<Option<&[usize]>> = batch.captions.iter().map(|c| c.as_deref()).collect();
        let loss = predict(&batch.noisy, &batch.steps, &captions).mse_loss(&batch.target);
        let mut grads = loss.backward();
        let value = loss.item();
        drop(loss); // parameters then have one owner and update in place
        clip_grad_norm(&mut grads, params, settings.clip_norm);
        lr.apply(&mut optimizer, step);
        optimizer.step(params, &grads);
        if let Some(average) = &mut average {
            average.update(params, settings.ema_decay, step);
        }
        losses.push(value);
        on_step(step, value);
        phase.advance(1);
    }
    if let Some(average) = average {
        average.store_into(params);
    }
    losses
}

/// An exponential moving average of parameter values.
struct WeightAverage {
    values: Vec<Vec<f32>>,
}

impl WeightAverage {
    fn new(params: &[Param]) -> WeightAverage {
        WeightAverage {
            values: params.iter().map(|p| p.value().to_vec()).collect(),
        }
    }

    /// Folds in the weights after step `step`; the decay ramps up as (1 + step) / (10 +
    /// step) until it reaches `decay`, so the first steps' weights do not linger.
    fn update(&mut self, params: &[Param], decay: f32, step: usize) {
        let d = decay.min((1 + step) as f32 / (10 + step) as f32);
        for (average, p) in self.values.iter_mut().zip(params) {
            let current = p.value().to_vec();
            average.iter_mut().zip(&current).for_each(|(a, &x)| *a = d * *a + (1.0 - d) * x);
        }
    }

    fn store_into(self, params: &[Param]) {
        params.iter().zip(&self.values).for_each(|(p, v)| p.set_values(v));
    }
}
