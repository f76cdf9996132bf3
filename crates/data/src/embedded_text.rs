//! Real text excerpts compiled into the binary, so the sequence milestones' quick runs
//! work on a fresh, offline machine: the first 300,000 characters of tiny Shakespeare
//! and a sample of Tang jueju/lüshi (every 12th poem plus all of Li Bai's). Made by
//! `tools/make_text_fixtures.py` (deterministic); sources and licences in
//! `fixtures/README.md`. About 430 KB of gzip.

use std::io::Read;

const SHAKESPEARE_HEAD: &[u8] = include_bytes!("../fixtures/text/tinyshakespeare-head.txt.gz");
const TANG_SAMPLE: &[u8] = include_bytes!("../fixtures/text/tang-poems-sample.tsv.gz");

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

/// Tang poems as `author<TAB>title<TAB>text` lines: every 12th of the jueju/lüshi set
/// and every Li Bai poem in it.
pub fn tang_poems_sample() -> String {
    gunzip(TANG_SAMPLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_the_real_texts() {
        let s = tiny_shakespeare_head();
        assert_eq!(s.chars().count(), 300_000);
        assert!(s.starts_with("First Citizen:\nBefore we proceed any further, hear me speak."));
        let poems = tang_poems_sample();
        let lines: Vec<&str> = poems.lines().collect();
        assert!(lines.len() > 3000 && lines.iter().all(|l| l.split('\t').count() == 3));
        assert!(lines.iter().filter(|l| l.starts_with("李白\t")).count() > 100);
    }
}
