//! Finding a data set on disk: `--data-dir`, then `$DESCENT_DATA`, then `./data`.
//!
//! Each search root holds one folder per data set, named as on the command line:
//! `<root>/mnist/`, `<root>/fashion-mnist/`; text files sit in theirs
//! (`<root>/poetry/tang_jueju_lushi.tsv.gz`, see [`TextFile::find`]). A failed search reports every place it
//! looked and why each did not do, with the three ways to fix it.
//!
//! A *relative* `$DESCENT_DATA` is tried against the current folder and then against
//! each folder above it (like git looking for `.git`). CI sets it relative to the
//! repository root, while `cargo test` runs each crate's tests from that crate's
//! folder; walking up lets both find the same data.

use std::env;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::error::DataError;
use crate::mnist::{existing_variant, Dataset, ImageSet, Split, FILE_NAMES};
use crate::text::TextFile;

/// The environment variable naming a data root.
pub const DATA_ENV_VAR: &str = "DESCENT_DATA";

/// What a search was for, so that a failed search can say so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sought {
    /// An image set in IDX files (all four files of its folder).
    Images(Dataset),
    /// One text file (`<root>/<folder>/<name>`).
    Text(TextFile),
}

/// Where a search root came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootSource {
    /// The `--data-dir` command-line option.
    CommandLine,
    /// The `DESCENT_DATA` environment variable.
    Environment,
    /// The default `./data` under the current folder.
    Default,
}

impl RootSource {
    /// A short label for messages (`--data-dir`, `$DESCENT_DATA`, `default`).
    pub fn label(self) -> &'static str {
        match self {
            RootSource::CommandLine => "--data-dir",
            RootSource::Environment => "$DESCENT_DATA",
            RootSource::Default => "default ./data",
        }
    }
}

/// One folder searched for data sets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchRoot {
    /// The folder (absolute where it could be resolved).
    pub path: PathBuf,
    /// Where it came from.
    pub source: RootSource,
}

/// One place a search looked at and why it did not hold the data set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookedAt {
    /// The data set folder looked at (`<root>/<name>`).
    pub dir: PathBuf,
    /// Where its root came from.
    pub source: RootSource,
    /// Why it did not do (`no such folder`, `missing t10k-labels-idx1-ubyte.gz`).
    pub problem: String,
}

/// Finds data set folders in a fixed, explainable order.
#[derive(Clone, Debug)]
pub struct DataLocator {
    roots: Vec<SearchRoot>,
}

impl DataLocator {
    /// Search roots from `--data-dir` (if given), `$DESCENT_DATA` (if set), then `./data`.
    pub fn new(cli_dir: Option<PathBuf>) -> Self {
        let cwd = env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let env_value = env::var_os(DATA_ENV_VAR).filter(|v| !v.is_empty()).map(PathBuf::from);
        DataLocator::from_parts(cli_dir, env_value, &cwd)
    }

    /// The same as [`DataLocator::new`] with the environment and current folder given,
    /// so that tests need not change the process environment.
    pub fn from_parts(cli_dir: Option<PathBuf>, env_value: Option<PathBuf>, cwd: &Path) -> Self {
        let mut roots = Vec::new();
        if let Some(dir) = cli_dir {
            push_root(&mut roots, cwd.join(dir), RootSource::CommandLine);
        }
        if let Some(dir) = env_value {
            push_root(&mut roots, cwd.join(&dir), RootSource::Environment);
            if dir.is_relative() {
                for ancestor in cwd.ancestors().skip(1) {
                    let candidate = ancestor.join(&dir);
                    if candidate.is_dir() {
                        push_root(&mut roots, candidate, RootSource::Environment);
                    }
                }
            }
        }
        push_root(&mut roots, cwd.join("data"), RootSource::Default);
        DataLocator { roots }
    }

    /// A locator that searches exactly these roots, in order.
    pub fn with_roots(roots: Vec<SearchRoot>) -> Self {
        DataLocator { roots }
    }

    /// The roots searched, in order.
    pub fn roots(&self) -> &[SearchRoot] {
        &self.roots
    }

    /// The root that `descent data fetch` should write into: the first one searched.
    pub fn fetch_root(&self) -> PathBuf {
        self.roots.first().map(|r| r.path.clone()).unwrap_or_else(|| PathBuf::from("data"))
    }

    /// The first folder `<root>/<name>` that holds all four files of `dataset`.
    ///
    /// The error lists every place looked at, and how to fix it.
    pub fn find(&self, dataset: Dataset) -> Result<PathBuf, DataError> {
        let mut looked = Vec::new();
        for root in &self.roots {
            let dir = root.path.join(dataset.name());
            match missing_problem(&dir) {
                None => return Ok(dir),
                Some(problem) => looked.push(LookedAt {
                    dir,
                    source: root.source,
                    problem,
                }),
            }
        }
        Err(DataError::NotFound {
            dataset: Sought::Images(dataset),
            looked,
        })
    }

    /// Finds `dataset` and loads one split of it.
    pub fn load(&self, dataset: Dataset, split: Split) -> Result<ImageSet, DataError> {
        ImageSet::load(&self.find(dataset)?, split)
    }
}

/// Adds a root unless an equal path is already there; tidies the path for messages.
fn push_root(roots: &mut Vec<SearchRoot>, path: PathBuf, source: RootSource) {
    // canonicalize only succeeds for existing paths; others are tidied lexically.
    let path = path.canonicalize().unwrap_or_else(|_| lexically_normal(&path));
    if !roots.iter().any(|r| r.path == path) {
        roots.push(SearchRoot { path, source });
    }
}

/// `path` with `.` removed and `name/..` folded, without touching the file system.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Why `dir` does not hold a complete data set, or `None` if it does.
fn missing_problem(dir: &Path) -> Option<String> {
    if !dir.is_dir() {
        return Some("no such folder".to_string());
    }
    let missing: Vec<&str> = FILE_NAMES
        .iter()
        .copied()
        .filter(|name| !existing_variant(dir, name).is_file())
        .collect();
    if missing.is_empty() {
        None
    } else {
        Some(format!("missing {}", missing.join(", ")))
    }
}

/// The text of [`DataError::NotFound`].
pub(crate) fn not_found_message(sought: &Sought, looked: &[LookedAt]) -> String {
    match sought {
        Sought::Images(dataset) => images_not_found_message(*dataset, looked),
        Sought::Text(file) => crate::text::not_found_message(file, looked),
    }
}

fn images_not_found_message(dataset: Dataset, looked: &[LookedAt]) -> String {
    let mut s = format!("{} data not found. Looked in, in order:\n", dataset.title());
    for l in looked {
        let _ = writeln!(s, "  - {} ({}): {}", l.dir.display(), l.source.label(), l.problem);
    }
    let target = looked
        .first()
        .map(|l| l.dir.display().to_string())
        .unwrap_or_else(|| format!("data/{}", dataset.name()));
    let _ = write!(
        s,
        "To fix, do one of:\n  \
         - put the files {} in {target}\n  \
         - set {DATA_ENV_VAR} to a folder that holds {}/ (or pass --data-dir)\n  \
         - run `descent data fetch {}` (needs network access)",
        FILE_NAMES.join(", "),
        dataset.name(),
        dataset.name()
    );
    s
}

/// The text of [`DataError::FolderNotFound`].
pub(crate) fn folder_not_found_message(what: &str, folder: &str, files: &[String], looked: &[LookedAt]) -> String {
    let mut s = format!("{what} data not found. Looked in, in order:\n");
    for l in looked {
        let _ = writeln!(s, "  - {} ({}): {}", l.dir.display(), l.source.label(), l.problem);
    }
    let target = looked
        .first()
        .map(|l| l.dir.display().to_string())
        .unwrap_or_else(|| format!("data/{folder}"));
    let _ = write!(
        s,
        "To fix, do one of:\n  \
         - put the files {} in {target}\n  \
         - set {DATA_ENV_VAR} to a folder that holds {folder}/ (or pass --data-dir)",
        files.join(", ")
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_cli_env_default_without_duplicates() {
        let cwd = Path::new("/nonexistent-descent-cwd");
        let loc = DataLocator::from_parts(Some(PathBuf::from("/a")), Some(PathBuf::from("/a")), cwd);
        let sources: Vec<RootSource> = loc.roots().iter().map(|r| r.source).collect();
        assert_eq!(sources, vec![RootSource::CommandLine, RootSource::Default]);
        assert_eq!(loc.roots()[1].path, cwd.join("data"));
    }

    #[test]
    fn lexical_normalisation_folds_parent_dirs() {
        assert_eq!(lexically_normal(Path::new("/a/b/./../c/../../d")), PathBuf::from("/d"));
        assert_eq!(lexically_normal(Path::new("../x")), PathBuf::from("../x"));
    }
}
