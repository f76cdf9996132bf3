//! The real thing, frozen: all-MiniLM-L6-v2 (a 6-layer BERT distilled from a large one,
//! then trained on a billion sentence pairs) turns each sentence into a 384-d vector;
//! a logistic regression on those vectors classifies sentiment. Only the regression sees
//! SST-2's labels. When the model folder is not on this machine the part is skipped and
//! the report says how to get it.

use super::data::Labelled;
use super::probe::{probe, FeatureSplit, ProbeData, ProbeOutcome};
use crate::embedding::{find_minilm, load_encoder};
use crate::MilestoneError;
use descent_data::DataLocator;

/// What the frozen MiniLM measured.
pub struct MinilmOutcome {
    /// The logistic regression on its embeddings.
    pub probe: ProbeOutcome,
    /// Test sentence embeddings (n_test, width), for the picture.
    pub test_embeddings: Vec<f32>,
    /// Embedding width.
    pub width: usize,
    /// Sentences embedded (all splits).
    pub sentences: usize,
    /// The model's identity (folder and weights hash).
    pub identity: String,
}

/// Whether the part ran.
pub enum Minilm {
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

/// Embeds `train`, `dev` and `test` with MiniLM (if found) and probes the embeddings.
pub fn run_minilm(
    locator: &DataLocator,
    [train, dev, test]: [&[Labelled]; 3],
    probe_epochs: usize,
    seed: u64,
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
    Ok(Minilm::Measured(MinilmOutcome {
        probe: probe(&data, probe_epochs, seed),
        test_embeddings: data.test.features.clone(),
        width,
        sentences: train.len() + dev.len() + test.len(),
        identity: encoder.identity.clone(),
    }))
}
