//! Finding and loading the pretrained all-MiniLM-L6-v2 folder through the data locator,
//! for the `bert` milestone, the W9 benchmark and the `embed` and `search` commands.

use crate::MilestoneError;
use descent_data::{DataLocator, MINILM};
use descent_models::bert::SentenceEncoder;
use std::path::{Path, PathBuf};

/// The MiniLM folder through the data locator, or a MissingData error saying how to get it.
pub fn find_minilm(locator: &DataLocator) -> Result<PathBuf, MilestoneError> {
    MINILM.find(locator).map_err(|e| MilestoneError::MissingData {
        reason: e.to_string(),
        fix: format!("descent data fetch {}", MINILM.name),
    })
}

/// Loads the model folder `dir`, or MiniLM from the data locator when `dir` is `None`.
pub fn load_encoder(dir: Option<&Path>, locator: &DataLocator) -> Result<SentenceEncoder, MilestoneError> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => find_minilm(locator)?,
    };
    SentenceEncoder::load(&dir).map_err(|e| MilestoneError::Config(e.to_string()))
}
