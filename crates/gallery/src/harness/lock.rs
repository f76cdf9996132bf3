//! [`OutputLock`]: one run at a time per output folder. Two runs writing the same
//! checkpoints and report would interleave and corrupt each other; the second is refused.

use crate::MilestoneError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Held while a run writes into its output folder; removed when dropped.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
}

const LOCK_FILE: &str = ".descent.lock";

impl OutputLock {
    /// Takes the lock on `dir` (created if missing). A lock left by a process that no
    /// longer exists is taken over; a live one is an error naming its process.
    pub fn acquire(dir: &Path) -> Result<OutputLock, MilestoneError> {
        std::fs::create_dir_all(dir).map_err(|e| MilestoneError::io(dir, e))?;
        let path = dir.join(LOCK_FILE);
        for _ in 0..2 {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    let _ = writeln!(file, "{}", std::process::id());
                    return Ok(OutputLock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    match holder.trim().parse::<u32>() {
                        Ok(pid) if process_alive(pid) && pid != std::process::id() => {
                            return Err(MilestoneError::Config(format!(
                                "another descent run (process {pid}) is writing to {}; wait for it to finish or pass a different --out",
                                dir.display()
                            )));
                        }
                        // Stale (its process is gone) or unreadable: take it over.
                        _ => {
                            let _ = std::fs::remove_file(&path);
                        }
                    }
                }
                Err(e) => return Err(MilestoneError::io(&path, e)),
            }
        }
        Err(MilestoneError::Config(format!(
            "could not take the lock {}; remove it if no descent run is using {}",
            path.display(),
            dir.display()
        )))
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Whether a process with this id exists (Linux: `/proc/<pid>`; elsewhere assume yes,
/// so a lock is never stolen from a live run).
fn process_alive(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new(&format!("/proc/{pid}")).exists()
    } else {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_and_stale_locks_are_taken_over() {
        let dir = std::env::temp_dir().join(format!("descent-lock-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let lock = OutputLock::acquire(&dir).unwrap();
        // Another live process holds it: pid 1 always exists on Linux.
        drop(lock);
        std::fs::write(dir.join(LOCK_FILE), "1\n").unwrap();
        let err = OutputLock::acquire(&dir).unwrap_err().to_string();
        assert!(err.contains("process 1") && err.contains("--out"), "{err}");
        // A dead process's lock is taken over.
        std::fs::write(dir.join(LOCK_FILE), "4294967294\n").unwrap();
        let lock = OutputLock::acquire(&dir).unwrap();
        drop(lock);
        assert!(!dir.join(LOCK_FILE).exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
