//! LeNet parity with PyTorch (crates/testkit/golden/lenet*.safetensors): same initial
//! weights and batch → same logits, loss, every gradient, and 10-step loss trajectory.

use descent_models::lenet::{LeNet, Variant};
use descent_nn::{named_params, Forward};
use descent_optim::{Adam, AdamConfig, Optimizer, Sgd, SgdConfig};
use descent_tensor::{Param, Rng};
use descent_testkit::Golden;

fn check(file: &str, variant: Variant, mut optimizer: Box<dyn Optimizer>, trajectory: &str) {
    let g = Golden::load(file);
    let model = LeNet::new(variant, &mut Rng::new(0));
    let named = named_params(&model);
    g.load_params(&named);
    let params: Vec<Param> = named.iter().map(|(_, p)| p.clone()).collect();
    let (input, target) = (g.tensor("input"), g.indices("target"));
    g.check_training(
        &named,
        &[],
        trajectory,
        || {
            let logits = model.forward(&input);
            let loss = logits.cross_entropy(&target);
            (vec![("logits", logits)], loss)
        },
        |grads| optimizer.step(&params, grads),
    );
}

#[test]
fn lenet_modern_matches_pytorch() {
    check(
        "lenet.safetensors",
        Variant::Modern,
        Box::new(Adam::new(AdamConfig {
            lr: 1e-3,
            ..AdamConfig::default()
        })),
        "adam_losses",
    );
}

#[test]
fn lenet_1989_matches_pytorch() {
    let sgd = Sgd::new(SgdConfig {
        lr: 0.1,
        momentum: 0.9,
        ..SgdConfig::default()
    });
    check("lenet1989.safetensors", Variant::Classic1989, Box::new(sgd), "sgd_losses");
}

#[test]
fn mnist_loader_reproduces_the_golden_input_bit_for_bit() {
    let g = Golden::load("lenet.safetensors");
    let (train, _) = descent_data::mnist_subset();
    let ours = descent_data::normalize_mnist(&train.images[..8 * 784]);
    assert_eq!(ours, g.raw("input").1, "normalised pixels differ from PyTorch's");
    assert_eq!(train.labels_usize()[..8], g.indices("target")[..]);
}
