//! The `gpt` milestone end to end on the real Tang poems embedded in the binary (no data
//! folder needed), with a tiny model and budget: it must beat
//! the unigram baseline on held-out poems, write its artifacts, and save a model that
//! `descent generate` can load.

use descent_gallery::common::lm::LmSettings;
use descent_gallery::milestones::gpt::{run_with, Settings};
use descent_gallery::{find, MilestoneError, MilestoneReport, Run, RunConfig};
use descent_models::gpt::GptConfig;
use descent_models::saved::ModelFile;
use descent_models::{GenerateOptions, Gpt, TextModel};
use descent_text::sampling::SamplingConfig;

#[test]
fn tiny_poetry_gpt_beats_unigram_and_saves_a_usable_model() {
    let out = std::env::temp_dir().join(format!("descent-test-gpt-{}", std::process::id()));
    let mut cfg = RunConfig::new("gpt");
    cfg.out_dir = out.clone();
    let settings = Settings {
        max_chars: 1000,
        model: GptConfig {
            vocab_size: 0,
            context: 64,
            d_model: 32,
            n_heads: 2,
            n_layers: 1,
        },
        train: LmSettings {
            batch_size: 8,
            seq_len: 64,
            steps: 120,
            lr: 5e-3,
            min_lr: 5e-4,
            warmup: 10,
            weight_decay: 0.1,
            clip_norm: 1.0,
        },
        samples: 4,
        eval_windows: 20,
        min_format: 0.0,
    };
    // Quick mode: the embedded data, so this runs without a data folder.
    let report = run_quietly(cfg, settings).expect("the run succeeds");
    let number = |key: &str| report.measured[key].as_f64().unwrap_or_else(|| panic!("{key} missing"));
    assert!(
        number("held_out_perplexity") < 0.8 * number("unigram_perplexity"),
        "{}",
        report.to_json()
    );
    assert_eq!(number("samples"), 4.0);
    assert!((0.0..=1.0).contains(&number("format_adherence")));
    for file in ["samples.txt", "loss.svg", "gpt.safetensors"] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let file = ModelFile::read(&out.join("gpt.safetensors")).unwrap();
    let provenance = file.provenance().expect("a run records how it trained");
    assert_eq!((provenance.milestone.as_str(), provenance.mode.as_str()), ("gpt", "quick"));
    let loaded: TextModel<Gpt> = file.model().unwrap();
    assert_eq!(loaded.prompt_format.as_deref(), Some("用{author}风格写{title}:"));
    let options = GenerateOptions {
        max_new_tokens: 30,
        sampling: SamplingConfig::greedy(),
        skip_unknown: false,
        use_cache: true,
    };
    let (text, _) = loaded.generate("用李白风格写春天:", options).unwrap();
    assert!(!text.is_empty() && !text.contains('\n'));
    std::fs::remove_dir_all(&out).ok();
}

fn run_quietly(cfg: RunConfig, settings: Settings) -> Result<MilestoneReport, MilestoneError> {
    let mut run = Run::silent(find("gpt").unwrap(), cfg)?;
    run_with(&mut run, settings)?;
    run.finish()
}
