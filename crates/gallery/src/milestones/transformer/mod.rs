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
//!
//! Where we differ from the paper: English→Chinese Tatoeba sentences instead of WMT
//! English→German/French, models a few hundred times smaller (quick: d_model 96, 2+2
//! blocks, 5 epochs of 9,000 short pairs; full: d_model 192, 3+3 blocks, 10 epochs of
//! all 29k pairs), pre-LN blocks, AdamW with warmup then cosine decay, greedy decoding
//! instead of beam search, and no checkpoint averaging or label smoothing.
//!
//! Layout: `data.rs` (pairs, split, vocabularies, batches), `train.rs` (both
//! translators), `measure.rs` (translations and BLEU), `report.rs` (measurements,
//! notes, translations, attention maps, the saved Transformer).
//!
//! Run: `descent run transformer [--full] [--epochs N]`.

pub mod data;
mod measure;
mod report;
mod train;

use crate::{MilestoneError, Run, RunSettings};
use descent_models::translator::Translator;
use descent_nn::param_count;
use report::Outcome;

/// Sizes and budget of a run.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
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

impl RunSettings for Settings {
    /// On the pairs embedded in the binary.
    fn quick() -> Settings {
        Settings {
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

    /// The whole `translation/cmn-eng.tsv.gz` of the data folder.
    fn full() -> Settings {
        Settings {
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
    }

    /// `--epochs N`: both translators train for N passes over the pairs.
    fn with_epochs(self, epochs: usize) -> Settings {
        Settings { epochs, ..self }
    }
}

/// Runs the milestone with the settings of the run's mode and `--epochs`.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let settings = run.settings();
    run_with(run, settings)
}

/// Runs the milestone with explicit settings (tests use tiny ones): the pairs, both
/// translators trained on the same batches and scored by BLEU, the verdict, the report.
pub fn run_with(run: &mut Run, settings: Settings) -> Result<(), MilestoneError> {
    let corpus = data::prepare(run, &settings)?;
    let (transformer, lstm) = train::build(&settings, &corpus, run.seed());
    run.log(&format!(
        "transformer: {} train / {} test pairs, {} BPE tokens, {} target characters",
        corpus.train.len(),
        corpus.test.len(),
        corpus.source.size(),
        corpus.target.size()
    ));
    let mut results = Vec::new();
    for (model, lr) in [
        (&transformer as &dyn Translator, settings.lr_transformer),
        (&lstm as &dyn Translator, settings.lr_lstm),
    ] {
        let (losses, seconds) = train::train(model, &corpus.train, &settings, lr, run.seed());
        let (hypotheses, bleu) = measure::bleu(model, &corpus, settings.max_len);
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
    report::measurements(run, &results, &corpus, &settings);
    run.judge(results[0].bleu.score > results[1].bleu.score);
    report::notes(run, &settings);
    report::artifacts(run, &transformer, &corpus, &results)
}
