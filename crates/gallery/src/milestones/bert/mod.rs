//! 2018 — Peters et al., "Deep contextualized word representations" (ELMo), and Devlin
//! et al., "BERT: Pre-training of Deep Bidirectional Transformers for Language
//! Understanding".
//!
//! Introduced: train a large network on *unlabelled* text first — ELMo with a
//! bidirectional LSTM language model, BERT with a masked-language-model "cloze" task on
//! a Transformer encoder — then reuse it for a task with few labels, either frozen (its
//! features feed a small classifier) or fine-tuned end to end. The pre-trained network
//! already knows the language; the labels only have to say what the task is.
//!
//! We test, on SST-2 sentiment (test = GLUE's dev set, 872 sentences), with the same
//! labelled examples and fine-tuning budget both ways:
//! 1. ELMo: a biLSTM LM trained on unlabelled text (SST-2 train and dev sentences
//!    without labels, tiny Shakespeare, Tatoeba English); a logistic regression on its
//!    frozen, sentence-averaged contextual states against the same on its context-free
//!    token embeddings.
//! 2. BERT: a small BERT pre-trained from scratch with MLM on the same text (its
//!    WordPiece vocabulary learned there too), then fine-tuned, against the identical
//!    network fine-tuned from random initialisation; each starting point at the peak
//!    learning rate (of a small grid) that gives it the best validation accuracy. The
//!    held-out MLM loss is compared with the unigram entropy (what frequencies alone
//!    achieve).
//! 3. The real model: frozen all-MiniLM-L6-v2 sentence embeddings + logistic regression,
//!    their nearest neighbours (`neighbours.md`), and in the full run MiniLM fine-tuned
//!    end to end, when `descent data fetch minilm` has put the folder on this machine
//!    (skipped and said so otherwise). Published anchors are printed beside ours.
//!
//! The verdict is the measured gap: PASS when the pre-trained BERT beats the one from
//! random initialisation by at least [`PASS_GAP`] test accuracy *and* ELMo's contextual
//! features beat its static ones by as much; otherwise FAIL, with the numbers.
//! Artifacts: accuracy curves of both fine-tunings, MLM and biLM loss curves, PCA
//! pictures of test sentence embeddings coloured by label.
//! Run: `descent run bert [--full] [--epochs N]` (epochs of fine-tuning).

pub mod data;
pub mod elmo;
pub mod finetune;
pub mod minilm;
pub mod pretrain;
pub mod probe;
mod report;
pub mod train;

use crate::{MilestoneError, Run};
use data::{encode, learn_vocabulary, sample};
use descent_models::bert::{Bert, BertClassifier, BertConfig, BertForMaskedLm};
use descent_models::elmo::BiLmConfig;
use descent_nn::{named_params, Checkpoint};
use descent_tensor::Rng;
use elmo::{run_elmo, BiLmSettings};
use finetune::{fine_tune_best_rate, Encoded, FinetuneSettings};
use pretrain::{pretrain, MaskIds, MlmSettings};
use train::OptimSettings;

/// Test-accuracy gain (pre-trained − reference) a comparison needs to pass: two points,
/// about 1.5 standard errors of one accuracy on 872 sentences.
pub const PASS_GAP: f64 = 0.02;

/// Sizes and budgets of a run.
#[derive(Clone, Debug)]
pub struct BertSettings {
    /// WordPiece vocabulary size (learned from the pre-training text).
    pub vocab_size: usize,
    /// Longest token sequence (`[CLS]` and `[SEP]` included).
    pub max_len: usize,
    /// The small BERT (`vocab_size` is set from the tokenizer).
    pub model: BertConfig,
    /// MLM pre-training.
    pub mlm: MlmSettings,
    /// Fine-tuning (the same for both starting points).
    pub finetune: FinetuneSettings,
    /// Peak learning rates each starting point is fine-tuned at; the run of best
    /// validation accuracy is reported (`finetune.optim.lr` is not used).
    pub finetune_rates: Vec<f32>,
    /// The ELMo part.
    pub bilm: BiLmSettings,
    /// Labelled SST-2 train rows used for fine-tuning and probes.
    pub train_examples: usize,
    /// SST-2 dev rows used for validation.
    pub dev_examples: usize,
    /// Pre-training lines held out to score the language models.
    pub held_out_lines: usize,
    /// Labelled rows the MiniLM probe is fitted on (and MiniLM fine-tuned on).
    pub minilm_train: usize,
    /// End-to-end fine-tuning of MiniLM (full run), or none.
    pub minilm_finetune: Option<FinetuneSettings>,
}

impl BertSettings {
    /// Quick (under a minute on 2 cores, embedded data) or full (about half an hour).
    pub fn for_mode(full: bool) -> BertSettings {
        let optim = |lr| OptimSettings {
            lr,
            weight_decay: 0.01,
            warmup_fraction: 0.1,
            clip_norm: 1.0,
        };
        // Full: sized to about half an hour on 2 cores (MLM ~7 min, biLM ~5, fine-tunings ~8,
        // MiniLM ~6); the 256-wide, 60k-example version would take hours.
        let (width, layers, steps, epochs, train_examples) = if full {
            (128, 4, 10_000, 3, 20_000)
        } else {
            (64, 2, 900, 2, 5_000)
        };
        BertSettings {
            vocab_size: if full { 8000 } else { 3000 },
            max_len: if full { 64 } else { 40 },
            model: BertConfig {
                vocab_size: 0,
                hidden_size: width,
                num_hidden_layers: layers,
                num_attention_heads: (width / 64).max(2),
                intermediate_size: 4 * width,
                max_position_embeddings: 128,
                type_vocab_size: 2,
                layer_norm_eps: 1e-12,
            },
            mlm: MlmSettings {
                steps,
                batch_size: 64,
                optim: optim(if full { 1e-3 } else { 2e-3 }),
                mask_prob: 0.15,
            },
            finetune: FinetuneSettings {
                epochs,
                batch_size: 32,
                optim: optim(3e-4),
                dropout: 0.1,
                evals_per_epoch: 2,
            },
            finetune_rates: vec![3e-4, 1e-3],
            bilm: BiLmSettings {
                model: BiLmConfig {
                    vocab_size: 0,
                    embed_dim: width,
                    hidden_size: width,
                    num_layers: 1,
                },
                steps: if full { 2_000 } else { steps / 2 },
                batch_size: 64,
                optim: optim(3e-3),
                probe_epochs: 20,
            },
            train_examples,
            dev_examples: if full { 6_735 } else { 1_000 },
            held_out_lines: if full { 2_000 } else { 500 },
            minilm_train: if full { 20_000 } else { 2_000 },
            minilm_finetune: full.then(|| FinetuneSettings {
                epochs: 1,
                batch_size: 32,
                optim: optim(1e-4),
                dropout: 0.1,
                evals_per_epoch: 2,
            }),
        }
    }
}

/// Runs the milestone with the mode's settings.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let mut settings = BertSettings::for_mode(run.full());
    if let Some(epochs) = run.epochs() {
        settings.finetune.epochs = epochs;
    }
    run_with(run, settings)
}

/// Runs the milestone with explicit settings (tests use tiny ones).
pub fn run_with(run: &mut Run, settings: BertSettings) -> Result<(), MilestoneError> {
    let texts = data::read_texts(&run.data(), run.full())?;
    run.uses_data(&texts.identity, &texts.description);
    let mut rng = Rng::new(run.seed());
    // Unlabelled text: SST-2 train and dev without labels, then other English; shuffled,
    // a slice held out. The test sentences are never part of it.
    let mut unlabelled: Vec<&str> = texts.train.iter().chain(&texts.dev).map(|r| r.text.as_str()).collect();
    unlabelled.extend(texts.other_english.iter().map(String::as_str));
    rng.shuffle(&mut unlabelled);
    let held = settings.held_out_lines.min(unlabelled.len() / 10);
    let (held_out_text, corpus_text) = unlabelled.split_at(held);
    let tokenizer = learn_vocabulary(corpus_text.iter().copied(), settings.vocab_size)?;
    let vocab = tokenizer.vocab_size();
    let sequences = |lines: &[&str]| -> Vec<Vec<usize>> {
        lines
            .iter()
            .map(|l| encode(&tokenizer, l, settings.max_len))
            .filter(|s| s.len() >= 3)
            .collect()
    };
    let (corpus, held_out) = (sequences(corpus_text), sequences(held_out_text));
    let labelled = |rows: &[data::Labelled]| Encoded {
        ids: rows.iter().map(|r| encode(&tokenizer, &r.text, settings.max_len)).collect(),
        labels: rows.iter().map(|r| r.label).collect(),
    };
    let train_rows = sample(&texts.train, settings.train_examples, &mut rng);
    let dev_rows = sample(&texts.dev, settings.dev_examples, &mut rng);
    let (train, dev, test) = (labelled(&train_rows), labelled(&dev_rows), labelled(&texts.test));
    let pad = tokenizer.pad_id() as usize;
    let corpus_tokens: usize = corpus.iter().map(Vec::len).sum();
    run.log(&format!(
        "bert: {} unlabelled sequences ({corpus_tokens} tokens, WordPiece vocabulary {vocab}), {} held out; {} / {} / {} labelled train / dev / test",
        corpus.len(),
        held_out.len(),
        train.ids.len(),
        dev.ids.len(),
        test.ids.len()
    ));

    // 1. ELMo.
    let bilm = BiLmSettings {
        model: BiLmConfig {
            vocab_size: vocab,
            ..settings.bilm.model
        },
        ..settings.bilm
    };
    let phase = run.phase("biLM", bilm.steps as u64);
    let elmo = run_elmo(&corpus, &held_out, [&train, &dev, &test], pad, &bilm, run.seed(), &phase);
    run.log(&format!(
        "ELMo: biLM held-out loss {:.3}; logistic regression on static embeddings {:.1}%, on contextual states {:.1}% (test)",
        elmo.held_out_loss,
        100.0 * elmo.static_probe.test_accuracy,
        100.0 * elmo.contextual_probe.test_accuracy
    ));

    // 2. BERT: MLM pre-training, then fine-tuning, against the same from random init.
    let config = BertConfig {
        vocab_size: vocab,
        ..settings.model
    };
    let mlm_model = BertForMaskedLm::new(&config, &mut Rng::new(run.seed() ^ 0xBE27));
    let ids = MaskIds {
        mask: tokenizer.id("[MASK]").expect("trained vocabularies hold [MASK]") as usize,
        first_regular: data::FIRST_REGULAR,
        vocab,
        pad,
    };
    let phase = run.phase("MLM pre-training", settings.mlm.steps as u64);
    let mlm = pretrain(&mlm_model, &corpus, &held_out, ids, &settings.mlm, run.seed(), &phase);
    run.log(&format!(
        "MLM: held-out loss {:.3} nats vs unigram entropy {:.3} ({} steps, {:.0} s)",
        mlm.held_out_loss, mlm.unigram_entropy, settings.mlm.steps, mlm.seconds
    ));
    let pretrained_embeddings = report::mean_pooled(&mlm_model.bert, &test, pad);
    let rates = &settings.finetune_rates;
    let steps = (train.ids.len().div_ceil(settings.finetune.batch_size) * settings.finetune.epochs * rates.len()) as u64;
    let head_seed = run.seed() ^ 0xC1A5;
    let classifier = |bert: Bert| BertClassifier::new(bert, 2, settings.finetune.dropout, &mut Rng::new(head_seed));
    let pretrained_weights = Checkpoint::from_params(&named_params(&mlm_model.bert), Default::default());
    let params = descent_nn::param_count(&classifier(Bert::new(&config, &mut Rng::new(0))));
    let data = [&train, &dev, &test];
    let tune = |label: &str, make: &dyn Fn() -> BertClassifier| {
        let phase = run.phase(label, steps);
        fine_tune_best_rate(make, rates, data, pad, &settings.finetune, run.seed(), &phase)
    };
    let tuned = tune("fine-tune pre-trained", &|| {
        let bert = Bert::new(&config, &mut Rng::new(0));
        pretrained_weights
            .apply(&named_params(&bert), &[])
            .expect("a copy of the same configuration has the same tensors");
        classifier(bert)
    });
    let scratch = tune("fine-tune from scratch", &|| {
        classifier(Bert::new(&config, &mut Rng::new(run.seed() ^ 0x5C2A)))
    });
    run.log(&format!(
        "BERT fine-tuned: pre-trained {:.1}% (lr {}), from random init {:.1}% (lr {}) (test, at the best dev evaluation)",
        100.0 * tuned.best.test,
        tuned.lr,
        100.0 * scratch.best.test,
        scratch.lr
    ));

    // 3. The real model: frozen, and (full run) fine-tuned.
    let minilm_rows = sample(&texts.train, settings.minilm_train, &mut Rng::new(run.seed() ^ 0x3141));
    let out_dir = run.dir()?;
    let plan = minilm::MinilmPlan {
        probe_epochs: bilm.probe_epochs,
        fine_tune: settings.minilm_finetune,
        out_dir: &out_dir,
        seed: run.seed(),
    };
    let real = minilm::run_minilm(&run.data(), [&minilm_rows, &dev_rows, &texts.test], &plan, |steps| {
        run.phase("fine-tune MiniLM", steps)
    })?;
    let outcome = report::Outcome {
        elmo,
        mlm,
        tuned,
        scratch,
        real,
        pretrained_embeddings,
        params,
        vocab,
        corpus_tokens,
        examples_seen: 2 * train.ids.len() * settings.finetune.epochs
            + settings.mlm.steps * settings.mlm.batch_size
            + bilm.steps * bilm.batch_size,
        data_bytes: corpus_text.iter().chain(held_out_text).map(|l| l.len()).sum::<usize>()
            + train_rows.iter().map(|r| r.text.len()).sum::<usize>(),
    };
    report::record(run, &outcome, &test)
}
