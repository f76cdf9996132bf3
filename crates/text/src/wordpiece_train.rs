//! Learning a WordPiece vocabulary from text, as Hugging Face's `WordPieceTrainer` does:
//! byte-pair merging (Sennrich et al. 2016) over the words of BERT's normaliser and
//! pre-tokeniser, where every piece after a word's first carries the `##` prefix.
//!
//! Each word starts as its characters (`w ##o ##r ##d`); the most frequent adjacent pair
//! of pieces (weighted by word counts; ties to the smaller pair of ids, so training is
//! deterministic) becomes one new piece (`w` + `##o` → `wo`, `##o` + `##r` → `##or`),
//! until the vocabulary reaches its size or no pair occurs twice. The vocabulary is the
//! special tokens, then the characters, then the merged pieces in the order learned;
//! [`WordPiece`]'s greedy longest match then splits any text over it.
//!
//! Pair counts are kept up to date incrementally (only the words holding the merged pair
//! are recounted) and the best pair comes from a max-heap whose stale entries are
//! skipped, so a merge costs work in proportion to the words it touches, not to the corpus.

use crate::wordpiece::{WordPiece, WordPieceOptions};
use crate::TokenizerError;
use std::collections::{BinaryHeap, HashMap};

/// The special tokens every trained vocabulary starts with, in this order.
pub const SPECIAL_TOKENS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

type Pair = (u32, u32);

/// Pieces of every distinct word and the running pair statistics.
struct Merger {
    tokens: Vec<String>,
    ids: HashMap<String, u32>,
    /// (pieces, count) of each distinct word.
    words: Vec<(Vec<u32>, u64)>,
    pair_counts: HashMap<Pair, u64>,
    /// Words in which each pair occurs (may list a word whose pair has since gone).
    pair_words: HashMap<Pair, Vec<usize>>,
    heap: BinaryHeap<(u64, std::cmp::Reverse<Pair>)>,
}

impl Merger {
    fn id_of(&mut self, text: String) -> u32 {
        if let Some(&id) = self.ids.get(&text) {
            return id;
        }
        let id = self.tokens.len() as u32;
        self.ids.insert(text.clone(), id);
        self.tokens.push(text);
        id
    }

    /// Adds (`add`) or removes the pairs of word `w` to or from the statistics.
    fn count_word(&mut self, w: usize, add: bool) {
        let (pieces, n) = &self.words[w];
        for p in pieces.windows(2) {
            let pair = (p[0], p[1]);
            let count = self.pair_counts.entry(pair).or_default();
            if add {
                *count += n;
                self.pair_words.entry(pair).or_default().push(w);
            } else {
                *count -= n;
            }
            self.heap.push((*count, std::cmp::Reverse(pair)));
        }
    }

    /// The most frequent pair (current counts only), if it occurs at least twice.
    fn best(&mut self) -> Option<Pair> {
        while let Some((count, std::cmp::Reverse(pair))) = self.heap.pop() {
            if self.pair_counts.get(&pair) == Some(&count) {
                return (count >= 2).then_some(pair);
            }
        }
        None
    }

    /// Replaces every occurrence of `pair` by `id` in the words that hold it.
    fn merge(&mut self, pair: Pair, id: u32) {
        let mut holders = self.pair_words.remove(&pair).unwrap_or_default();
        holders.sort_unstable();
        holders.dedup();
        for w in holders {
            if !self.words[w].0.windows(2).any(|p| (p[0], p[1]) == pair) {
                continue;
            }
            self.count_word(w, false);
            let pieces = &mut self.words[w].0;
            let mut out = Vec::with_capacity(pieces.len());
            let mut i = 0;
            while i < pieces.len() {
                if i + 1 < pieces.len() && (pieces[i], pieces[i + 1]) == pair {
                    out.push(id);
                    i += 2;
                } else {
                    out.push(pieces[i]);
                    i += 1;
                }
            }
            *pieces = out;
            self.count_word(w, true);
        }
        self.pair_counts.remove(&pair);
    }
}

impl WordPiece {
    /// Learns a vocabulary of at most `vocab_size` tokens (the [`SPECIAL_TOKENS`] and
    /// every character of the corpus included) from `texts`, normalised and split as
    /// `options` say; words longer than `options.max_input_chars_per_word` are skipped.
    pub fn train<'a>(
        texts: impl IntoIterator<Item = &'a str>,
        vocab_size: usize,
        options: WordPieceOptions,
    ) -> Result<WordPiece, TokenizerError> {
        let specials: Vec<String> = SPECIAL_TOKENS.iter().map(|s| s.to_string()).collect();
        let normaliser = WordPiece::new(specials.clone(), options.clone())?;
        let mut counts: HashMap<String, u64> = HashMap::new();
        for text in texts {
            let normalized = normaliser.normalize(text);
            for word in WordPiece::pre_tokenize(&normalized) {
                if word.chars().count() <= options.max_input_chars_per_word {
                    *counts.entry(word.to_string()).or_default() += 1;
                }
            }
        }
        let mut counts: Vec<(String, u64)> = counts.into_iter().collect();
        counts.sort_unstable(); // deterministic order regardless of hashing
        let prefix = options.continuing_prefix.as_str();
        let piece = |c: char, first: bool| if first { c.to_string() } else { format!("{prefix}{c}") };
        let mut alphabet: Vec<String> = counts
            .iter()
            .flat_map(|(w, _)| w.chars().enumerate().map(|(i, c)| piece(c, i == 0)).collect::<Vec<_>>())
            .collect();
        alphabet.sort_unstable();
        alphabet.dedup();
        let mut merger = Merger {
            tokens: Vec::new(),
            ids: HashMap::new(),
            words: Vec::with_capacity(counts.len()),
            pair_counts: HashMap::new(),
            pair_words: HashMap::new(),
            heap: BinaryHeap::new(),
        };
        for token in specials.into_iter().chain(alphabet) {
            merger.id_of(token);
        }
        for (word, n) in &counts {
            let pieces = word.chars().enumerate().map(|(i, c)| merger.ids[&piece(c, i == 0)]).collect();
            merger.words.push((pieces, *n));
        }
        for w in 0..merger.words.len() {
            merger.count_word(w, true);
        }
        while merger.tokens.len() < vocab_size {
            let Some(pair) = merger.best() else { break };
            let right = &merger.tokens[pair.1 as usize];
            let text = format!("{}{}", merger.tokens[pair.0 as usize], right.strip_prefix(prefix).unwrap_or(right));
            let id = merger.id_of(text);
            merger.merge(pair, id);
        }
        WordPiece::new(merger.tokens, options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequent_words_become_single_pieces_and_rare_ones_split() {
        let text = "the cat sat on the mat . the cat ran . a rat ! ".repeat(20) + "zebra";
        let t = WordPiece::train([text.as_str()], 40, WordPieceOptions::default()).unwrap();
        assert_eq!(&SPECIAL_TOKENS[..], &(0..5).map(|i| t.token(i).unwrap()).collect::<Vec<_>>()[..]);
        assert!(t.vocab_size() <= 40);
        let the = t.tokenize("the");
        assert_eq!(the.len(), 1, "'the' is frequent enough to be one piece: {the:?}");
        // A word seen once is spelt out from the alphabet, never unknown.
        let zebra = t.tokenize("Zebra");
        assert!(!zebra.contains(&t.unk_id()) && zebra.len() > 1, "{zebra:?}");
        assert!(t.token(zebra[1]).unwrap().starts_with("##"));
        // Same corpus, same vocabulary.
        let again = WordPiece::train([text.as_str()], 40, WordPieceOptions::default()).unwrap();
        assert_eq!(
            (0..t.vocab_size() as u32).map(|i| t.token(i)).collect::<Vec<_>>(),
            (0..again.vocab_size() as u32).map(|i| again.token(i)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn training_stops_when_no_pair_repeats() {
        let t = WordPiece::train(["ab ab cd"], 1000, WordPieceOptions::default()).unwrap();
        // Specials, the pieces seen (a ##b c ##d: first letters bare, later ones with ##),
        // then `ab` (twice); `cd` occurs once and is not merged.
        assert_eq!(t.vocab_size(), 5 + 4 + 1);
        assert_eq!(
            t.tokenize("ab cd"),
            vec![t.id("ab").unwrap(), t.id("c").unwrap(), t.id("##d").unwrap()]
        );
    }
}
