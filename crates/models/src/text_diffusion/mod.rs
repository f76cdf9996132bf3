//! Text-conditioned diffusion models as saved: a caption encoder trained together with
//! an image U-Net ([`TextToImage`]) or a space-time U-Net ([`TextToVideo`]), under one
//! name space (`text.*`, `unet.*` / `video.*`). Saved as kinds `text-to-image` and
//! `text-to-video` with their configs, and drawn from by prompt (`saved.rs`).
//!
//! The encoder's caption vector enters the U-Net through `unet.cond` (a Linear into the
//! time embedding), so any text tower that yields one vector per caption (CLIP's, once
//! trained) can stand in for [`CaptionEncoder`].

mod saved;

pub use saved::{DrawOptions, Drawing, TextToImageConfig, TextToVideoConfig};

use crate::caption::{CaptionEncoder, CaptionVocab};
use crate::diffusion::{ddim_sample, DdimOptions, NoiseSchedule, Prediction, StepObserver};
use crate::unet::{CondInput, UNet};
use crate::video_unet::VideoUNet;
use descent_nn::{join_name, Module};
use descent_tensor::{Param, Tensor};

/// Caption encoder + image U-Net.
pub struct TextToImage {
    /// Side of the square images it draws.
    pub side: usize,
    /// Words the encoder knows.
    pub vocab: CaptionVocab,
    /// Caption → vector (`text.*`).
    pub text: CaptionEncoder,
    /// Noise predictor (`unet.*`).
    pub unet: UNet,
}

/// Caption encoder + space-time U-Net.
pub struct TextToVideo {
    /// Side of the square frames it draws.
    pub side: usize,
    /// Words the encoder knows.
    pub vocab: CaptionVocab,
    /// Caption → vector (`text.*`).
    pub text: CaptionEncoder,
    /// Noise predictor over clips (`video.*`).
    pub video: VideoUNet,
}

impl TextToImage {
    /// The U-Net's output (ε̂ or v̂, [`UNetConfig::prediction`]) for x_t (B, C, H, W) at
    /// steps `t` under captions (`None`: the null caption).
    pub fn predict(&self, x: &Tensor, t: &[usize], captions: &[Option<&[usize]>]) -> Tensor {
        let c = self.text.encode(captions); // (B, D)
        self.unet.forward(x, t, CondInput::Vectors(&c))
    }

    /// ε̂ whatever the U-Net predicts: what sampling steps by (and a probe compares).
    pub fn predict_noise(&self, schedule: &NoiseSchedule, x: &Tensor, t: &[usize], captions: &[Option<&[usize]>]) -> Tensor {
        as_noise(self.unet.config.prediction, schedule, x, t, self.predict(x, t, captions))
    }

    /// [`predict`](Self::predict) with the caption encoder outside the graph: what
    /// trains the U-Net alone on a frozen, pre-trained encoder (unCLIP's second stage).
    pub fn predict_frozen_text(&self, x: &Tensor, t: &[usize], captions: &[Option<&[usize]>]) -> Tensor {
        let c = descent_tensor::no_grad(|| self.text.encode(captions)); // (B, D)
        self.unet.forward(x, t, CondInput::Vectors(&c))
    }

    /// `n` images (n, C, H, W) for caption ids `caption` by DDIM with guidance;
    /// `on_step(i, x, x̂_0)` sees the batch and its predicted clean version after each step.
    pub fn sample(&self, caption: &[usize], n: usize, side: usize, options: DdimOptions, on_step: &mut StepObserver) -> Vec<f32> {
        let captions: Vec<&[usize]> = vec![caption; n];
        self.sample_each(&captions, side, options, on_step)
    }

    /// One image per caption in `captions`.
    pub fn sample_each(&self, captions: &[&[usize]], side: usize, options: DdimOptions, on_step: &mut StepObserver) -> Vec<f32> {
        let schedule = NoiseSchedule::ddpm();
        let shape = [captions.len(), self.unet.config.in_channels, side, side];
        let cond: Vec<Option<&[usize]>> = captions.iter().map(|&c| Some(c)).collect();
        let null: Vec<Option<&[usize]>> = vec![None; captions.len()];
        let mut predict =
            |x: &Tensor, t: &[usize], conditional: bool| self.predict_noise(&schedule, x, t, if conditional { &cond } else { &null });
        ddim_sample(&schedule, &shape, options, &mut predict, on_step)
    }
}

/// The network's `output` at `x` as the ε̂ DDIM steps by.
fn as_noise(prediction: Prediction, schedule: &NoiseSchedule, x: &Tensor, t: &[usize], output: Tensor) -> Tensor {
    match prediction {
        Prediction::Noise => output,
        Prediction::Velocity => Tensor::from_vec(prediction.noise_from(schedule, &output.to_vec(), &x.to_vec(), t), x.shape()),
    }
}

impl TextToVideo {
    /// The U-Net's output (ε̂ or v̂) for clips x_t (B, F, C, H, W) at steps `t` under captions.
    pub fn predict(&self, x: &Tensor, t: &[usize], captions: &[Option<&[usize]>]) -> Tensor {
        let c = self.text.encode(captions); // (B, D)
        self.video.forward(x, t, CondInput::Vectors(&c))
    }

    /// ε̂ whatever the U-Net predicts.
    pub fn predict_noise(&self, schedule: &NoiseSchedule, x: &Tensor, t: &[usize], captions: &[Option<&[usize]>]) -> Tensor {
        as_noise(self.video.config.unet.prediction, schedule, x, t, self.predict(x, t, captions))
    }

    /// The output for a training batch whose last `independent` items are frames of
    /// unrelated clips ([`VideoUNet::forward_joint`]); `frozen_text` keeps the caption
    /// encoder outside the graph (pre-trained and frozen).
    pub fn predict_training(
        &self,
        x: &Tensor,
        t: &[usize],
        captions: &[Option<&[usize]>],
        frozen_text: bool,
        independent: usize,
    ) -> Tensor {
        let c = match frozen_text {
            true => descent_tensor::no_grad(|| self.text.encode(captions)),
            false => self.text.encode(captions),
        }; // (B, D)
        self.video.forward_joint(x, t, CondInput::Vectors(&c), independent)
    }

    /// One clip (F, C, H, W) per caption by DDIM with guidance.
    pub fn sample_each(&self, captions: &[&[usize]], side: usize, options: DdimOptions) -> Vec<f32> {
        let schedule = NoiseSchedule::ddpm();
        let c = self.video.config.unet.in_channels;
        let shape = [captions.len(), self.video.config.frames, c, side, side];
        let cond: Vec<Option<&[usize]>> = captions.iter().map(|&c| Some(c)).collect();
        let null: Vec<Option<&[usize]>> = vec![None; captions.len()];
        let mut predict =
            |x: &Tensor, t: &[usize], conditional: bool| self.predict_noise(&schedule, x, t, if conditional { &cond } else { &null });
        ddim_sample(&schedule, &shape, options, &mut predict, &mut |_, _, _| {})
    }
}

impl Module for TextToImage {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.text.visit(&join_name(prefix, "text"), f);
        self.unet.visit(&join_name(prefix, "unet"), f);
    }
}

impl Module for TextToVideo {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.text.visit(&join_name(prefix, "text"), f);
        self.video.visit(&join_name(prefix, "video"), f);
    }
}
