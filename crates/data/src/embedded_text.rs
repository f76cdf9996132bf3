//! A real text excerpt compiled into the binary, so the LSTM milestone's quick run works
//! on a fresh, offline machine: the first 300,000 characters of tiny Shakespeare. Made
//! by `tools/make_text_fixtures.py` (deterministic); source and licence in
//! `fixtures/README.md`. About 116 KB of gzip.

use std::io::Read;

const SHAKESPEARE_HEAD: &[u8] = include_bytes!("../fixtures/text/tinyshakespeare-head.txt.gz");

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    // Compiled-in and covered by tests: a failure here is a build defect.
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("embedded text fixture decompresses (tested)");
    text
}

/// The first 300,000 characters of tiny Shakespeare (public-domain text).
pub fn tiny_shakespeare_head() -> String {
    gunzip(SHAKESPEARE_HEAD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_the_real_texts() {
        let s = tiny_shakespeare_head();
        assert_eq!(s.chars().count(), 300_000);
        assert!(s.starts_with("First Citizen:\nBefore we proceed any further, hear me speak."));
    }
}
