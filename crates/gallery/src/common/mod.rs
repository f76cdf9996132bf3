//! Training recipes shared by several milestones and the benchmarks: the image
//! classification loop, MNIST loading, GPT language-model training, diffusion
//! (noise-prediction) training, the Fréchet distance of generated images.

pub mod classifier;
pub mod diffusion;
pub mod frechet;
pub mod lm;
pub mod mnist_data;
