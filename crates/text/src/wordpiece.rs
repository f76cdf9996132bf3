//! BERT's WordPiece tokenizer (Devlin et al. 2018; Wu et al. 2016), as the Hugging Face
//! `tokenizers` library runs it for BERT-style models (`BertNormalizer`,
//! `BertPreTokenizer`, `WordPiece`), so a vocabulary from any BERT folder (`vocab.txt` or
//! `tokenizer.json`) gives the same ids as sentence-transformers.
//!
//! 1. Normalise: drop NUL, U+FFFD and control characters (general category C*, except
//!    tab, newline and carriage return, which become spaces like every other whitespace);
//!    put spaces around CJK ideographs so each becomes its own word; strip accents
//!    (canonical decomposition, NFD, then drop the non-spacing marks, category Mn); lower
//!    case.
//! 2. Pre-tokenise: split on whitespace, and make every punctuation character (ASCII
//!    punctuation or category P*) a word of its own.
//! 3. WordPiece: greedy longest match first from the left; pieces after the first carry
//!    the `##` prefix. A word of more than 100 characters, or one with a part that no
//!    vocabulary entry matches, becomes a single `[UNK]`.
//! 4. `[CLS] pieces [SEP]`, the pieces cut so the whole fits the model's maximum length.
//!
//! Our own implementation rather than the `tokenizers` crate: this is the whole of what
//! BERT models need (about 300 lines, two small Unicode-table crates), it builds in
//! seconds, adds little to the binary, and the golden test pins its ids to the reference.

use crate::tokenizer::TokenizerError;
use std::collections::HashMap;
use unicode_general_category::get_general_category;
use unicode_normalization::UnicodeNormalization;

/// Text clean-up switches of BERT's normaliser (`tokenizer.json`'s `normalizer` block or
/// `tokenizer_config.json`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WordPieceOptions {
    /// Lower-case the text (uncased models).
    pub lowercase: bool,
    /// Remove accents (NFD, then drop non-spacing marks); BERT ties it to `lowercase`.
    pub strip_accents: bool,
    /// Make every CJK ideograph its own word.
    pub handle_chinese_chars: bool,
    /// Drop control characters and turn every whitespace character into a space.
    pub clean_text: bool,
    /// Longer words become `[UNK]` without being split.
    pub max_input_chars_per_word: usize,
    /// Marks a piece that continues a word (`##`).
    pub continuing_prefix: String,
    /// The unknown token (`[UNK]`).
    pub unk_token: String,
    /// Opens every sequence (`[CLS]`).
    pub cls_token: String,
    /// Closes every sequence (`[SEP]`).
    pub sep_token: String,
    /// Fills batches to a common length (`[PAD]`).
    pub pad_token: String,
}

impl Default for WordPieceOptions {
    /// The settings of BERT's uncased models.
    fn default() -> Self {
        WordPieceOptions {
            lowercase: true,
            strip_accents: true,
            handle_chinese_chars: true,
            clean_text: true,
            max_input_chars_per_word: 100,
            continuing_prefix: "##".to_string(),
            unk_token: "[UNK]".to_string(),
            cls_token: "[CLS]".to_string(),
            sep_token: "[SEP]".to_string(),
            pad_token: "[PAD]".to_string(),
        }
    }
}

/// A WordPiece vocabulary with BERT's normaliser and pre-tokeniser.
#[derive(Clone, Debug)]
pub struct WordPiece {
    options: WordPieceOptions,
    /// Text of each id (continuation pieces with their prefix).
    tokens: Vec<String>,
    /// Pieces that start a word → id.
    word_starts: HashMap<String, u32>,
    /// Continuation pieces, prefix removed → id.
    continuations: HashMap<String, u32>,
    unk_id: u32,
    cls_id: u32,
    sep_id: u32,
    pad_id: u32,
}

impl WordPiece {
    /// A tokenizer over `tokens` (id = position). The special tokens of `options` must
    /// be in the vocabulary.
    pub fn new(tokens: Vec<String>, options: WordPieceOptions) -> Result<WordPiece, TokenizerError> {
        let mut word_starts = HashMap::with_capacity(tokens.len());
        let mut continuations = HashMap::new();
        for (id, token) in tokens.iter().enumerate() {
            let id = u32::try_from(id).map_err(|_| TokenizerError::Corrupt("more than 2^32 tokens".into()))?;
            match token.strip_prefix(options.continuing_prefix.as_str()) {
                Some(rest) if !options.continuing_prefix.is_empty() => continuations.entry(rest.to_string()).or_insert(id),
                _ => word_starts.entry(token.clone()).or_insert(id),
            };
        }
        let special = |name: &str| -> Result<u32, TokenizerError> {
            tokens
                .iter()
                .position(|t| t == name)
                .map(|i| i as u32)
                .ok_or_else(|| TokenizerError::Corrupt(format!("the vocabulary has no {name} token")))
        };
        Ok(WordPiece {
            unk_id: special(&options.unk_token)?,
            cls_id: special(&options.cls_token)?,
            sep_id: special(&options.sep_token)?,
            pad_id: special(&options.pad_token)?,
            options,
            tokens,
            word_starts,
            continuations,
        })
    }

    /// From the text of a `vocab.txt` (one token per line, id = line number).
    pub fn from_vocab_txt(text: &str, options: WordPieceOptions) -> Result<WordPiece, TokenizerError> {
        let tokens: Vec<String> = text
            .split('\n')
            .map(|line| line.strip_suffix('\r').unwrap_or(line).to_string())
            .collect();
        // A final newline does not start another token.
        let tokens = match tokens.split_last() {
            Some((last, rest)) if last.is_empty() => rest.to_vec(),
            _ => tokens,
        };
        WordPiece::new(tokens, options)
    }

    /// From the text of a Hugging Face `tokenizer.json` with a `WordPiece` model (and,
    /// if present, a `BertNormalizer`, whose switches it takes). Padding and truncation
    /// settings in the file are ignored: the caller chooses the length.
    pub fn from_tokenizer_json(text: &str) -> Result<WordPiece, TokenizerError> {
        let corrupt = |reason: String| TokenizerError::Corrupt(reason);
        let json: serde_json::Value = serde_json::from_str(text).map_err(|e| corrupt(format!("not JSON ({e})")))?;
        let model = &json["model"];
        if model["type"] != "WordPiece" {
            return Err(corrupt(format!("model type is {}, not WordPiece", model["type"])));
        }
        let vocab = model["vocab"]
            .as_object()
            .ok_or_else(|| corrupt("model.vocab is not a token → id map".into()))?;
        let mut tokens = vec![None; vocab.len()];
        for (token, id) in vocab {
            let id = id.as_u64().map(|i| i as usize).filter(|&i| i < vocab.len());
            let slot = id.ok_or_else(|| corrupt(format!("token {token:?} has an id outside 0..{}", vocab.len())))?;
            if tokens[slot].replace(token.clone()).is_some() {
                return Err(corrupt(format!("two tokens share id {slot}")));
            }
        }
        let tokens: Vec<String> = tokens.into_iter().map(Option::unwrap_or_default).collect();
        let mut options = WordPieceOptions::default();
        let text_field = |v: &serde_json::Value, default: &str| v.as_str().unwrap_or(default).to_string();
        options.unk_token = text_field(&model["unk_token"], "[UNK]");
        options.continuing_prefix = text_field(&model["continuing_subword_prefix"], "##");
        if let Some(n) = model["max_input_chars_per_word"].as_u64() {
            options.max_input_chars_per_word = n as usize;
        }
        if let Some(pad) = json["padding"]["pad_token"].as_str() {
            options.pad_token = pad.to_string();
        }
        let normalizer = &json["normalizer"];
        match normalizer["type"].as_str() {
            None => {
                options.lowercase = false;
                options.strip_accents = false;
                options.handle_chinese_chars = false;
                options.clean_text = false;
            }
            Some("BertNormalizer") => {
                let flag = |key: &str, default: bool| normalizer[key].as_bool().unwrap_or(default);
                options.lowercase = flag("lowercase", true);
                // null means "follow lowercase", as in BERT.
                options.strip_accents = flag("strip_accents", options.lowercase);
                options.handle_chinese_chars = flag("handle_chinese_chars", true);
                options.clean_text = flag("clean_text", true);
            }
            Some(other) => return Err(corrupt(format!("normalizer {other} is not supported (only BertNormalizer)"))),
        }
        WordPiece::new(tokens, options)
    }

    /// Number of tokens in the vocabulary.
    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    /// The settings in use.
    pub fn options(&self) -> &WordPieceOptions {
        &self.options
    }

    /// Text of token `id` (`None` past the vocabulary).
    pub fn token(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize).map(String::as_str)
    }

    /// Id of the exact token text `token` (`##ing` for a continuation).
    pub fn id(&self, token: &str) -> Option<u32> {
        match token.strip_prefix(self.options.continuing_prefix.as_str()) {
            Some(rest) if !self.options.continuing_prefix.is_empty() => self.continuations.get(rest).copied(),
            _ => self.word_starts.get(token).copied(),
        }
    }

    /// Id of `[UNK]`.
    pub fn unk_id(&self) -> u32 {
        self.unk_id
    }

    /// Id of `[CLS]`.
    pub fn cls_id(&self) -> u32 {
        self.cls_id
    }

    /// Id of `[SEP]`.
    pub fn sep_id(&self) -> u32 {
        self.sep_id
    }

    /// Id of `[PAD]`.
    pub fn pad_id(&self) -> u32 {
        self.pad_id
    }

    /// Step 1: the cleaned, split-ready text.
    pub fn normalize(&self, text: &str) -> String {
        let o = &self.options;
        let mut out = String::with_capacity(text.len() + 8);
        for c in text.chars() {
            if o.clean_text {
                if c == '\0' || c == '\u{fffd}' || is_control(c) {
                    continue;
                }
                if is_whitespace(c) {
                    out.push(' ');
                    continue;
                }
            }
            if o.handle_chinese_chars && is_chinese_char(c) {
                out.push(' ');
                out.push(c);
                out.push(' ');
            } else {
                out.push(c);
            }
        }
        if o.strip_accents && !out.is_ascii() {
            out = out.nfd().filter(|&c| !is_nonspacing_mark(c)).collect();
        }
        if o.lowercase {
            out = if out.is_ascii() {
                out.to_ascii_lowercase()
            } else {
                out.chars().flat_map(char::to_lowercase).collect()
            };
        }
        out
    }

    /// Step 2: words of normalised text (whitespace removed, punctuation isolated).
    pub fn pre_tokenize(normalized: &str) -> Vec<&str> {
        let mut words = Vec::new();
        let mut start = None;
        for (i, c) in normalized.char_indices() {
            let punctuation = is_punctuation(c);
            if c.is_whitespace() || punctuation {
                if let Some(s) = start.take() {
                    words.push(&normalized[s..i]);
                }
                if punctuation {
                    words.push(&normalized[i..i + c.len_utf8()]);
                }
            } else if start.is_none() {
                start = Some(i);
            }
        }
        if let Some(s) = start {
            words.push(&normalized[s..]);
        }
        words
    }

    /// Step 3: the pieces of one word, appended to `out` (`[UNK]` alone if it cannot be split).
    pub fn tokenize_word(&self, word: &str, out: &mut Vec<u32>) {
        if word.chars().count() > self.options.max_input_chars_per_word {
            out.push(self.unk_id);
            return;
        }
        let first = out.len();
        let mut start = 0;
        while start < word.len() {
            let table = if start == 0 { &self.word_starts } else { &self.continuations };
            let mut end = word.len();
            let found = loop {
                if let Some(&id) = table.get(&word[start..end]) {
                    break Some(id);
                }
                // Shorten by one character.
                match word[start..end].char_indices().next_back() {
                    Some((i, _)) if i > 0 => end = start + i,
                    _ => break None,
                }
            };
            match found {
                Some(id) => {
                    out.push(id);
                    start = end;
                }
                None => {
                    out.truncate(first);
                    out.push(self.unk_id);
                    return;
                }
            }
        }
    }

    /// The pieces of `text` without special tokens or truncation.
    pub fn tokenize(&self, text: &str) -> Vec<u32> {
        let normalized = self.normalize(text);
        let mut ids = Vec::new();
        for word in WordPiece::pre_tokenize(&normalized) {
            self.tokenize_word(word, &mut ids);
        }
        ids
    }

    /// Step 4: `[CLS] pieces [SEP]`, at most `max_len` ids in all (the pieces past the
    /// limit are dropped, as the reference's `truncation=True`).
    pub fn encode(&self, text: &str, max_len: usize) -> Vec<u32> {
        assert!(
            max_len >= 2,
            "WordPiece::encode: max_len {max_len} leaves no room for [CLS] and [SEP]"
        );
        let mut ids = Vec::with_capacity(text.len() / 3 + 2);
        ids.push(self.cls_id);
        let normalized = self.normalize(text);
        for word in WordPiece::pre_tokenize(&normalized) {
            self.tokenize_word(word, &mut ids);
            if ids.len() >= max_len - 1 {
                break;
            }
        }
        ids.truncate(max_len - 1);
        ids.push(self.sep_id);
        ids
    }
}

/// Tab, newline, carriage return and Unicode's `White_Space` characters.
fn is_whitespace(c: char) -> bool {
    c.is_whitespace()
}

/// General category C* (control, format, private use, surrogate, unassigned), except
/// the three whitespace controls.
fn is_control(c: char) -> bool {
    if matches!(c, '\t' | '\n' | '\r') {
        return false;
    }
    !c.is_ascii_graphic() && c != ' ' && get_general_category(c).abbreviation().starts_with('C')
}

/// ASCII punctuation (which includes symbols such as `$`, `+`, `^`) or category P*.
fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_punctuation();
    }
    get_general_category(c).abbreviation().starts_with('P')
}

/// Category Mn, what accent stripping removes after NFD.
fn is_nonspacing_mark(c: char) -> bool {
    !c.is_ascii() && get_general_category(c).abbreviation() == "Mn"
}

/// The CJK Unified Ideographs blocks (and compatibility ideographs) of BERT's reference;
/// Hangul, Hiragana and Katakana are not among them.
fn is_chinese_char(c: char) -> bool {
    matches!(c as u32,
        0x4E00..=0x9FFF
        | 0x3400..=0x4DBF
        | 0x20000..=0x2A6DF
        | 0x2A700..=0x2B73F
        | 0x2B740..=0x2B81F
        | 0x2B820..=0x2CEAF
        | 0xF900..=0xFAFF
        | 0x2F800..=0x2FA1F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> WordPiece {
        let vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nun\n##aff\n##able\nthe\n,\n!\ncafe\n一\nrun\n##ning\n";
        WordPiece::from_vocab_txt(vocab, WordPieceOptions::default()).unwrap()
    }

    #[test]
    fn greedy_longest_match_with_continuations() {
        let t = toy();
        assert_eq!(t.tokenize("unaffable"), vec![4, 5, 6]);
        assert_eq!(t.tokenize("running, the!"), vec![12, 13, 8, 7, 9]);
        // A word with an unmatched part is one [UNK], not partial pieces.
        assert_eq!(t.tokenize("unaffablex the"), vec![1, 7]);
    }

    #[test]
    fn normalisation_cleans_lowercases_and_strips_accents() {
        let t = toy();
        assert_eq!(t.normalize("Café\tDÉJÀ\u{0}\u{200b}"), "cafe deja");
        assert_eq!(t.normalize("一只"), " 一  只 ");
        assert_eq!(WordPiece::pre_tokenize("a-b  (c)"), vec!["a", "-", "b", "(", "c", ")"]);
        assert_eq!(t.tokenize("CAFÉ 一"), vec![10, 11]);
    }

    #[test]
    fn long_words_are_unknown_and_encode_truncates() {
        let t = toy();
        assert_eq!(t.tokenize(&"a".repeat(101)), vec![1]);
        assert_eq!(t.encode("", 8), vec![2, 3]);
        assert_eq!(t.encode("the the the the", 4), vec![2, 7, 7, 3]);
        assert_eq!(t.encode("unaffable the", 4), vec![2, 4, 5, 3]);
    }

    #[test]
    fn missing_special_token_is_an_error() {
        let err = WordPiece::from_vocab_txt("[PAD]\n[CLS]\n[SEP]\n", WordPieceOptions::default()).unwrap_err();
        assert!(err.to_string().contains("[UNK]"), "{err}");
    }
}
