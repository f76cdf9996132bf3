//! What several milestones and the benchmarks share (no milestone imports another):
//! training recipes (the image classification loop, LeNet's optimizers, GPT
//! language-model training, the adversarial step, diffusion training with its
//! contrastive caption pre-training, data-parallel steps), data (MNIST, 28×28 image sets,
//! captions), and measurements (the image judge, Fréchet distances, PCA).

pub mod adversarial;
pub mod class_names;
pub mod classifier;
pub mod contrastive;
pub mod diffusion;
pub mod frechet;
pub mod image_judge;
pub mod images;
pub mod lenet_recipe;
pub mod lm;
pub mod minilm;
pub mod mnist_data;
pub mod parallel;
pub mod pca;
pub mod perceptron;
