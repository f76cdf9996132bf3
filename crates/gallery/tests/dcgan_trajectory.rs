//! The adversarial step of `common::adversarial` against PyTorch's: from the golden
//! DCGAN's parameters, batch and noise (crates/testkit/golden/dcgan.safetensors), five
//! alternating Adam steps (D, then G through the updated D) give PyTorch's losses.

use descent_gallery::common::adversarial::{self, Players, StepInput};
use descent_models::{Dcgan, DcganConfig};
use descent_nn::named_params;
use descent_tensor::Rng;
use descent_testkit::Golden;

#[test]
fn dcgan_adam_trajectory_matches_pytorch() {
    let g = Golden::load("dcgan.safetensors");
    let model = Dcgan::new(DcganConfig::small(), &mut Rng::new(0));
    g.load_params(&named_params(&model));
    let (real, z) = (g.tensor("real"), g.tensor("z"));
    let (mut opt_d, mut opt_g) = (adversarial::adam(2e-4), adversarial::adam(2e-4));
    let (gen, disc) = model.params();
    let (mut losses_d, mut losses_g) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let input = StepInput {
            real: &real,
            real_labels: None,
            z: &z,
            fake_labels: None,
        };
        let stats = adversarial::step(&model, input, &mut opt_d, &mut opt_g, (&gen, &disc));
        losses_d.push(stats.d_loss);
        losses_g.push(stats.g_loss);
    }
    g.assert_matches("adam_losses_d", &losses_d, 1.0);
    g.assert_matches("adam_losses_g", &losses_g, 1.0);
}
