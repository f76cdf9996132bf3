//! The answer vocabulary of the VQA model: one decoder writes words and positions.
//! Ids 0–2 are padding, begin and end; then the coordinate tokens `<0>` … `<32>`
//! (a coordinate of the 64-pixel canvas quantised to 2-pixel steps, Pix2Seq's shared
//! x/y bins); then every answer word. A box is four coordinate tokens: x0 y0 x1 y1.
//! Saved (serde) as the list of token strings.

use super::{ANSWER_BOS, ANSWER_EOS, ANSWER_PAD};
use crate::ModelError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Pixels per coordinate step.
pub const COORDINATE_STEP: f32 = 2.0;
/// Number of coordinate tokens (0, 2, …, 64 pixels).
pub const COORDINATE_TOKENS: usize = 33;
/// First coordinate token id.
const FIRST_COORDINATE: usize = 3;

/// The ids that count as the same answer as `id` when scoring it: a coordinate and its
/// neighbours one step (2 pixels) either side — the model is trained on a bump over
/// nearby bins, so its mass spreads over them even when it is sure — else `id` alone.
pub(crate) fn same_answer(id: usize) -> std::ops::RangeInclusive<usize> {
    let coordinates = FIRST_COORDINATE..FIRST_COORDINATE + COORDINATE_TOKENS;
    if coordinates.contains(&id) {
        id.saturating_sub(1).max(coordinates.start)..=(id + 1).min(coordinates.end - 1)
    } else {
        id..=id
    }
}

/// Answer tokens ↔ strings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Vec<String>", try_from = "Vec<String>")]
pub struct AnswerVocab {
    tokens: Vec<String>,
    index: HashMap<String, usize>,
}

/// A decoded answer: its text, and the box if it is one.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedAnswer {
    /// Tokens joined with spaces (coordinates as `<k>`).
    pub text: String,
    /// Four coordinate tokens, as `[x0, y0, x1, y1]` canvas pixels.
    pub bbox: Option<[f32; 4]>,
}

impl AnswerVocab {
    /// Specials, coordinates, then `words` (duplicates dropped, first kept).
    pub fn new(words: impl IntoIterator<Item = String>) -> AnswerVocab {
        let mut tokens: Vec<String> = vec!["<pad>".into(), "<bos>".into(), "<eos>".into()];
        tokens.extend((0..COORDINATE_TOKENS).map(|k| format!("<{k}>")));
        for w in words {
            if !tokens.contains(&w) {
                tokens.push(w);
            }
        }
        AnswerVocab::from_tokens(tokens)
    }

    fn from_tokens(tokens: Vec<String>) -> AnswerVocab {
        let index = tokens.iter().enumerate().map(|(i, t)| (t.clone(), i)).collect();
        AnswerVocab { tokens, index }
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Never true (the specials are always there).
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The id of a word answer.
    pub fn word(&self, word: &str) -> Option<usize> {
        self.index
            .get(word)
            .copied()
            .filter(|&id| id >= FIRST_COORDINATE + COORDINATE_TOKENS)
    }

    /// The word of answer id `id`, if it is a word (not a special or a coordinate).
    pub fn word_of(&self, id: usize) -> Option<&str> {
        (id >= FIRST_COORDINATE + COORDINATE_TOKENS)
            .then(|| self.tokens.get(id).map(String::as_str))
            .flatten()
    }

    /// The coordinate token of a position in canvas pixels.
    pub fn coordinate(&self, pixels: f32) -> usize {
        let k = (pixels / COORDINATE_STEP).round().clamp(0.0, (COORDINATE_TOKENS - 1) as f32) as usize;
        FIRST_COORDINATE + k
    }

    /// The four tokens of a box.
    pub fn encode_box(&self, bbox: &[f32; 4]) -> Vec<usize> {
        bbox.iter().map(|&v| self.coordinate(v)).collect()
    }

    /// Canvas pixels of a coordinate token, if `id` is one.
    pub fn position(&self, id: usize) -> Option<f32> {
        (FIRST_COORDINATE..FIRST_COORDINATE + COORDINATE_TOKENS)
            .contains(&id)
            .then(|| (id - FIRST_COORDINATE) as f32 * COORDINATE_STEP)
    }

    /// The training target of true token `id`: a word is one-hot; a coordinate is a
    /// bump (Gaussian, σ = one step) over the bins within two steps, so near misses are
    /// cheaper than far ones.
    pub fn soften(&self, id: usize) -> Vec<(usize, f32)> {
        if self.position(id).is_none() {
            return vec![(id, 1.0)];
        }
        let k = (id - FIRST_COORDINATE) as isize;
        let bins: Vec<(usize, f32)> = (k - 2..=k + 2)
            .filter(|&j| (0..COORDINATE_TOKENS as isize).contains(&j))
            .map(|j| (FIRST_COORDINATE + j as usize, (-0.5 * ((j - k) as f32).powi(2)).exp()))
            .collect();
        let total: f32 = bins.iter().map(|b| b.1).sum();
        bins.into_iter().map(|(j, w)| (j, w / total)).collect()
    }

    /// Text and box of answer ids.
    pub fn decode(&self, ids: &[usize]) -> DecodedAnswer {
        let text = ids
            .iter()
            .filter(|&&i| ![ANSWER_PAD, ANSWER_BOS, ANSWER_EOS].contains(&i))
            .map(|&i| self.tokens.get(i).map_or("<?>", String::as_str))
            .collect::<Vec<_>>()
            .join(" ");
        let positions: Vec<f32> = ids.iter().filter_map(|&i| self.position(i)).collect();
        let bbox = (ids.len() == 4 && positions.len() == 4).then(|| [positions[0], positions[1], positions[2], positions[3]]);
        DecodedAnswer { text, bbox }
    }
}

impl From<AnswerVocab> for Vec<String> {
    fn from(vocab: AnswerVocab) -> Vec<String> {
        vocab.tokens
    }
}

impl TryFrom<Vec<String>> for AnswerVocab {
    type Error = ModelError;

    /// Checks the fixed part (specials, then coordinates) and that no token repeats.
    fn try_from(tokens: Vec<String>) -> Result<AnswerVocab, ModelError> {
        let fixed = AnswerVocab::new(Vec::new());
        if tokens.len() < fixed.len() || tokens[..fixed.len()] != fixed.tokens[..] {
            return Err(ModelError::invalid(
                "the answer vocabulary does not start with the specials and coordinate tokens",
            ));
        }
        let vocab = AnswerVocab::from_tokens(tokens);
        if vocab.index.len() != vocab.tokens.len() {
            return Err(ModelError::invalid("the answer vocabulary repeats a token"));
        }
        Ok(vocab)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_round_trip_within_a_pixel() {
        let vocab = AnswerVocab::new(["yes".to_string(), "7".to_string()]);
        let ids = vocab.encode_box(&[3.0, 10.2, 40.9, 64.0]);
        let decoded = vocab.decode(&ids);
        let b = decoded.bbox.expect("a box");
        for (got, want) in b.iter().zip([3.0, 10.2, 40.9, 64.0]) {
            assert!((got - want).abs() <= 1.0, "{b:?}");
        }
        assert_eq!(vocab.decode(&[vocab.word("7").unwrap()]).text, "7");
        assert!(vocab.word("<5>").is_none());
        let json = serde_json::to_string(&vocab).unwrap();
        assert_eq!(serde_json::from_str::<AnswerVocab>(&json).unwrap(), vocab);
        assert!(serde_json::from_str::<AnswerVocab>("[\"x\"]").is_err());
    }
}
