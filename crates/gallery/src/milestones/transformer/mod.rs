//! 2017 — Vaswani et al., "Attention Is All You Need".
//!
//! Introduced: the Transformer — sequence transduction with attention only:
//! `softmax(QKᵀ/√d_k)V`, multi-head self- and cross-attention, positional encodings, no
//! recurrence — which improved machine-translation BLEU over recurrent seq2seq models
//! while training faster.
//! We test: on English→Chinese sentence pairs (Tatoeba, `translation/cmn-eng.tsv.gz`), a
//! small encoder-decoder Transformer beats an LSTM seq2seq (Sutskever et al. 2014) of
//! similar size trained on the same batches for the same number of steps, scored by
//! corpus BLEU on held-out sentences with sacreBLEU's `zh` tokenizer (our BLEU is tested
//! against sacreBLEU's). English is split by a BPE trained here, Chinese by characters.
//! Artifacts: the cross-attention maps of a few sentences, sample translations, loss
//! curves, the trained Transformer.
//! Run: `descent run transformer [--full]`.

pub mod data;

use crate::{MilestoneError, Run, Training};
use data::{batches, examples, load_pairs, make_batch, split, Example, Pair, SourceVocab, TargetVocab};
use descent_models::saved::Snapshot;
use descent_models::translator::{LstmSeq2Seq, TransformerConfig, TranslationTransformer, Translator};
use descent_models::translator::{TranslationModel, TranslationModelConfig};
use descent_nn::{param_count, params};
use descent_optim::{clip_grad_norm, AdamW, AdamWConfig, LrSchedule, Optimizer};
use descent_report::{fact_keys, LineChart, Series};
use descent_tensor::Rng;
use descent_text::bleu::{corpus_bleu, BleuScore, BleuTokenizer};
use std::collections::BTreeMap;
use std::time::Instant;

/// Sizes and budget of a run.
#[derive(Clone, Copy, Debug)]
pub struct TranslationSettings {
    /// Use only the first (shortest) pairs of the file; `None` = all.
    pub max_pairs: Option<usize>,
    /// English BPE vocabulary size.
    pub bpe_vocab: usize,
    /// Longest sentence kept (tokens, either side).
    pub max_len: usize,
    /// Transformer width (the LSTM's embedding too).
    pub d_model: usize,
    /// Transformer heads.
    pub n_heads: usize,
    /// Encoder and decoder blocks each.
    pub layers: usize,
    /// LSTM hidden units (chosen so both models have similar parameter counts).
    pub lstm_hidden: usize,
    /// LSTM layers per side.
    pub lstm_layers: usize,
    /// Sentences per batch (at most).
    pub batch_size: usize,
    /// Passes over the training pairs.
    pub epochs: usize,
    /// Peak learning rate of the Transformer (warmup, cosine).
    pub lr_transformer: f32,
    /// Peak learning rate of the LSTM.
    pub lr_lstm: f32,
    /// Test sentences translated for BLEU (at most).
    pub test_sentences: usize,
}

impl TranslationSettings {
    /// Quick (about a minute on 2 cores, on the pairs embedded in the binary) or full
    /// (the whole `translation/cmn-eng.tsv.gz` of the data folder).
    pub fn for_mode(full: bool) -> TranslationSettings {
        if full {
            TranslationSettings {
                max_pairs: None,
                bpe_vocab: 3000,
                max_len: 48,
                d_model: 192,
                n_heads: 6,
                layers: 3,
                lstm_hidden: 320,
                lstm_layers: 2,
                batch_size: 64,
                epochs: 10,
                lr_transformer: 1e-3,
                lr_lstm: 2e-3,
                test_sentences: 2000,
            }
        } else {
            TranslationSettings {
                // The embedded pairs are these 9,000 (the file's first, shortest lines).
                max_pairs: Some(9000),
                bpe_vocab: 800,
                max_len: 24,
                d_model: 96,
                n_heads: 4,
                layers: 2,
                lstm_hidden: 160,
                lstm_layers: 1,
                batch_size: 64,
                epochs: 5,
                lr_transformer: 2e-3,
                lr_lstm: 3e-3,
                test_sentences: 400,
            }
        }
    }
}

/// Trains `model` on `train` for the settings' epochs; returns per-step losses and seconds.
fn train(model: &dyn Translator, train: &[Example], settings: &TranslationSettings, lr: f32, seed: u64) -> (Vec<f32>, f64) {
    let all = params(model);
    let steps_per_epoch = batches(train, settings.batch_size, seed, 0).len();
    let total = steps_per_epoch * settings.epochs;
    let schedule = LrSchedule::cosine(lr, lr / 20.0, total - total / 20).with_warmup(total / 20);
    let mut optimizer = AdamW::new(AdamWConfig {
        lr,
        weight_decay: 0.0,
        ..AdamWConfig::default()
    });
    let (mut losses, start, mut step) = (Vec::with_capacity(total), Instant::now(), 0);
    for epoch in 0..settings.epochs {
        for batch in batches(train, settings.batch_size, seed, epoch as u64) {
            let loss = model.loss(&batch);
            let mut grads = loss.backward();
            clip_grad_norm(&mut grads, &all, 1.0);
            optimizer.set_learning_rate(schedule.lr_at(step));
            optimizer.step(&all, &grads);
            losses.push(loss.item());
            step += 1;
        }
    }
    (losses, start.elapsed().as_secs_f64())
}

/// Greedy translations of `test`, in its order, as token ids.
fn translate_all(model: &dyn Translator, test: &[Example], max_len: usize) -> Vec<Vec<usize>> {
    let mut by_len: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    test.iter()
        .enumerate()
        .for_each(|(i, e)| by_len.entry(e.source.len()).or_default().push(i));
    let mut out = vec![Vec::new(); test.len()];
    for indices in by_len.values() {
        for chunk in indices.chunks(128) {
            let batch = make_batch(&chunk.iter().map(|&i| &test[i]).collect::<Vec<_>>());
            for (&i, ids) in chunk.iter().zip(model.translate(&batch.source, batch.size, max_len)) {
                out[i] = ids;
            }
        }
    }
    out
}

/// Runs the milestone with the mode's settings.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let mut settings = TranslationSettings::for_mode(run.full());
    if let Some(epochs) = run.epochs() {
        settings.epochs = epochs;
    }
    run_with(run, settings)
}

/// Runs the milestone with explicit settings (tests use tiny ones).
pub fn run_with(run: &mut Run, settings: TranslationSettings) -> Result<(), MilestoneError> {
    let mut pairs = load_pairs(run)?;
    pairs.truncate(settings.max_pairs.unwrap_or(usize::MAX));
    let (train_pairs, test_pairs) = split(&pairs, 20);
    let source = SourceVocab::train(train_pairs.iter().map(|p| p.english.as_str()), settings.bpe_vocab);
    let target = TargetVocab::from_sentences(train_pairs.iter().map(|p| p.chinese.as_str()));
    let train_set = examples(&train_pairs, &source, &target, settings.max_len);
    let test_kept: Vec<(Example, &Pair)> = test_pairs
        .iter()
        .filter_map(|p| {
            examples(std::slice::from_ref(p), &source, &target, settings.max_len)
                .pop()
                .map(|e| (e, p))
        })
        .take(settings.test_sentences)
        .collect();
    let test_set: Vec<Example> = test_kept.iter().map(|(e, _)| e.clone()).collect();
    let references: Vec<String> = test_kept.iter().map(|(_, p)| p.chinese.clone()).collect();
    if train_set.is_empty() || test_set.is_empty() {
        return Err(MilestoneError::Config(format!(
            "no usable pairs: {} train, {} test",
            train_set.len(),
            test_set.len()
        )));
    }
    let mut rng = Rng::new(run.seed());
    let config = TransformerConfig {
        source_vocab: source.size(),
        target_vocab: target.size(),
        d_model: settings.d_model,
        n_heads: settings.n_heads,
        encoder_layers: settings.layers,
        decoder_layers: settings.layers,
        max_len: settings.max_len + 1,
    };
    let transformer = TranslationTransformer::new(config, &mut rng);
    let lstm = LstmSeq2Seq::new(
        source.size(),
        target.size(),
        settings.d_model,
        settings.lstm_hidden,
        settings.lstm_layers,
        &mut rng,
    );
    run.log(&format!(
        "transformer: {} train / {} test pairs, {} BPE tokens, {} target characters",
        train_set.len(),
        test_set.len(),
        source.size(),
        target.size()
    ));
    let mut results = Vec::new();
    for (model, lr) in [
        (&transformer as &dyn Translator, settings.lr_transformer),
        (&lstm as &dyn Translator, settings.lr_lstm),
    ] {
        let (losses, seconds) = train(model, &train_set, &settings, lr, run.seed());
        let hypotheses: Vec<String> = translate_all(model, &test_set, settings.max_len)
            .iter()
            .map(|ids| target.decode(ids))
            .collect();
        let bleu = corpus_bleu(&hypotheses, &references, BleuTokenizer::Zh);
        run.log(&format!(
            "{}: BLEU {:.2} after {} steps ({seconds:.0}s)",
            model.name(),
            bleu.score,
            losses.len()
        ));
        results.push(Outcome {
            name: model.name(),
            params: param_count(model),
            losses,
            seconds,
            bleu,
            hypotheses,
        });
    }
    let (t, l) = (&results[0], &results[1]);
    run.measure("bleu_transformer", t.bleu.score);
    run.measure("bleu_lstm", l.bleu.score);
    run.measure("params_transformer", t.params as u64);
    run.measure("params_lstm", l.params as u64);
    run.measure("train_seconds_transformer", t.seconds);
    run.measure("train_seconds_lstm", l.seconds);
    run.measure("steps", t.losses.len() as u64);
    run.measure("train_pairs", train_set.len() as u64);
    run.measure("test_sentences", test_set.len() as u64);
    run.measure("bpe_vocab", source.size() as u64);
    run.measure("target_vocab", target.size() as u64);
    run.measure(fact_keys::PARAMS, t.params.max(l.params) as u64);
    run.measure(fact_keys::EXAMPLES_SEEN, (2 * train_set.len() * settings.epochs) as u64);
    let bytes: usize = train_pairs.iter().map(|p| p.english.len() + p.chinese.len()).sum();
    run.measure(fact_keys::DATA_BYTES, bytes as u64);
    run.judge(t.bleu.score > l.bleu.score);
    run.note(&format!(
        "Transformer: d_model {}, {} heads, {}+{} pre-LN blocks, sinusoidal positions. LSTM: embedding {}, {} layer(s) of {} units per side, source reversed. Same batches (equal source length, ≤ {} sentences), {} epochs, Adam with warmup + cosine, gradient clipping at 1; greedy decoding.",
        settings.d_model, settings.n_heads, settings.layers, settings.layers, settings.d_model, settings.lstm_layers, settings.lstm_hidden, settings.batch_size, settings.epochs
    ));
    run.note("BLEU: corpus BLEU with sacreBLEU's defaults and its `zh` tokenizer (each Chinese character a token), against one reference per sentence; test sentences are English sentences never seen in training (all their translations held out).");
    if !run.full() {
        run.note("Quick run: the 9,000 shortest pairs and small models for a few epochs; `--full` uses all 29k pairs and larger models.");
    }
    write_artifacts(run, &transformer, &test_kept, &source, &target, &results)
}

/// One translator trained and scored.
struct Outcome {
    name: &'static str,
    params: usize,
    losses: Vec<f32>,
    seconds: f64,
    bleu: BleuScore,
    hypotheses: Vec<String>,
}

fn write_artifacts(
    run: &mut Run,
    transformer: &TranslationTransformer,
    test: &[(Example, &Pair)],
    source: &SourceVocab,
    target: &TargetVocab,
    results: &[Outcome],
) -> Result<(), MilestoneError> {
    let mut text = String::from("# English → Chinese test translations: reference | Transformer | LSTM\n\n");
    for (i, (_, pair)) in test.iter().enumerate().take(40) {
        text.push_str(&format!(
            "{}\n  ref:         {}\n  transformer: {}\n  lstm:        {}\n",
            pair.english, pair.chinese, results[0].hypotheses[i], results[1].hypotheses[i]
        ));
    }
    let mut maps = String::from(
        "# Cross-attention maps (last decoder block, heads averaged): rows = output characters, columns = English BPE tokens\n\n",
    );
    // The three longest of the first 200 test sentences: enough tokens to show alignment.
    let mut shown: Vec<&(Example, &Pair)> = test.iter().take(200).collect();
    shown.sort_by_key(|(e, _)| std::cmp::Reverse(e.source.len()));
    for (k, (example, pair)) in shown.into_iter().take(3).enumerate() {
        let output = transformer.translate(&example.source, 1, 40).remove(0);
        let mut rows = output.clone();
        rows.push(descent_models::translator::EOS);
        let values = transformer.cross_attention_map(&example.source, &output);
        let name = format!("attention_{k}.png");
        run.heatmap(&name, &values, rows.len(), example.source.len(), 24)?;
        let columns: Vec<&str> = example.source.iter().map(|&i| source.bpe.token(i)).collect();
        maps.push_str(&format!(
            "{name}: {}\n  columns: {columns:?}\n  rows: {:?} + EOS\n",
            pair.english,
            target.decode(&output).chars().collect::<Vec<_>>()
        ));
    }
    for (name, body) in [("translations.txt", text), ("attention_maps.txt", maps)] {
        run.write_text(name, &body)?;
    }
    let chart = LineChart {
        title: "Training loss, English→Chinese".into(),
        x_label: "step".into(),
        y_label: "cross-entropy (nats/char)".into(),
        series: results.iter().map(|r| Series::indexed_f32(r.name, &r.losses)).collect(),
        log_y: false,
    };
    run.line_chart("loss.svg", &chart)?;
    let config = TranslationModelConfig {
        net: transformer.config,
        source: source.bpe.clone(),
        target_chars: target.chars.chars().iter().collect(),
    };
    let snapshot = Snapshot::parts::<TranslationModel>(&config, transformer);
    run.save("transformer.safetensors", snapshot, Training::finished(0))
}
