//! A tiny character GPT learns a few poems by heart; then generation is checked: KV-cached
//! and uncached loops give identical tokens (greedy and seeded sampling), a saved model
//! writes the same from disk, and prompts outside the vocabulary get a clear error.

use descent_data::parse_poems;
use descent_gallery::common::lm::{LmSettings, LmTrainer};
use descent_gallery::milestones::gpt::data::{build_corpus, prompt, PoetryCorpus};
use descent_gallery::milestones::gpt::measure::check_form;
use descent_models::generation::generate;
use descent_models::gpt::{Gpt, GptConfig};
use descent_models::saved::{self, Extras, Snapshot};
use descent_models::{GenerateOptions, TextModel};
use descent_tensor::Rng;
use descent_text::sampling::{Sampler, SamplingConfig};
use descent_text::tokenizer::{Tokenizer, TokenizerError};

const POEMS: &str = "李白\t静夜思\t床前明月光，疑是地上霜。举头望明月，低头思故乡。
孟浩然\t春晓\t春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。
王维\t鹿柴\t空山不见人，但闻人语响。返景入深林，复照青苔上。
王之涣\t登鹳雀楼\t白日依山尽，黄河入海流。欲穷千里目，更上一层楼。
";

/// A tiny GPT trained until it recites the four poems.
fn trained() -> (Gpt, Tokenizer, PoetryCorpus) {
    let poems = parse_poems(POEMS, "four poems").expect("well-formed").rows;
    let corpus = build_corpus(&poems, 1000);
    let config = GptConfig {
        vocab_size: corpus.tokenizer.vocab_size(),
        context: 64,
        d_model: 48,
        n_heads: 4,
        n_layers: 2,
    };
    let model = Gpt::new(config, &mut Rng::new(1));
    // Hold-out is every 20th poem, so all four train; repeat the stream for windows.
    let stream: Vec<usize> = corpus.train.iter().cycle().take(corpus.train.len() * 4).copied().collect();
    let settings = LmSettings {
        batch_size: 8,
        seq_len: 48,
        steps: 400,
        lr: 3e-3,
        min_lr: 3e-4,
        warmup: 20,
        weight_decay: 0.0,
        clip_norm: 1.0,
    };
    let mut trainer = LmTrainer::new(&model, settings, 0);
    let mut last = f32::INFINITY;
    for _ in 0..settings.steps {
        last = trainer.train_step(&model, &stream).0;
    }
    assert!(last < 0.15, "the tiny GPT should memorise four poems, final loss {last}");
    (model, Tokenizer::Char(corpus.tokenizer.clone()), corpus)
}

#[test]
fn tiny_gpt_learns_poems_and_generation_is_the_same_with_and_without_the_cache() {
    let (model, tokenizer, corpus) = trained();
    let newline = corpus.tokenizer.id('\n').unwrap();
    // Greedy from the prompt recites the poem, in regulated form.
    let ids = tokenizer.encode(&format!("\n{}", prompt("孟浩然", "春晓"))).unwrap();
    let mut greedy = Sampler::new(SamplingConfig::greedy());
    let out = generate(&model, &ids, 40, &mut greedy, true, &|t| t == newline);
    let poem = tokenizer.decode(&out);
    assert_eq!(poem, "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。\n");
    assert!(check_form(&poem).well_formed);
    // Cache and no cache: identical tokens, greedy and seeded sampling, up to the context.
    let configs = [
        SamplingConfig::greedy(),
        SamplingConfig {
            temperature: 1.3,
            top_k: Some(20),
            top_p: None,
            seed: 7,
        },
        SamplingConfig {
            temperature: 1.0,
            top_k: None,
            top_p: Some(0.9),
            seed: 11,
        },
        SamplingConfig {
            temperature: 0.7,
            top_k: Some(5),
            top_p: Some(0.8),
            seed: 3,
        },
    ];
    for config in configs {
        let run = |cache: bool| generate(&model, &ids, 64 - ids.len(), &mut Sampler::new(config), cache, &|_| false);
        let (with, without) = (run(true), run(false));
        assert_eq!(with.len(), 64 - ids.len());
        assert_eq!(with, without, "cached and uncached generation differ for {config:?}");
    }
    // Same seed, same text; another seed, other text.
    let sample = |seed| {
        generate(
            &model,
            &ids,
            30,
            &mut Sampler::new(SamplingConfig {
                temperature: 2.0,
                top_k: None,
                top_p: None,
                seed,
            }),
            true,
            &|_| false,
        )
    };
    assert_eq!(sample(5), sample(5));
    assert_ne!(sample(5), sample(6));
}

#[test]
fn a_saved_model_writes_the_same_poem_and_rejects_unknown_characters() {
    let (model, tokenizer, _) = trained();
    let dir = std::env::temp_dir().join(format!("descent-gpt-generate-{}", std::process::id()));
    let path = dir.join("gpt.safetensors");
    let text_model = TextModel {
        net: model,
        tokenizer: tokenizer.clone(),
        bos: "\n".into(),
        stop: "\n".into(),
        prompt_format: None,
    };
    saved::save(&path, &Snapshot::of(&text_model), Extras::default()).unwrap();
    let loaded: TextModel<Gpt> = saved::load(&path).unwrap();
    let options = GenerateOptions {
        max_new_tokens: 40,
        sampling: SamplingConfig::greedy(),
        skip_unknown: false,
        use_cache: true,
    };
    let (text, dropped) = loaded.generate(&prompt("孟浩然", "春晓"), options).unwrap();
    assert_eq!(text, "春眠不觉晓，处处闻啼鸟。夜来风雨声，花落知多少。");
    assert!(dropped.is_empty());
    // A character the model never saw: a clear error naming it, or the documented fallback.
    let err = loaded.generate("用李白风格写😀:", options).unwrap_err().to_string();
    assert!(err.contains("'😀' (U+1F600)") && err.contains("--skip-unknown"), "{err}");
    let lenient = GenerateOptions {
        skip_unknown: true,
        ..options
    };
    let (_, dropped) = loaded.generate("用李白风格写😀:", lenient).unwrap();
    assert_eq!(dropped, vec!['😀']);
    // Chinese is split by characters, not bytes.
    assert_eq!(tokenizer.encode("明月").unwrap().len(), 2);
    assert_eq!(tokenizer.encode("明X"), Err(TokenizerError::Unknown(vec!['X'])));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn form_check_accepts_jueju_and_lushi_only() {
    assert!(check_form("床前明月光，疑是地上霜。举头望明月，低头思故乡。").well_formed);
    let lushi = "国破山河在，城春草木深。感时花溅泪，恨别鸟惊心。烽火连三月，家书抵万金。白头搔更短，浑欲不胜簪。";
    assert!(check_form(lushi).well_formed);
    assert!(check_form("朝辞白帝彩云间，千里江陵一日还。两岸猿声啼不住，轻舟已过万重山。\n").well_formed);
    assert!(
        !check_form("床前明月光，疑是地上霜。举头望明月，低头思故乡").well_formed,
        "no final 。"
    );
    assert!(!check_form("床前明月光，疑是地上霜。举头望明月。").well_formed, "three lines");
    assert!(
        !check_form("床前明月光，疑是地上霜。举头望明月，低头思故乡了。").well_formed,
        "mixed 5 and 6"
    );
    assert_eq!(check_form("春眠不觉晓，处处闻啼鸟。").line_lengths, vec![5, 5]);
}
