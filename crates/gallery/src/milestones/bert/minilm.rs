//! Part 3 of the claim, whole — the real thing, frozen: all-MiniLM-L6-v2 (a 6-layer BERT distilled from a large one,
//! then trained on a billion sentence pairs) turns each sentence into a 384-d vector;
//! a logistic regression on those vectors classifies sentiment. Only the regression sees
//! SST-2's labels. The full run also fine-tunes it end to end (every weight moves, its
//! mean pooling kept, a Linear head on top). Its neighbours in embedding space, found
//! the way `descent search` finds them, are written out for a reader. When the model
//! folder is not on this machine the part is skipped and the report says how to get it.

use super::data::{sample, Corpus, Encoded, Labelled, Texts};
use super::measure::{probe, FeatureSplit, ProbeData, ProbeOutcome};
use super::train::{fine_tune, FinetuneOutcome, FinetuneSettings};
use super::Settings;
use crate::common::minilm::{find_minilm, load_encoder};
use crate::{MilestoneError, Phase, Run};
use descent_data::DataLocator;
use descent_models::bert::search::{cache_path, corpus_index, search, Hit};
use descent_models::bert::{cosine, BertClassifier, SentenceEncoder};
use descent_tensor::Rng;
use std::path::Path;

/// What the frozen MiniLM measured.
pub(crate) struct MinilmOutcome {
    /// The logistic regression on its embeddings.
    pub(crate) probe: ProbeOutcome,
    /// Test sentence embeddings (n_test, width), for the picture.
    pub(crate) test_embeddings: Vec<f32>,
    /// Embedding width.
    pub(crate) width: usize,
    /// Sentences embedded (all splits).
    pub(crate) sentences: usize,
    /// The model's identity (folder and weights hash).
    pub(crate) identity: String,
    /// Share of test sentences whose nearest other test sentence (cosine) has the same
    /// label: how much sentiment the embedding space holds without any training.
    pub(crate) neighbour_agreement: f64,
    /// Fine-tuned end to end (full run only).
    pub(crate) tuned: Option<FinetuneOutcome>,
}

/// Whether the part ran.
pub(crate) enum Minilm {
    /// It ran.
    Measured(MinilmOutcome),
    /// The folder is absent: why, and the command that fetches it.
    Absent {
        /// What was looked for.
        reason: String,
        /// How to get it.
        fix: String,
    },
}

/// What the MiniLM part does besides the frozen probe.
struct MinilmPlan<'a> {
    /// Epochs of the probe's logistic regression.
    probe_epochs: usize,
    /// End-to-end fine-tuning, when asked for.
    fine_tune: Option<FinetuneSettings>,
    /// Where `descent search`'s corpus (the test sentences) and the neighbours go.
    out_dir: &'a Path,
    /// Seed of the probe and the fine-tuning.
    seed: u64,
}

/// Part 3 on the run's text: MiniLM's probe fitted on `settings.minilm_train` SST-2
/// train rows (its own draw), validated on the run's dev rows, scored on the test
/// split; its neighbours written to the output folder; fine-tuned when the settings
/// ask.
pub(crate) fn real_model(run: &Run, texts: &Texts, corpus: &Corpus, settings: &Settings) -> Result<Minilm, MilestoneError> {
    let minilm_rows = sample(&texts.train, settings.minilm_train, &mut Rng::new(run.seed() ^ 0x3141));
    let out_dir = run.dir()?;
    let plan = MinilmPlan {
        probe_epochs: settings.bilm.probe_epochs,
        fine_tune: settings.minilm_finetune,
        out_dir: &out_dir,
        seed: run.seed(),
    };
    run_minilm(&run.data(), [&minilm_rows, &corpus.dev_rows, &texts.test], &plan, |steps| {
        run.phase("fine-tune MiniLM", steps)
    })
}

/// Embeds `train`, `dev` and `test` with MiniLM (if found), probes the embeddings,
/// writes nearest neighbours and, if planned, fine-tunes the model.
fn run_minilm(
    locator: &DataLocator,
    [train, dev, test]: [&[Labelled]; 3],
    plan: &MinilmPlan,
    phase: impl Fn(u64) -> Phase,
) -> Result<Minilm, MilestoneError> {
    let dir = match find_minilm(locator) {
        Ok(dir) => dir,
        Err(MilestoneError::MissingData { reason, fix }) => return Ok(Minilm::Absent { reason, fix }),
        Err(e) => return Err(e),
    };
    let encoder = load_encoder(Some(&dir), locator)?;
    let width = encoder.dim();
    let split = |rows: &[Labelled]| {
        let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        FeatureSplit {
            features: encoder.encode(&texts, 32).concat(),
            labels: rows.iter().map(|r| r.label).collect(),
        }
    };
    let data = ProbeData {
        width,
        train: split(train),
        dev: split(dev),
        test: split(test),
    };
    write_neighbours(&encoder, test, plan.out_dir)?;
    let probe = probe(&data, plan.probe_epochs, plan.seed);
    let neighbour_agreement = neighbour_agreement(&data.test.features, width, &data.test.labels);
    let identity = encoder.identity.clone();
    let tuned = plan.fine_tune.map(|settings| {
        let steps = train.len().div_ceil(settings.batch_size.max(1)) * settings.epochs;
        fine_tune_end_to_end(encoder, [train, dev, test], &settings, plan.seed, &phase(steps as u64))
    });
    Ok(Minilm::Measured(MinilmOutcome {
        probe,
        neighbour_agreement,
        test_embeddings: data.test.features,
        width,
        sentences: train.len() + dev.len() + test.len(),
        identity,
        tuned,
    }))
}

/// Fine-tunes the whole encoder with a classification head on its mean-pooled states.
fn fine_tune_end_to_end(
    encoder: SentenceEncoder,
    [train, dev, test]: [&[Labelled]; 3],
    settings: &FinetuneSettings,
    seed: u64,
    phase: &Phase,
) -> FinetuneOutcome {
    let encode = |rows: &[Labelled]| Encoded {
        ids: rows
            .iter()
            .map(|r| encoder.token_ids(&r.text).into_iter().map(|id| id as usize).collect())
            .collect(),
        labels: rows.iter().map(|r| r.label).collect(),
    };
    let (train, dev, test) = (encode(train), encode(dev), encode(test));
    let pad = encoder.tokenizer.pad_id() as usize;
    let model = BertClassifier::new(encoder.model, 2, settings.dropout, &mut Rng::new(seed ^ 0x3A11));
    fine_tune(&model, [&train, &dev, &test], pad, settings, seed, phase)
}

/// Share of rows whose most similar other row (cosine) carries the same label.
fn neighbour_agreement(rows: &[f32], width: usize, labels: &[usize]) -> f64 {
    let vectors: Vec<&[f32]> = rows.chunks(width.max(1)).collect();
    let same = (0..vectors.len())
        .filter(|&i| {
            let nearest = (0..vectors.len())
                .filter(|&j| j != i)
                .map(|j| (cosine(vectors[i], vectors[j]), j))
                .max_by(|a, b| a.0.total_cmp(&b.0));
            nearest.is_some_and(|(_, j)| labels[j] == labels[i])
        })
        .count();
    same as f64 / vectors.len().max(1) as f64
}

/// Queries whose neighbours the report shows (none of them is an SST-2 sentence).
const QUERIES: [&str; 4] = [
    "a moving , beautifully acted film",
    "a boring mess that goes nowhere",
    "the jokes fall flat",
    "i laughed and cried",
];

/// Writes the test sentences as a corpus (`sst2_test.txt`) and each query's five
/// nearest lines with their scores and labels (`neighbours.md`), through the same
/// index and search as `descent search --corpus`.
fn write_neighbours(encoder: &SentenceEncoder, test: &[Labelled], out_dir: &Path) -> Result<(), MilestoneError> {
    let corpus = out_dir.join("sst2_test.txt");
    let text: String = test.iter().map(|r| format!("{}\n", r.text.replace('\n', " "))).collect();
    std::fs::write(&corpus, &text).map_err(|e| MilestoneError::io(&corpus, e))?;
    let cache = cache_path(&corpus);
    let index = corpus_index(encoder, &text, Some(&cache));
    if index.rebuilt {
        index.save_cache(&cache)?;
    }
    let mut md = String::from("# Nearest SST-2 test sentences under frozen all-MiniLM-L6-v2\n\nThe same search as `descent search --model DIR --corpus sst2_test.txt QUERY`; the label is SST-2's (the search never sees it).\n");
    for query in QUERIES {
        md.push_str(&format!("\n## \"{query}\"\n\n| cosine | label | sentence |\n|---|---|---|\n"));
        for Hit { line, text, score } in search(encoder, &index, query, 5) {
            let label = if test[line - 1].label == 1 { "positive" } else { "negative" };
            md.push_str(&format!("| {score:.3} | {label} | {} |\n", text.replace('|', "\\|")));
        }
    }
    let path = out_dir.join("neighbours.md");
    std::fs::write(&path, md).map_err(|e| MilestoneError::io(&path, e))
}

#[cfg(test)]
mod tests {
    use super::neighbour_agreement;

    #[test]
    fn neighbour_agreement_counts_same_label_nearest_rows() {
        // Two tight pairs: (0, 1) near (1, 0), (2, 3) near (0, 1).
        let rows = [1.0, 0.0, 0.99, 0.1, 0.0, 1.0, 0.1, 0.99];
        assert_eq!(neighbour_agreement(&rows, 2, &[0, 0, 1, 1]), 1.0);
        assert_eq!(neighbour_agreement(&rows, 2, &[0, 1, 0, 1]), 0.0);
        assert_eq!(neighbour_agreement(&rows, 2, &[0, 0, 0, 1]), 0.5);
    }
}
