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
    remove_stale_temps(path);
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

/// Removes `.name.<pid>.<n>.tmp` files beside `path` whose process is gone (killed
/// mid-write). Best effort: what cannot be removed is left, and no reader opens it.
fn remove_stale_temps(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let pid = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|rest| rest.split('.').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| pid != std::process::id() && !process_alive(pid)) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` runs (Linux: `/proc/<pid>` exists). Elsewhere every process
/// counts as running, so stale temp files are left alone.
fn process_alive(pid: u32) -> bool {
    !Path::new("/proc/self").exists() || Path::new("/proc").join(pid.to_string()).exists()
}

fn write_and_sync(temp: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = fs::File::create(temp)?;
    file.write_all(bytes)?;
    file.sync_all()
}
