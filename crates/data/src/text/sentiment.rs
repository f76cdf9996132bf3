//! SST-2, the binary Stanford Sentiment Treebank of GLUE (Socher et al. 2013), as
//! re-split by the ALPS authors: `sentence<TAB>label` with that header, sentences
//! lower-cased and PTB-tokenised (`it 's`), label 1 positive, 0 negative.
//!
//! `train` (60,614) and `dev` (6,735) together are GLUE's SST-2 training set, many of
//! their rows sub-sentence phrases; `test` (872 full sentences) is GLUE's dev set, whose
//! labels are public. No explicit licence: research and education use, cite the paper.

use crate::error::DataError;
use crate::locate::DataLocator;
use crate::text::{embedded_rows, fields, parse_lines, Rows, TextFile};

/// One file of SST-2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sst2Split {
    /// 60,614 labelled phrases and sentences.
    Train,
    /// 6,735 labelled phrases and sentences (the rest of GLUE's training set).
    Dev,
    /// 872 full sentences: GLUE's SST-2 dev set.
    Test,
}

impl Sst2Split {
    /// The three splits.
    pub const ALL: [Sst2Split; 3] = [Sst2Split::Train, Sst2Split::Dev, Sst2Split::Test];

    /// Its file in the data folder.
    pub fn file(self) -> TextFile {
        let (title, name) = match self {
            Sst2Split::Train => ("SST-2 sentiment, train", "train.tsv.gz"),
            Sst2Split::Dev => ("SST-2 sentiment, dev", "dev.tsv.gz"),
            Sst2Split::Test => ("SST-2 sentiment, test", "test.tsv.gz"),
        };
        TextFile {
            title,
            folder: "sentiment/sst2",
            name,
        }
    }

    /// Its embedded file: the first 5,000 rows of train, dev and test whole.
    pub fn embedded_name(self) -> &'static str {
        match self {
            Sst2Split::Train => "sentiment/sst2/train-head5000.tsv.gz",
            Sst2Split::Dev => "sentiment/sst2/dev.tsv.gz",
            Sst2Split::Test => "sentiment/sst2/test.tsv.gz",
        }
    }

    /// How many rows [`embedded_sst2`] returns for it.
    pub fn embedded_count(self) -> usize {
        match self {
            Sst2Split::Train => 5_000,
            Sst2Split::Dev => 6_735,
            Sst2Split::Test => 872,
        }
    }
}

/// The class of a negative sentence.
pub const NEGATIVE: usize = 0;
/// The class of a positive sentence.
pub const POSITIVE: usize = 1;

/// A sentence (or phrase) and its sentiment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelledSentence {
    /// Lower-cased, PTB-tokenised text, without the trailing space of the file.
    pub text: String,
    /// [`POSITIVE`] (1) or [`NEGATIVE`] (0).
    pub label: usize,
}

const HEADER: &str = "sentence\tlabel";
const FORMAT: &str = "sentence<TAB>label (0 or 1), after a header line";

/// Parses an SST-2 file: the header `sentence<TAB>label`, then rows; a row is malformed
/// when it does not have two fields, its sentence is empty or its label is not 0 or 1.
pub fn parse_sst2(text: &str, name: &str) -> Result<Rows<LabelledSentence>, DataError> {
    parse_lines(text, name, Some(HEADER), FORMAT, |line| {
        let f = fields(line, 2, 2)?;
        let label = match f[1].trim() {
            "0" => NEGATIVE,
            "1" => POSITIVE,
            other => return Err(format!("label `{other}` is not 0 or 1")),
        };
        let sentence = f[0].trim();
        if sentence.is_empty() {
            return Err("the sentence is empty".to_string());
        }
        Ok(LabelledSentence {
            text: sentence.to_string(),
            label,
        })
    })
}

/// Finds one split of SST-2 and reads it.
pub fn read_sst2(locator: &DataLocator, split: Sst2Split) -> Result<Rows<LabelledSentence>, DataError> {
    let path = split.file().find(locator)?;
    let text = crate::text::read_text_file(&path, crate::text::MAX_TEXT_BYTES)?;
    parse_sst2(&text, &path.display().to_string())
}

/// The embedded part of a split, compiled into the binary: the first 5,000 rows of
/// train (the file is in random order, so a sample), dev and test whole.
pub fn embedded_sst2(split: Sst2Split) -> Vec<LabelledSentence> {
    embedded_rows(split.embedded_name(), parse_sst2)
}
