//! How each LeNet variant is trained (the anchor workloads' settings): the article's 1989
//! code by SGD with momentum at a constant rate, the modern recipe by Adam decayed by a
//! cosine. The `lenet` milestone, the W1/W1s benchmarks and the image judge share it.

use descent_models::lenet::Variant;
use descent_optim::{Adam, AdamConfig, LrSchedule, Optimizer, Sgd, SgdConfig};

/// The optimizer of `variant`: SGD (lr 0.1, momentum 0.9) for 1989, Adam (lr 1e-3) for
/// the modern recipe.
pub fn optimizer(variant: Variant) -> Box<dyn Optimizer> {
    match variant {
        Variant::Classic1989 => Box::new(Sgd::new(SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            ..SgdConfig::default()
        })),
        Variant::Modern => Box::new(Adam::new(AdamConfig {
            lr: 1e-3,
            ..AdamConfig::default()
        })),
    }
}

/// Learning rate over `total_steps`: the modern recipe decays Adam's 1e-3 by a cosine to
/// 1e-5 (a settled end instead of a noisy one); 1989 keeps SGD's 0.1.
pub fn schedule(variant: Variant, total_steps: usize) -> LrSchedule {
    match variant {
        Variant::Classic1989 => LrSchedule::constant(0.1),
        Variant::Modern => LrSchedule::cosine(1e-3, 1e-5, total_steps),
    }
}
