//! What the `transformer` run reports: BLEU and sizes of both translators, the notes on
//! how they were trained and scored, sample translations, the Transformer's
//! cross-attention maps on a few sentences, the loss curves, and the trained
//! Transformer in the one model format (with its vocabularies).

use super::data::{Corpus, Example, Pair};
use super::Settings;
use crate::{MilestoneError, Run, Training};
use descent_models::saved::Snapshot;
use descent_models::translator::{TranslationModel, TranslationModelConfig, TranslationTransformer, Translator};
use descent_report::{fact_keys, LineChart, Series};
use descent_text::bleu::BleuScore;

/// One translator trained and scored.
pub(crate) struct Outcome {
    /// `transformer` or `lstm`.
    pub(crate) name: &'static str,
    /// Its parameters.
    pub(crate) params: usize,
    /// Training loss of every step.
    pub(crate) losses: Vec<f32>,
    /// Seconds of training.
    pub(crate) seconds: f64,
    /// Corpus BLEU on the test sentences.
    pub(crate) bleu: BleuScore,
    /// Its translations of the test sentences.
    pub(crate) hypotheses: Vec<String>,
}

/// The measurements of both translators (the Transformer's first) and of the data.
pub(crate) fn measurements(run: &mut Run, results: &[Outcome], corpus: &Corpus, settings: &Settings) {
    let (t, l) = (&results[0], &results[1]);
    run.measure("bleu_transformer", t.bleu.score);
    run.measure("bleu_lstm", l.bleu.score);
    run.measure("params_transformer", t.params as u64);
    run.measure("params_lstm", l.params as u64);
    run.measure("train_seconds_transformer", t.seconds);
    run.measure("train_seconds_lstm", l.seconds);
    run.measure("steps", t.losses.len() as u64);
    run.measure("train_pairs", corpus.train.len() as u64);
    run.measure("test_sentences", corpus.test.len() as u64);
    run.measure("bpe_vocab", corpus.source.size() as u64);
    run.measure("target_vocab", corpus.target.size() as u64);
    run.measure(fact_keys::PARAMS, t.params.max(l.params) as u64);
    run.measure(fact_keys::EXAMPLES_SEEN, (2 * corpus.train.len() * settings.epochs) as u64);
    run.measure(fact_keys::DATA_BYTES, corpus.train_bytes as u64);
}

/// How both were built, trained and scored.
pub(crate) fn notes(run: &mut Run, settings: &Settings) {
    run.note(&format!(
        "Transformer: d_model {}, {} heads, {}+{} pre-LN blocks, sinusoidal positions. LSTM: embedding {}, {} layer(s) of {} units per side, source reversed. Same batches (equal source length, ≤ {} sentences), {} epochs, Adam with warmup + cosine, gradient clipping at 1; greedy decoding.",
        settings.d_model, settings.n_heads, settings.layers, settings.layers, settings.d_model, settings.lstm_layers, settings.lstm_hidden, settings.batch_size, settings.epochs
    ));
    run.note("BLEU: corpus BLEU with sacreBLEU's defaults and its `zh` tokenizer (each Chinese character a token), against one reference per sentence; test sentences are English sentences never seen in training (all their translations held out).");
    if !run.full() {
        run.note("Quick run: the 9,000 shortest pairs and small models for a few epochs; `--full` uses all 29k pairs and larger models.");
    }
}

/// Sample translations, cross-attention maps, the loss curves and the saved Transformer.
pub(crate) fn artifacts(
    run: &mut Run,
    transformer: &TranslationTransformer,
    corpus: &Corpus,
    results: &[Outcome],
) -> Result<(), MilestoneError> {
    let mut text = String::from("# English → Chinese test translations: reference | Transformer | LSTM\n\n");
    for (i, pair) in corpus.test_pairs.iter().enumerate().take(40) {
        text.push_str(&format!(
            "{}\n  ref:         {}\n  transformer: {}\n  lstm:        {}\n",
            pair.english, pair.chinese, results[0].hypotheses[i], results[1].hypotheses[i]
        ));
    }
    let maps = attention_maps(run, transformer, corpus)?;
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
        source: corpus.source.bpe.clone(),
        target_chars: corpus.target.chars.chars().iter().collect(),
    };
    let snapshot = Snapshot::parts::<TranslationModel>(&config, transformer);
    run.save("transformer.safetensors", snapshot, Training::finished(0))
}

/// Heatmaps of the last decoder block's cross-attention (heads averaged) for the three
/// longest of the first 200 test sentences (enough tokens to show alignment); returns
/// the text that says what each picture's rows and columns are.
fn attention_maps(run: &mut Run, transformer: &TranslationTransformer, corpus: &Corpus) -> Result<String, MilestoneError> {
    let mut maps = String::from(
        "# Cross-attention maps (last decoder block, heads averaged): rows = output characters, columns = English BPE tokens\n\n",
    );
    let mut shown: Vec<(&Example, &Pair)> = corpus.test.iter().zip(&corpus.test_pairs).take(200).collect();
    shown.sort_by_key(|(e, _)| std::cmp::Reverse(e.source.len()));
    for (k, (example, pair)) in shown.into_iter().take(3).enumerate() {
        let output = transformer.translate(&example.source, 1, 40).remove(0);
        let mut rows = output.clone();
        rows.push(descent_models::translator::EOS);
        let values = transformer.cross_attention_map(&example.source, &output);
        let name = format!("attention_{k}.png");
        run.heatmap(&name, &values, rows.len(), example.source.len(), 24)?;
        let columns: Vec<&str> = example.source.iter().map(|&i| corpus.source.bpe.token(i)).collect();
        maps.push_str(&format!(
            "{name}: {}\n  columns: {columns:?}\n  rows: {:?} + EOS\n",
            pair.english,
            corpus.target.decode(&output).chars().collect::<Vec<_>>()
        ));
    }
    Ok(maps)
}
