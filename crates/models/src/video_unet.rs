//! A space-time U-Net for short clips (Ho et al. 2022, "Video Diffusion Models"; the
//! factorised space-time idea behind Sora's 2024 diffusion transformer, much smaller):
//! the image U-Net of [`crate::unet`] runs on every frame (2-D convolutions, frames as
//! batch), and after chosen residual blocks a temporal attention layer lets each pixel
//! position attend across the frames of its clip.
//!
//! ```text
//! clip x (B, F, C, H, W) → frames (B·F, C, H, W)
//! emb = U-Net embedding of (t, caption) per clip, repeated per frame, + frame(f)   (B·F, E)
//! after r2, r3, r4: h + proj(attn over F of GroupNorm(h)), per pixel:
//!     (B·F, c, h, w) → (B·h·w, F, c) → multi-head attention → back
//! ```
//!
//! With no temporal layers (`temporal_levels` empty) the same network generates each
//! frame on its own, knowing only the caption and its frame number: the baseline that
//! ignores time. The attention's output projection starts at zero, so the space-time
//! model starts as that baseline.

use crate::unet::{CondInput, UNet, UNetConfig};
use descent_nn::{join_name, Embedding, Forward, GroupNorm, Module, MultiHeadAttention};
use descent_tensor::{AttentionMask, Param, Rng, Tensor};

/// Sizes of a [`VideoUNet`].
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VideoUNetConfig {
    /// The per-frame network.
    pub unet: UNetConfig,
    /// Frames per clip.
    pub frames: usize,
    /// Residual blocks (0..5 for r1..r5) followed by temporal attention; empty for the
    /// frame-by-frame baseline.
    pub temporal_levels: Vec<usize>,
    /// Heads of each temporal attention.
    pub heads: usize,
}

/// GroupNorm, then multi-head attention across the frames at each pixel, added back.
pub struct TemporalAttention {
    /// Norm before attention.
    pub norm: GroupNorm,
    /// Attention over frames (q, k, v, proj; proj starts at zero).
    pub attn: MultiHeadAttention,
}

impl TemporalAttention {
    /// A layer over `channels` channels with `heads` heads.
    pub fn new(channels: usize, heads: usize, groups: usize, rng: &mut Rng) -> TemporalAttention {
        let attn = MultiHeadAttention::new(channels, heads, rng);
        attn.proj.weight.update(|w| w.fill(0.0));
        TemporalAttention {
            norm: GroupNorm::new(groups, channels),
            attn,
        }
    }

    /// h (B·F, c, h, w) → same shape, frames of each clip mixed.
    pub fn forward(&self, h: &Tensor, frames: usize) -> Tensor {
        let (n, c, height, width) = (h.dim(0), h.dim(1), h.dim(2), h.dim(3));
        let (b, p) = (n / frames, height * width);
        let x = self.norm.forward(h).reshape(&[b, frames, c, p]).permute(&[0, 3, 1, 2]); // (B, P, F, c)
        let x = x.reshape(&[b * p, frames, c]); // (B·P, F, c)
        let mask = AttentionMask {
            causal: false,
            key_lengths: None,
        };
        let y = self.attn.forward_attend(&x, &x, &mask); // (B·P, F, c)
        let y = y.reshape(&[b, p, frames, c]).permute(&[0, 2, 3, 1]).reshape(&[n, c, height, width]); // (B·F, c, h, w)
        h.add(&y)
    }
}

impl Module for TemporalAttention {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.norm.visit(&join_name(prefix, "norm"), f);
        self.attn.visit_flat(&join_name(prefix, "attn"), f);
    }
}

/// The space-time noise predictor; see the module documentation.
pub struct VideoUNet {
    /// The sizes it was built with.
    pub config: VideoUNetConfig,
    /// The per-frame U-Net (`unet.*`).
    pub unet: UNet,
    /// Frame number → embedding (frames, E).
    pub frame: Embedding,
    /// One temporal layer per entry of `temporal_levels` (`temporal.{level}`).
    pub temporal: Vec<TemporalAttention>,
}

/// Channels of the U-Net's residual block `level` (r1..r5) for base width `ch`.
fn level_channels(level: usize, ch: usize) -> usize {
    match level {
        0 | 4 => ch,
        1..=3 => 2 * ch,
        _ => panic!("VideoUNet: residual block {level} does not exist (0..5)"),
    }
}

impl VideoUNet {
    /// A freshly initialised model.
    pub fn new(config: VideoUNetConfig, rng: &mut Rng) -> VideoUNet {
        let unet = UNet::new(config.unet, rng);
        let frame = Embedding::new(config.frames, config.unet.emb_dim, rng);
        let (ch, groups) = (config.unet.channels, config.unet.groups);
        let temporal = config
            .temporal_levels
            .iter()
            .map(|&l| TemporalAttention::new(level_channels(l, ch), config.heads, groups, rng))
            .collect();
        VideoUNet {
            config,
            unet,
            frame,
            temporal,
        }
    }

    /// Predicted noise (B, F, C, H, W) for clips x_t (B, F, C, H, W) at steps `t` (one
    /// per clip) under `cond` (one per clip).
    pub fn forward(&self, x: &Tensor, t: &[usize], cond: CondInput) -> Tensor {
        self.forward_joint(x, t, cond, 0)
    }

    /// [`forward`](Self::forward) where the last `independent` items of the batch are not
    /// clips but frames of unrelated clips: their temporal attention is masked so that each
    /// frame attends only to itself. This is Video Diffusion Models' joint image-video
    /// training: such items teach the per-frame layers from many more distinct images
    /// than clips alone, while the clips teach the temporal layers.
    pub fn forward_joint(&self, x: &Tensor, t: &[usize], cond: CondInput, independent: usize) -> Tensor {
        let frames = self.config.frames;
        assert!(
            independent <= t.len(),
            "VideoUNet: {independent} independent items in a batch of {}",
            t.len()
        );
        assert!(
            x.rank() == 5 && x.dim(1) == frames && x.dim(0) == t.len(),
            "VideoUNet: clips {:?} must be ({}, {frames}, C, H, W)",
            x.shape(),
            t.len()
        );
        let b = t.len();
        let shape = x.shape().to_vec();
        let clip_emb = self.unet.embed(t, cond); // (B, E)
        let per_frame: Vec<usize> = (0..b * frames).map(|i| i / frames).collect();
        let frame_ids: Vec<usize> = (0..b * frames).map(|i| i % frames).collect();
        let emb = clip_emb
            .index_select(0, &per_frame)
            .add(&self.frame.lookup(&frame_ids, &[b * frames])); // (B·F, E)
        let x = x.reshape(&[b * frames, shape[2], shape[3], shape[4]]); // (B·F, C, H, W)
        let clip_rows = (b - independent) * frames;
        let mut mix = |level: usize, h: Tensor| match self.config.temporal_levels.iter().position(|&l| l == level) {
            Some(i) if independent == 0 => self.temporal[i].forward(&h, frames),
            Some(i) => {
                // Each independent frame is a clip of one frame: attention to itself.
                let layer = &self.temporal[i];
                let rows = h.dim(0);
                let own = layer.forward(&h.narrow(0, clip_rows, rows - clip_rows), 1);
                match clip_rows {
                    0 => own,
                    _ => Tensor::concat(&[layer.forward(&h.narrow(0, 0, clip_rows), frames), own], 0),
                }
            }
            None => h,
        };
        self.unet.forward_with(&x, &emb, &mut mix).reshape(&shape)
    }
}

impl Module for VideoUNet {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.unet.visit(&join_name(prefix, "unet"), f);
        self.frame.visit(&join_name(prefix, "frame"), f);
        for (layer, level) in self.temporal.iter().zip(&self.config.temporal_levels) {
            layer.visit(&join_name(prefix, &format!("temporal.{level}")), f);
        }
    }
}
