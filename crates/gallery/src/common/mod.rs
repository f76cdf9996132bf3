//! Training recipes shared by several milestones and the benchmarks: the image
//! classification loop, MNIST loading, GPT language-model training; for the generative
//! milestones, 28×28 image sets, the in-run feature classifier and Fréchet distances.

pub mod classifier;
pub mod feature_classifier;
pub mod frechet;
pub mod images;
pub mod lm;
pub mod mnist_data;
pub mod parallel;
