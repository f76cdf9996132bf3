//! Atomic file writes: a reader (a browser refreshing the tour page, `descent tour`
//! collecting `report.json` files) never sees half an artifact.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::ReportError;

/// Distinguishes temp files of concurrent writes from one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` atomically: the bytes go to a hidden temporary file in the
/// same directory, which is flushed and then renamed over `path`. Missing parent
/// directories are created. On failure the temporary file is removed and the error
/// names `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| ReportError::io(path, e))?;
    }
    let temp = temp_path(path)?;
    let result = write_and_sync(&temp, bytes).and_then(|()| fs::rename(&temp, path));
    if let Err(e) = result {
        // Best effort: the temp file may not exist if creating it is what failed.
        let _ = fs::remove_file(&temp);
        return Err(ReportError::io(path, e));
    }
    Ok(())
}

/// `dir/.name.<pid>.<n>.tmp`, beside the target so that `rename` stays on one file
/// system (a rename across file systems is not atomic, and fails).
fn temp_path(path: &Path) -> Result<PathBuf, ReportError> {
    let name = path
        .file_name()
        .ok_or_else(|| ReportError::invalid(path, "path has no file name"))?;
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp_name = format!(".{}.{}.{n}.tmp", name.to_string_lossy(), std::process::id());
    Ok(path.with_file_name(temp_name))
}

fn write_and_sync(temp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = fs::File::create(temp)?;
    file.write_all(bytes)?;
    file.sync_all()
}
