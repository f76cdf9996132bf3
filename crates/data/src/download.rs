//! Fetching data sets from their mirrors, safely.
//!
//! Each file is streamed into a temporary file *in the destination folder* (so the
//! final rename stays on one file system and is atomic), its uncompressed SHA-256 is
//! checked against the value hard-coded in [`Dataset::files`], and only then is it
//! renamed into place. On any error the temporary file is deleted, so a partial or
//! corrupt download is never left where the loaders would pick it up.
//!
//! Files already present with the right checksum are not downloaded again. Temporary
//! files left by a fetch that was killed are removed by the next one, and a fetch that
//! fails removes the folders it created while they are still empty, so a try without
//! network leaves nothing behind.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::checksum::sha256_uncompressed;
use crate::error::DataError;
use crate::mnist::{Dataset, FileSpec};

/// Called as bytes arrive: `(file name, bytes so far, total if the server said)`.
///
/// A file already present and verified is reported once as complete.
pub type Progress<'a> = &'a dyn Fn(&str, u64, Option<u64>);

/// Downloads `dataset` from its canonical mirror into `dest_root/<name>/`.
///
/// Returns the data set folder. See [`fetch_from`] for the guarantees.
pub fn fetch(dataset: Dataset, dest_root: &Path, progress: Progress) -> Result<PathBuf, DataError> {
    let dest_dir = dest_root.join(dataset.name());
    fetch_from(dataset.mirror(), &dataset.files(), &dest_dir, progress)?;
    Ok(dest_dir)
}

/// Downloads each of `files` from `base_url` (`<base_url>/<name>`) into `dest_dir`.
///
/// The mirror is a parameter so that tests (and users behind their own mirror) can
/// point it elsewhere. For each file: skip it if it is present with the right
/// uncompressed checksum; else stream it to a temporary file in `dest_dir`, verify,
/// and rename into place. Stops at the first failure, deleting that file's temporary
/// and the folders this call created if they are still empty; files finished before
/// it stay (they are verified).
pub fn fetch_from(base_url: &str, files: &[FileSpec], dest_dir: &Path, progress: Progress) -> Result<(), DataError> {
    // The folders create_dir_all is about to make, deepest first.
    let created: Vec<PathBuf> = dest_dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    fs::create_dir_all(dest_dir).map_err(|e| DataError::io(dest_dir, e))?;
    remove_stale_temps(dest_dir);
    let result = fetch_all(base_url, files, dest_dir, progress);
    if result.is_err() {
        for dir in &created {
            // remove_dir only removes empty folders: verified files stay.
            let _ = fs::remove_dir(dir);
        }
    }
    result
}

fn fetch_all(base_url: &str, files: &[FileSpec], dest_dir: &Path, progress: Progress) -> Result<(), DataError> {
    let agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_recv_body(Some(Duration::from_secs(30 * 60)))
        .build()
        .new_agent();
    for spec in files {
        let dest = dest_dir.join(&spec.name);
        if dest.is_file() {
            if let Ok(sum) = sha256_uncompressed(&dest) {
                if sum == spec.sha256_uncompressed {
                    let len = dest.metadata().map(|m| m.len()).unwrap_or(0);
                    progress(&spec.name, len, Some(len));
                    continue;
                }
            }
        }
        let url = format!("{}/{}", base_url.trim_end_matches('/'), spec.name);
        fetch_one(&agent, &url, spec, dest_dir, progress)?;
    }
    Ok(())
}

/// Removes `.<name>.<pid>.tmp` files of fetches whose process is gone (killed while
/// downloading). Best effort; the loaders never open such names anyway.
fn remove_stale_temps(dest_dir: &Path) {
    let Ok(entries) = fs::read_dir(dest_dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".tmp"))
            .and_then(|n| n.rsplit('.').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| pid != std::process::id() && !process_alive(pid)) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` runs (Linux: `/proc/<pid>` exists). Elsewhere every process
/// counts as running, so stale temporaries are left alone.
fn process_alive(pid: u32) -> bool {
    !Path::new("/proc/self").exists() || Path::new("/proc").join(pid.to_string()).exists()
}

/// Deletes its file when dropped, unless [`TempFile::keep`] was called; also the
/// subfolder made for it (`made_dir`) if that is left empty.
struct TempFile {
    path: PathBuf,
    armed: bool,
    made_dir: Option<PathBuf>,
}

impl TempFile {
    fn keep(mut self) {
        self.armed = false;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
            if let Some(dir) = &self.made_dir {
                let _ = fs::remove_dir(dir); // only if empty
            }
        }
    }
}

/// Downloads one file to a temporary, verifies it, renames it into place.
fn fetch_one(agent: &ureq::Agent, url: &str, spec: &FileSpec, dest_dir: &Path, progress: Progress) -> Result<(), DataError> {
    let download_error = |reason: String| DataError::Download {
        url: url.to_string(),
        file: spec.name.clone(),
        reason,
        dest_dir: dest_dir.to_path_buf(),
    };
    let mut response = agent.get(url).call().map_err(|e| match e {
        ureq::Error::StatusCode(code) => download_error(format!("the server answered HTTP {code}")),
        other => download_error(other.to_string()),
    })?;
    let total = response.body().content_length();

    // A name may hold a subfolder (`1_Pooling/config.json`): the temporary goes beside
    // its final place. The pid keeps two concurrent fetches from sharing a temporary.
    let dest = dest_dir.join(&spec.name);
    let parent = dest.parent().unwrap_or(dest_dir);
    let made_dir = (!parent.exists()).then(|| parent.to_path_buf());
    fs::create_dir_all(parent).map_err(|e| DataError::io(parent, e))?;
    let file_name = dest.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = TempFile {
        path: parent.join(format!(".{file_name}.{}.tmp", std::process::id())),
        armed: true,
        made_dir,
    };
    let file = File::create(&temp.path).map_err(|e| DataError::io(&temp.path, e))?;
    let mut writer = BufWriter::with_capacity(1 << 18, file);
    let mut reader = response.body_mut().as_reader();
    let mut buf = vec![0u8; 1 << 16];
    let mut downloaded = 0u64;
    progress(&spec.name, 0, total);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(download_error(format!("the connection broke after {downloaded} bytes ({e})"))),
        };
        writer.write_all(&buf[..n]).map_err(|e| DataError::io(&temp.path, e))?;
        downloaded += n as u64;
        progress(&spec.name, downloaded, total);
    }
    let file = writer.into_inner().map_err(|e| DataError::io(&temp.path, e.into_error()))?;
    file.sync_all().map_err(|e| DataError::io(&temp.path, e))?;
    drop(file);

    let actual = sha256_uncompressed(&temp.path).map_err(|e| match e {
        DataError::Gzip { source, .. } => download_error(format!(
            "the downloaded file is not a valid gzip stream ({source}); nothing was kept"
        )),
        other => other,
    })?;
    if actual != spec.sha256_uncompressed {
        return Err(DataError::Checksum {
            name: url.to_string(),
            expected: spec.sha256_uncompressed.clone(),
            actual,
        });
    }
    fs::rename(&temp.path, &dest).map_err(|e| DataError::io(&dest, e))?;
    temp.keep();
    Ok(())
}
