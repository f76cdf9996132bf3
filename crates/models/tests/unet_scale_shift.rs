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
fn scale_shift_round_trips_through_metadata() {
    for scale_shift in [false, true] {
        let config = UNetConfig {
            condition: Condition::Vector(16),
            scale_shift,
            ..UNetConfig::w10()
        };
        let meta = config.to_metadata().into_iter().collect();
        assert_eq!(UNetConfig::from_metadata(&meta).unwrap(), config);
    }
    let mut meta: std::collections::HashMap<String, String> = UNetConfig::w10().to_metadata().into_iter().collect();
    meta.remove("unet.scale_shift");
    assert!(
        !UNetConfig::from_metadata(&meta).unwrap().scale_shift,
        "older checkpoints have W10's shift"
    );
    meta.insert("unet.scale_shift".into(), "maybe".into());
    let error = UNetConfig::from_metadata(&meta).unwrap_err();
    assert!(error.contains("'unet.scale_shift'"), "{error}");
}

#[test]
fn prediction_round_trips_through_metadata() {
    let config = UNetConfig {
        condition: Condition::Vector(16),
        prediction: Prediction::Velocity,
        ..UNetConfig::w10()
    };
    let mut meta: std::collections::HashMap<String, String> = config.to_metadata().into_iter().collect();
    assert_eq!(UNetConfig::from_metadata(&meta).unwrap(), config);
    meta.remove("unet.prediction");
    assert_eq!(
        UNetConfig::from_metadata(&meta).unwrap().prediction,
        Prediction::Noise,
        "older checkpoints predict the noise"
    );
    meta.insert("unet.prediction".into(), "x0".into());
    let error = UNetConfig::from_metadata(&meta).unwrap_err();
    assert!(error.contains("'unet.prediction'"), "{error}");
}
