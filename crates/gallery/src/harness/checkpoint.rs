//! The run checkpoint: one typed file per saved model, holding the weights (parameters
//! and buffers, under their PyTorch names, so `safetensors.torch.load_file` reads it),
//! the optimizer state (`optim.*`), and metadata — which milestone, variant, mode, data,
//! seed and how many epochs it has done, the metric history, the tokenizer and the
//! model's sizes — so a run can be resumed exactly and a model used later
//! (`descent classify`, `descent generate`) knows what it is.

use super::{History, Mode};
use crate::MilestoneError;
use descent_nn::{named_state, Checkpoint, Module};
use descent_optim::Optimizer;
use descent_tensor::Param;
use descent_text::Tokenizer;
use std::collections::HashMap;
use std::path::Path;

/// Prefix of optimizer-state tensors.
pub const OPTIMIZER_PREFIX: &str = "optim.";

/// Who made a checkpoint and how far it got: what a resumed run must agree with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunMeta {
    /// Milestone id (`lenet`).
    pub milestone: String,
    /// Variant name (`modern`, `1989`, or `default`).
    pub variant: String,
    /// `quick` or `full`.
    pub mode: String,
    /// Which data it trained on, without paths (e.g. `MNIST 60000/10000`).
    pub data: String,
    /// The run's seed.
    pub seed: u64,
    /// Epochs finished when it was saved.
    pub epochs_done: usize,
    /// Epochs the run planned (its learning-rate schedule spans them).
    pub epochs_total: usize,
}

impl RunMeta {
    fn insert_into(&self, meta: &mut HashMap<String, String>) {
        let entries = [
            ("milestone", self.milestone.clone()),
            ("variant", self.variant.clone()),
            ("mode", self.mode.clone()),
            ("data", self.data.clone()),
            ("seed", self.seed.to_string()),
            ("epochs_done", self.epochs_done.to_string()),
            ("epochs_total", self.epochs_total.to_string()),
        ];
        meta.extend(entries.into_iter().map(|(k, v)| (k.to_string(), v)));
    }

    /// Reads the entries back; `path` labels errors.
    pub fn from_metadata(meta: &HashMap<String, String>, path: &Path) -> Result<RunMeta, MilestoneError> {
        let text = |key: &str| {
            meta.get(key).cloned().ok_or_else(|| {
                MilestoneError::Config(format!(
                    "{}: checkpoint metadata lacks '{key}'; it was not saved by this version of descent's run harness",
                    path.display()
                ))
            })
        };
        let number = |key: &str| -> Result<u64, MilestoneError> {
            let t = text(key)?;
            t.parse()
                .map_err(|_| MilestoneError::Config(format!("{}: checkpoint metadata '{key}' = {t:?} is not a number", path.display())))
        };
        Ok(RunMeta {
            milestone: text("milestone")?,
            variant: text("variant")?,
            mode: text("mode")?,
            data: text("data")?,
            seed: number("seed")?,
            epochs_done: number("epochs_done")? as usize,
            epochs_total: number("epochs_total")? as usize,
        })
    }

    /// The fields in which `self` (from a checkpoint) differs from `current`, as
    /// "name: checkpoint X, this run Y" phrases; empty when a resume may proceed.
    pub fn differences(&self, current: &RunMeta) -> Vec<String> {
        let mut out = Vec::new();
        let mut check = |name: &str, saved: &str, now: &str| {
            if saved != now {
                out.push(format!("{name}: checkpoint {saved:?}, this run {now:?}"));
            }
        };
        check("milestone", &self.milestone, &current.milestone);
        check("variant", &self.variant, &current.variant);
        check("mode", &self.mode, &current.mode);
        check("data", &self.data, &current.data);
        check("seed", &self.seed.to_string(), &current.seed.to_string());
        out
    }
}

/// What to write into a checkpoint besides the run's own metadata and history.
pub struct SaveRequest<'a> {
    /// The model (parameters and buffers are saved).
    pub model: &'a dyn Module,
    /// Its optimizer, for an exact resume (`None` for a finished model).
    pub optimizer: Option<&'a dyn Optimizer>,
    /// The tokenizer text models need to be used later.
    pub tokenizer: Option<&'a Tokenizer>,
    /// Model sizes and other entries (`model` = architecture name, `vocab_size`, ...).
    pub entries: Vec<(String, String)>,
    /// Epochs finished.
    pub epochs_done: usize,
    /// Epochs planned.
    pub epochs_total: usize,
}

/// Builds the checkpoint file contents.
pub(crate) fn build(meta: &RunMeta, history: &History, request: &SaveRequest) -> Checkpoint {
    let mut metadata: HashMap<String, String> = request.entries.iter().cloned().collect();
    meta.insert_into(&mut metadata);
    metadata.insert("history".into(), history.to_json());
    if let Some(tokenizer) = request.tokenizer {
        metadata.extend(tokenizer.to_metadata());
    }
    let state = named_state(request.model);
    let mut checkpoint = Checkpoint::from_params(&state, metadata);
    if let Some(optimizer) = request.optimizer {
        let params = descent_nn::params(request.model);
        for (name, values) in optimizer.export_state(&params) {
            let n = values.len();
            checkpoint.insert(&format!("{OPTIMIZER_PREFIX}{name}"), &[n], values);
        }
    }
    checkpoint
}

/// Loads weights (and, given one, the optimizer state) from `checkpoint` into `model`;
/// returns the metadata and the history it holds.
pub fn restore(
    checkpoint: &Checkpoint,
    model: &dyn Module,
    optimizer: Option<&mut dyn Optimizer>,
) -> Result<(RunMeta, History), MilestoneError> {
    let path = &checkpoint.path;
    let meta = RunMeta::from_metadata(&checkpoint.metadata, path)?;
    checkpoint.apply(&named_state(model), &[OPTIMIZER_PREFIX])?;
    if let Some(optimizer) = optimizer {
        let state: Vec<(String, Vec<f32>)> = checkpoint
            .tensors
            .iter()
            .filter_map(|(name, (_, v))| name.strip_prefix(OPTIMIZER_PREFIX).map(|n| (n.to_string(), v.clone())))
            .collect();
        let params: Vec<Param> = descent_nn::params(model);
        optimizer
            .import_state(&params, &state)
            .map_err(|e| MilestoneError::Config(format!("{}: optimizer state: {e}", path.display())))?;
    }
    let history = match checkpoint.metadata.get("history") {
        Some(text) => History::from_json(text).map_err(|e| MilestoneError::Config(format!("{}: {e}", path.display())))?,
        None => History::default(),
    };
    Ok((meta, history))
}

/// The mode name as checkpoints store it.
pub(crate) fn mode_name(mode: Mode) -> String {
    mode.name().to_string()
}

#[cfg(test)]
mod tests {
    use super::RunMeta;

    #[test]
    fn differences_name_every_field_that_changed() {
        let saved = RunMeta {
            milestone: "lenet".into(),
            variant: "modern".into(),
            mode: "quick".into(),
            data: "MNIST embedded subset 6000/1000".into(),
            seed: 0,
            epochs_done: 3,
            epochs_total: 8,
        };
        assert!(saved.differences(&saved.clone()).is_empty());
        let now = RunMeta {
            mode: "full".into(),
            data: "MNIST 60000/10000".into(),
            epochs_done: 0,
            ..saved.clone()
        };
        let d = saved.differences(&now);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].starts_with("mode: checkpoint \"quick\", this run \"full\""), "{d:?}");
        assert!(d[1].starts_with("data:"), "{d:?}");
    }
}
