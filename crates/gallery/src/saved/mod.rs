//! Trained models saved with what is needed to use them later (tokenizer, sizes), and
//! read back by `descent generate` (text) and `descent draw` (images).

pub mod char_lstm;
pub mod gpt;
pub mod image_models;
