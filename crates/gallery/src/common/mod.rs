//! Training recipes shared by several milestones and the benchmarks: the image
//! classification loop, MNIST loading, GPT language-model training.

pub mod classifier;
pub mod lm;
pub mod mnist_data;
pub mod parallel;
