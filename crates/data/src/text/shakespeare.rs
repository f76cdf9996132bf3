//! Tiny Shakespeare: 1,115,394 characters of the plays as one plain ASCII file (from
//! karpathy/char-rnn; the plays are public domain), the classic corpus of a character
//! language model. [`tiny_shakespeare_head`] is its first 300,000 characters, compiled
//! into the binary, so the LSTM milestone's quick run works on a fresh, offline machine.

use crate::error::DataError;
use crate::locate::DataLocator;
use crate::text::{decode_text, TextFile, MAX_TEXT_BYTES};

/// The whole text.
pub const TINY_SHAKESPEARE: TextFile = TextFile {
    title: "tiny Shakespeare",
    folder: "text",
    name: "tinyshakespeare.txt",
};

/// The embedded excerpt.
pub const EMBEDDED_SHAKESPEARE: &str = "text/tinyshakespeare-head.txt.gz";

/// Finds [`TINY_SHAKESPEARE`] and reads it.
pub fn read_tiny_shakespeare(locator: &DataLocator) -> Result<String, DataError> {
    TINY_SHAKESPEARE.read(locator)
}

/// The first 300,000 characters of tiny Shakespeare (about 116 KB of gzip in the binary).
pub fn tiny_shakespeare_head() -> String {
    let file = crate::embedded::get(EMBEDDED_SHAKESPEARE).expect("the excerpt is in the embedded table");
    // Compiled-in and covered by tests: a failure here is a build defect.
    decode_text(file.bytes, EMBEDDED_SHAKESPEARE, MAX_TEXT_BYTES).expect("embedded text fixture decompresses (tested)")
}
