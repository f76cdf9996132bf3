//! LSTM parity with PyTorch (crates/testkit/golden/lstm.safetensors): W4's model, small
//! (Embedding(256, 16) → LSTM(16, 32) → Linear(32, 256)), gate order i, f, g, o and
//! both biases. Same initial weights and batch → same logits, loss, all 7 gradients,
//! and the 10-step Adam (lr 2e-3) loss trajectory, at the README's tolerance.

use descent_models::char_lstm::{CharLstm, CharLstmConfig};
use descent_nn::named_params;
use descent_optim::{Adam, AdamConfig, Optimizer};
use descent_tensor::{Param, Rng};
use descent_testkit::Golden;

/// The golden file's model, freshly initialised: Embedding(256, 16) → LSTM(16, 32) →
/// Linear(32, 256).
fn golden_model() -> CharLstm {
    let config = CharLstmConfig {
        vocab_size: 256,
        embed_dim: 16,
        hidden_size: 32,
        num_layers: 1,
    };
    CharLstm::new(config, &mut Rng::new(0))
}

#[test]
fn char_lstm_matches_pytorch() {
    let g = Golden::load("lstm.safetensors");
    let model = golden_model();
    let named = named_params(&model);
    let names: Vec<&str> = named.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "emb.weight",
            "lstm.weight_ih_l0",
            "lstm.weight_hh_l0",
            "lstm.bias_ih_l0",
            "lstm.bias_hh_l0",
            "head.weight",
            "head.bias"
        ],
        "parameter names must be PyTorch's"
    );
    g.load_params(&named);
    let params: Vec<Param> = named.iter().map(|(_, p)| p.clone()).collect();
    let (input, targets) = (g.indices("input"), g.indices("targets"));
    let mut optimizer = Adam::new(AdamConfig {
        lr: 2e-3,
        ..AdamConfig::default()
    });
    g.check_training(
        &named,
        &[],
        "adam_losses",
        || {
            let (logits, _) = model.forward_ids(&input, 2, None);
            assert_eq!(logits.shape(), &[2, 12, 256]);
            let loss = logits.reshape(&[24, 256]).softmax_cross_entropy(&targets, None);
            (vec![("logits", logits)], loss)
        },
        |grads| optimizer.step(&params, grads),
    );
}

#[test]
fn char_lstm_loss_helper_agrees_with_the_golden_loss() {
    let g = Golden::load("lstm.safetensors");
    let model = golden_model();
    g.load_params(&named_params(&model));
    let (loss, state) = model.loss(&g.indices("input"), &g.indices("targets"), 2, None);
    g.assert_matches("loss", &[loss.item()], 1.0);
    assert_eq!(state.h[0].shape(), &[2, 32]);
    assert_eq!(state.c[0].shape(), &[2, 32]);
}
