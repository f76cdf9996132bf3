//! Reading saved models for the commands that use them (`classify`, `generate`, `draw`,
//! `clip`, `ask`, `inspect`): the file, its kind, and errors of one line that say which
//! `descent run` makes the model a command needs.

use anyhow::{anyhow, Result};
use descent_models::saved::{describe_kind, ModelFile, SavedModel};
use std::path::Path;

/// The model file at `path` (one-line errors: the loaders' messages already name the
/// file and the cause, so anyhow's chain would repeat them).
pub fn read(path: &Path) -> Result<ModelFile> {
    ModelFile::read(path).map_err(|e| anyhow!("{e}"))
}

/// The error for a file holding a kind the command cannot use: what it holds, and what
/// the command wants (`wanted`, e.g. "a CLIP") with the `descent run` that makes one.
pub fn wrong_kind(file: &ModelFile, wanted: &str, made_by: &str) -> anyhow::Error {
    let what = describe_kind(file.kind()).unwrap_or("a model this version does not know");
    anyhow!(
        "{}: holds a '{}' model ({what}), not {wanted}; {made_by} saves one",
        file.path().display(),
        file.kind()
    )
}

/// The model of kind `M` in `file`, or [`wrong_kind`]'s error.
pub fn model<M: SavedModel>(file: &ModelFile, wanted: &str, made_by: &str) -> Result<M> {
    if file.kind() != M::KIND {
        return Err(wrong_kind(file, wanted, made_by));
    }
    file.model().map_err(|e| anyhow!("{e}"))
}

/// Reads `path` and its model of kind `M` (see [`model`]).
pub fn load<M: SavedModel>(path: &Path, wanted: &str, made_by: &str) -> Result<M> {
    model(&read(path)?, wanted, made_by)
}
