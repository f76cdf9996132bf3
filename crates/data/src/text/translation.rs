//! English–Chinese sentence pairs from Tatoeba (via manythings.org's `cmn.txt`):
//! `english<TAB>chinese<TAB>attribution`, no header, sorted by English length, one
//! English sentence often with several translations. Licence CC BY 2.0 FR: the
//! attribution column is kept with every pair, here and in the embedded excerpt.

use crate::error::DataError;
use crate::locate::DataLocator;
use crate::text::{embedded_rows, fields, parse_lines, Rows, TextFile};

/// The whole file: 29,155 pairs.
pub const CMN_ENG: TextFile = TextFile {
    title: "English–Chinese sentence pairs (Tatoeba)",
    folder: "translation",
    name: "cmn-eng.tsv.gz",
};

/// The embedded pairs: the first 9,000 lines of [`CMN_ENG`].
pub const EMBEDDED_PAIRS: &str = "translation/cmn-eng-head9000.tsv.gz";

/// How many pairs [`embedded_pairs`] returns.
pub const EMBEDDED_PAIR_COUNT: usize = 9_000;

/// One English sentence and one Chinese translation of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranslationPair {
    /// English.
    pub english: String,
    /// Chinese (Mandarin, simplified script, full-width punctuation).
    pub chinese: String,
    /// Tatoeba's attribution (sentence numbers and contributors); empty if absent.
    pub attribution: String,
}

impl TranslationPair {
    /// A pair without attribution (made-up or test data).
    pub fn new(english: impl Into<String>, chinese: impl Into<String>) -> TranslationPair {
        TranslationPair {
            english: english.into(),
            chinese: chinese.into(),
            attribution: String::new(),
        }
    }
}

const FORMAT: &str = "english<TAB>chinese<TAB>attribution";

/// Parses `english<TAB>chinese[<TAB>attribution]` lines; a line is malformed when it has
/// fewer than two or more than three fields, or an empty side. `name` is for messages.
pub fn parse_pairs(text: &str, name: &str) -> Result<Rows<TranslationPair>, DataError> {
    parse_lines(text, name, None, FORMAT, |line| {
        let f = fields(line, 2, 3)?;
        let (english, chinese) = (f[0].trim(), f[1].trim());
        if english.is_empty() || chinese.is_empty() {
            return Err("the English or the Chinese side is empty".to_string());
        }
        Ok(TranslationPair {
            english: english.to_string(),
            chinese: chinese.to_string(),
            attribution: f.get(2).map_or("", |a| a.trim()).to_string(),
        })
    })
}

/// Finds [`CMN_ENG`] and reads its pairs.
pub fn read_pairs(locator: &DataLocator) -> Result<Rows<TranslationPair>, DataError> {
    let path = CMN_ENG.find(locator)?;
    let text = crate::text::read_text_file(&path, crate::text::MAX_TEXT_BYTES)?;
    parse_pairs(&text, &path.display().to_string())
}

/// The first 9,000 pairs of [`CMN_ENG`] (the shortest English sentences; the
/// Transformer milestone's quick corpus), compiled into the binary.
pub fn embedded_pairs() -> Vec<TranslationPair> {
    embedded_rows(EMBEDDED_PAIRS, parse_pairs)
}
