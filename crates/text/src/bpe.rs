//! Byte-pair encoding (Sennrich et al. 2016) over Unicode characters, trained offline.
//!
//! Training starts from the corpus's characters and repeatedly merges the most frequent
//! adjacent pair of symbols (ties broken by the smaller pair of ids, so training is
//! deterministic) until the vocabulary reaches its target size. Text is first split into
//! words: a run of letters or digits with the space before it, or any single other
//! character, so merges never cross words and a Chinese character stays its own piece
//! unless a frequent pair makes a word of it. Encoding applies the merges in the order
//! they were learned (GPT-2's rule). Saved as JSON: the alphabet and the merge list.

use crate::tokenizer::TokenizerError;
use std::collections::HashMap;

/// A trained BPE vocabulary: characters, then one token per merge. Saved (serde) as its
/// alphabet and merges.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "BpeForm", try_from = "BpeForm")]
pub struct Bpe {
    /// Text of each token id.
    tokens: Vec<String>,
    /// Merges in learned order: (left id, right id) → new id.
    merges: Vec<(usize, usize)>,
    alphabet: HashMap<char, usize>,
    ranks: HashMap<(usize, usize), usize>,
}

/// Splits text into BPE words: `[space] letters-or-digits` runs, or single characters.
/// CJK characters count as single characters (each its own word).
pub fn pre_tokenize(text: &str) -> Vec<&str> {
    let is_word = |c: char| c.is_alphanumeric() && !is_cjk(c);
    let mut words = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        let mut j = i + 1;
        if (c == ' ' && j < chars.len() && is_word(chars[j].1)) || is_word(c) {
            while j < chars.len() && is_word(chars[j].1) {
                j += 1;
            }
        }
        let end = chars.get(j).map_or(text.len(), |&(p, _)| p);
        words.push(&text[pos..end]);
        i = j;
    }
    words
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

impl Bpe {
    /// Learns merges from `texts` until `vocab_size` tokens (or no pair occurs twice).
    pub fn train<'a>(texts: impl IntoIterator<Item = &'a str>, vocab_size: usize) -> Bpe {
        let mut word_counts: HashMap<&str, usize> = HashMap::new();
        for text in texts {
            for w in pre_tokenize(text) {
                *word_counts.entry(w).or_default() += 1;
            }
        }
        let mut alphabet: Vec<char> = word_counts.keys().flat_map(|w| w.chars()).collect();
        alphabet.sort_unstable();
        alphabet.dedup();
        let mut bpe = Bpe::from_parts(alphabet.iter().map(|c| c.to_string()).collect(), Vec::new());
        let mut words: Vec<(Vec<usize>, usize)> = word_counts
            .iter()
            .map(|(w, &n)| (w.chars().map(|c| bpe.alphabet[&c]).collect(), n))
            .collect();
        words.sort(); // deterministic order regardless of hashing
        while bpe.tokens.len() < vocab_size {
            let mut pairs: HashMap<(usize, usize), usize> = HashMap::new();
            for (symbols, n) in &words {
                for p in symbols.windows(2) {
                    *pairs.entry((p[0], p[1])).or_default() += n;
                }
            }
            let Some((&best, &count)) = pairs.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) else {
                break;
            };
            if count < 2 {
                break;
            }
            let id = bpe.push_merge(best);
            for (symbols, _) in &mut words {
                merge_in_place(symbols, best, id);
            }
        }
        bpe
    }

    fn from_parts(tokens: Vec<String>, merges: Vec<(usize, usize)>) -> Bpe {
        let alphabet = tokens
            .iter()
            .enumerate()
            .filter_map(|(i, t)| {
                let mut chars = t.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Some((c, i)),
                    _ => None,
                }
            })
            .collect();
        let mut bpe = Bpe {
            tokens,
            merges: Vec::new(),
            alphabet,
            ranks: HashMap::new(),
        };
        for m in merges {
            bpe.push_merge(m);
        }
        bpe
    }

    fn push_merge(&mut self, pair: (usize, usize)) -> usize {
        let id = self.tokens.len();
        let text = format!("{}{}", self.tokens[pair.0], self.tokens[pair.1]);
        self.tokens.push(text);
        self.ranks.insert(pair, self.merges.len());
        self.merges.push(pair);
        id
    }

    /// Number of tokens (alphabet + merges).
    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    /// Merges learned, in order.
    pub fn merge_count(&self) -> usize {
        self.merges.len()
    }

    /// Text of one token.
    pub fn token(&self, id: usize) -> &str {
        &self.tokens[id]
    }

    /// Ids of `text`: each word's characters, merged by learned rank.
    pub fn encode(&self, text: &str) -> Result<Vec<usize>, TokenizerError> {
        let unknown: Vec<char> = {
            let mut u: Vec<char> = text.chars().filter(|c| !self.alphabet.contains_key(c)).collect();
            u.dedup();
            u
        };
        if !unknown.is_empty() {
            return Err(TokenizerError::Unknown(unknown));
        }
        let mut out = Vec::new();
        let mut cache: HashMap<&str, Vec<usize>> = HashMap::new();
        for word in pre_tokenize(text) {
            let ids = cache.entry(word).or_insert_with(|| self.encode_word(word));
            out.extend_from_slice(ids);
        }
        Ok(out)
    }

    fn encode_word(&self, word: &str) -> Vec<usize> {
        let mut symbols: Vec<usize> = word.chars().map(|c| self.alphabet[&c]).collect();
        loop {
            let best = symbols
                .windows(2)
                .filter_map(|p| self.ranks.get(&(p[0], p[1])).map(|&r| (r, (p[0], p[1]))))
                .min();
            let Some((rank, pair)) = best else { break };
            merge_in_place(&mut symbols, pair, self.alphabet.len() + rank);
        }
        symbols
    }

    /// Text of `ids`.
    pub fn decode(&self, ids: &[usize]) -> String {
        ids.iter().map(|&i| self.tokens.get(i).map_or("\u{FFFD}", String::as_str)).collect()
    }

    /// JSON: `{"alphabet": "...", "merges": [[a, b], ...]}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a BPE serialises")
    }

    /// Reads [`Bpe::to_json`]'s output.
    pub fn from_json(text: &str) -> Result<Bpe, TokenizerError> {
        let form: BpeForm = serde_json::from_str(text).map_err(|e| TokenizerError::Corrupt(format!("BPE: {e}")))?;
        Bpe::try_from(form)
    }
}

/// The saved form of a [`Bpe`]: its alphabet and merges (the rest is derived).
#[derive(serde::Serialize, serde::Deserialize)]
struct BpeForm {
    alphabet: String,
    merges: Vec<(usize, usize)>,
}

impl From<Bpe> for BpeForm {
    fn from(bpe: Bpe) -> BpeForm {
        let alphabet: String = bpe.tokens[..bpe.tokens.len() - bpe.merges.len()].concat();
        BpeForm {
            alphabet,
            merges: bpe.merges,
        }
    }
}

impl TryFrom<BpeForm> for Bpe {
    type Error = TokenizerError;

    /// Checks that every merge refers to earlier tokens.
    fn try_from(form: BpeForm) -> Result<Bpe, TokenizerError> {
        let tokens: Vec<String> = form.alphabet.chars().map(|c| c.to_string()).collect();
        for (i, &(a, b)) in form.merges.iter().enumerate() {
            let limit = tokens.len() + i;
            if a >= limit || b >= limit {
                return Err(TokenizerError::Corrupt("BPE: a merge refers to a later token".into()));
            }
        }
        Ok(Bpe::from_parts(tokens, form.merges))
    }
}

/// Replaces every non-overlapping occurrence of `pair` (left to right) by `id`.
fn merge_in_place(symbols: &mut Vec<usize>, pair: (usize, usize), id: usize) {
    let mut out = 0;
    let mut i = 0;
    while i < symbols.len() {
        if i + 1 < symbols.len() && (symbols[i], symbols[i + 1]) == pair {
            symbols[out] = id;
            i += 2;
        } else {
            symbols[out] = symbols[i];
            i += 1;
        }
        out += 1;
    }
    symbols.truncate(out);
}
