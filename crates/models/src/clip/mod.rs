//! CLIP (Radford et al. 2021, "Learning Transferable Visual Models From Natural Language
//! Supervision"): an image encoder and a text encoder trained so that matching
//! image–caption pairs have the highest cosine similarity in a batch (a symmetric
//! contrastive loss with a learned temperature).
//!
//! Small and trainable from scratch on a CPU:
//! * [`ImageEncoder`]: three conv–batch-norm–ReLU–max-pool stages on 32×32 RGB, then a
//!   fully connected (linear) layer to the image features (the supervised baseline and the linear
//!   probe of the gallery use these features too);
//! * [`TextEncoder`]: token + learned position embeddings, pre-LN Transformer encoder
//!   blocks over the padded caption (padding masked), a LayerNorm, and the mean of the
//!   real tokens' states (CLIP reads the end-of-text token of a causal encoder; a
//!   leading summary token was tried here and stayed nearly the same for every caption
//!   at initialisation, so training never left the collapsed start — mean pooling
//!   carries each caption's tokens from the first step);
//! * [`Clip`]: both encoders, the two projections into the shared space (no bias, as in
//!   CLIP) and `logit_scale`, initialised at ln(1/0.07) and clamped at ln 100 so the
//!   logits are never scaled by more than 100 (the paper's clip).
//!
//! Parameter names follow Hugging Face's `CLIPModel` where there is a counterpart:
//! `visual.*`, `text.*`, `visual_projection.weight`, `text_projection.weight`,
//! `logit_scale`. A trained CLIP is saved with its tokenizer as kind `clip`
//! ([`ClipModel`], `zero_shot.rs`, which also scores images against free-text labels).

mod zero_shot;

pub use zero_shot::{ClipModel, ClipModelConfig, EncodedCaption, LabelScore};

use crate::ModelError;
use descent_nn::{join_name, layer_norm, BatchNorm2d, Conv2d, Embedding, EncoderBlock, Forward, LayerNorm, Linear, Module};
use descent_tensor::{AttentionMask, Param, Rng, Tensor};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Side of the square RGB images the image encoder reads.
pub const CLIP_IMAGE_SIDE: usize = 32;

/// Mean and standard deviation of pixel values (in 0–1) subtracted and divided before
/// the image encoder, the same for every channel and data set.
pub const CLIP_PIXEL_MEAN: f32 = 0.5;
/// See [`CLIP_PIXEL_MEAN`].
pub const CLIP_PIXEL_STD: f32 = 0.25;

/// The image encoder's input from 8-bit pixels (any layout): `(v/255 − mean)/std`.
pub fn clip_pixels(pixels: &[u8]) -> Vec<f32> {
    pixels
        .iter()
        .map(|&v| (v as f32 / 255.0 - CLIP_PIXEL_MEAN) / CLIP_PIXEL_STD)
        .collect()
}

/// Largest value of `logit_scale` (ln 100): the temperature never goes below 1/100.
pub const MAX_LOGIT_SCALE: f32 = 4.605_170_2;

/// Sizes of a CLIP.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClipConfig {
    /// Channels of the first conv stage (then 2× and 4×).
    pub conv_width: usize,
    /// Image features before the projection.
    pub image_features: usize,
    /// Tokens of the text tokenizer.
    pub vocab_size: usize,
    /// Longest caption in tokens.
    pub context: usize,
    /// Width of the text Transformer.
    pub text_width: usize,
    /// Its attention heads.
    pub text_heads: usize,
    /// Its blocks.
    pub text_layers: usize,
    /// Dimension of the shared image–text space.
    pub embed_dim: usize,
}

impl ClipConfig {
    /// Checks the sizes before anything is allocated (each in `1..=MAX_DIM`, heads
    /// dividing the width, a bounded parameter count).
    pub fn validate(&self) -> Result<(), ModelError> {
        crate::limits::check_dims(&[
            ("conv_width", self.conv_width),
            ("image_features", self.image_features),
            ("vocab_size", self.vocab_size),
            ("context", self.context),
            ("text_width", self.text_width),
            ("text_heads", self.text_heads),
            ("text_layers", self.text_layers),
            ("embed_dim", self.embed_dim),
        ])?;
        crate::limits::check_heads(("text_heads", self.text_heads), ("text_width", self.text_width))?;
        crate::limits::check_count("parameters", self.parameter_count())
    }

    /// Parameters and batch-norm buffers of a CLIP of these sizes (exact, in u128).
    pub fn parameter_count(&self) -> u128 {
        let c = self.conv_width as u128;
        let conv = |i: u128, o: u128| o * i * 9 + o + 4 * o; // weight, bias, BN (2 params + 2 buffers)
        let f = self.image_features as u128;
        let image = conv(3, c) + conv(c, 2 * c) + conv(2 * c, 4 * c) + 64 * c * f + f;
        let (v, t, d, l) = (
            self.vocab_size as u128,
            self.context as u128,
            self.text_width as u128,
            self.text_layers as u128,
        );
        let text = v * d + t * d + l * (12 * d * d + 13 * d) + 2 * d;
        let e = self.embed_dim as u128;
        image + text + f * e + d * e + 1
    }
}

/// Conv 3×3 (same padding) → batch norm → ReLU → 2×2 max-pool.
struct ConvStage {
    conv: Conv2d,
    bn: BatchNorm2d,
}

impl ConvStage {
    fn new(input: usize, output: usize, rng: &mut Rng) -> ConvStage {
        ConvStage {
            conv: Conv2d::new(input, output, 3, 1, 1, rng),
            bn: BatchNorm2d::new(output),
        }
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        self.bn.forward(&self.conv.forward(x)).relu().max_pool2d(2, 2)
    }

    fn visit_all(&self, prefix: &str, buffers: bool, f: &mut dyn FnMut(&str, &Param)) {
        if buffers {
            self.bn.visit_buffers(&join_name(prefix, "bn"), f);
        } else {
            self.conv.visit(&join_name(prefix, "conv"), f);
            self.bn.visit(&join_name(prefix, "bn"), f);
        }
    }
}

/// A small CNN: 32×32 RGB → features.
pub struct ImageEncoder {
    stages: Vec<ConvStage>,
    /// Flattened 4×4 maps → features.
    pub fc: Linear,
}

impl ImageEncoder {
    /// Stages of `width`, 2·`width`, 4·`width` channels and `features` outputs.
    pub fn new(width: usize, features: usize, rng: &mut Rng) -> ImageEncoder {
        let stages = vec![
            ConvStage::new(3, width, rng),
            ConvStage::new(width, 2 * width, rng),
            ConvStage::new(2 * width, 4 * width, rng),
        ];
        ImageEncoder {
            stages,
            fc: Linear::new(4 * width * 16, features, rng),
        }
    }

    /// Features (B, F) of images (B, 3, 32, 32).
    pub fn features(&self, images: &Tensor) -> Tensor {
        assert!(
            images.rank() == 4 && images.dim(1) == 3 && images.dim(2) == CLIP_IMAGE_SIDE && images.dim(3) == CLIP_IMAGE_SIDE,
            "ImageEncoder: images must be (B, 3, 32, 32), got {:?}",
            images.shape()
        );
        let mut x = images.clone();
        for stage in &self.stages {
            x = stage.forward(&x); // (B, C, H/2, W/2)
        }
        self.fc.forward(&x.flatten_from(1)) // (B, F), linear: a ReLU here could die and zero every embedding
    }
}

impl Forward for ImageEncoder {
    fn forward(&self, images: &Tensor) -> Tensor {
        self.features(images)
    }
}

impl Module for ImageEncoder {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        for (i, stage) in self.stages.iter().enumerate() {
            stage.visit_all(&join_name(prefix, &format!("stages.{i}")), false, f);
        }
        self.fc.visit(&join_name(prefix, "fc"), f);
    }

    fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        for (i, stage) in self.stages.iter().enumerate() {
            stage.visit_all(&join_name(prefix, &format!("stages.{i}")), true, f);
        }
    }

    fn set_training(&self, training: bool) {
        self.stages.iter().for_each(|s| s.bn.set_training(training));
    }
}

/// A Transformer over caption tokens, mean-pooled over the real tokens.
pub struct TextEncoder {
    /// Token embedding (vocab, d).
    pub token_embedding: Embedding,
    /// Learned positions (context, d).
    pub position_embedding: Embedding,
    /// Pre-LN encoder blocks.
    pub blocks: Vec<EncoderBlock>,
    /// Final norm (before pooling).
    pub ln_final: LayerNorm,
    context: usize,
}

impl TextEncoder {
    /// An encoder for `vocab_size` tokens and captions of up to `context` tokens.
    pub fn new(vocab_size: usize, context: usize, width: usize, heads: usize, layers: usize, rng: &mut Rng) -> TextEncoder {
        let table = |rows: usize, rng: &mut Rng| Embedding {
            weight: Param::new(Tensor::randn(&[rows, width], rng).mul_scalar(0.02)),
        };
        TextEncoder {
            token_embedding: table(vocab_size, rng),
            position_embedding: table(context, rng),
            blocks: (0..layers).map(|_| EncoderBlock::new(width, heads, 4 * width, rng)).collect(),
            ln_final: LayerNorm::new(width),
            context,
        }
    }

    /// Longest caption, in tokens (longer ones are cut).
    pub fn max_tokens(&self) -> usize {
        self.context
    }

    /// Caption states (B, d): the final states of each caption's real tokens, averaged
    /// (each caption cut to [`max_tokens`](Self::max_tokens); an empty one reads as a
    /// single token 0).
    pub fn encode(&self, captions: &[Vec<usize>]) -> Tensor {
        assert!(!captions.is_empty(), "TextEncoder: no captions");
        let lengths: Vec<usize> = captions.iter().map(|c| c.len().clamp(1, self.context)).collect();
        let steps = *lengths.iter().max().expect("non-empty");
        let batch = captions.len();
        let mut ids = Vec::with_capacity(batch * steps);
        let mut weights = vec![0.0f32; batch * steps];
        for (b, (caption, &len)) in captions.iter().zip(&lengths).enumerate() {
            ids.extend(caption.iter().take(len));
            ids.extend(std::iter::repeat_n(0, steps - caption.len().min(len))); // padding, masked below
            weights[b * steps..b * steps + len].fill(1.0 / len as f32);
        }
        let tokens = self.token_embedding.lookup(&ids, &[batch, steps]); // (B, T, d)
        let mut x = tokens.add(&self.position_embedding.weight.value().narrow(0, 0, steps)); // (B, T, d)
        let mask = AttentionMask {
            causal: false,
            key_lengths: Some(Arc::new(lengths)),
        };
        for block in &self.blocks {
            x = block.forward_masked(&x, &mask); // (B, T, d)
        }
        let states = layer_norm(&self.ln_final, &x); // (B, T, d)
        let weights = Tensor::from_vec(weights, &[batch, steps, 1]);
        states.mul(&weights).sum(1, false) // (B, d)
    }
}

impl Module for TextEncoder {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.token_embedding.visit(&join_name(prefix, "token_embedding"), f);
        self.position_embedding.visit(&join_name(prefix, "position_embedding"), f);
        for (l, block) in self.blocks.iter().enumerate() {
            block.visit(&join_name(prefix, &format!("blocks.{l}")), f);
        }
        self.ln_final.visit(&join_name(prefix, "ln_final"), f);
    }
}

/// Image and text encoders meeting in one embedding space.
pub struct Clip {
    /// Sizes.
    pub config: ClipConfig,
    /// The image tower.
    pub visual: ImageEncoder,
    /// The text tower.
    pub text: TextEncoder,
    /// Image features → shared space (no bias).
    pub visual_projection: Linear,
    /// Text states → shared space (no bias).
    pub text_projection: Linear,
    /// ln of the inverse temperature, a learned scalar (1,).
    pub logit_scale: Param,
}

impl Clip {
    /// A freshly initialised CLIP.
    pub fn new(config: ClipConfig, rng: &mut Rng) -> Clip {
        let visual = ImageEncoder::new(config.conv_width, config.image_features, rng);
        let text = TextEncoder::new(
            config.vocab_size,
            config.context,
            config.text_width,
            config.text_heads,
            config.text_layers,
            rng,
        );
        let projection = |from: usize, rng: &mut Rng| {
            let std = (from as f32).powf(-0.5);
            Linear::from_tensors(Tensor::randn(&[config.embed_dim, from], rng).mul_scalar(std), None)
        };
        Clip {
            visual_projection: projection(config.image_features, rng),
            text_projection: projection(config.text_width, rng),
            visual,
            text,
            logit_scale: Param::new(Tensor::full(&[1], (1.0f32 / 0.07).ln())),
            config,
        }
    }

    /// Unit-length image embeddings (B, E) of images (B, 3, 32, 32).
    pub fn image_embeddings(&self, images: &Tensor) -> Tensor {
        self.visual_projection.forward(&self.visual.features(images)).normalize()
    }

    /// Unit-length text embeddings (B, E) of token-id captions.
    pub fn text_embeddings(&self, captions: &[Vec<usize>]) -> Tensor {
        self.text_projection.forward(&self.text.encode(captions)).normalize()
    }

    /// exp(logit_scale) with logit_scale clamped to [0, ln 100] (shape (1,)).
    pub fn scale(&self) -> Tensor {
        self.logit_scale.value().clamp(0.0, MAX_LOGIT_SCALE).exp()
    }

    /// The symmetric contrastive loss of a batch of matching pairs: cross-entropy of
    /// each image over the batch's captions and of each caption over the images, averaged.
    pub fn contrastive_loss(&self, images: &Tensor, captions: &[Vec<usize>]) -> Tensor {
        let batch = captions.len();
        assert_eq!(
            images.dim(0),
            batch,
            "Clip::contrastive_loss: {} images but {batch} captions",
            images.dim(0)
        );
        let image = self.image_embeddings(images); // (B, E)
        let text = self.text_embeddings(captions); // (B, E)
        let logits = image.matmul(&text.t()).mul(&self.scale()); // (B, B)
        let targets: Vec<usize> = (0..batch).collect();
        let per_image = logits.softmax_cross_entropy(&targets, None);
        let per_text = logits.t().contiguous().softmax_cross_entropy(&targets, None);
        per_image.add(&per_text).mul_scalar(0.5)
    }
}

impl Module for Clip {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.visual.visit(&join_name(prefix, "visual"), f);
        self.text.visit(&join_name(prefix, "text"), f);
        self.visual_projection.visit(&join_name(prefix, "visual_projection"), f);
        self.text_projection.visit(&join_name(prefix, "text_projection"), f);
        f(&join_name(prefix, "logit_scale"), &self.logit_scale);
    }

    fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.visual.visit_buffers(&join_name(prefix, "visual"), f);
    }

    fn set_training(&self, training: bool) {
        self.visual.set_training(training);
    }
}

/// ViT's patch embedding (Dosovitskiy et al. 2021): a convolution whose stride equals
/// its kernel cuts the image into non-overlapping `patch`×`patch` squares and maps each
/// to a `d`-wide token, plus a learned position per square; tokens in raster order.
///
/// With `stem` > 0, the squares are read through a small convolutional stem first
/// (Xiao et al. 2021, "Early convolutions help transformers see better"): two 3×3
/// stride-2 convolutions with ReLU (`stem` and 2·`stem` channels) bring the image to a
/// quarter of its side, and the patch convolution (kernel = stride = `patch`/4) makes
/// the same grid of tokens. Trained from scratch on little data, the stem learns far
/// faster than linear patches; each token still covers its own square (plus a few
/// pixels of context).
pub struct PatchEmbedding {
    /// The stride-2 convolutions of the stem (empty: patches read pixels directly).
    pub stem: Vec<Conv2d>,
    /// Conv of kernel = stride (= patch, or patch/4 after a stem).
    pub proj: Conv2d,
    /// Learned positions (patches, d).
    pub position_embedding: Embedding,
    /// Side of a patch in pixels.
    pub patch: usize,
    /// Side of the images in pixels.
    pub image_side: usize,
}

impl PatchEmbedding {
    /// Patches of `patch` pixels over `channels`-channel `image_side`² images, a stem of
    /// `stem` channels (0: none; then `patch` must be a multiple of 4), `d`-wide tokens.
    pub fn new(channels: usize, image_side: usize, patch: usize, stem: usize, d: usize, rng: &mut Rng) -> PatchEmbedding {
        assert!(
            patch > 0 && image_side % patch == 0 && (stem == 0 || patch % 4 == 0),
            "PatchEmbedding: patch {patch} must divide the image side {image_side} (and be a multiple of 4 with a stem)"
        );
        let per_side = image_side / patch;
        let (stem, proj) = if stem > 0 {
            let convs = vec![Conv2d::new(channels, stem, 3, 2, 1, rng), Conv2d::new(stem, 2 * stem, 3, 2, 1, rng)];
            (convs, Conv2d::new(2 * stem, d, patch / 4, patch / 4, 0, rng))
        } else {
            (Vec::new(), Conv2d::new(channels, d, patch, patch, 0, rng))
        };
        PatchEmbedding {
            stem,
            proj,
            position_embedding: Embedding {
                weight: Param::new(Tensor::randn(&[per_side * per_side, d], rng).mul_scalar(0.02)),
            },
            patch,
            image_side,
        }
    }

    /// Number of tokens per image.
    pub fn patches(&self) -> usize {
        (self.image_side / self.patch).pow(2)
    }
}

impl Forward for PatchEmbedding {
    /// Tokens (B, N, d) of images (B, C, side, side).
    fn forward(&self, images: &Tensor) -> Tensor {
        assert!(
            images.rank() == 4 && images.dim(2) == self.image_side && images.dim(3) == self.image_side,
            "PatchEmbedding: images must be (B, C, {side}, {side}), got {:?}",
            images.shape(),
            side = self.image_side
        );
        let mut x = images.clone();
        for conv in &self.stem {
            x = conv.forward(&x).relu(); // (B, S, H/2, W/2)
        }
        let grid = self.proj.forward(&x); // (B, d, side/p, side/p)
        let (batch, d) = (grid.dim(0), grid.dim(1));
        let tokens = grid.reshape(&[batch, d, self.patches()]).transpose(1, 2); // (B, N, d)
        tokens.add(&self.position_embedding.weight.value()) // (B, N, d)
    }
}

impl Module for PatchEmbedding {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        for (i, conv) in self.stem.iter().enumerate() {
            conv.visit(&join_name(prefix, &format!("stem.{i}")), f);
        }
        self.proj.visit(&join_name(prefix, "proj"), f);
        self.position_embedding.visit(&join_name(prefix, "position_embedding"), f);
    }
}
