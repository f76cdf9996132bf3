//! Helpers shared by the integration tests.
// Each test binary compiles this module and uses only some of it.
#![allow(dead_code)]

use std::ops::Deref;
use std::path::{Path, PathBuf};

/// A fresh, empty directory for one test, `<tmp>/descent-report-tests/<name>-<pid>`,
/// removed when dropped (set `KEEP_TEST_FILES=1` to keep it for inspection).
pub struct TempDir(PathBuf);

impl Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("KEEP_TEST_FILES").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// See [`TempDir`].
pub fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir()
        .join("descent-report-tests")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// A path that cannot be written even by root: its "directory" is a regular file.
pub fn unwritable_path(dir: &Path, file: &str) -> PathBuf {
    let blocker = dir.join("not-a-directory");
    std::fs::write(&blocker, b"x").unwrap();
    blocker.join(file)
}
