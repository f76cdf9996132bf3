//! `Gpt::last_logits` runs its last block on one row only; it must still be the last
//! row of the full forward's logits, for every sequence of a batch.

use descent_models::gpt::{Gpt, GptConfig};
use descent_nn::params;
use descent_tensor::{no_grad, Rng};

#[test]
fn last_logits_equal_the_last_row_of_the_full_logits() {
    let config = GptConfig {
        vocab_size: 40,
        context: 12,
        d_model: 24,
        n_heads: 3,
        n_layers: 3,
    };
    let model = Gpt::new(config, &mut Rng::new(7));
    // Larger weights than the 0.02 initialisation, so every row's logits differ clearly.
    let mut rng = Rng::new(8);
    for p in params(&model) {
        p.update(|v| v.iter_mut().for_each(|x| *x = 0.3 * rng.normal()));
    }
    let (batch, steps) = (2usize, 9usize);
    let ids: Vec<usize> = (0..batch * steps).map(|i| (i * 7 + 3) % config.vocab_size).collect();
    no_grad(|| {
        let full = model.logits(&ids, batch).to_vec(); // (B, T, V)
        let last = model.last_logits(&ids, batch).to_vec(); // (B, V)
        let v = config.vocab_size;
        let spread = full.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        for b in 0..batch {
            let want = &full[(b * steps + steps - 1) * v..(b * steps + steps) * v];
            let before = &full[(b * steps + steps - 2) * v..(b * steps + steps - 1) * v];
            let got = &last[b * v..(b + 1) * v];
            let err = want.iter().zip(got).fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                err <= 1e-5 * spread,
                "sequence {b}: last_logits differs by {err} (logits up to {spread})"
            );
            // The check can fail: the row before differs by far more than the tolerance.
            let other = before.iter().zip(got).fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(other > 1e-2 * spread, "rows {} and {} are indistinguishable", steps - 2, steps - 1);
        }
    });
}
