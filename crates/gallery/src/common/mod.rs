//! Training recipes shared by several milestones and the benchmarks: the image
//! classification loop, MNIST loading, GPT language-model training; for the generative
//! milestones, 28×28 image sets, the in-run feature classifier, Fréchet distances and
//! diffusion (noise-prediction) training with its contrastive caption pre-training.

pub mod classifier;
pub mod contrastive;
pub mod diffusion;
pub mod feature_classifier;
pub mod frechet;
pub mod images;
pub mod lm;
pub mod mnist_data;
pub mod parallel;
