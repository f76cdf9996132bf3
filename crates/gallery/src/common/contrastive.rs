//! unCLIP's first stage in miniature (Ramesh et al. 2022): before the diffusion model
//! learns to draw, the caption encoder learns what captions mean from the CLIP objective
//! (Radford et al. 2021) on the same captioned items, against a small convolutional
//! encoder of the items; the diffusion model is then conditioned on the frozen caption
//! vectors. Trained by the diffusion loss alone, the encoder learns that "7", "seven"
//! and "七" name one class several times slower than a class table is learned (measured
//! on dalle's quick budget, 2,000 steps: 21% of images read as asked against 83%); the
//! contrastive stage teaches it in seconds.

use super::diffusion::DrawItem;
use crate::{MilestoneError, Phase, Run};
use descent_models::caption::CaptionEncoder;
use descent_nn::{join_name, params, Conv2d, Forward, Linear, Module};
use descent_optim::{AdamW, AdamWConfig, LrSchedule, Optimizer};
use descent_report::LineChart;
use descent_tensor::{no_grad, Param, Rng, Tensor};

/// Budget of the contrastive stage.
#[derive(Clone, Copy, Debug)]
pub struct ContrastiveSettings {
    /// Optimizer steps.
    pub steps: usize,
    /// Pairs per step (the other pairs of a batch are each pair's negatives).
    pub batch_size: usize,
    /// Peak learning rate (cosine to a tenth).
    pub lr: f32,
    /// Channels of the item encoder's first convolution (then 2× and 4×).
    pub width: usize,
}

/// Inverse temperature of the similarities (CLIP's initial 1/0.07, kept fixed).
const SCALE: f32 = 1.0 / 0.07;

/// Items (B, C, H, W) → one vector each: three stride-2 3×3 convolutions with ReLU,
/// a mean over positions, a linear map. A clip enters with its frames as channels.
pub struct ItemEncoder {
    convs: Vec<Conv2d>,
    /// Pooled features → the caption encoder's width.
    pub fc: Linear,
}

impl ItemEncoder {
    /// An encoder of `channels`-channel items into `out`-wide vectors.
    pub fn new(channels: usize, width: usize, out: usize, rng: &mut Rng) -> ItemEncoder {
        let widths = [channels, width, 2 * width, 4 * width];
        ItemEncoder {
            convs: widths.windows(2).map(|w| Conv2d::new(w[0], w[1], 3, 2, 1, rng)).collect(),
            fc: Linear::new(4 * width, out, rng),
        }
    }
}

impl Forward for ItemEncoder {
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut h = x.clone();
        for conv in &self.convs {
            h = conv.forward(&h).relu();
        }
        let (n, c) = (h.dim(0), h.dim(1));
        self.fc.forward(&h.reshape(&[n, c, h.dim(2) * h.dim(3)]).mean_dims(&[2], false))
        // (N, out)
    }
}

impl Module for ItemEncoder {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        for (i, conv) in self.convs.iter().enumerate() {
            conv.visit(&join_name(prefix, &format!("convs.{i}")), f);
        }
        self.fc.visit(&join_name(prefix, "fc"), f);
    }
}

/// What the stage leaves: the item encoder (for measuring) and the loss per step.
pub struct ContrastiveOutcome {
    /// The trained item encoder.
    pub items: ItemEncoder,
    /// Contrastive loss of every step.
    pub losses: Vec<f32>,
}

/// `item_shape` as (C, H, W) for the item encoder: all leading dimensions fold into
/// channels.
fn as_image(item_shape: &[usize]) -> [usize; 3] {
    let r = item_shape.len();
    assert!(r >= 2, "contrastive: items of shape {item_shape:?} need at least 2 dimensions");
    [item_shape[..r - 2].iter().product(), item_shape[r - 2], item_shape[r - 1]]
}

/// Trains `text` (and a fresh item encoder) by the symmetric contrastive loss on pairs
/// from `draw`: each item against the batch's captions and each caption against its items.
pub fn pretrain_captions(
    text: &CaptionEncoder,
    item_shape: &[usize],
    settings: &ContrastiveSettings,
    seed: u64,
    phase: &Phase,
    draw: &mut DrawItem,
) -> ContrastiveOutcome {
    let [c, h, w] = as_image(item_shape);
    let mut rng = Rng::new(seed ^ 0xc11e);
    let items = ItemEncoder::new(c, settings.width, text.config.out_dim, &mut rng);
    let mut all = params(&items);
    all.extend(params(text));
    let mut optimizer = AdamW::new(AdamWConfig {
        lr: settings.lr,
        ..AdamWConfig::default()
    });
    let warmup = settings.steps / 20;
    let lr = LrSchedule::cosine(settings.lr, settings.lr / 10.0, settings.steps - warmup).with_warmup(warmup);
    let b = settings.batch_size;
    let mut losses = Vec::with_capacity(settings.steps);
    for step in 0..settings.steps {
        let (mut values, mut captions) = (Vec::with_capacity(b * c * h * w), Vec::with_capacity(b));
        for slot in 0..b {
            let (v, ids) = draw(&mut rng, slot);
            values.extend(v);
            captions.push(ids);
        }
        let refs: Vec<Option<&[usize]>> = captions.iter().map(|c| Some(c.as_slice())).collect();
        let image = items.forward(&Tensor::from_vec(values, &[b, c, h, w])).normalize(); // (B, D)
        let caption = text.encode(&refs).normalize(); // (B, D)
        let logits = image.matmul(&caption.t()).mul_scalar(SCALE); // (B, B)
        let targets: Vec<usize> = (0..b).collect();
        let loss = logits
            .softmax_cross_entropy(&targets, None)
            .add(&logits.t().contiguous().softmax_cross_entropy(&targets, None))
            .mul_scalar(0.5);
        let grads = loss.backward();
        let value = loss.item();
        drop(loss);
        lr.apply(&mut optimizer, step);
        optimizer.step(&all, &grads);
        losses.push(value);
        if (step + 1) % 20 == 0 || step + 1 == settings.steps {
            phase.status(&format!("step {}/{}, contrastive loss {value:.3}", step + 1, settings.steps));
        }
        phase.advance(1);
    }
    ContrastiveOutcome { items, losses }
}

/// Zero-shot accuracy of the stage: each item (rows of `values`, shape `item_shape`)
/// is given the class whose captions' mean unit vector is nearest its own; `labels`
/// index `class_captions`.
pub fn zero_shot_accuracy(
    items: &ItemEncoder,
    text: &CaptionEncoder,
    item_shape: &[usize],
    values: &[f32],
    labels: &[usize],
    class_captions: &[Vec<Vec<usize>>],
) -> f64 {
    let [c, h, w] = as_image(item_shape);
    let n = labels.len();
    assert_eq!(
        values.len(),
        n * c * h * w,
        "zero_shot_accuracy: values for {n} items of {item_shape:?}"
    );
    no_grad(|| {
        let d = text.config.out_dim;
        let mut prototypes = Vec::with_capacity(class_captions.len() * d);
        for captions in class_captions {
            let refs: Vec<Option<&[usize]>> = captions.iter().map(|c| Some(c.as_slice())).collect();
            let mean = text.encode(&refs).normalize().mean_dims(&[0], false); // (D)
            prototypes.extend(mean.reshape(&[1, d]).normalize().to_vec());
        }
        let prototypes = Tensor::from_vec(prototypes, &[class_captions.len(), d]);
        let mut correct = 0;
        for (chunk, chunk_labels) in values.chunks(256 * c * h * w).zip(labels.chunks(256)) {
            let m = chunk_labels.len();
            let image = items.forward(&Tensor::from_vec(chunk.to_vec(), &[m, c, h, w])).normalize();
            let scores = image.matmul(&prototypes.t()).to_vec(); // (m, classes)
            let k = class_captions.len();
            for (row, &label) in scores.chunks_exact(k).zip(chunk_labels) {
                let best = (0..k).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap_or(0);
                correct += usize::from(best == label);
            }
        }
        correct as f64 / n.max(1) as f64
    })
}

/// Records the stage's loss as `contrastive_loss` (means of 20 steps).
pub fn record_losses(run: &mut Run, losses: &[f32]) {
    for (i, chunk) in losses.chunks(20).enumerate() {
        let mean = chunk.iter().sum::<f32>() / chunk.len() as f32;
        run.record("contrastive_loss", (i * 20 + chunk.len()) as f64, mean as f64);
    }
}

/// Writes `caption_pretraining.svg`, the stage's loss curve, when the run had the stage.
pub fn write_loss_chart(run: &mut Run) -> Result<(), MilestoneError> {
    let history = run.history();
    if history.values("contrastive_loss").is_empty() {
        return Ok(());
    }
    let chart = LineChart {
        title: "Caption pre-training (CLIP objective)".into(),
        x_label: "step".into(),
        y_label: "contrastive loss (mean of 20 steps)".into(),
        series: vec![history.series("contrastive_loss", "caption ↔ item")],
        log_y: false,
    };
    run.line_chart("caption_pretraining.svg", &chart)
}
