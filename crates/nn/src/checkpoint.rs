//! Named parameters to and from safetensors files (readable by PyTorch's
//! `safetensors.torch.load_file`), written atomically: temp file, fsync, rename, so a
//! crash mid-save never leaves a truncated checkpoint under the real name.
//!
//! Reading is defensive, since the path comes from a user: only regular files of at
//! most [`MAX_CHECKPOINT_BYTES`] are read (a FIFO or `/dev/zero` is refused before it
//! is opened), and a tensor holding NaN or infinity is an error naming it.

use crate::CheckpointError;
use descent_tensor::Param;
use safetensors::tensor::TensorView;
use safetensors::{Dtype, SafeTensors};
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Largest checkpoint file read (4 GiB): far above any model here (the largest is a
/// few MB), small enough that a wrong path cannot take the machine's memory.
pub const MAX_CHECKPOINT_BYTES: u64 = 4 << 30;

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
///
/// The temp file is `<name>.tmp<pid>`; it is removed when the write fails, and temp
/// files of `path` left by a process that no longer runs (killed mid-save) are removed
/// before the write.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CheckpointError> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    }
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    remove_stale_temps(dir.unwrap_or(Path::new(".")), &name);
    let tmp = path.with_file_name(format!("{name}.tmp{}", std::process::id()));
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

/// Removes `dir/<name>.tmp<pid>` files (and the older `<stem>.tmp<pid>` form) whose
/// process is gone. Best effort: a file that cannot be removed is left, and is ignored
/// by every loader (they open the real name only).
fn remove_stale_temps(dir: &Path, name: &str) {
    let stem = Path::new(name).file_stem().map(|s| s.to_string_lossy().into_owned());
    let prefixes: Vec<String> = std::iter::once(name.to_string()).chain(stem).map(|p| format!("{p}.tmp")).collect();
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let pid = prefixes
            .iter()
            .find_map(|p| file_name.strip_prefix(p.as_str()))
            .and_then(|d| d.parse::<u32>().ok());
        if pid.is_some_and(|pid| pid != std::process::id() && !process_alive(pid)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` runs (Linux: `/proc/<pid>` exists). Elsewhere every process
/// counts as running, so stale temp files are ignored rather than removed.
fn process_alive(pid: u32) -> bool {
    !Path::new("/proc/self").exists() || Path::new("/proc").join(pid.to_string()).exists()
}

/// Reads a whole regular file of at most `limit` bytes. The type and length are
/// checked from the file's metadata before it is opened: opening a FIFO would block
/// until a writer comes, and a device such as `/dev/zero` never ends.
fn read_regular_file(path: &Path, limit: u64) -> Result<Vec<u8>, CheckpointError> {
    let meta = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    if !meta.is_file() {
        return Err(CheckpointError::NotAFile {
            path: path.to_path_buf(),
            kind: file_kind(&meta.file_type()),
        });
    }
    let too_large = |len: u64| CheckpointError::TooLarge {
        path: path.to_path_buf(),
        len,
        limit,
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // `take` holds the limit even if the file grows between the check and the read.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| io_error(path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// A file type in words ("a named pipe (FIFO)", "a device", "a folder" …), for errors
/// about paths that are not regular files.
pub fn file_kind(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
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

    /// Reads a checkpoint; a missing, truncated or foreign file, one that is not a
    /// regular file or is larger than [`MAX_CHECKPOINT_BYTES`], or one holding a
    /// non-finite value is an error naming it.
    pub fn load(path: &Path) -> Result<Checkpoint, CheckpointError> {
        let bytes = read_regular_file(path, MAX_CHECKPOINT_BYTES)?;
        Checkpoint::from_bytes(&bytes, path)
    }

    /// The number of values in all tensors: loaders compare it with what the
    /// metadata's sizes call for before they allocate a model.
    pub fn value_count(&self) -> usize {
        self.tensors.values().map(|(_, v)| v.len()).sum()
    }

    /// `Ok` when the file holds exactly the `expected` values its metadata's sizes call
    /// for; else a message naming both counts (the sizes and the weights disagree).
    pub fn check_value_count(&self, expected: u128) -> Result<(), String> {
        let held = self.value_count();
        if expected == held as u128 {
            Ok(())
        } else {
            Err(format!(
                "the metadata's sizes call for {expected} values (parameters and buffers) but the file holds {held}"
            ))
        }
    }

    /// Parses safetensors bytes (`path` only labels errors); NaN or infinity in any
    /// tensor is an error naming the tensor.
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
            let values: Vec<f32> = view
                .data()
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            if let Some(index) = values.iter().position(|v| !v.is_finite()) {
                return Err(CheckpointError::NonFinite {
                    path: path.to_path_buf(),
                    name,
                    index,
                    value: values[index],
                });
            }
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
