//! `descent-models`: the reusable architectures of the gallery — LeNet, DCGAN, the
//! character LSTM, GPT (with KV-cache generation), the encoder-decoder Transformer and
//! the LSTM seq2seq translator, the diffusion U-Nets (image and space-time) with their
//! sampler and caption encoder — with PyTorch parameter names, so golden PyTorch dumps
//! load directly.
//!
//! A model here is an architecture and its inference (forward, loss, sampling); how it
//! is trained and what it is meant to show live in `descent-gallery`.
#![warn(missing_docs)]

pub mod caption;
pub mod char_lstm;
pub mod dcgan;
pub mod diffusion;
pub mod generation;
pub mod gpt;
pub mod lenet;
pub mod limits;
pub mod text_diffusion;
pub mod translator;
pub mod unet;
pub mod video_unet;

pub use char_lstm::{CharLstm, CharLstmConfig, Streams};
pub use dcgan::{Dcgan, DcganConfig, Discriminator, Generator};
pub use gpt::{Gpt, GptConfig};
pub use lenet::{LeNet, Variant as LeNetVariant};
pub use unet::{UNet, UNetConfig};
