//! `descent-nn`: layers as [`Module`]s with named parameters, initialisers, losses,
//! and safetensors checkpoints.
//!
//! A module owns [`descent_tensor::Param`]s and exposes them through one traversal,
//! [`Module::visit`], with PyTorch-style dotted names; optimizers, checkpoints and
//! parameter counts are all built on that. Layers use PyTorch's weight layouts and
//! default initialisation, so golden PyTorch dumps load directly.
#![warn(missing_docs)]

mod activation;
pub mod attention;
mod checkpoint;
mod error;
pub mod init;
mod layers;
mod linear;
pub mod loss;
mod module;
mod norm_layers;
pub mod rnn;
pub mod transformer;

pub use activation::{Activation, Dropout, Flatten, Pool2d, Sequential, Upsample};
pub use attention::{KvCache, MultiHeadAttention};
pub use checkpoint::{file_kind, write_atomic, Checkpoint};
pub use error::CheckpointError;
pub use layers::{Conv2d, Embedding, LayerNorm};
pub use linear::Linear;
pub use module::{join_name, named_buffers, named_params, named_state, param_count, params, Forward, Module};
pub use norm_layers::{BatchNorm, BatchNorm1d, BatchNorm2d, ConvTranspose2d, GroupNorm};
pub use rnn::{CellKind, Recurrent, RecurrentLayer, RecurrentState};
pub use transformer::{layer_norm, sinusoidal_positions, DecoderBlock, DecoderOnlyBlock, EncoderBlock, FeedForward};
