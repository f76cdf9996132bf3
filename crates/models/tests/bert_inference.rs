//! The packed inference forward (`Bert::hidden_packed`) against the differentiable tensor
//! forward (`Bert::hidden`, padded and masked), on a small random BERT: same states for
//! every real token, serial or parallel, whatever the padding; and a gradient reaches
//! every parameter through the tensor forward (for fine-tuning).

use descent_models::bert::{Bert, BertConfig, InferenceWeights, Scratch, Threads};
use descent_nn::named_params;
use descent_tensor::Rng;

fn small_config() -> BertConfig {
    BertConfig {
        vocab_size: 50,
        hidden_size: 16,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        intermediate_size: 40,
        max_position_embeddings: 24,
        type_vocab_size: 2,
        layer_norm_eps: 1e-12,
    }
}

#[test]
fn packed_inference_equals_the_padded_tensor_forward() {
    let config = small_config();
    let bert = Bert::new(&config, &mut Rng::new(7));
    let weights = InferenceWeights::new(&bert);
    let mut rng = Rng::new(3);
    let lengths = [5usize, 1, 9, 3];
    let steps = 9;
    let sequences: Vec<Vec<usize>> = lengths.iter().map(|&l| (0..l).map(|_| rng.below(50)).collect()).collect();

    let mut padded = Vec::new();
    for seq in &sequences {
        padded.extend(seq);
        padded.extend(std::iter::repeat_n(0, steps - seq.len())); // padding ids are arbitrary
    }
    let reference = bert.hidden(&padded, &lengths).to_vec(); // (B, T, C)

    let packed: Vec<usize> = sequences.concat();
    let c = config.hidden_size;
    for threads in [Threads::Serial, Threads::Parallel] {
        let states = bert.hidden_packed(&weights, &packed, &lengths, threads, &mut Scratch::default()); // (N, C)
        let mut row = 0;
        for (b, &len) in lengths.iter().enumerate() {
            for t in 0..len {
                let ours = &states[row * c..(row + 1) * c];
                let theirs = &reference[(b * steps + t) * c..(b * steps + t + 1) * c];
                for (x, y) in ours.iter().zip(theirs) {
                    assert!((x - y).abs() <= 2e-5 * (1.0 + y.abs()), "{threads:?} seq {b} token {t}: {x} vs {y}");
                }
                row += 1;
            }
        }
    }
}

#[test]
fn padding_tokens_do_not_change_real_tokens() {
    let bert = Bert::new(&small_config(), &mut Rng::new(1));
    let alone = bert.hidden(&[3, 4, 5], &[3]).to_vec();
    let padded = bert.hidden(&[3, 4, 5, 9, 9, 1, 2, 0, 0, 0], &[3, 2]).to_vec(); // (2, 5, C)
    let c = 16;
    for (x, y) in alone.iter().zip(&padded[..3 * c]) {
        assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "{x} vs {y}");
    }
}

#[test]
fn every_parameter_gets_a_gradient() {
    let bert = Bert::new(&small_config(), &mut Rng::new(2));
    let hidden = bert.hidden(&[1, 2, 3, 4, 5, 6], &[3, 2]);
    let grads = hidden.mul(&hidden).mean_all().backward();
    for (name, param) in named_params(&bert) {
        let g = grads.get_param(&param).unwrap_or_else(|| panic!("no gradient for {name}"));
        assert!(g.to_vec().iter().any(|&v| v != 0.0), "zero gradient for {name}");
    }
}
