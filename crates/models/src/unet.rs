//! The denoising U-Net of DDPM (Ho, Jain & Abbeel 2020) in the small form of W10 in
//! `../shared/bench/WORKLOADS.md` (bench.py's `UNet`): it reads a noisy image x_t, the
//! step t and a condition (a class, or a caption's embedding) and predicts the noise
//! that was added (or the velocity, [`UNetConfig::prediction`]). Parameter names follow bench.py (`t_mlp.0`, `cls`, `inc`, `r1`,
//! `down1`, ..., `out.0`, `out.2`; a caption projection is `cond`).
//!
//! ```text
//! emb = t_mlp(sinusoidal(t, 64)) + cls(c) | cond(caption)        (B, E)
//! x (B, C, H, W) → inc conv3 → r1 (B, ch, H, W) ──────────────────────────────┐
//!   → down1 conv3 s2 → r2 (B, 2ch, H/2, W/2) ───────────────────────┐         │
//!   → down2 conv3 s2 → r3 (B, 2ch, H/4, W/4) → up ×2 → cat ─────────┘ → r4   │
//!   → up ×2 → cat ───────────────────────────────────────────────────────────┘ → r5
//!   → GroupNorm → SiLU → conv3 → ε̂ (B, C, H, W)
//! ResBlock = GroupNorm SiLU conv3 (+ Linear(emb) per channel) GroupNorm SiLU conv3,
//!            + x (a 1×1 conv where the widths differ)
//! ```
//!
//! W10 adds the embedding as a shift before the second GroupNorm, which removes part of
//! it again; [`UNetConfig::scale_shift`] instead scales and shifts the normalised
//! features by `Linear(SiLU(emb))` (Dhariwal & Nichol's "scale-shift norm", FiLM), the
//! form text-conditioned models use so that a caption can reach every feature.
//!
//! [`UNet::forward_with`] lets a caller act on the features after each residual block:
//! the space-time model of `video_unet` mixes frames there.

use crate::diffusion::Prediction;
use crate::ModelError;
use descent_nn::{join_name, Conv2d, Embedding, Forward, GroupNorm, Linear, Module};
use descent_tensor::{Param, Rng, Tensor};
use serde::{Deserialize, Serialize};

/// What the U-Net is conditioned on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    /// `n` classes plus one "no class" id (`n`), embedded by a table `cls` (W10).
    Classes(usize),
    /// A vector of this size (a caption's embedding), projected by `cond`.
    Vector(usize),
}

/// Sizes of a U-Net.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UNetConfig {
    /// Image channels (1 for MNIST).
    pub in_channels: usize,
    /// Width of the full-resolution level (`ch`); the lower levels are 2·ch wide.
    pub channels: usize,
    /// Width of the time/condition embedding (E).
    pub emb_dim: usize,
    /// Sinusoidal features of the step number.
    pub time_dim: usize,
    /// GroupNorm groups (divides `channels`).
    pub groups: usize,
    /// What conditions the prediction.
    pub condition: Condition,
    /// Residual blocks read the embedding as `GroupNorm(h)·(1 + scale) + shift` from
    /// `Linear(SiLU(emb))` rather than W10's shift before the norm.
    pub scale_shift: bool,
    /// What the output means: W10's noise, or the velocity
    /// ([`Prediction`](crate::diffusion::Prediction)); sampling reads it.
    pub prediction: Prediction,
}

impl UNetConfig {
    /// W10: 1 channel, ch 64, embedding 128 from 64 sinusoidal features, GroupNorm(8),
    /// 10 classes + a null class.
    pub fn w10() -> UNetConfig {
        UNetConfig {
            in_channels: 1,
            channels: 64,
            emb_dim: 128,
            time_dim: 64,
            groups: 8,
            condition: Condition::Classes(10),
            scale_shift: false,
            prediction: Prediction::Noise,
        }
    }
}

/// `[sin(t·f_i), cos(t·f_i)]` with `f_i = 10000^(−i/half)`, as bench.py's
/// `sinusoidal`: (B, dim) for the steps `t`.
pub fn sinusoidal_embedding(t: &[usize], dim: usize) -> Tensor {
    let half = dim / 2;
    let freqs: Vec<f32> = (0..half).map(|i| (-(10000f32.ln()) * i as f32 / half as f32).exp()).collect();
    let mut out = vec![0.0f32; t.len() * dim];
    for (row, &step) in out.chunks_exact_mut(dim).zip(t) {
        for (i, &f) in freqs.iter().enumerate() {
            let arg = step as f32 * f;
            row[i] = arg.sin();
            row[half + i] = arg.cos();
        }
    }
    Tensor::from_vec(out, &[t.len(), dim])
}

/// GroupNorm → SiLU → conv3, plus the embedding per channel, GroupNorm → SiLU → conv3,
/// plus the input (through a 1×1 conv where the widths differ).
pub struct ResBlock {
    /// Norm of the input.
    pub n1: GroupNorm,
    /// in → out, 3×3.
    pub c1: Conv2d,
    /// Embedding → one shift per output channel (with scale-shift: a scale and a shift).
    pub e: Linear,
    /// Norm of the middle.
    pub n2: GroupNorm,
    /// out → out, 3×3.
    pub c2: Conv2d,
    /// 1×1 projection of the input when in ≠ out.
    pub skip: Option<Conv2d>,
    /// How the embedding enters ([`UNetConfig::scale_shift`]).
    pub scale_shift: bool,
}

impl ResBlock {
    /// A block from `cin` to `cout` channels reading an `emb`-wide embedding.
    pub fn new(cin: usize, cout: usize, emb: usize, groups: usize, scale_shift: bool, rng: &mut Rng) -> ResBlock {
        ResBlock {
            n1: GroupNorm::new(groups, cin),
            c1: Conv2d::new(cin, cout, 3, 1, 1, rng),
            e: Linear::new(emb, if scale_shift { 2 * cout } else { cout }, rng),
            n2: GroupNorm::new(groups, cout),
            c2: Conv2d::new(cout, cout, 3, 1, 1, rng),
            skip: (cin != cout).then(|| Conv2d::new(cin, cout, 1, 1, 0, rng)),
            scale_shift,
        }
    }

    /// x (N, cin, H, W) and emb (N, E) → (N, cout, H, W).
    pub fn forward(&self, x: &Tensor, emb: &Tensor) -> Tensor {
        let h = self.c1.forward(&self.n1.forward(x).silu()); // (N, cout, H, W)
        let (n, c) = (h.dim(0), h.dim(1));
        let h = if self.scale_shift {
            let film = self.e.forward(&emb.silu()); // (N, 2·cout)
            let scale = film.narrow(1, 0, c).add_scalar(1.0).reshape(&[n, c, 1, 1]);
            let shift = film.narrow(1, c, c).reshape(&[n, c, 1, 1]);
            self.n2.forward(&h).mul(&scale).add(&shift)
        } else {
            let shift = self.e.forward(emb); // (N, cout)
            self.n2.forward(&h.add(&shift.reshape(&[n, c, 1, 1])))
        };
        let h = self.c2.forward(&h.silu()); // (N, cout, H, W)
        match &self.skip {
            Some(skip) => h.add(&skip.forward(x)),
            None => h.add(x),
        }
    }
}

impl Module for ResBlock {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.n1.visit(&join_name(prefix, "n1"), f);
        self.c1.visit(&join_name(prefix, "c1"), f);
        self.e.visit(&join_name(prefix, "e"), f);
        self.n2.visit(&join_name(prefix, "n2"), f);
        self.c2.visit(&join_name(prefix, "c2"), f);
        if let Some(skip) = &self.skip {
            skip.visit(&join_name(prefix, "skip"), f);
        }
    }
}

/// The condition of one batch, as [`UNet::embed`] reads it.
pub enum CondInput<'a> {
    /// Class ids (the null class is `n`), for [`Condition::Classes`].
    Classes(&'a [usize]),
    /// (B, dim) vectors, for [`Condition::Vector`].
    Vectors(&'a Tensor),
}

/// The noise predictor; see the module documentation for the picture.
pub struct UNet {
    /// The sizes it was built with.
    pub config: UNetConfig,
    /// Sinusoid → E.
    pub t_mlp0: Linear,
    /// E → E after SiLU.
    pub t_mlp2: Linear,
    /// Class table (classes + 1, E), for [`Condition::Classes`].
    pub cls: Option<Embedding>,
    /// Vector → E, for [`Condition::Vector`].
    pub cond: Option<Linear>,
    /// Image → ch, 3×3.
    pub inc: Conv2d,
    /// Full resolution.
    pub r1: ResBlock,
    /// ch → 2ch, stride 2.
    pub down1: Conv2d,
    /// Half resolution.
    pub r2: ResBlock,
    /// 2ch → 2ch, stride 2.
    pub down2: Conv2d,
    /// Quarter resolution.
    pub r3: ResBlock,
    /// Half resolution, after the skip (4ch → 2ch).
    pub r4: ResBlock,
    /// Full resolution, after the skip (3ch → ch).
    pub r5: ResBlock,
    /// Output norm.
    pub out_norm: GroupNorm,
    /// ch → image channels, 3×3.
    pub out_conv: Conv2d,
}

impl UNet {
    /// PyTorch-default initialised U-Net (layers created in bench.py's order).
    pub fn new(config: UNetConfig, rng: &mut Rng) -> UNet {
        let (ch, emb, g, ss) = (config.channels, config.emb_dim, config.groups, config.scale_shift);
        assert!(
            ch % g == 0 && config.time_dim % 2 == 0,
            "UNet: {ch} channels must split into {g} groups and the time features ({}) must be even",
            config.time_dim
        );
        let t_mlp0 = Linear::new(config.time_dim, emb, rng);
        let t_mlp2 = Linear::new(emb, emb, rng);
        let (cls, cond) = match config.condition {
            Condition::Classes(n) => (Some(Embedding::new(n + 1, emb, rng)), None),
            Condition::Vector(dim) => (None, Some(Linear::new(dim, emb, rng))),
        };
        UNet {
            config,
            t_mlp0,
            t_mlp2,
            cls,
            cond,
            inc: Conv2d::new(config.in_channels, ch, 3, 1, 1, rng),
            r1: ResBlock::new(ch, ch, emb, g, ss, rng),
            down1: Conv2d::new(ch, 2 * ch, 3, 2, 1, rng),
            r2: ResBlock::new(2 * ch, 2 * ch, emb, g, ss, rng),
            down2: Conv2d::new(2 * ch, 2 * ch, 3, 2, 1, rng),
            r3: ResBlock::new(2 * ch, 2 * ch, emb, g, ss, rng),
            r4: ResBlock::new(4 * ch, 2 * ch, emb, g, ss, rng),
            r5: ResBlock::new(3 * ch, ch, emb, g, ss, rng),
            out_norm: GroupNorm::new(g, ch),
            out_conv: Conv2d::new(ch, config.in_channels, 3, 1, 1, rng),
        }
    }

    /// The embedding (B, E) of steps `t` and their condition.
    pub fn embed(&self, t: &[usize], cond: CondInput) -> Tensor {
        let time = self
            .t_mlp2
            .forward(&self.t_mlp0.forward(&sinusoidal_embedding(t, self.config.time_dim)).silu()); // (B, E)
        let c = match (cond, &self.cls, &self.cond) {
            (CondInput::Classes(ids), Some(table), _) => table.lookup(ids, &[ids.len()]),
            (CondInput::Vectors(v), _, Some(proj)) => proj.forward(v),
            _ => panic!("UNet: the condition given does not match {:?}", self.config.condition),
        }; // (B, E)
        assert_eq!(c.dim(0), t.len(), "UNet: {} conditions for {} steps", c.dim(0), t.len());
        time.add(&c)
    }

    /// Predicted noise (B, C, H, W) for x_t (B, C, H, W) at steps `t` under `cond`.
    pub fn forward(&self, x: &Tensor, t: &[usize], cond: CondInput) -> Tensor {
        self.forward_with(x, &self.embed(t, cond), &mut |_, h| h)
    }

    /// The network on x (N, C, H, W) with a ready embedding (N, E); `mix(level, h)`
    /// sees the output of residual block `level` (0..5 for r1..r5) and returns what
    /// the network continues with. H and W must be multiples of 4.
    pub fn forward_with(&self, x: &Tensor, emb: &Tensor, mix: &mut dyn FnMut(usize, Tensor) -> Tensor) -> Tensor {
        assert!(
            x.rank() == 4 && x.dim(1) == self.config.in_channels && x.dim(2) % 4 == 0 && x.dim(3) % 4 == 0,
            "UNet: input {:?} must be (N, {}, H, W) with H and W multiples of 4",
            x.shape(),
            self.config.in_channels
        );
        let h1 = mix(0, self.r1.forward(&self.inc.forward(x), emb)); // (N, ch, H, W)
        let h2 = mix(1, self.r2.forward(&self.down1.forward(&h1), emb)); // (N, 2ch, H/2, W/2)
        let h3 = mix(2, self.r3.forward(&self.down2.forward(&h2), emb)); // (N, 2ch, H/4, W/4)
        let u2 = Tensor::concat(&[h3.upsample_nearest2d(2), h2], 1); // (N, 4ch, H/2, W/2)
        let u2 = mix(3, self.r4.forward(&u2, emb)); // (N, 2ch, H/2, W/2)
        let u1 = Tensor::concat(&[u2.upsample_nearest2d(2), h1], 1); // (N, 3ch, H, W)
        let u1 = mix(4, self.r5.forward(&u1, emb)); // (N, ch, H, W)
        self.out_conv.forward(&self.out_norm.forward(&u1).silu()) // (N, C, H, W)
    }
}

impl Module for UNet {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.t_mlp0.visit(&join_name(prefix, "t_mlp.0"), f);
        self.t_mlp2.visit(&join_name(prefix, "t_mlp.2"), f);
        if let Some(cls) = &self.cls {
            cls.visit(&join_name(prefix, "cls"), f);
        }
        if let Some(cond) = &self.cond {
            cond.visit(&join_name(prefix, "cond"), f);
        }
        self.inc.visit(&join_name(prefix, "inc"), f);
        self.r1.visit(&join_name(prefix, "r1"), f);
        self.down1.visit(&join_name(prefix, "down1"), f);
        self.r2.visit(&join_name(prefix, "r2"), f);
        self.down2.visit(&join_name(prefix, "down2"), f);
        self.r3.visit(&join_name(prefix, "r3"), f);
        self.r4.visit(&join_name(prefix, "r4"), f);
        self.r5.visit(&join_name(prefix, "r5"), f);
        self.out_norm.visit(&join_name(prefix, "out.0"), f);
        self.out_conv.visit(&join_name(prefix, "out.2"), f);
    }
}

impl UNetConfig {
    /// Checks the sizes before anything is allocated: each in `1..=MAX_DIM`, channels in
    /// whole groups, an even number of time features, a bounded parameter count.
    pub fn validate(&self) -> Result<(), ModelError> {
        let (Condition::Classes(n) | Condition::Vector(n)) = self.condition;
        crate::limits::check_dims(&[
            ("unet.in_channels", self.in_channels),
            ("unet.channels", self.channels),
            ("unet.emb_dim", self.emb_dim),
            ("unet.time_dim", self.time_dim),
            ("unet.groups", self.groups),
            ("unet.condition", n),
        ])?;
        let config = self;
        let (ch, e) = (config.channels as u128, config.emb_dim as u128);
        // The widest layers: r5's 3ch → ch 3×3 conv and the per-block embedding maps.
        crate::limits::check_count("parameters", 60 * ch * ch + 16 * ch * e + e * e)?;
        if config.channels % config.groups != 0 || config.time_dim % 2 != 0 {
            return Err(ModelError::invalid(format!(
                "config sizes do not fit together: {} channels in {} groups, {} time features",
                config.channels, config.groups, config.time_dim
            )));
        }
        Ok(())
    }
}
