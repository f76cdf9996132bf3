//! The `bert` milestone end to end on the embedded SST-2, Shakespeare and Tatoeba text
//! (no data folder needed), with a tiny BERT, biLM and budget: the MLM pre-training must
//! get below the unigram entropy on held-out text (it learned something from context),
//! the fine-tuned classifiers must beat chance on the 872 test sentences, and the
//! artifacts must be written. The verdict itself may be PASS or FAIL at this size.

use descent_gallery::milestones::bert::{run_with, Settings};
use descent_gallery::{find, MilestoneError, MilestoneReport, Run, RunConfig, RunSettings};

fn tiny_settings() -> Settings {
    let mut s = Settings::quick();
    s.vocab_size = 1500;
    s.max_len = 32;
    s.model.hidden_size = 48;
    s.model.num_attention_heads = 2;
    s.model.intermediate_size = 96;
    s.mlm.steps = 800;
    s.mlm.batch_size = 32;
    s.bilm.model.embed_dim = 32;
    s.bilm.model.hidden_size = 32;
    s.bilm.steps = 100;
    s.bilm.batch_size = 32;
    s.bilm.probe_epochs = 5;
    s.finetune.epochs = 3;
    s.finetune.evals_per_epoch = 1;
    s.finetune_rates = vec![1e-3];
    s.train_examples = 3000;
    s.dev_examples = 300;
    s.held_out_lines = 300;
    s.minilm_train = 200;
    s
}

#[test]
fn tiny_bert_learns_from_context_and_beats_chance() {
    let out = std::env::temp_dir().join(format!("descent-test-bert-{}", std::process::id()));
    let mut cfg = RunConfig::new("bert");
    cfg.out_dir = out.clone();
    let report = run_quietly(cfg, tiny_settings()).expect("the run succeeds");
    let number = |key: &str| report.measured[key].as_f64().unwrap_or_else(|| panic!("{key} missing"));
    let json = report.to_json();
    assert!(
        number("mlm_held_out_loss") < number("mlm_unigram_entropy") - 0.05,
        "MLM did not beat the unigram entropy: {json}"
    );
    for key in ["bert_pretrained_test_accuracy", "bert_scratch_test_accuracy"] {
        assert!(number(key) > 0.55, "{key} is not above chance: {json}");
    }
    let gain = number("bert_pretraining_gain");
    let expected = number("bert_pretrained_test_accuracy") - number("bert_scratch_test_accuracy");
    assert!((gain - expected).abs() < 1e-9, "{json}");
    for file in ["accuracy.svg", "pretraining_loss.svg", "embedding_bert_pretrained.svg"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    std::fs::remove_dir_all(&out).ok();
}

fn run_quietly(cfg: RunConfig, settings: Settings) -> Result<MilestoneReport, MilestoneError> {
    let mut run = Run::silent(find("bert").unwrap(), cfg)?;
    run_with(&mut run, settings)?;
    run.finish()
}
