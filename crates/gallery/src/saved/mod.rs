//! Trained models saved with what is needed to use them later (tokenizer, sizes), and
//! read back by `descent generate` (text), `descent draw` (images), `descent clip` and
//! `descent ask`.

pub mod char_lstm;
pub mod clip;
pub mod diffusion;
pub mod gpt;
pub mod image_models;
pub mod vqa;
