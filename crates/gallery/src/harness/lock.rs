//! [`OutputLock`]: one run at a time per output folder. Two runs writing the same
//! checkpoints and report would interleave and corrupt each other; the second is refused.
//!
//! The lock is the operating system's lock on `.descent.lock` (`flock`), which dies with
//! its process: a run killed by `kill -9`, or a lock file left over from before a
//! restart (whose pid may now be some other program), never blocks a new run.

use crate::MilestoneError;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Held while a run writes into its output folder; removed when dropped.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
    /// The open, locked file: closing it releases the lock.
    _file: File,
    /// The folder, when this lock created it: removed again if left empty (a run that
    /// failed before writing anything leaves no trace).
    made_dir: Option<PathBuf>,
}

const LOCK_FILE: &str = ".descent.lock";

impl OutputLock {
    /// Takes the lock on `dir` (created if missing). A lock file nobody holds (its run
    /// ended or was killed) is taken over; a held one is an error naming the file and
    /// the process that holds it.
    pub fn acquire(dir: &Path) -> Result<OutputLock, MilestoneError> {
        let made_dir = (!dir.exists()).then(|| dir.to_path_buf());
        std::fs::create_dir_all(dir).map_err(|e| MilestoneError::io(dir, e))?;
        let path = dir.join(LOCK_FILE);
        // A few tries: the file may be removed by its holder between our open and lock.
        for _ in 0..3 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| MilestoneError::io(&path, e))?;
            match try_lock(&file) {
                Ok(true) => {}
                Ok(false) => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let holder = match holder.trim().parse::<u32>() {
                        Ok(pid) => format!("process {pid}"),
                        Err(_) => "another process".to_string(),
                    };
                    return Err(MilestoneError::Config(format!(
                        "another descent run ({holder}) is writing to {} and holds its lock {}; wait for it to finish or pass a different --out",
                        dir.display(),
                        path.display()
                    )));
                }
                Err(e) => return Err(MilestoneError::io(&path, e)),
            }
            // Locked: but if the holder removed the file meanwhile, ours is a stale inode.
            if !same_file(&file, &path) {
                continue;
            }
            file.set_len(0).map_err(|e| MilestoneError::io(&path, e))?;
            writeln!(file, "{}", std::process::id()).map_err(|e| MilestoneError::io(&path, e))?;
            return Ok(OutputLock {
                path,
                _file: file,
                made_dir,
            });
        }
        Err(MilestoneError::Config(format!(
            "could not take the lock {}; another run keeps replacing it — remove it if no descent run is using {}",
            path.display(),
            dir.display()
        )))
    }
}

/// Takes an exclusive `flock` on `file` without waiting: `Ok(false)` when another open
/// file holds it. Released when the file is closed, or its process dies.
#[cfg(unix)]
fn try_lock(file: &File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock only reads the descriptor number; `file` keeps it open for the call.
    let result = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if result == 0 {
        return Ok(true);
    }
    let error = std::io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::EWOULDBLOCK) => Ok(false),
        _ => Err(error),
    }
}

/// Elsewhere the file's existence is the lock (no OS lock taken).
#[cfg(not(unix))]
fn try_lock(_file: &File) -> std::io::Result<bool> {
    Ok(true)
}

/// Whether `path` still names the file `file` has open.
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still held, so no other run can lock the old file in between.
        let _ = std::fs::remove_file(&self.path);
        if let Some(dir) = &self.made_dir {
            // Fails, as it should, unless the folder is empty.
            let _ = std::fs::remove_dir(dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_refused_naming_its_file_and_a_left_over_one_is_taken_over() {
        let dir = std::env::temp_dir().join(format!("descent-lock-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let lock = OutputLock::acquire(&dir).unwrap();
        let err = OutputLock::acquire(&dir).unwrap_err().to_string();
        let pid = std::process::id();
        assert!(err.contains(&format!("process {pid}")) && err.contains("--out"), "{err}");
        assert!(
            err.contains(&dir.join(LOCK_FILE).display().to_string()),
            "the lock file is named: {err}"
        );
        drop(lock);
        assert!(!dir.exists(), "the folder this lock made is removed again when left empty");
        std::fs::create_dir_all(&dir).unwrap();
        // A file left over naming a live process that is not a descent run (pid 1, after
        // a restart) holds no lock: it is taken over at once.
        std::fs::write(dir.join(LOCK_FILE), "1\n").unwrap();
        let lock = OutputLock::acquire(&dir).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join(LOCK_FILE)).unwrap().trim(), pid.to_string());
        drop(lock);
        assert!(dir.is_dir() && !dir.join(LOCK_FILE).exists(), "a folder that was there stays");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
