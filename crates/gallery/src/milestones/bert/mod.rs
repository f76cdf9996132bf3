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
//! random initialisation by at least two points (`PASS_GAP`) of test accuracy *and* ELMo's contextual
//! features beat its static ones by as much; otherwise FAIL, with the numbers.
//! Artifacts: accuracy curves of both fine-tunings, MLM and biLM loss curves, PCA
//! pictures of test sentence embeddings coloured by label.
//!
//! Where we differ from the papers: both language models are tiny and pre-trained here
//! on about a million words (quick: a 2-layer, 64-wide BERT for 900 MLM steps; full: 4
//! layers, 128 wide, 10,000 steps) instead of billions; no next-sentence prediction;
//! ELMo's features are the mean over a sentence of one biLSTM layer's states rather than
//! a learned mix of layers feeding a task model; fine-tuning runs a couple of epochs at
//! the better of two peak rates, chosen on dev.
//!
//! Layout: `data.rs` (the texts, vocabulary, tokenised corpus, batches), `train.rs`
//! (the optimiser every network uses, fine-tuning both BERT starts), `measure.rs`
//! (accuracies, embeddings, the logistic-regression probe), `report.rs` (measurements,
//! notes, pictures); and three files that are one thing each: `mlm.rs` (masked language
//! modelling, BERT's pre-training task and its held-out score), `elmo.rs` (part 1, the
//! ELMo comparison, whole) and `minilm.rs` (part 3, the real model, whole).
//!
//! Run: `descent run bert [--full] [--epochs N]` (epochs of fine-tuning).

mod data;
pub mod elmo;
mod measure;
mod minilm;
pub mod mlm;
mod report;
pub mod train;

use crate::{MilestoneError, Run, RunSettings};
use descent_models::bert::BertConfig;
use descent_models::elmo::BiLmConfig;
use elmo::BiLmSettings;
use mlm::MlmSettings;
use train::{FinetuneSettings, OptimSettings};

/// Test-accuracy gain (pre-trained − reference) a comparison needs to pass: two points,
/// about 1.5 standard errors of one accuracy on 872 sentences.
const PASS_GAP: f64 = 0.02;

/// Sizes and budgets of a run.
#[derive(Clone, Debug)]
pub struct Settings {
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

impl RunSettings for Settings {
    /// On the copies embedded in the binary.
    fn quick() -> Settings {
        Settings {
            vocab_size: 3000,
            max_len: 40,
            model: small_bert(64, 2),
            mlm: MlmSettings {
                steps: 900,
                batch_size: 64,
                optim: optim(2e-3),
                mask_prob: 0.15,
            },
            finetune: finetune(2, 3e-4),
            finetune_rates: vec![3e-4, 1e-3],
            bilm: bilm(64, 450),
            train_examples: 5_000,
            dev_examples: 1_000,
            held_out_lines: 500,
            minilm_train: 2_000,
            minilm_finetune: None,
        }
    }

    /// All of SST-2 and the other English, sized to the full-run budget (the parts' times
    /// are in docs/benchmarks.md); the 256-wide, 60k-example version would take hours.
    fn full() -> Settings {
        Settings {
            vocab_size: 8000,
            max_len: 64,
            model: small_bert(128, 4),
            mlm: MlmSettings {
                steps: 10_000,
                batch_size: 64,
                optim: optim(1e-3),
                mask_prob: 0.15,
            },
            finetune: finetune(3, 3e-4),
            finetune_rates: vec![3e-4, 1e-3],
            bilm: bilm(128, 2_000),
            train_examples: 20_000,
            dev_examples: 6_735,
            held_out_lines: 2_000,
            minilm_train: 20_000,
            minilm_finetune: Some(finetune(1, 1e-4)),
        }
    }

    /// `--epochs N`: N epochs of fine-tuning, for both starting points.
    fn with_epochs(mut self, epochs: usize) -> Settings {
        self.finetune.epochs = epochs;
        self
    }
}

/// BERT's optimisation at peak rate `lr`: weight decay 0.01, a tenth of the steps
/// warming up, gradients clipped at norm 1.
fn optim(lr: f32) -> OptimSettings {
    OptimSettings {
        lr,
        weight_decay: 0.01,
        warmup_fraction: 0.1,
        clip_norm: 1.0,
    }
}

/// A BERT `width` wide and `layers` deep (heads of 64, at least two; `vocab_size` is
/// set from the tokenizer).
fn small_bert(width: usize, layers: usize) -> BertConfig {
    BertConfig {
        vocab_size: 0,
        hidden_size: width,
        num_hidden_layers: layers,
        num_attention_heads: (width / 64).max(2),
        intermediate_size: 4 * width,
        max_position_embeddings: 128,
        type_vocab_size: 2,
        layer_norm_eps: 1e-12,
    }
}

/// `epochs` of fine-tuning in batches of 32 at peak rate `lr`, dropout 0.1 on the
/// pooled vector, two evaluations an epoch.
fn finetune(epochs: usize, lr: f32) -> FinetuneSettings {
    FinetuneSettings {
        epochs,
        batch_size: 32,
        optim: optim(lr),
        dropout: 0.1,
        evals_per_epoch: 2,
    }
}

/// A one-layer biLM `width` wide trained for `steps` steps, probed for 20 epochs.
fn bilm(width: usize, steps: usize) -> BiLmSettings {
    BiLmSettings {
        model: BiLmConfig {
            vocab_size: 0,
            embed_dim: width,
            hidden_size: width,
            num_layers: 1,
        },
        steps,
        batch_size: 64,
        optim: optim(3e-3),
        probe_epochs: 20,
    }
}

/// Runs the milestone with the settings of the run's mode and `--epochs`.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let settings = run.settings();
    run_with(run, settings)
}

/// Runs the milestone with explicit settings (tests use tiny ones): the text, ELMo's
/// comparison, BERT pre-trained and fine-tuned against the same from random
/// initialisation, the real model, the verdict, the report.
pub fn run_with(run: &mut Run, settings: Settings) -> Result<(), MilestoneError> {
    let texts = data::read_texts(&run.data(), run.full())?;
    run.uses_data(&texts.identity, &texts.description);
    let corpus = data::prepare(run, &texts, &settings)?;
    // 1. ELMo.
    let elmo = elmo::elmo(run, &corpus, &settings.bilm);
    // 2. BERT: MLM pre-training, then fine-tuning, against the same from random init.
    let config = BertConfig {
        vocab_size: corpus.vocab,
        ..settings.model
    };
    let (mlm_model, mlm) = mlm::pretrain_bert(run, &corpus, &config, &settings.mlm);
    let pretrained_embeddings = measure::mean_pooled(&mlm_model.bert, &corpus.test, corpus.pad);
    let bert = train::fine_tune_both(run, &corpus, &config, &settings, &mlm_model.bert);
    // 3. The real model: frozen, and (full run) fine-tuned.
    let real = minilm::real_model(run, &texts, &corpus, &settings)?;
    let outcome = report::Outcome {
        elmo,
        mlm,
        bert,
        real,
        pretrained_embeddings,
        vocab: corpus.vocab,
        corpus_tokens: corpus.tokens,
        examples_seen: 2 * corpus.train.ids.len() * settings.finetune.epochs
            + settings.mlm.steps * settings.mlm.batch_size
            + settings.bilm.steps * settings.bilm.batch_size,
        data_bytes: corpus.bytes,
    };
    report::measurements(run, &outcome);
    report::notes(run, &outcome);
    report::real_model(run, &outcome);
    run.judge(outcome.passed());
    report::artifacts(run, &outcome, &corpus.test)
}
