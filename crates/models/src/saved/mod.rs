//! One checkpoint format for every saved model, burn-style: the config is saved beside
//! the weights and the loader rebuilds the model from it.
//!
//! A model file is safetensors. Its tensors are the model's parameters and buffers under
//! their PyTorch names (so `safetensors.torch.load_file` reads it), plus, for a run that
//! can be resumed, the optimizer's state under `optim.*`. Its metadata holds:
//!
//! - `kind`: what the model is ([`KINDS`]: `lenet`, `gpt`, `gan`, ...);
//! - `config`: everything needed to rebuild it before a weight is read (sizes, tokenizer,
//!   vocabularies, class names) — the serde JSON of the kind's [`SavedModel::Config`];
//! - `provenance` (optional): how it was trained ([`Provenance`]);
//! - anything else the writer adds (the gallery's run harness adds its metric `history`).
//!
//! Each kind implements [`SavedModel`] beside its model; [`save`] is the one writer and
//! [`ModelFile`] the one reader. Files written before this format (no `kind`) are refused
//! with a line saying which `descent run` makes a new one.

mod any;
mod provenance;

pub use any::{describe_kind, AnyModel, KINDS};
pub use provenance::Provenance;

use crate::ModelError;
use descent_nn::{named_state, Checkpoint, Module};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// Metadata key of the model's kind.
pub const KIND_KEY: &str = "kind";
/// Metadata key of the model's config (JSON).
pub const CONFIG_KEY: &str = "config";
/// Metadata key of the training provenance (JSON).
pub const PROVENANCE_KEY: &str = "provenance";
/// Name prefix of optimizer-state tensors (ignored by loaders of the model alone).
pub const OPTIMIZER_PREFIX: &str = "optim.";

/// A model that can be saved and rebuilt from its file alone.
pub trait SavedModel: Sized {
    /// The `kind` entry naming this model in a file.
    const KIND: &'static str;
    /// What a loader needs besides the weights.
    type Config: Serialize + DeserializeOwned;
    /// This model's config.
    fn config(&self) -> Self::Config;
    /// A model of `config` with fresh weights (a loader overwrites them). Checks the
    /// config first, so a damaged file cannot ask for an absurd allocation.
    fn build(config: Self::Config) -> Result<Self, ModelError>;
    /// The module whose parameters and buffers are saved.
    fn module(&self) -> &dyn Module;
    /// Checks the config's sizes before anything else is read from it (an error names
    /// the size that is wrong); [`build`](Self::build) checks again.
    fn validate(_config: &Self::Config) -> Result<(), ModelError> {
        Ok(())
    }
    /// Values (parameters and buffers) a model of `config` holds, where that is known
    /// without building it: compared with the file before anything is allocated.
    fn value_count(_config: &Self::Config) -> Option<u128> {
        None
    }
}

/// What to write: a kind, its config (JSON) and the module holding the weights. Made from
/// a whole model ([`Snapshot::of`]) or from a config and a module kept apart
/// ([`Snapshot::parts`]), as a training loop that owns its parts has them.
pub struct Snapshot<'a> {
    kind: &'static str,
    config: String,
    module: &'a dyn Module,
}

impl<'a> Snapshot<'a> {
    /// The snapshot of `model`.
    pub fn of<M: SavedModel>(model: &'a M) -> Snapshot<'a> {
        Snapshot::parts::<M>(&model.config(), model.module())
    }

    /// A snapshot of kind `M` from its config and the module with the weights.
    pub fn parts<M: SavedModel>(config: &M::Config, module: &'a dyn Module) -> Snapshot<'a> {
        Snapshot {
            kind: M::KIND,
            config: serde_json::to_string(config).expect("model configs serialise to JSON"),
            module,
        }
    }

    /// The kind it will be saved as.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// The module holding the weights.
    pub fn module(&self) -> &'a dyn Module {
        self.module
    }
}

/// What a file holds besides the model: provenance, other metadata, other tensors.
#[derive(Default)]
pub struct Extras<'a> {
    /// How the model was trained.
    pub provenance: Option<&'a Provenance>,
    /// Further metadata entries (e.g. the harness's `history`).
    pub entries: Vec<(String, String)>,
    /// Further tensors as flat values (e.g. optimizer state under [`OPTIMIZER_PREFIX`]).
    pub tensors: Vec<(String, Vec<f32>)>,
}

/// The file contents of `snapshot` with `extras`.
pub fn to_checkpoint(snapshot: &Snapshot, extras: Extras) -> Checkpoint {
    let mut metadata: HashMap<String, String> = extras.entries.into_iter().collect();
    metadata.insert(KIND_KEY.into(), snapshot.kind.into());
    metadata.insert(CONFIG_KEY.into(), snapshot.config.clone());
    if let Some(provenance) = extras.provenance {
        metadata.insert(PROVENANCE_KEY.into(), provenance.to_json());
    }
    let mut checkpoint = Checkpoint::from_params(&named_state(snapshot.module), metadata);
    for (name, values) in extras.tensors {
        let n = values.len();
        checkpoint.insert(&name, &[n], values);
    }
    checkpoint
}

/// Writes `snapshot` (and `extras`) to `path`, atomically.
pub fn save(path: &Path, snapshot: &Snapshot, extras: Extras) -> Result<(), ModelError> {
    to_checkpoint(snapshot, extras).save(path)?;
    Ok(())
}

/// Reads the model of kind `M` saved at `path`.
pub fn load<M: SavedModel>(path: &Path) -> Result<M, ModelError> {
    ModelFile::read(path)?.model()
}

/// A model file read back: its kind, config, provenance and tensors.
pub struct ModelFile {
    kind: String,
    config: String,
    provenance: Option<Provenance>,
    checkpoint: Checkpoint,
}

impl ModelFile {
    /// Reads `path`; a file that is not a descent model, or one written before this
    /// format, is an error saying what to do.
    pub fn read(path: &Path) -> Result<ModelFile, ModelError> {
        ModelFile::from_checkpoint(Checkpoint::load(path)?)
    }

    /// A model file from a checkpoint already read.
    pub fn from_checkpoint(checkpoint: Checkpoint) -> Result<ModelFile, ModelError> {
        let path = checkpoint.path.clone();
        let meta = &checkpoint.metadata;
        let Some(kind) = meta.get(KIND_KEY).cloned() else {
            return Err(ModelError::file(&path, old_format_advice(meta)));
        };
        let config = meta
            .get(CONFIG_KEY)
            .cloned()
            .ok_or_else(|| ModelError::file(&path, format!("a '{kind}' model without its config; the file is damaged")))?;
        let provenance = match meta.get(PROVENANCE_KEY) {
            Some(text) => Some(Provenance::from_json(text).map_err(|e| e.in_file(&path))?),
            None => None,
        };
        Ok(ModelFile {
            kind,
            config,
            provenance,
            checkpoint,
        })
    }

    /// Where it was read from.
    pub fn path(&self) -> &Path {
        &self.checkpoint.path
    }

    /// The `kind` entry.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The config as saved (JSON text).
    pub fn config_json(&self) -> &str {
        &self.config
    }

    /// How it was trained, if the writer said.
    pub fn provenance(&self) -> Option<&Provenance> {
        self.provenance.as_ref()
    }

    /// Another metadata entry (e.g. `history`).
    pub fn entry(&self, key: &str) -> Option<&str> {
        self.checkpoint.metadata.get(key).map(String::as_str)
    }

    /// The tensors whose names start with `prefix`, the prefix removed, as flat values.
    pub fn tensors_under(&self, prefix: &str) -> Vec<(String, Vec<f32>)> {
        let tensors = self.checkpoint.tensors.iter();
        tensors
            .filter_map(|(name, (_, values))| name.strip_prefix(prefix).map(|n| (n.to_string(), values.clone())))
            .collect()
    }

    /// Values in the model's own tensors (optimizer state left out).
    pub fn model_value_count(&self) -> usize {
        let tensors = self.checkpoint.tensors.iter();
        tensors
            .filter(|(name, _)| !name.starts_with(OPTIMIZER_PREFIX))
            .map(|(_, (_, v))| v.len())
            .sum()
    }

    /// The config of a model of kind `M`; an error when the file holds another kind or
    /// the config is unreadable.
    pub fn config<M: SavedModel>(&self) -> Result<M::Config, ModelError> {
        if self.kind != M::KIND {
            return Err(ModelError::file(
                self.path(),
                format!("holds a '{}' model, not a '{}' one", self.kind, M::KIND),
            ));
        }
        parse_config::<M>(&self.config).map_err(|e| e.in_file(self.path()))
    }

    /// The model of kind `M` with the saved weights.
    pub fn model<M: SavedModel>(&self) -> Result<M, ModelError> {
        let config = self.config::<M>()?;
        M::validate(&config).map_err(|e| e.in_file(self.path()))?;
        if let Some(expected) = M::value_count(&config) {
            let held = self.model_value_count();
            if expected != held as u128 {
                return Err(ModelError::file(
                    self.path(),
                    format!(
                        "the config calls for {expected} values (parameters and buffers) but the file holds {held}; the file is damaged"
                    ),
                ));
            }
        }
        let model = M::build(config).map_err(|e| e.in_file(self.path()))?;
        self.checkpoint.apply(&named_state(model.module()), &[OPTIMIZER_PREFIX])?;
        Ok(model)
    }

    /// Loads the saved weights into `model` (resuming a run): the file must hold the same
    /// kind with the same config.
    pub fn load_into<M: SavedModel>(&self, model: &M) -> Result<(), ModelError> {
        let saved: serde_json::Value = serde_json::from_str(&self.config).unwrap_or_default();
        let current = serde_json::to_value(model.config()).expect("model configs serialise to JSON");
        if self.kind != M::KIND || saved != current {
            return Err(ModelError::file(
                self.path(),
                format!("holds a '{}' model of another shape than this run's '{}'", self.kind, M::KIND),
            ));
        }
        self.checkpoint.apply(&named_state(model.module()), &[OPTIMIZER_PREFIX])?;
        Ok(())
    }
}

/// Parses the JSON config of kind `M`; the error names the field that does not parse.
pub fn parse_config<M: SavedModel>(json: &str) -> Result<M::Config, ModelError> {
    let mut reader = serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        // A field name comes from the file: quoted and cut short, so it cannot break the line.
        let field = descent_text::excerpt(&e.path().to_string());
        ModelError::invalid(format!(
            "the '{}' config is unreadable at {field} ({}); the file is damaged",
            M::KIND,
            e.inner()
        ))
    })
}

/// What to tell the owner of a file without a `kind`: which `descent run` re-creates it
/// when it names its milestone (files of earlier versions do), else that it is not a
/// descent model.
fn old_format_advice(meta: &HashMap<String, String>) -> String {
    match meta.get("milestone") {
        Some(milestone) => format!(
            "written by an earlier version of descent, before models were saved with their kind and config; re-create it with `descent run {milestone}`"
        ),
        None if meta.contains_key("model") => {
            "written by an earlier version of descent, before models were saved with their kind and config; re-create it with the `descent run` that made it".into()
        }
        None => "not a descent model (its metadata has no 'kind'); give a file saved by `descent run`".into(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_field_name_with_a_newline_stays_on_one_line() {
        // Found by fuzzing (crates/fuzz, target config): the path quoted a raw newline.
        let json = "{\"n:6,\\num_layers\":\0\0\0\0tokenizer\":{\"kind\":\"char\",\"chars\":\" abc\"}}";
        let err = super::parse_config::<crate::vqa::VqaModel>(json).unwrap_err().to_string();
        assert!(!err.contains('\n') && err.contains("unreadable at"), "{err}");
    }
}
