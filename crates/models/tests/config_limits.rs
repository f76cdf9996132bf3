//! Sizes read from checkpoint metadata are checked before a loader allocates: zero,
//! huge, inconsistent (heads not dividing the width) or too many parameters are errors
//! naming the entry; `parameter_count` is exact, so the bound means what it says.

use descent_models::char_lstm::{CharLstm, CharLstmConfig};
use descent_models::gpt::{Gpt, GptConfig};
use descent_tensor::Rng;
use std::collections::HashMap;

fn meta(entries: &[(&str, &str)]) -> HashMap<String, String> {
    entries.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn gpt_meta(overrides: &[(&str, &str)]) -> HashMap<String, String> {
    let mut m = GptConfig::golden().to_metadata();
    m.extend(meta(overrides));
    m
}

#[test]
fn gpt_sizes_are_validated_before_allocating() {
    assert_eq!(GptConfig::from_metadata(&gpt_meta(&[])).unwrap(), GptConfig::golden());
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("n_layers", "0")], "'n_layers' = 0"),
        (&[("n_layers", "100000000000")], "'n_layers' = 100000000000"),
        (&[("n_heads", "0")], "'n_heads' = 0"),
        (&[("d_model", "0")], "'d_model' = 0"),
        (&[("vocab_size", "0")], "'vocab_size' = 0"),
        (&[("context", "100000000000")], "'context' = 100000000000"),
        (&[("n_heads", "3")], "does not divide"),
        // Every size in range, the whole far too large.
        (&[("d_model", "65536"), ("n_heads", "1"), ("n_layers", "1000")], "parameters"),
        (
            &[("context", "1000000"), ("d_model", "1024"), ("n_heads", "1"), ("n_layers", "2")],
            "KV-cache",
        ),
        (&[("n_layers", "-1")], "numeric 'n_layers'"),
    ];
    for (overrides, expected) in cases {
        let err = GptConfig::from_metadata(&gpt_meta(overrides)).unwrap_err();
        assert!(err.contains(expected), "{overrides:?}: {err}");
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
    let m: HashMap<String, String> = good.to_metadata().into_iter().collect();
    assert_eq!(CharLstmConfig::from_metadata(&m).unwrap(), good);
    for (key, value, expected) in [
        ("num_layers", "0", "'num_layers' = 0"),
        ("hidden_size", "100000000000", "'hidden_size' = 100000000000"),
        ("vocab_size", "0", "'vocab_size' = 0"),
        ("hidden_size", "1000000", "parameters"),
    ] {
        let mut bad = m.clone();
        bad.insert(key.to_string(), value.to_string());
        let err = CharLstmConfig::from_metadata(&bad).unwrap_err();
        assert!(err.contains(expected), "{key}={value}: {err}");
    }
}

#[test]
fn parameter_counts_are_exact() {
    let gpt = GptConfig {
        vocab_size: 11,
        context: 7,
        d_model: 12,
        n_heads: 3,
        n_layers: 2,
    };
    let model = Gpt::new(gpt, &mut Rng::new(0));
    assert_eq!(gpt.parameter_count(), descent_nn::param_count(&model) as u128);
    let lstm = CharLstmConfig {
        vocab_size: 13,
        embed_dim: 5,
        hidden_size: 6,
        num_layers: 3,
    };
    let model = CharLstm::new(lstm, &mut Rng::new(0));
    assert_eq!(lstm.parameter_count(), descent_nn::param_count(&model) as u128);
}
