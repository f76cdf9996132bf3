//! The U-Net's scale-shift (FiLM) residual blocks: gradients match finite differences
//! through the input and the embedding, the embedding changes the output, and the
//! option survives checkpoint metadata (old metadata without it reads as W10's shift),
//! as does what the network predicts (old metadata: the noise).

use descent_models::diffusion::Prediction;
use descent_models::unet::{Condition, ResBlock, UNetConfig};
use descent_tensor::{Rng, Tensor};
use descent_testkit::{gradcheck, GradcheckOptions};

#[test]
fn scale_shift_block_gradients_match_finite_differences() {
    let mut rng = Rng::new(3);
    let block = ResBlock::new(4, 6, 5, 2, true, &mut rng);
    let x = Tensor::randn(&[2, 4, 4, 4], &mut rng);
    let emb = Tensor::randn(&[2, 5], &mut rng);
    let f = |inputs: &[Tensor]| block.forward(&inputs[0], &inputs[1]);
    gradcheck(&f, &[x.clone(), emb.clone()], GradcheckOptions::default()).unwrap();
    // The embedding reaches the output: another embedding, another output.
    let other = Tensor::randn(&[2, 5], &mut rng);
    let (a, b) = (block.forward(&x, &emb).to_vec(), block.forward(&x, &other).to_vec());
    let diff: f32 = a.iter().zip(&b).map(|(p, q)| (p - q).abs()).sum::<f32>() / a.len() as f32;
    assert!(diff > 1e-3, "the embedding barely changes the output: mean |Δ| {diff}");
}

#[test]
fn scale_shift_and_prediction_round_trip_through_the_saved_config() {
    for (scale_shift, prediction) in [(false, Prediction::Noise), (true, Prediction::Velocity)] {
        let config = UNetConfig {
            condition: Condition::Vector(16),
            scale_shift,
            prediction,
            ..UNetConfig::w10()
        };
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<UNetConfig>(&json).unwrap(), config);
        assert!(config.validate().is_ok());
    }
    let json = serde_json::to_string(&UNetConfig::w10()).unwrap();
    for (from, to) in [("\"noise\"", "\"x0\""), ("false", "\"maybe\"")] {
        let error = serde_json::from_str::<UNetConfig>(&json.replace(from, to)).unwrap_err().to_string();
        assert!(error.contains("unknown variant") || error.contains("expected a boolean"), "{error}");
    }
    let odd = UNetConfig {
        groups: 7,
        ..UNetConfig::w10()
    };
    assert!(odd.validate().unwrap_err().to_string().contains("groups"));
}
