//! Tang poems (全唐诗, simplified script): `author<TAB>title<TAB>poem`, one poem a line,
//! no header. From the npm package `chinese-poetry` 2.0.1 (MIT compilation; the texts
//! are in the public domain), normalised as the data folder's README describes.
//!
//! [`TANG_JUEJU_LUSHI`] holds the 37,848 poems in regulated form (4 or 8 lines, all of 5
//! or all of 7 characters), the corpus of the GPT milestone; the other files of
//! `poetry/` share the format. [`embedded_poems`] is the part of it compiled into the
//! binary.

use crate::error::DataError;
use crate::locate::DataLocator;
use crate::text::{embedded_rows, fields, parse_lines, Rows, TextFile};

/// The regulated poems (jueju and lüshi), 37,848 of them.
pub const TANG_JUEJU_LUSHI: TextFile = TextFile {
    title: "Tang poems (jueju and lüshi)",
    folder: "poetry",
    name: "tang_jueju_lushi.tsv.gz",
};

/// The whole 全唐诗, 57,410 poems of every form.
pub const TANG_POEMS: TextFile = TextFile {
    title: "Tang poems (all)",
    folder: "poetry",
    name: "tang_poems.tsv.gz",
};

/// The embedded poems: those of [`TANG_JUEJU_LUSHI`] that use only its 2,000 most
/// frequent characters.
pub const EMBEDDED_POEMS: &str = "poetry/tang_jueju_lushi-common2000.tsv.gz";

/// How many poems [`embedded_poems`] returns.
pub const EMBEDDED_POEM_COUNT: usize = 11_255;

/// One poem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poem {
    /// The poet (may be 无名氏, "anonymous").
    pub author: String,
    /// The title (a few poems of the full collection have none).
    pub title: String,
    /// The verse lines with their own punctuation (，。), no spaces.
    pub text: String,
}

const FORMAT: &str = "author<TAB>title<TAB>poem";

/// Parses `author<TAB>title<TAB>poem` lines; a line is malformed when it does not have
/// exactly three fields or its poem is empty. `name` is used in messages.
pub fn parse_poems(text: &str, name: &str) -> Result<Rows<Poem>, DataError> {
    parse_lines(text, name, None, FORMAT, |line| {
        let f = fields(line, 3, 3)?;
        if f[2].trim().is_empty() {
            return Err("the poem is empty".to_string());
        }
        Ok(Poem {
            author: f[0].trim().to_string(),
            title: f[1].trim().to_string(),
            text: f[2].trim().to_string(),
        })
    })
}

/// Finds `file` (a poetry file such as [`TANG_JUEJU_LUSHI`]) and reads its poems.
pub fn read_poems(locator: &DataLocator, file: &TextFile) -> Result<Rows<Poem>, DataError> {
    let path = file.find(locator)?;
    let text = crate::text::read_text_file(&path, crate::text::MAX_TEXT_BYTES)?;
    parse_poems(&text, &path.display().to_string())
}

/// The 11,255 poems of [`TANG_JUEJU_LUSHI`], in file order, whose text uses only the
/// 2,000 most frequent characters of that file: the GPT milestone's quick corpus,
/// compiled into the binary (`tools/make_text_fixtures.py`).
pub fn embedded_poems() -> Vec<Poem> {
    embedded_rows(EMBEDDED_POEMS, parse_poems)
}
