//! Sizes read from a saved config are checked before a loader allocates: zero, huge,
//! inconsistent (heads not dividing the width) or too many parameters are errors naming
//! the entry; every kind's `value_count` is exact, so the check against the file means
//! what it says.

use descent_models::char_lstm::{CharLstm, CharLstmConfig};
use descent_models::gpt::{Gpt, GptConfig};
use descent_models::rbm::{DbnConfig, DeepBeliefNet};
use descent_models::saved::SavedModel;
use descent_models::{CifarClassifier, CifarNetConfig, LeNet};
use descent_nn::named_state;
use descent_tensor::Rng;
use serde_json::{json, Value};

/// The golden GPT's config as JSON with `overrides` put in.
fn gpt_config(overrides: &Value) -> Result<GptConfig, String> {
    let mut value = serde_json::to_value(GptConfig::golden()).unwrap();
    for (k, v) in overrides.as_object().unwrap() {
        value[k] = v.clone();
    }
    let json = serde_json::to_string(&value).unwrap();
    let config: GptConfig = serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(&json)).map_err(|e| e.to_string())?;
    config.validate().map_err(|e| e.to_string())?;
    Ok(config)
}

#[test]
fn gpt_sizes_are_validated_before_allocating() {
    assert_eq!(gpt_config(&json!({})).unwrap(), GptConfig::golden());
    let cases = [
        (json!({"n_layers": 0}), "'n_layers' = 0"),
        (json!({"n_layers": 100_000_000_000u64}), "'n_layers' = 100000000000"),
        (json!({"n_heads": 0}), "'n_heads' = 0"),
        (json!({"d_model": 0}), "'d_model' = 0"),
        (json!({"vocab_size": 0}), "'vocab_size' = 0"),
        (json!({"context": 100_000_000_000u64}), "'context' = 100000000000"),
        (json!({"n_heads": 3}), "does not divide"),
        // Every size in range, the whole far too large.
        (json!({"d_model": 65536, "n_heads": 1, "n_layers": 1000}), "parameters"),
        (
            json!({"context": 1_000_000, "d_model": 1024, "n_heads": 1, "n_layers": 2}),
            "KV-cache",
        ),
        (json!({"n_layers": -1}), "n_layers"),
    ];
    for (overrides, expected) in cases {
        let err = gpt_config(&overrides).unwrap_err();
        assert!(err.contains(expected), "{overrides}: {err}");
    }
}

#[test]
fn char_lstm_sizes_are_validated_before_allocating() {
    let good = CharLstmConfig {
        vocab_size: 30,
        embed_dim: 8,
        hidden_size: 16,
        num_layers: 2,
    };
    assert!(good.validate().is_ok());
    for (change, expected) in [
        (CharLstmConfig { num_layers: 0, ..good }, "'num_layers' = 0"),
        (
            CharLstmConfig {
                hidden_size: 100_000_000_000,
                ..good
            },
            "'hidden_size' = 100000000000",
        ),
        (CharLstmConfig { vocab_size: 0, ..good }, "'vocab_size' = 0"),
        (
            CharLstmConfig {
                hidden_size: 1_000_000,
                ..good
            },
            "parameters",
        ),
    ] {
        let err = change.validate().unwrap_err().to_string();
        assert!(err.contains(expected), "{change:?}: {err}");
    }
}

/// Values in a built model's state (parameters and buffers).
fn state_values(module: &dyn descent_nn::Module) -> u128 {
    named_state(module).iter().map(|(_, p)| p.numel() as u128).sum()
}

#[test]
fn value_counts_are_exact() {
    let gpt = GptConfig {
        vocab_size: 11,
        context: 7,
        d_model: 12,
        n_heads: 3,
        n_layers: 2,
    };
    assert_eq!(gpt.parameter_count(), state_values(&Gpt::new(gpt, &mut Rng::new(0))));
    let lstm = CharLstmConfig {
        vocab_size: 13,
        embed_dim: 5,
        hidden_size: 6,
        num_layers: 3,
    };
    assert_eq!(lstm.parameter_count(), state_values(&CharLstm::new(lstm, &mut Rng::new(0))));
    let lenet = LeNet::build(LeNet::new(descent_models::LeNetVariant::Modern, &mut Rng::new(0)).config()).unwrap();
    assert_eq!(LeNet::value_count(&lenet.config()), Some(state_values(&lenet)));
    for net in [CifarNetConfig::alexnet([8, 12, 16], 20), CifarNetConfig::w8()] {
        let config = descent_models::alexnet::CifarClassifierConfig {
            class_names: (0..net.classes).map(|c| c.to_string()).collect(),
            net,
        };
        let expected = CifarClassifier::value_count(&config);
        let model = CifarClassifier::build(config).unwrap();
        assert_eq!(expected, Some(state_values(&model.net)));
    }
    let dbn = DbnConfig { sizes: vec![9, 7, 5] };
    let expected = DeepBeliefNet::value_count(&dbn);
    assert_eq!(expected, Some(state_values(&DeepBeliefNet::build(dbn).unwrap())));
}

#[test]
fn cifar_and_dbn_configs_refuse_what_cannot_be_built() {
    let mut net = CifarNetConfig::alexnet([8, 12, 16], 20);
    net.kernels = [5, 4, 3];
    assert!(net.validate().unwrap_err().to_string().contains("kernels"));
    let mut net = CifarNetConfig::alexnet([8, 12, 16], 20);
    net.dropout = 1.5;
    assert!(net.validate().unwrap_err().to_string().contains("dropout"));
    let config = descent_models::alexnet::CifarClassifierConfig {
        net: CifarNetConfig::alexnet([8, 12, 16], 20),
        class_names: vec!["cat".into()],
    };
    assert!(CifarClassifier::build(config)
        .err()
        .unwrap()
        .to_string()
        .contains("1 class names for 10 classes"));
    for sizes in [vec![784], vec![784, 0], vec![784, 1_000_000_000]] {
        assert!(DeepBeliefNet::build(DbnConfig { sizes: sizes.clone() }).is_err(), "{sizes:?}");
    }
}
