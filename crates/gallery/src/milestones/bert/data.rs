//! The milestone's text: SST-2 (labelled sentences) and unlabelled English for the
//! pre-training; a WordPiece vocabulary learned from the pre-training text; padded,
//! length-sorted batches.
//!
//! Splits. Fine-tuning examples come from SST-2 `train`, model selection (the epoch, a
//! probe's regulariser) from a slice of `dev`, and every reported accuracy from `test`
//! (872 full sentences: GLUE's SST-2 dev set, whose labels are public). Pre-training
//! reads SST-2 train and dev *without their labels* plus other English text; the test
//! sentences are never pre-trained on, nor used to learn the vocabulary.

use crate::MilestoneError;
use descent_data::{
    embedded_pairs, embedded_sst2, read_pairs, read_sst2, read_tiny_shakespeare, tiny_shakespeare_head, DataLocator, LabelledSentence,
    Sst2Split, TranslationPair,
};
use descent_tensor::Rng;
use descent_text::{WordPiece, WordPieceOptions};

/// One SST-2 row: a lower-cased, PTB-tokenised sentence or phrase and its sentiment.
pub type Labelled = LabelledSentence;

/// Every text the milestone reads.
pub struct Texts {
    /// SST-2 train rows: the pool fine-tuning examples are drawn from.
    pub train: Vec<Labelled>,
    /// SST-2 dev rows: the pool validation examples are drawn from.
    pub dev: Vec<Labelled>,
    /// SST-2 test (GLUE dev): every reported accuracy.
    pub test: Vec<Labelled>,
    /// English that is not SST-2 (tiny Shakespeare, Tatoeba), for pre-training.
    pub other_english: Vec<String>,
    /// Which data, without paths (compared on resume).
    pub identity: String,
    /// For the reader.
    pub description: String,
}

/// Speech lines of tiny Shakespeare: no speaker tags, at least three words.
fn shakespeare_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.ends_with(':') && l.split_whitespace().count() >= 3)
        .map(str::to_string)
        .collect()
}

/// The distinct English sentences of Tatoeba pairs (the file repeats an English
/// sentence once per translation, adjacently).
fn tatoeba_english(pairs: Vec<TranslationPair>) -> Vec<String> {
    let mut english: Vec<String> = pairs.into_iter().map(|p| p.english).collect();
    english.dedup();
    english
}

/// Reads the data of one mode. Quick: the copies embedded in the binary (SST-2 train's
/// first 5,000 rows, dev and test whole, the first 300,000 characters of tiny
/// Shakespeare, the first 9,000 Tatoeba pairs' English), so it runs offline. Full: all
/// of SST-2, tiny Shakespeare and Tatoeba from the data folder.
pub fn read_texts(locator: &DataLocator, full: bool) -> Result<Texts, MilestoneError> {
    let (train, dev, test, shakespeare, pairs) = if full {
        (
            read_sst2(locator, Sst2Split::Train)?.rows,
            read_sst2(locator, Sst2Split::Dev)?.rows,
            read_sst2(locator, Sst2Split::Test)?.rows,
            read_tiny_shakespeare(locator)?,
            read_pairs(locator)?.rows,
        )
    } else {
        (
            embedded_sst2(Sst2Split::Train),
            embedded_sst2(Sst2Split::Dev),
            embedded_sst2(Sst2Split::Test),
            tiny_shakespeare_head(),
            embedded_pairs(),
        )
    };
    let mut other_english = shakespeare_lines(&shakespeare);
    other_english.extend(tatoeba_english(pairs));
    let identity = format!(
        "SST-2 {}/{}/{} + {} English lines",
        train.len(),
        dev.len(),
        test.len(),
        other_english.len()
    );
    let description = format!(
        "SST-2 (train {} rows, dev {}, test {} = GLUE dev){} and {} lines of other English (tiny Shakespeare, Tatoeba)",
        train.len(),
        dev.len(),
        test.len(),
        if full { "" } else { ", embedded copies" },
        other_english.len(),
    );
    Ok(Texts {
        train,
        dev,
        test,
        other_english,
        identity,
        description,
    })
}

/// The first id that is not a special token in a vocabulary from [`learn_vocabulary`].
pub const FIRST_REGULAR: usize = descent_text::wordpiece_train::SPECIAL_TOKENS.len();

/// A WordPiece vocabulary of `vocab_size` learned from `texts` (BERT's uncased normaliser).
pub fn learn_vocabulary<'a>(texts: impl IntoIterator<Item = &'a str>, vocab_size: usize) -> Result<WordPiece, MilestoneError> {
    WordPiece::train(texts, vocab_size, WordPieceOptions::default()).map_err(|e| MilestoneError::Config(format!("WordPiece training: {e}")))
}

/// `[CLS] pieces [SEP]` of `text`, at most `max_len` ids.
pub fn encode(tokenizer: &WordPiece, text: &str, max_len: usize) -> Vec<usize> {
    tokenizer.encode(text, max_len).into_iter().map(|id| id as usize).collect()
}

/// Sequences of one batch, padded to the longest: `ids` (B·T) and each row's length.
pub struct Padded {
    /// Row-major (B, T) ids, `pad` after each row's end.
    pub ids: Vec<usize>,
    /// Real tokens per row.
    pub lengths: Vec<usize>,
}

/// Pads `rows` to a common length with `pad`.
pub fn pad_batch(rows: &[&[usize]], pad: usize) -> Padded {
    let steps = rows.iter().map(|r| r.len()).max().unwrap_or(0);
    let mut ids = Vec::with_capacity(rows.len() * steps);
    for row in rows {
        ids.extend_from_slice(row);
        ids.resize(ids.len() + steps - row.len(), pad);
    }
    Padded {
        ids,
        lengths: rows.iter().map(|r| r.len()).collect(),
    }
}

/// One epoch's batches of indices into `lengths`: shuffled, then sorted by length
/// within windows of 50 batches (so a batch pads little yet batches still vary), and
/// the batches shuffled again.
pub fn sortish_batches(lengths: &[usize], batch_size: usize, rng: &mut Rng) -> Vec<Vec<usize>> {
    let mut order = rng.permutation(lengths.len());
    for window in order.chunks_mut(batch_size * 50) {
        window.sort_by_key(|&i| lengths[i]);
    }
    let mut batches: Vec<Vec<usize>> = order.chunks(batch_size.max(1)).map(<[usize]>::to_vec).collect();
    rng.shuffle(&mut batches);
    batches
}

/// Batches in input order, each sorted run of similar lengths (for evaluation): the
/// indices of each batch into the input.
pub fn eval_batches(lengths: &[usize], batch_size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| lengths[i]);
    order.chunks(batch_size.max(1)).map(<[usize]>::to_vec).collect()
}

/// `count` distinct rows of `pool` drawn with `rng`, in the drawn order.
pub fn sample(pool: &[Labelled], count: usize, rng: &mut Rng) -> Vec<Labelled> {
    let order = rng.permutation(pool.len());
    order.into_iter().take(count).map(|i| pool[i].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_parse_and_batches_pad() {
        let pairs = vec![
            TranslationPair::new("Hi.", "嗨。"),
            TranslationPair::new("Hi.", "你好。"),
            TranslationPair::new("Run.", "跑。"),
        ];
        assert_eq!(tatoeba_english(pairs), vec!["Hi.", "Run."]);
        let padded = pad_batch(&[&[1, 2, 3], &[4]], 0);
        assert_eq!((padded.ids, padded.lengths), (vec![1, 2, 3, 4, 0, 0], vec![3, 1]));
        let lengths = [5, 1, 3, 2, 4];
        let batches = sortish_batches(&lengths, 2, &mut Rng::new(0));
        let mut all: Vec<usize> = batches.concat();
        all.sort();
        assert_eq!(all, vec![0, 1, 2, 3, 4]);
        assert_eq!(
            shakespeare_lines("ROMEO:\nBut soft, what light\nAy.\n"),
            vec!["But soft, what light"]
        );
    }
}
