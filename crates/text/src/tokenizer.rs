//! Text ↔ token ids: bytes, Unicode characters, and trained BPE (`bpe.rs`), saved with a
//! model in its checkpoint metadata.
//!
//! Character tokenizers split by Unicode scalar values (`char`s), not bytes: 春 is one
//! token, not three UTF-8 bytes. A character outside the vocabulary is an error that
//! names it ([`TokenizerError::Unknown`]); [`Tokenizer::encode_skipping_unknown`] is the
//! documented fallback that drops such characters (`descent generate --skip-unknown`).

use crate::bpe::Bpe;
use std::collections::HashMap;

/// Why text could not be encoded or a saved tokenizer not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenizerError {
    /// Characters that the vocabulary lacks, in order of first appearance.
    #[error("characters not in the model's vocabulary: {}; use other characters, or --skip-unknown to drop them", describe(.0))]
    Unknown(Vec<char>),
    /// The saved form could not be parsed.
    #[error("tokenizer metadata is unreadable: {0}")]
    Corrupt(String),
}

/// The first ten characters named, and how many more there are.
fn describe(chars: &[char]) -> String {
    const SHOWN: usize = 10;
    let mut named: Vec<String> = chars.iter().take(SHOWN).map(|c| format!("'{c}' (U+{:04X})", *c as u32)).collect();
    if chars.len() > SHOWN {
        named.push(format!("and {} more", chars.len() - SHOWN));
    }
    named.join(", ")
}

/// One token per Unicode character of a fixed alphabet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CharTokenizer {
    chars: Vec<char>,
    index: HashMap<char, usize>,
}

impl CharTokenizer {
    /// A vocabulary of exactly `chars` (id = position; duplicates are dropped).
    pub fn from_chars(chars: impl IntoIterator<Item = char>) -> CharTokenizer {
        let mut list = Vec::new();
        let mut index = HashMap::new();
        for c in chars {
            if let std::collections::hash_map::Entry::Vacant(e) = index.entry(c) {
                e.insert(list.len());
                list.push(c);
            }
        }
        CharTokenizer { chars: list, index }
    }

    /// Every distinct character of `texts`, sorted by code point (a stable vocabulary).
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> CharTokenizer {
        let mut all: Vec<char> = texts.into_iter().flat_map(|t| t.chars()).collect();
        all.sort_unstable();
        all.dedup();
        CharTokenizer::from_chars(all)
    }

    /// Number of tokens.
    pub fn vocab_size(&self) -> usize {
        self.chars.len()
    }

    /// The id of `c`, if it is in the vocabulary.
    pub fn id(&self, c: char) -> Option<usize> {
        self.index.get(&c).copied()
    }

    /// The vocabulary in id order.
    pub fn chars(&self) -> &[char] {
        &self.chars
    }
}

/// A tokenizer of any kind, as stored beside a model (serde: `{"kind": "char", "chars": …}`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "TokenizerForm", from = "TokenizerForm")]
pub enum Tokenizer {
    /// 256 byte values (W3's byte-level model).
    Byte,
    /// Unicode characters.
    Char(CharTokenizer),
    /// Byte-pair encoding over characters.
    Bpe(Bpe),
}

impl Tokenizer {
    /// Number of distinct ids.
    pub fn vocab_size(&self) -> usize {
        match self {
            Tokenizer::Byte => 256,
            Tokenizer::Char(c) => c.vocab_size(),
            Tokenizer::Bpe(b) => b.vocab_size(),
        }
    }

    /// Ids of `text`; an error lists the characters the vocabulary lacks.
    pub fn encode(&self, text: &str) -> Result<Vec<usize>, TokenizerError> {
        match self {
            Tokenizer::Byte => Ok(text.bytes().map(usize::from).collect()),
            Tokenizer::Char(c) => {
                let mut unknown: Vec<char> = Vec::new();
                let ids: Vec<usize> = text
                    .chars()
                    .filter_map(|ch| {
                        let id = c.id(ch);
                        if id.is_none() && !unknown.contains(&ch) {
                            unknown.push(ch);
                        }
                        id
                    })
                    .collect();
                if unknown.is_empty() {
                    Ok(ids)
                } else {
                    Err(TokenizerError::Unknown(unknown))
                }
            }
            Tokenizer::Bpe(b) => b.encode(text),
        }
    }

    /// The documented fallback: ids of `text` with out-of-vocabulary characters dropped,
    /// plus the characters dropped.
    pub fn encode_skipping_unknown(&self, text: &str) -> (Vec<usize>, Vec<char>) {
        match self.encode(text) {
            Ok(ids) => (ids, Vec::new()),
            Err(TokenizerError::Unknown(bad)) => {
                let kept: String = text.chars().filter(|c| !bad.contains(c)).collect();
                (self.encode(&kept).unwrap_or_default(), bad)
            }
            Err(_) => (Vec::new(), Vec::new()),
        }
    }

    /// Text of `ids` (bytes that are not valid UTF-8 become U+FFFD).
    pub fn decode(&self, ids: &[usize]) -> String {
        match self {
            Tokenizer::Byte => String::from_utf8_lossy(&ids.iter().map(|&i| i as u8).collect::<Vec<u8>>()).into_owned(),
            Tokenizer::Char(c) => ids.iter().map(|&i| c.chars.get(i).copied().unwrap_or('\u{FFFD}')).collect(),
            Tokenizer::Bpe(b) => b.decode(ids),
        }
    }
}

/// The saved form of a [`Tokenizer`]: `{"kind": "byte"}`, `{"kind": "char", "chars": "…"}`
/// or `{"kind": "bpe", "alphabet": "…", "merges": [[a, b], …]}`.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum TokenizerForm {
    Byte,
    Char { chars: String },
    Bpe(Bpe),
}

impl From<Tokenizer> for TokenizerForm {
    fn from(tokenizer: Tokenizer) -> TokenizerForm {
        match tokenizer {
            Tokenizer::Byte => TokenizerForm::Byte,
            Tokenizer::Char(c) => TokenizerForm::Char {
                chars: c.chars.iter().collect(),
            },
            Tokenizer::Bpe(b) => TokenizerForm::Bpe(b),
        }
    }
}

impl From<TokenizerForm> for Tokenizer {
    fn from(form: TokenizerForm) -> Tokenizer {
        match form {
            TokenizerForm::Byte => Tokenizer::Byte,
            TokenizerForm::Char { chars } => Tokenizer::Char(CharTokenizer::from_chars(chars.chars())),
            TokenizerForm::Bpe(b) => Tokenizer::Bpe(b),
        }
    }
}
