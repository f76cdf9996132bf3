//! `descent-fuzz`: mutation fuzzing of the parsers that read outside bytes — checkpoints
//! and saved models (safetensors), IDX, CIFAR batches, the text data readers, images
//! through the shared reader, WordPiece and BPE tokenisers, Hugging Face and model
//! configs.
//!
//! Each target starts from a committed corpus of valid inputs (`corpus/<target>/`,
//! written by `cargo run --release -p descent-fuzz --example write_corpus`)
//! and runs a fixed number of mutated cases ([`cases`]): bytes flipped, set to
//! boundary values, inserted, deleted, truncated, spliced. A parser passes when every
//! case returns — a value or a one-line error — without panicking. A failure is shrunk
//! by proptest and saved under `proptest-regressions/`, committed, so it is replayed
//! first on every later run.
#![warn(missing_docs)]

use proptest::prelude::*;
use std::path::{Path, PathBuf};

/// Cases a target runs: `default` (sized so all targets together take about a minute
/// of CPU in CI) times `DESCENT_FUZZ_SCALE` when set (a longer campaign: `=20`).
pub fn cases(default: u32) -> u32 {
    let scale: f64 = std::env::var("DESCENT_FUZZ_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|s: &f64| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0);
    (default as f64 * scale).round().clamp(1.0, u32::MAX as f64) as u32
}

/// The random seed of the mutations: fixed, so CI replays the same cases, unless
/// `DESCENT_FUZZ_SEED` (a number) asks for a different campaign.
pub fn seed() -> [u8; 32] {
    let n: u64 = std::env::var("DESCENT_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut seed = [7u8; 32];
    seed[..8].copy_from_slice(&n.to_le_bytes());
    seed
}

/// The folder of a target's committed seeds.
pub fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target)
}

/// A target's seeds, in file-name order; panics when there are none (the corpus is
/// part of the test).
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = corpus_dir(target);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}; write it with the write_corpus example", dir.display()))
        .map(|entry| entry.expect("readable corpus folder").path())
        .collect();
    paths.sort();
    let seeds: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).expect("readable seed")).collect();
    assert!(!seeds.is_empty(), "{}: no seeds", dir.display());
    seeds
}

/// One edit of an input.
#[derive(Clone, Debug)]
pub enum Mutation {
    /// Flip one bit of the byte at a position (positions wrap around the length).
    FlipBit(usize, u8),
    /// Set a byte to a boundary value (0, 1, 0x7f, 0x80, 0xff, or a given byte).
    SetByte(usize, u8),
    /// Overwrite 4 or 8 bytes with a boundary integer (little or big endian).
    SetWord(usize, u64, bool),
    /// Insert bytes.
    Insert(usize, Vec<u8>),
    /// Delete up to `n` bytes.
    Delete(usize, usize),
    /// Cut the input short.
    Truncate(usize),
    /// Copy a stretch of the input over another place.
    Splice(usize, usize, usize),
}

/// Where a mutation lands: most near the start (headers live there), some anywhere.
fn position() -> impl Strategy<Value = usize> {
    prop_oneof![3 => 0usize..256, 1 => any::<usize>()]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let boundary = prop_oneof![
        Just(0u64),
        Just(1),
        Just(0x7f),
        Just(0x80),
        Just(0xff),
        Just(0xffff),
        Just(0x7fff_ffff),
        Just(0xffff_ffff),
        Just(u64::MAX),
        Just(u64::MAX / 2),
        any::<u64>(),
    ];
    prop_oneof![
        3 => (position(), 0u8..8).prop_map(|(p, b)| Mutation::FlipBit(p, b)),
        2 => (position(), prop_oneof![Just(0u8), Just(1), Just(0x7f), Just(0x80), Just(0xff), any::<u8>()])
            .prop_map(|(p, v)| Mutation::SetByte(p, v)),
        2 => (position(), boundary, any::<bool>()).prop_map(|(p, v, wide)| Mutation::SetWord(p, v, wide)),
        1 => (position(), proptest::collection::vec(any::<u8>(), 1..16)).prop_map(|(p, b)| Mutation::Insert(p, b)),
        1 => (position(), 1usize..64).prop_map(|(p, n)| Mutation::Delete(p, n)),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), position(), 1usize..64).prop_map(|(a, b, n)| Mutation::Splice(a, b, n)),
    ]
}

/// Applies `mutations` to `seed` in order.
pub fn apply(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for m in mutations {
        let len = bytes.len();
        let at = |p: usize| if len == 0 { 0 } else { p % len };
        match m {
            Mutation::FlipBit(p, bit) if len > 0 => bytes[at(*p)] ^= 1 << bit,
            Mutation::SetByte(p, v) if len > 0 => bytes[at(*p)] = *v,
            Mutation::SetWord(p, v, wide) => {
                let word: Vec<u8> = match (wide, p % 2 == 0) {
                    (true, true) => v.to_le_bytes().to_vec(),
                    (true, false) => v.to_be_bytes().to_vec(),
                    (false, true) => (*v as u32).to_le_bytes().to_vec(),
                    (false, false) => (*v as u32).to_be_bytes().to_vec(),
                };
                let start = at(*p);
                for (i, b) in word.into_iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(start + i) {
                        *slot = b;
                    }
                }
            }
            Mutation::Insert(p, new) => {
                let start = if len == 0 { 0 } else { p % (len + 1) };
                bytes.splice(start..start, new.iter().copied());
            }
            Mutation::Delete(p, n) if len > 0 => {
                let start = at(*p);
                bytes.drain(start..(start + n).min(len));
            }
            Mutation::Truncate(p) => bytes.truncate(if len == 0 { 0 } else { p % len }),
            Mutation::Splice(from, to, n) if len > 0 => {
                let (from, to) = (at(*from), at(*to));
                let n = (*n).min(len - from).min(len - to);
                let piece = bytes[from..from + n].to_vec();
                bytes[to..to + n].copy_from_slice(&piece);
            }
            _ => {}
        }
    }
    bytes
}

/// Inputs made from `seeds`: a seed, unchanged or with one to eight mutations.
pub fn mutated(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let count = seeds.len();
    (0..count, proptest::collection::vec(mutation(), 0..8)).prop_map(move |(i, edits)| apply(&seeds[i], &edits))
}

/// Inputs as text: mutated seeds read as UTF-8, invalid sequences replaced.
pub fn mutated_text(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = String> {
    mutated(seeds).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_stay_in_bounds_on_any_input() {
        let all = [
            Mutation::FlipBit(7, 3),
            Mutation::SetByte(1000, 0xff),
            Mutation::SetWord(3, u64::MAX, true),
            Mutation::Insert(99, vec![1, 2]),
            Mutation::Delete(2, 100),
            Mutation::Truncate(5),
            Mutation::Splice(0, 9, 50),
        ];
        for seed in [&b""[..], b"a", b"hello, world"] {
            let out = apply(seed, &all);
            assert!(out.len() <= seed.len() + 2, "{out:?}");
        }
        assert_eq!(apply(b"abc", &[Mutation::SetByte(4, b'x')]), b"axc");
    }
}
