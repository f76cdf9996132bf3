//! The `alexnet` milestone's network really learns CIFAR-10: a narrow ReLU CNN trained
//! for a few epochs on the embedded subset beats chance by far and its sliding training
//! error falls; the saved configuration rebuilds the same network (what `descent
//! classify` relies on).

use descent_gallery::milestones::alexnet::{data, train::train_variant, train::Budget, train::Variant};
use descent_gallery::{find, Run, RunConfig};
use descent_models::alexnet::{CifarClassifier, CifarClassifierConfig};
use descent_models::saved::{self, Extras, Snapshot};
use descent_models::CifarNetConfig;
use descent_nn::{Forward, Module};
use descent_tensor::{no_grad, Tensor};
use std::path::PathBuf;

fn tiny_run(name: &str) -> (Run, PathBuf) {
    let mut config = RunConfig::new("alexnet");
    config.out_dir = std::env::temp_dir().join(format!("descent-test-alexnet-{name}-{}", std::process::id()));
    config.epochs = Some(3);
    let dir = config.out_dir.clone();
    (Run::silent(find("alexnet").unwrap(), config).unwrap(), dir)
}

#[test]
fn a_small_relu_cnn_learns_cifar_subset() {
    let (mut run, dir) = tiny_run("learns");
    let data = data::load(&run.data(), false).unwrap();
    let variant = Variant {
        name: "relu",
        label: "ReLU",
        config: CifarNetConfig {
            dropout: 0.0,
            ..CifarNetConfig::alexnet([8, 16, 32], 64)
        },
        augment: false,
    };
    let budget = Budget {
        epochs: 3,
        batch_size: 32,
        lr: 0.02,
        monitor: 400,
        window: 300,
    };
    let outcome = train_variant(&mut run, &variant, &data, budget, 0).unwrap();
    // Chance is 10% (400 balanced test images: one standard error is about 1.5 points).
    assert!(
        outcome.test_accuracy >= 0.25,
        "test accuracy {} after 3 epochs",
        outcome.test_accuracy
    );
    assert!(outcome.train_accuracy >= 0.25, "train accuracy {}", outcome.train_accuracy);
    let first = outcome.train_error.first().unwrap().1;
    let last = outcome.train_error.last().unwrap().1;
    assert!(last < first - 0.1, "sliding training error went from {first} to {last}");

    // The saved file rebuilds the network: same parameters, same logits.
    let config = CifarClassifierConfig {
        net: variant.config.clone(),
        class_names: data.class_names.iter().map(|n| n.to_string()).collect(),
    };
    let path = dir.join("alexnet.safetensors");
    saved::save(
        &path,
        &Snapshot::parts::<CifarClassifier>(&config, &outcome.model),
        Extras::default(),
    )
    .unwrap();
    let rebuilt: CifarClassifier = saved::load(&path).unwrap();
    assert_eq!(rebuilt.class_names[3], "cat");
    outcome.model.set_training(false);
    let x = Tensor::from_slice(&data.normalized.test.inputs[..4 * 3 * 1024], &[4, 3, 32, 32]);
    let (a, b) = no_grad(|| (outcome.model.forward(&x).to_vec(), rebuilt.net.forward(&x).to_vec()));
    assert_eq!(a, b);
    std::fs::remove_dir_all(dir).ok();
}
