//! Named parameters to and from safetensors files (readable by PyTorch's
//! `safetensors.torch.load_file`), written atomically: temp file, fsync, rename, so a
//! crash mid-save never leaves a truncated checkpoint under the real name.

use crate::CheckpointError;
use descent_tensor::Param;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The tensors and string metadata of one checkpoint file, in memory.
#[derive(Debug, Clone, Default)]
pub struct Checkpoint {
    /// Tensor name → (shape, f32 values).
    pub tensors: BTreeMap<String, (Vec<usize>, Vec<f32>)>,
    /// Free-form metadata (model config, epoch, milestone id).
    pub metadata: HashMap<String, String>,
    /// Where it was read from (for error messages).
    pub path: PathBuf,
}

fn io_error(path: &Path, source: std::io::Error) -> CheckpointError {
    CheckpointError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `bytes` to `path` atomically (same-folder temp file, fsync, rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CheckpointError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_error(path, e));
    }
    Ok(())
}

impl Checkpoint {
    /// A checkpoint holding the current values of `params`.
    pub fn from_params(params: &[(String, Param)], metadata: HashMap<String, String>) -> Checkpoint {
        let tensors = params
            .iter()
            .map(|(name, p)| (name.clone(), (p.shape(), p.value().to_vec())))
            .collect();
        Checkpoint {
            tensors,
            metadata,
            path: PathBuf::new(),
        }
    }

    /// Adds extra named tensors (e.g. optimizer state) beside the parameters.
    pub fn insert(&mut self, name: &str, shape: &[usize], values: Vec<f32>) {
        self.tensors.insert(name.to_string(), (shape.to_vec(), values));
    }

    /// Serialises to safetensors bytes (f32, little-endian, sorted names).
    pub fn to_bytes(&self) -> Vec<u8> {
        let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = self
            .tensors
            .iter()
            .map(|(name, (shape, values))| (name.clone(), shape.clone(), values.iter().flat_map(|v| v.to_le_bytes()).collect()))
            .collect();
        let views = bytes.iter().map(|(name, shape, data)| {
            (
                name.as_str(),
                TensorView::new(Dtype::F32, shape.clone(), data).expect("tensor view sizes agree"),
            )
        });
        let metadata = if self.metadata.is_empty() {
            None
        } else {
            Some(self.metadata.clone())
        };
        safetensors::serialize(views, metadata).expect("serialising in-memory f32 tensors cannot fail")
    }

    /// Saves atomically to `path`.
    pub fn save(&self, path: &Path) -> Result<(), CheckpointError> {
        write_atomic(path, &self.to_bytes())
    }

    /// Reads a checkpoint; a missing, truncated or foreign file is an error naming it.
    pub fn load(path: &Path) -> Result<Checkpoint, CheckpointError> {
        let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
        Checkpoint::from_bytes(&bytes, path)
    }

    /// Parses safetensors bytes (`path` only labels errors).
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Checkpoint, CheckpointError> {
        let corrupt = |reason: String| CheckpointError::Corrupt {
            path: path.to_path_buf(),
            reason,
        };
        let st = SafeTensors::deserialize(bytes).map_err(|e| corrupt(e.to_string()))?;
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| corrupt(e.to_string()))?;
        let metadata = header.metadata().clone().unwrap_or_default();
        let mut tensors = BTreeMap::new();
        for (name, view) in st.tensors() {
            if view.dtype() != Dtype::F32 {
                return Err(CheckpointError::Mismatch {
                    path: path.to_path_buf(),
                    name,
                    expected: view.shape().to_vec(),
                    found: view.shape().to_vec(),
                    dtype: format!("{:?}", view.dtype()),
                });
            }
            let values = view
                .data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            tensors.insert(name, (view.shape().to_vec(), values));
        }
        Ok(Checkpoint {
            tensors,
            metadata,
            path: path.to_path_buf(),
        })
    }

    /// Copies the stored values into `params`, checking every name and shape first
    /// (nothing is changed unless all match). Tensors whose names start with one of
    /// `ignore_prefixes` (optimizer state) may be present without a parameter.
    pub fn apply(&self, params: &[(String, Param)], ignore_prefixes: &[&str]) -> Result<(), CheckpointError> {
        for (name, p) in params {
            let (shape, _) = self.tensors.get(name).ok_or_else(|| CheckpointError::Missing {
                path: self.path.clone(),
                name: name.clone(),
            })?;
            if *shape != p.shape() {
                return Err(CheckpointError::Mismatch {
                    path: self.path.clone(),
                    name: name.clone(),
                    expected: p.shape(),
                    found: shape.clone(),
                    dtype: "F32".into(),
                });
            }
        }
        let known: std::collections::HashSet<&str> = params.iter().map(|(n, _)| n.as_str()).collect();
        let unexpected: Vec<String> = self
            .tensors
            .keys()
            .filter(|n| !known.contains(n.as_str()) && !ignore_prefixes.iter().any(|p| n.starts_with(p)))
            .cloned()
            .collect();
        if !unexpected.is_empty() {
            return Err(CheckpointError::Unexpected {
                path: self.path.clone(),
                names: unexpected,
            });
        }
        for (name, p) in params {
            p.set_values(&self.tensors[name].1);
        }
        Ok(())
    }
}
