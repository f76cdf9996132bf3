//! Trained models saved with what is needed to use them later (tokenizer, sizes), and
//! read back by `descent generate`.

pub mod char_lstm;
pub mod gpt;
