//! `descent-models`: the reusable architectures of the gallery — LeNet, the RBM and
//! deep belief net, GANs (MLP and DCGAN), the character LSTM, GPT (with KV-cache
//! generation), the encoder-decoder Transformer, the LSTM seq2seq translator, CLIP, the
//! VQA model, the diffusion U-Nets (image and space-time) with their sampler and caption
//! encoder, and BERT (with sentence embeddings from released folders such as
//! all-MiniLM-L6-v2) — with PyTorch parameter names, so golden PyTorch dumps and Hugging
//! Face checkpoints load directly.
//!
//! A model here is an architecture and its inference (forward, loss, sampling, and
//! [`saved`]: one checkpoint format, each kind saved with the config that rebuilds it);
//! how it is trained and what it is meant to show live in `descent-gallery`.
//!
//! ```
//! use descent_models::saved::{self, Extras, ModelFile, SavedModel, Snapshot};
//! use descent_models::{LeNet, LeNetVariant};
//! use descent_tensor::Rng;
//!
//! let path = std::env::temp_dir().join(format!("lenet-doc-{}.safetensors", std::process::id()));
//! let model = LeNet::new(LeNetVariant::Modern, &mut Rng::new(0));
//! saved::save(&path, &Snapshot::of(&model), Extras::default())?;
//! let file = ModelFile::read(&path)?;
//! assert_eq!(file.kind(), "lenet");
//! let back: LeNet = file.model()?;
//! assert_eq!(back.config(), model.config());
//! # std::fs::remove_file(&path).ok();
//! # Ok::<(), descent_models::ModelError>(())
//! ```
#![warn(missing_docs)]

/// `Module` for a generator–discriminator pair `$pair` (fields `generator` and
/// `discriminator`), named `G.*` and `D.*` as the pair is saved together.
macro_rules! gan_pair_module {
    ($pair:ty) => {
        impl descent_nn::Module for $pair {
            fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &descent_tensor::Param)) {
                self.generator.visit(&descent_nn::join_name(prefix, "G"), f);
                self.discriminator.visit(&descent_nn::join_name(prefix, "D"), f);
            }

            fn visit_buffers(&self, prefix: &str, f: &mut dyn FnMut(&str, &descent_tensor::Param)) {
                self.generator.visit_buffers(&descent_nn::join_name(prefix, "G"), f);
                self.discriminator.visit_buffers(&descent_nn::join_name(prefix, "D"), f);
            }

            fn set_training(&self, training: bool) {
                self.generator.set_training(training);
                self.discriminator.set_training(training);
            }
        }
    };
}

pub mod alexnet;
pub mod bert;
pub mod caption;
pub mod char_lstm;
pub mod clip;
pub mod dcgan;
pub mod diffusion;
pub mod elmo;
mod error;
pub mod gan;
pub mod generation;
pub mod gpt;
pub mod lenet;
pub mod limits;
pub mod rbm;
pub mod saved;
pub mod text_diffusion;
pub mod text_model;
pub mod translator;
pub mod unet;
pub mod video_unet;
pub mod vqa;

pub use alexnet::{CifarClassifier, CifarNet, CifarNetConfig, Nonlinearity, PoolShape, WeightInit};
pub use bert::{Bert, BertConfig, ModelFolderError, SentenceEncoder};
pub use char_lstm::{CharLstm, CharLstmConfig, Streams};
pub use clip::{Clip, ClipConfig, ClipModel, ImageEncoder, PatchEmbedding, TextEncoder};
pub use dcgan::{Dcgan, DcganConfig, Discriminator, Generator};
pub use error::ModelError;
pub use gan::ImageGan;
pub use gpt::{Gpt, GptConfig};
pub use lenet::{LeNet, Variant as LeNetVariant};
pub use text_model::{GenerateOptions, TextModel, TextModelConfig};
pub use unet::{UNet, UNetConfig};
pub use vqa::{Vqa, VqaConfig, VqaInputs, VqaModel};
