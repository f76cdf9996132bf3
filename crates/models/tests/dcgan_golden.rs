//! DCGAN parity with PyTorch (crates/testkit/golden/dcgan.safetensors): from the same
//! parameters, batch and noise, the same fake images, discriminator logits, both losses
//! and every gradient. The 5-step alternating Adam trajectory is a training recipe's,
//! so it is checked where the recipe lives (`gallery/tests/dcgan_trajectory.rs`).

use descent_models::{Dcgan, DcganConfig};
use descent_nn::{named_params, Forward};
use descent_tensor::{Param, Rng, Tensor};
use descent_testkit::Golden;

/// Biases that feed a training-mode batch norm: exact gradient 0 (README: |x| ≤ 1e-6).
const STRUCTURAL_ZEROS: [&str; 3] = ["G.fc.bias", "G.up1.bias", "D.c2.bias"];

fn model(g: &Golden) -> Dcgan {
    let model = Dcgan::new(DcganConfig::small(), &mut Rng::new(0));
    g.load_params(&named_params(&model));
    model
}

/// Checks `loss` against the golden value `name` and its gradients: those of the
/// parameters under `prefix` (`"D."` or `"G."`) match, and no other parameter gets one
/// (`why` says what keeps them out).
fn check_loss(g: &Golden, named: &[(String, Param)], name: &str, loss: &Tensor, prefix: &str, why: &str) {
    g.assert_matches(name, &[loss.item()], 1.0);
    let grads = loss.backward();
    for (param, p) in named {
        let Some(grad) = grads.get_param(p) else {
            assert!(!param.starts_with(prefix), "no gradient for {param}");
            continue;
        };
        assert!(param.starts_with(prefix), "{param} got a gradient: {why}");
        let grad = grad.to_vec();
        if STRUCTURAL_ZEROS.contains(&param.as_str()) {
            let worst = grad.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(worst <= 1e-6, "grad.{param}: |x| up to {worst}, should be 0");
        } else {
            g.assert_matches(&format!("grad.{param}"), &grad, 1.0);
        }
    }
}

#[test]
fn dcgan_step_zero_matches_pytorch() {
    let g = Golden::load("dcgan.safetensors");
    let model = model(&g);
    let named = named_params(&model);
    let (real, z) = (g.tensor("real"), g.tensor("z"));

    let fake = model.generator.forward(&z);
    g.assert_matches("fake", &fake.to_vec(), 1.0);
    let d = &model.discriminator;
    g.assert_matches("d_real", &d.forward(&real).to_vec(), 1.0);
    g.assert_matches("d_fake", &d.forward(&fake.detach()).to_vec(), 1.0);

    let loss_d = model.discriminator_loss(&real, &fake);
    check_loss(&g, &named, "loss_d", &loss_d, "D.", "the detached fake lets no gradient reach G");
    let loss_g = model.generator_loss(&fake);
    check_loss(
        &g,
        &named,
        "loss_g",
        &loss_g,
        "G.",
        "the generator's loss reads the discriminator frozen",
    );
}
