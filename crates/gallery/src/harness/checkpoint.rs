//! What a run adds to the one model format of `descent_models::saved`: its provenance
//! (milestone, variant, mode, data, seed, epochs), its metric history, and for an exact
//! resume the optimizer's state under `optim.*`.

use super::History;
use crate::MilestoneError;
use descent_models::saved::{self, Extras, ModelFile, Provenance, Snapshot, OPTIMIZER_PREFIX};
use descent_optim::Optimizer;
use descent_tensor::Param;
use std::path::Path;

/// Metadata key of the run's metric history (JSON).
const HISTORY_KEY: &str = "history";

/// How far training got when a model is saved, and the optimizer to save for an exact
/// resume (`None` for a finished model).
pub struct Training<'a> {
    /// Its optimizer, for an exact resume.
    pub optimizer: Option<&'a dyn Optimizer>,
    /// Epochs finished.
    pub epochs_done: usize,
    /// Epochs planned (0 where the budget is counted in steps).
    pub epochs_total: usize,
}

impl Training<'_> {
    /// A finished model trained for `epochs` epochs (0 where the budget is in steps).
    pub fn finished(epochs: usize) -> Training<'static> {
        Training {
            optimizer: None,
            epochs_done: epochs,
            epochs_total: epochs,
        }
    }
}

/// Writes `snapshot` with the run's provenance, history and (given one) optimizer state.
pub(crate) fn write(
    path: &Path,
    snapshot: &Snapshot,
    provenance: &Provenance,
    history: &History,
    optimizer: Option<&dyn Optimizer>,
) -> Result<(), MilestoneError> {
    let tensors = match optimizer {
        Some(optimizer) => {
            let params = descent_nn::params(snapshot.module());
            let state = optimizer.export_state(&params);
            state
                .into_iter()
                .map(|(name, values)| (format!("{OPTIMIZER_PREFIX}{name}"), values))
                .collect()
        }
        None => Vec::new(),
    };
    let extras = Extras {
        provenance: Some(provenance),
        entries: vec![(HISTORY_KEY.to_string(), history.to_json())],
        tensors,
    };
    saved::save(path, snapshot, extras)?;
    Ok(())
}

/// The provenance a run's file must hold to be resumed.
pub(crate) fn provenance_of(file: &ModelFile) -> Result<&Provenance, MilestoneError> {
    file.provenance().ok_or_else(|| {
        MilestoneError::Config(format!(
            "--resume: {} says nothing of how it was trained, so it cannot be resumed; run without --resume",
            file.path().display()
        ))
    })
}

/// Restores the optimizer state and the history held by `file` (the weights are loaded
/// by the caller, who knows the model's kind).
pub(crate) fn restore_training(
    file: &ModelFile,
    model_params: &[Param],
    optimizer: Option<&mut dyn Optimizer>,
) -> Result<History, MilestoneError> {
    let path = file.path();
    if let Some(optimizer) = optimizer {
        let state = file.tensors_under(OPTIMIZER_PREFIX);
        optimizer
            .import_state(model_params, &state)
            .map_err(|e| MilestoneError::Config(format!("{}: optimizer state: {e}", path.display())))?;
    }
    match file.entry(HISTORY_KEY) {
        Some(text) => History::from_json(text).map_err(|e| MilestoneError::Config(format!("{}: {e}", path.display()))),
        None => Ok(History::default()),
    }
}
