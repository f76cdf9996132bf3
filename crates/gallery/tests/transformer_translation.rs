//! The translators on a synthetic task (English number words → Chinese numerals, e.g.
//! "three one four" → "三一四"): the encoder-decoder Transformer learns it and translates
//! held-out combinations, its cross-attention rows are distributions, the LSTM seq2seq
//! learns too; and the milestone runs end to end on the real pairs embedded in the binary.

use descent_gallery::milestones::transformer::data::{batches, examples, make_batch, Pair, SourceVocab, TargetVocab};
use descent_gallery::milestones::transformer::{run_with, Settings};
use descent_gallery::{find, MilestoneError, MilestoneReport, Run, RunConfig};
use descent_models::translator::{LstmSeq2Seq, TransformerConfig, TranslationTransformer, Translator};
use descent_nn::params;
use descent_optim::{AdamW, AdamWConfig, Optimizer};
use descent_tensor::Rng;
use descent_text::bleu::{corpus_bleu, BleuTokenizer};

const WORDS: [&str; 10] = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

fn pairs(count: usize, seed: u64) -> Vec<Pair> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|_| {
            let n = 2 + rng.below(3);
            let digits: Vec<usize> = (0..n).map(|_| rng.below(10)).collect();
            Pair::new(
                digits.iter().map(|&d| WORDS[d]).collect::<Vec<_>>().join(" "),
                digits.iter().map(|&d| DIGITS[d]).collect::<String>(),
            )
        })
        .collect()
}

fn fit(model: &dyn Translator, train: &[descent_gallery::milestones::transformer::data::Example], steps: usize, lr: f32) -> f32 {
    let all = params(model);
    let mut optimizer = AdamW::new(AdamWConfig {
        lr,
        weight_decay: 0.0,
        ..AdamWConfig::default()
    });
    let mut last = f32::INFINITY;
    let mut epoch = 0;
    let mut done = 0;
    while done < steps {
        for batch in batches(train, 32, 0, epoch) {
            let loss = model.loss(&batch);
            optimizer.step(&all, &loss.backward());
            last = loss.item();
            done += 1;
        }
        epoch += 1;
    }
    last
}

#[test]
fn transformer_and_lstm_learn_number_translation() {
    let train_pairs = pairs(600, 1);
    let test_pairs = pairs(60, 2);
    let source = SourceVocab::train(train_pairs.iter().map(|p| p.english.as_str()), 40);
    let target = TargetVocab::from_sentences(train_pairs.iter().map(|p| p.chinese.as_str()));
    let (train, test) = (
        examples(&train_pairs, &source, &target, 16),
        examples(&test_pairs, &source, &target, 16),
    );
    let config = TransformerConfig {
        source_vocab: source.size(),
        target_vocab: target.size(),
        d_model: 32,
        n_heads: 4,
        encoder_layers: 1,
        decoder_layers: 1,
        max_len: 17,
    };
    let transformer = TranslationTransformer::new(config, &mut Rng::new(0));
    let lstm = LstmSeq2Seq::new(source.size(), target.size(), 32, 64, 1, &mut Rng::new(0));
    for (model, lr) in [(&transformer as &dyn Translator, 3e-3), (&lstm as &dyn Translator, 1e-2)] {
        let loss = fit(model, &train, 800, lr);
        assert!(loss < 0.3, "{} did not learn: loss {loss}", model.name());
        let mut hyps = Vec::new();
        let mut refs = Vec::new();
        for (e, p) in test.iter().zip(&test_pairs) {
            let batch = make_batch(&[e]);
            hyps.push(target.decode(&model.translate(&batch.source, 1, 10)[0]));
            refs.push(p.chinese.clone());
        }
        let bleu = corpus_bleu(&hyps, &refs, BleuTokenizer::Zh).score;
        assert!(
            bleu > 60.0,
            "{}: BLEU {bleu} on held-out numbers; e.g. {:?} for {:?}",
            model.name(),
            hyps[0],
            refs[0]
        );
    }
    // Cross-attention: one distribution over the source per output position.
    let e = &test[0];
    let out = transformer.translate(&make_batch(&[e]).source, 1, 10).remove(0);
    let map = transformer.cross_attention_map(&e.source, &out);
    assert_eq!(map.len(), (out.len() + 1) * e.source.len());
    for row in map.chunks(e.source.len()) {
        assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-4);
    }
}

#[test]
fn translation_milestone_runs_end_to_end_on_real_pairs() {
    let out = std::env::temp_dir().join(format!("descent-test-transformer-{}", std::process::id()));
    let mut cfg = RunConfig::new("transformer");
    cfg.out_dir = out.clone();
    let settings = Settings {
        max_pairs: Some(1500),
        bpe_vocab: 300,
        max_len: 16,
        d_model: 32,
        n_heads: 2,
        layers: 1,
        lstm_hidden: 48,
        lstm_layers: 1,
        batch_size: 64,
        epochs: 1,
        lr_transformer: 2e-3,
        lr_lstm: 3e-3,
        test_sentences: 40,
    };
    // Quick mode: the embedded data, so this runs without a data folder.
    let report = run_quietly(cfg, settings).expect("the run succeeds");
    for key in ["bleu_transformer", "bleu_lstm"] {
        let bleu = report.measured[key].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&bleu), "{key} = {bleu}");
    }
    for file in [
        "attention_0.png",
        "translations.txt",
        "attention_maps.txt",
        "loss.svg",
        "transformer.safetensors",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    std::fs::remove_dir_all(&out).ok();
}

fn run_quietly(cfg: RunConfig, settings: Settings) -> Result<MilestoneReport, MilestoneError> {
    let mut run = Run::silent(find("transformer").unwrap(), cfg)?;
    run_with(&mut run, settings)?;
    run.finish()
}
