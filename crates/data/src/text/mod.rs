//! Text data sets: Tang poems, English–Chinese pairs, SST-2 sentiment, tiny Shakespeare.
//!
//! Each set is one or more [`TextFile`]s, `<root>/<folder>/<name>` under the same search
//! roots as every data set ([`DataLocator`]: `--data-dir`, `$DESCENT_DATA`, `./data`).
//! A file may be gzip or plain whatever its name says (the content decides, by the gzip
//! magic bytes), and the `.gz` name or the same name without `.gz` is accepted.
//!
//! Reading is bounded: a file may hold, or decompress to, at most [`MAX_TEXT_BYTES`]
//! (64 MiB; the largest real text file here is 12 MB), so a wrong path or a gzip bomb
//! ends in [`DataError::TooLarge`] instead of filling memory.
//!
//! Malformed lines (a wrong number of fields, an empty sentence, a label that is
//! neither 0 nor 1) are skipped and counted in [`Rows`], as long as they are at most one
//! line in ten: the real files have none, and a few stray lines in a hand-edited copy
//! should not stop a run. More than that means the file is not what its name says
//! (another format, a shifted column), and reading fails with [`DataError::Malformed`]
//! naming the first bad line. Blank lines are not data and are skipped silently; a
//! leading byte-order mark and `\r\n` line ends are accepted.

pub mod poems;
pub mod sentiment;
pub mod shakespeare;
pub mod translation;

use std::path::{Path, PathBuf};

use crate::error::DataError;
use crate::locate::{DataLocator, LookedAt, Sought};

/// The most bytes a text file may hold or decompress to (64 MiB).
pub const MAX_TEXT_BYTES: u64 = 64 << 20;

/// At most one data line in `MALFORMED_TOLERANCE` may be malformed.
const MALFORMED_TOLERANCE: usize = 10;

/// One text file of a data folder: `<root>/<folder>/<name>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextFile {
    /// What it holds, for messages ("Tang poems (jueju and lüshi)").
    pub title: &'static str,
    /// Its folder under a data root (`poetry`, `sentiment/sst2`).
    pub folder: &'static str,
    /// Its file name (`tang_jueju_lushi.tsv.gz`).
    pub name: &'static str,
}

impl TextFile {
    /// `folder/name`, as written in messages and in the data folder's README.
    pub fn relative_path(&self) -> String {
        format!("{}/{}", self.folder, self.name)
    }

    /// The name, then the other variant: without `.gz` if it has it, with it if not.
    fn names(&self) -> [String; 2] {
        let other = match self.name.strip_suffix(".gz") {
            Some(stem) => stem.to_string(),
            None => format!("{}.gz", self.name),
        };
        [self.name.to_string(), other]
    }

    /// The first `<root>/<folder>/<name>` (or its `.gz`/plain variant) that is a regular
    /// file; [`DataError::NotFound`] listing every place looked at otherwise.
    pub fn find(&self, locator: &DataLocator) -> Result<PathBuf, DataError> {
        let mut looked = Vec::new();
        for root in locator.roots() {
            let dir = root.path.join(self.folder);
            let found = self.names().into_iter().map(|n| dir.join(n)).find(|p| p.is_file());
            if let Some(path) = found {
                return Ok(path);
            }
            let problem = if dir.is_dir() {
                format!("no {} (or {})", self.names()[0], self.names()[1])
            } else {
                "no such folder".to_string()
            };
            looked.push(LookedAt {
                dir,
                source: root.source,
                problem,
            });
        }
        Err(DataError::NotFound {
            dataset: Sought::Text(*self),
            looked,
        })
    }

    /// Finds the file and reads it as text (bounded, gzip or plain).
    pub fn read(&self, locator: &DataLocator) -> Result<String, DataError> {
        read_text_file(&self.find(locator)?, MAX_TEXT_BYTES)
    }
}

/// Reads a UTF-8 text file, gunzipping it when it starts with the gzip magic bytes; the
/// file and its decompressed content may each be at most `limit` bytes.
pub fn read_text_file(path: &Path, limit: u64) -> Result<String, DataError> {
    let bytes = crate::bounded::read_regular_file(path, limit)?;
    decode_text(&bytes, &path.display().to_string(), limit)
}

/// Text from bytes held in memory (a file's content, or an embedded fixture): gunzipped
/// if gzip, at most `limit` bytes after decompression, UTF-8, a leading byte-order mark
/// removed. `name` is used in error messages.
pub fn decode_text(bytes: &[u8], name: &str, limit: u64) -> Result<String, DataError> {
    let raw = crate::bounded::gunzip_at_most(bytes, name, limit)?.into_owned();
    let mut text = String::from_utf8(raw).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        DataError::Parse {
            name: name.to_string(),
            line,
            reason: format!("not UTF-8 text (invalid byte at offset {offset}); is this the right file?"),
        }
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// The rows read from a text file, and the malformed lines that were skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rows<T> {
    /// The well-formed rows, in file order.
    pub rows: Vec<T>,
    /// How many non-blank lines were malformed and skipped (at most one in ten).
    pub skipped: usize,
    /// The first skipped line: its 1-based number and what was wrong.
    pub first_skipped: Option<(usize, String)>,
}

impl<T> Rows<T> {
    /// A one-line note about skipped lines for the user, or `None` when none were.
    pub fn skipped_note(&self, name: &str) -> Option<String> {
        let (line, reason) = self.first_skipped.as_ref()?;
        Some(format!(
            "{name}: skipped {} malformed line(s) of {}; the first is line {line}: {reason}",
            self.skipped,
            self.rows.len() + self.skipped
        ))
    }
}

/// Parses every non-blank line of `text` with `parse_line`, after an optional `header`
/// line that must match exactly. Applies the malformed-line policy of this module;
/// `expected` describes a line's format for the error message.
pub(crate) fn parse_lines<T>(
    text: &str,
    name: &str,
    header: Option<&str>,
    expected: &str,
    parse_line: impl Fn(&str) -> Result<T, String>,
) -> Result<Rows<T>, DataError> {
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).enumerate();
    if let Some(header) = header {
        match lines.find(|(_, l)| !l.trim().is_empty()) {
            Some((_, l)) if l.trim_end() == header => {}
            Some((i, l)) => {
                let shown: String = l.chars().take(60).collect();
                let reason = format!("expected the header line `{header}`, found `{shown}`; is this the right file?");
                return Err(parse_error(name, i + 1, reason));
            }
            None => return Err(parse_error(name, 1, "the file is empty".to_string())),
        }
    }
    let (mut rows, mut skipped, mut first_skipped) = (Vec::new(), 0, None);
    for (i, line) in lines.filter(|(_, l)| !l.trim().is_empty()) {
        match parse_line(line) {
            Ok(row) => rows.push(row),
            Err(reason) => {
                skipped += 1;
                first_skipped.get_or_insert((i + 1, reason));
            }
        }
    }
    let total = rows.len() + skipped;
    if total == 0 {
        return Err(parse_error(name, 1, format!("no data lines; expected lines of {expected}")));
    }
    if let Some((line, reason)) = first_skipped.clone().filter(|_| skipped * MALFORMED_TOLERANCE > total) {
        return Err(DataError::Malformed {
            name: name.to_string(),
            bad: skipped,
            total,
            line,
            reason,
            expected: expected.to_string(),
        });
    }
    Ok(Rows {
        rows,
        skipped,
        first_skipped,
    })
}

fn parse_error(name: &str, line: usize, reason: String) -> DataError {
    DataError::Parse {
        name: name.to_string(),
        line,
        reason,
    }
}

/// The tab-separated fields of `line`, checked to number between `min` and `max`.
pub(crate) fn fields(line: &str, min: usize, max: usize) -> Result<Vec<&str>, String> {
    let parts: Vec<&str> = line.split('\t').collect();
    if parts.len() < min || parts.len() > max {
        let want = if min == max { min.to_string() } else { format!("{min} to {max}") };
        return Err(format!("{} tab-separated fields, expected {want}", parts.len()));
    }
    Ok(parts)
}

/// Decodes and parses an embedded fixture; the bytes are compiled in and covered by
/// tests, so a failure is a build defect and panics.
pub(crate) fn embedded_rows<T>(name: &str, parse: impl Fn(&str, &str) -> Result<Rows<T>, DataError>) -> Vec<T> {
    let file = crate::embedded::get(name).unwrap_or_else(|| panic!("embedded file {name} is in the table"));
    let label = format!("embedded {name}");
    let text = decode_text(file.bytes, &label, MAX_TEXT_BYTES).expect("embedded text decompresses (tested)");
    let rows = parse(&text, &label).expect("embedded text parses (tested)");
    assert_eq!(rows.skipped, 0, "{label}: embedded fixtures have no malformed lines");
    rows.rows
}

/// The text of [`DataError::NotFound`] for a text file.
pub(crate) fn not_found_message(file: &TextFile, looked: &[LookedAt]) -> String {
    use std::fmt::Write as _;
    let mut s = format!("{}: {} not found. Looked in, in order:\n", file.title, file.relative_path());
    for l in looked {
        let _ = writeln!(s, "  - {} ({}): {}", l.dir.display(), l.source.label(), l.problem);
    }
    let target = looked
        .first()
        .map(|l| l.dir.display().to_string())
        .unwrap_or_else(|| format!("data/{}", file.folder));
    let _ = write!(
        s,
        "To fix, do one of:\n  \
         - put {} (gzip or plain) in {target}\n  \
         - set {} to a folder that holds {}/ (or pass --data-dir)\n  \
         (`descent data fetch` does not download this set; the quick run needs no data folder)",
        file.name,
        crate::locate::DATA_ENV_VAR,
        file.folder,
    );
    s
}
