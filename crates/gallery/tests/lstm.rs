//! The LSTM milestone in miniature: on a short adding problem the LSTM learns the sum
//! while a tanh RNN of the same size and budget stays at the variance baseline; the
//! RNN's gradient reaching early steps is orders of magnitude smaller than the LSTM's;
//! a character LSTM learns a small text, is saved, reloaded and writes text; bad
//! checkpoints and prompts give clear errors.

use descent_gallery::milestones::lstm::adding::{
    adding_batch, hidden_gradient_norms, train_adding, AddingModel, AddingSettings, VARIANCE_BASELINE,
};
use descent_gallery::milestones::lstm::charlm::{train, TrainSettings};
use descent_gallery::Phase;
use descent_models::char_lstm::{bits_per_char, CharLstm, CharLstmConfig};
use descent_models::saved::{self, Extras, ModelFile, Snapshot};
use descent_models::{GenerateOptions, LeNet, LeNetVariant, ModelError, TextModel};
use descent_nn::{named_params, CellKind, Checkpoint};
use descent_tensor::Rng;
use descent_text::sampling::SamplingConfig;
use descent_text::tokenizer::{CharTokenizer, Tokenizer};
use std::collections::HashMap;
use std::path::PathBuf;

fn tiny_adding() -> AddingSettings {
    AddingSettings {
        seq_len: 30,
        hidden: 32,
        batch_size: 32,
        train_steps: 1000,
        lr: 3e-3,
        clip_norm: 1.0,
        test_size: 1000,
    }
}

#[test]
fn lstm_learns_the_adding_problem_where_the_rnn_does_not() {
    let s = tiny_adding();
    let (_, lstm) = train_adding(CellKind::Lstm, &s, 0, &Phase::silent());
    let (_, rnn) = train_adding(CellKind::Tanh, &s, 0, &Phase::silent());
    assert!(lstm.test_mse < 0.05, "LSTM test MSE {} at T = {}", lstm.test_mse, s.seq_len);
    assert!(
        rnn.test_mse > 0.8 * VARIANCE_BASELINE,
        "tanh RNN test MSE {} should stay near the baseline {VARIANCE_BASELINE}",
        rnn.test_mse
    );
    assert!(lstm.test_mse < rnn.test_mse / 3.0);
}

#[test]
fn the_rnn_gradient_vanishes_over_time_and_the_lstm_gradient_does_not() {
    let mut rng = Rng::new(1);
    let (x, y) = adding_batch(16, 60, &mut rng);
    let rnn = AddingModel::new(CellKind::Tanh, 32, &mut rng);
    let lstm = AddingModel::new(CellKind::Lstm, 32, &mut rng);
    let (g_rnn, g_lstm) = (hidden_gradient_norms(&rnn, &x, &y), hidden_gradient_norms(&lstm, &x, &y));
    assert_eq!(g_rnn.len(), 60);
    let decay = |g: &[f32]| g[0] / g[59];
    assert!(decay(&g_rnn) < 1e-6, "RNN: ‖∂L/∂h_0‖/‖∂L/∂h_59‖ = {}", decay(&g_rnn));
    assert!(
        decay(&g_lstm) > 1e3 * decay(&g_rnn),
        "LSTM keeps more gradient: {} vs {}",
        decay(&g_lstm),
        decay(&g_rnn)
    );
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("descent-test-lstm-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small character model trained on a repetitive text, with its tokenizer.
fn tiny_char_model() -> (CharLstm, Tokenizer, Vec<usize>) {
    let text = "to be or not to be, that is the question. ".repeat(60);
    let tokenizer = Tokenizer::Char(CharTokenizer::from_texts([text.as_str()]));
    let ids = tokenizer.encode(&text).unwrap();
    let config = CharLstmConfig {
        vocab_size: tokenizer.vocab_size(),
        embed_dim: 16,
        hidden_size: 48,
        num_layers: 2,
    };
    let model = CharLstm::new(config, &mut Rng::new(3));
    let settings = TrainSettings {
        batch_size: 8,
        seq_len: 32,
        steps: 250,
        lr: 1e-2,
        clip_norm: 5.0,
    };
    let before = bits_per_char(&model, &ids, 4, 32);
    let losses = train(&model, &ids, &settings, &Phase::silent(), None).losses;
    let after = bits_per_char(&model, &ids, 4, 32);
    assert!(losses.iter().all(|l| l.is_finite()));
    assert!(after < 1.0 && after < before / 3.0, "bits per char {before} → {after}");
    (model, tokenizer, ids)
}

/// Saves the tiny model as `descent run lstm` does, with `extras`.
fn save_text_model(path: &std::path::Path, model: CharLstm, tokenizer: Tokenizer, extras: Extras) {
    let model = TextModel {
        net: model,
        tokenizer,
        bos: String::new(),
        stop: String::new(),
        prompt_format: None,
    };
    saved::save(path, &Snapshot::of(&model), extras).unwrap();
}

/// The text a saved character LSTM writes after `prompt`.
fn write(
    path: &std::path::Path,
    prompt: &str,
    tokens: usize,
    sampling: SamplingConfig,
    skip_unknown: bool,
) -> Result<(String, Vec<char>), ModelError> {
    let model: TextModel<CharLstm> = saved::load(path)?;
    let options = GenerateOptions {
        max_new_tokens: tokens,
        sampling,
        skip_unknown,
        use_cache: false,
    };
    model.generate(prompt, options)
}

const GREEDY: SamplingConfig = SamplingConfig {
    temperature: 0.0,
    top_k: None,
    top_p: None,
    seed: 0,
};

#[test]
fn char_lstm_learns_saves_and_generates() {
    let (model, tokenizer, _) = tiny_char_model();
    let path = temp("generate").join("charlm.safetensors");
    let weights: Vec<Vec<f32>> = named_params(&model).iter().map(|(_, p)| p.value().to_vec()).collect();
    let config = model.config;
    let extras = Extras {
        entries: vec![("steps".into(), "250".into())],
        ..Extras::default()
    };
    save_text_model(&path, model, tokenizer, extras);
    let file = ModelFile::read(&path).unwrap();
    assert_eq!((file.kind(), file.entry("steps")), ("char-lstm", Some("250")));
    let loaded: TextModel<CharLstm> = file.model().unwrap();
    assert_eq!(loaded.net.config, config);
    for ((name, p), saved) in named_params(&loaded.net).iter().zip(&weights) {
        assert_eq!(&p.value().to_vec(), saved, "{name} differs after reload");
    }
    let (text, dropped) = write(&path, "to be or ", 30, GREEDY, false).unwrap();
    assert!(dropped.is_empty());
    assert_eq!(text.chars().count(), 30);
    assert!(text.starts_with("not to be"), "the model memorised its text, but wrote {text:?}");
    let warm = SamplingConfig {
        temperature: 0.8,
        ..GREEDY
    };
    let (a, _) = write(&path, "t", 200, warm, false).unwrap();
    let (b, _) = write(&path, "t", 200, warm, false).unwrap();
    assert_eq!(a, b, "same seed, same text");
    assert!(a.chars().all(|c| "to be or n,thaisqu.".contains(c)), "{a:?}");
}

#[test]
fn unknown_prompt_characters_are_named() {
    let (model, tokenizer, _) = tiny_char_model();
    let path = temp("unknown").join("charlm.safetensors");
    save_text_model(&path, model, tokenizer, Extras::default());
    let warm = SamplingConfig {
        temperature: 0.8,
        ..GREEDY
    };
    let err = write(&path, "ROMEO: be", 10, warm, false).unwrap_err().to_string();
    for c in ['R', 'O', 'M', 'E', ':'] {
        assert!(err.contains(&format!("'{c}'")), "error should name {c:?}: {err}");
    }
    let (text, dropped) = write(&path, "ROMEO: be", 10, warm, true).unwrap();
    assert_eq!(dropped, vec!['R', 'O', 'M', 'E', ':']);
    assert_eq!(text.chars().count(), 10);
    let empty = write(&path, "", 10, warm, false).unwrap_err().to_string();
    assert!(empty.contains("no character the model knows"), "{empty}");
}

#[test]
fn bad_checkpoints_give_clear_errors() {
    let dir = temp("bad");
    let missing = dir.join("nothing-here.safetensors");
    let err = write(&missing, "to", 5, GREEDY, false).unwrap_err().to_string();
    assert!(err.contains("nothing-here.safetensors"), "{err}");
    let garbage = dir.join("garbage.safetensors");
    std::fs::write(&garbage, b"this is not a checkpoint").unwrap();
    let err = write(&garbage, "to", 5, GREEDY, false).unwrap_err().to_string();
    assert!(err.contains("not a valid safetensors checkpoint"), "{err}");
    // A file of the format before `kind` and `config`: refused with the run that remakes it.
    let old = dir.join("old.safetensors");
    let checkpoint = Checkpoint {
        metadata: HashMap::from([
            ("milestone".to_string(), "lstm".to_string()),
            ("model".to_string(), "char-lstm".to_string()),
        ]),
        ..Checkpoint::default()
    };
    checkpoint.save(&old).unwrap();
    let err = write(&old, "to", 5, GREEDY, false).unwrap_err().to_string();
    assert!(
        err.contains("earlier version of descent") && err.contains("`descent run lstm`"),
        "{err}"
    );
    let other = dir.join("lenet.safetensors");
    let lenet = LeNet::new(LeNetVariant::Modern, &mut Rng::new(0));
    saved::save(&other, &Snapshot::of(&lenet), Extras::default()).unwrap();
    let err = write(&other, "to", 5, GREEDY, false).unwrap_err().to_string();
    assert!(err.contains("holds a 'lenet' model, not a 'char-lstm' one"), "{err}");
}
