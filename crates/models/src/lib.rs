//! `descent-models`: the reusable architectures of the gallery — LeNet, the RBM and
//! deep belief net, GANs (MLP and DCGAN), the
//! character LSTM, GPT (with KV-cache generation), the encoder-decoder Transformer, the
//! LSTM seq2seq translator, the diffusion U-Nets (image and space-time) with
//! their sampler and caption encoder, and BERT (with sentence embeddings from released folders such
//! as all-MiniLM-L6-v2) — with PyTorch parameter names, so golden PyTorch dumps and
//! Hugging Face checkpoints load directly.
//!
//! A model here is an architecture and its inference (forward, loss, sampling); how it
//! is trained and what it is meant to show live in `descent-gallery`.
#![warn(missing_docs)]

pub mod alexnet;
pub mod bert;
pub mod caption;
pub mod char_lstm;
pub mod clip;
pub mod dcgan;
pub mod diffusion;
pub mod elmo;
pub mod gan;
pub mod generation;
pub mod gpt;
pub mod lenet;
pub mod limits;
pub mod rbm;
pub mod text_diffusion;
pub mod translator;
pub mod unet;
pub mod video_unet;
pub mod vqa;

pub use alexnet::{CifarNet, CifarNetConfig, Nonlinearity, PoolShape, WeightInit};
pub use bert::{Bert, BertConfig, ModelFolderError, SentenceEncoder};
pub use char_lstm::{CharLstm, CharLstmConfig, Streams};
pub use clip::{Clip, ClipConfig, ImageEncoder, PatchEmbedding, TextEncoder};
pub use dcgan::{Dcgan, DcganConfig, Discriminator, Generator};
pub use gpt::{Gpt, GptConfig};
pub use lenet::{LeNet, Variant as LeNetVariant};
pub use unet::{UNet, UNetConfig};
pub use vqa::{Vqa, VqaConfig, VqaInputs};
