//! Released pretrained models kept beside the data sets: where they are found, which
//! files make them, their checksums, and where they are downloaded from.
//!
//! A model lives in `<data root>/<folder>` (`models/all-MiniLM-L6-v2` for [`MINILM`]) and
//! is looked for in the same roots, in the same order, as every data set
//! ([`DataLocator`]). `descent data fetch minilm` downloads its files from the Hugging
//! Face hub through [`crate::download::fetch_from`] (temporary file, SHA-256 check, rename),
//! so a model file is either absent or complete and verified.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::checksum::sha256_uncompressed;
use crate::download::{fetch_from, Progress};
use crate::error::DataError;
use crate::locate::{DataLocator, LookedAt, DATA_ENV_VAR};
use crate::mnist::FileSpec;

/// A pretrained model folder this crate knows how to find and fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pretrained {
    /// The name on the command line (`minilm`).
    pub name: &'static str,
    /// The folder under a data root (`models/all-MiniLM-L6-v2`).
    pub folder: &'static str,
    /// The name for people.
    pub title: &'static str,
    /// Base URL its files are downloaded from (`<base>/<file>`).
    pub source: &'static str,
    /// License line.
    pub license: &'static str,
    /// Files (paths inside the folder) with the SHA-256 of their bytes.
    pub files: &'static [(&'static str, &'static str)],
    /// Files that must be present for the folder to be usable.
    pub required: &'static [&'static str],
}

/// all-MiniLM-L6-v2 (sentence-transformers, 2021): a 6-layer, 384-wide BERT trained for
/// sentence embeddings. Checksums are those of the released files (the shared copy).
pub const MINILM: Pretrained = Pretrained {
    name: "minilm",
    folder: "models/all-MiniLM-L6-v2",
    title: "all-MiniLM-L6-v2",
    source: "https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2/resolve/main",
    license: "Apache-2.0 (sentence-transformers model card)",
    files: &[
        ("config.json", "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
        (
            "model.safetensors",
            "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        ),
        ("tokenizer.json", "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
        ("vocab.txt", "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
        (
            "tokenizer_config.json",
            "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b",
        ),
        (
            "special_tokens_map.json",
            "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3",
        ),
        ("modules.json", "84e40c8e006c9b1d6c122e02cba9b02458120b5fb0c87b746c41e0207cf642cf"),
        (
            "sentence_bert_config.json",
            "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
        ),
        (
            "config_sentence_transformers.json",
            "061ca9d39661d6c6d6de5ba27f79a1cd5770ea247f8d46412a68a498dc5ac9f3",
        ),
        (
            "1_Pooling/config.json",
            "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
        ),
        ("README.md", "7dfc82496ec33f906b5b0d6750c1e2397da6530c74d1ae3568c55bc2739125e7"),
    ],
    required: &[
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "modules.json",
        "1_Pooling/config.json",
    ],
};

/// Every known pretrained model, in the order `descent data list` shows them.
pub const PRETRAINED: [Pretrained; 1] = [MINILM];

impl Pretrained {
    /// The model called `name` on the command line (case-insensitive).
    pub fn from_name(name: &str) -> Option<Pretrained> {
        PRETRAINED.into_iter().find(|m| m.name.eq_ignore_ascii_case(name))
    }

    /// The files with their checksums, for [`fetch_from`].
    pub fn file_specs(&self) -> Vec<FileSpec> {
        self.files
            .iter()
            .map(|(name, sum)| FileSpec {
                name: name.to_string(),
                sha256_uncompressed: sum.to_string(),
            })
            .collect()
    }

    /// The first `<root>/<folder>` holding every required file; the error lists every
    /// place looked at and how to fix it.
    pub fn find(&self, locator: &DataLocator) -> Result<PathBuf, DataError> {
        let mut looked = Vec::new();
        for root in locator.roots() {
            let dir = root.path.join(self.folder);
            let problem = if !dir.is_dir() {
                "no such folder".to_string()
            } else {
                let missing: Vec<&str> = self.required.iter().copied().filter(|f| !dir.join(f).is_file()).collect();
                if missing.is_empty() {
                    return Ok(dir);
                }
                format!("missing {}", missing.join(", "))
            };
            looked.push(LookedAt {
                dir,
                source: root.source,
                problem,
            });
        }
        Err(DataError::ModelNotFound {
            message: self.not_found_message(&looked),
        })
    }

    fn not_found_message(&self, looked: &[LookedAt]) -> String {
        let mut s = format!("the {} model was not found. Looked in, in order:\n", self.title);
        for l in looked {
            let _ = writeln!(s, "  - {} ({}): {}", l.dir.display(), l.source.label(), l.problem);
        }
        let _ = write!(
            s,
            "To fix, do one of:\n  \
             - run `descent data fetch {}` (needs network access to the Hugging Face hub)\n  \
             - set {DATA_ENV_VAR} to a folder that holds {}/ (or pass --data-dir), or pass --model DIR",
            self.name, self.folder
        );
        s
    }

    /// Downloads every file that is missing or wrong into `<dest_root>/<folder>` from
    /// `source` (the hub by default: [`Pretrained::source`]); returns the folder.
    pub fn fetch(&self, source: &str, dest_root: &Path, progress: Progress) -> Result<PathBuf, DataError> {
        let dir = dest_root.join(self.folder);
        fetch_from(source, &self.file_specs(), &dir, progress)?;
        Ok(dir)
    }

    /// Files of the folder at `dir` that are missing or differ from the release, each
    /// with the reason (empty: complete and verified).
    pub fn problems(&self, dir: &Path) -> Vec<(String, String)> {
        let mut problems = Vec::new();
        for (name, sum) in self.files {
            let path = dir.join(name);
            let problem = if !path.is_file() {
                Some("missing".to_string())
            } else {
                match sha256_uncompressed(&path) {
                    Ok(actual) if actual == *sum => None,
                    Ok(actual) => Some(format!("SHA-256 {actual}, expected {sum}")),
                    Err(e) => Some(e.to_string()),
                }
            };
            if let Some(p) = problem {
                problems.push((name.to_string(), p));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locate::{RootSource, SearchRoot};

    #[test]
    fn names_and_a_not_found_message_that_says_what_to_do() {
        assert_eq!(Pretrained::from_name("MiniLM"), Some(MINILM));
        assert!(MINILM.required.iter().all(|r| MINILM.files.iter().any(|(f, _)| f == r)));
        let locator = DataLocator::with_roots(vec![SearchRoot {
            path: PathBuf::from("/nonexistent-descent-root"),
            source: RootSource::CommandLine,
        }]);
        let message = MINILM.find(&locator).unwrap_err().to_string();
        assert!(message.contains("/nonexistent-descent-root/models/all-MiniLM-L6-v2"), "{message}");
        assert!(message.contains("descent data fetch minilm"), "{message}");
    }
}
