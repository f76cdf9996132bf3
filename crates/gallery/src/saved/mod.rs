//! Trained models saved with what is needed to use them later (tokenizer, sizes), and
//! read back by `descent generate` and `descent draw`.

pub mod char_lstm;
pub mod diffusion;
pub mod gpt;
