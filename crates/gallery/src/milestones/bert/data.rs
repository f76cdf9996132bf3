//! The milestone's text: SST-2 (labelled sentences) and unlabelled English for the
//! pre-training; a WordPiece vocabulary learned from the pre-training text; the token
//! sequences every part reads; padded, length-sorted batches.
//!
//! Splits. Fine-tuning examples come from SST-2 `train`, model selection (the epoch, a
//! probe's regulariser) from a slice of `dev`, and every reported accuracy from `test`
//! (872 full sentences: GLUE's SST-2 dev set, whose labels are public). Pre-training
//! reads SST-2 train and dev *without their labels* plus other English text; the test
//! sentences are never pre-trained on, nor used to learn the vocabulary.

use super::Settings;
use crate::{MilestoneError, Run};
use descent_data::{
    embedded_pairs, embedded_sst2, read_pairs, read_sst2, read_tiny_shakespeare, tiny_shakespeare_head, DataLocator, LabelledSentence,
    Sst2Split, TranslationPair,
};
use descent_tensor::Rng;
use descent_text::{WordPiece, WordPieceOptions};

/// One SST-2 row: a lower-cased, PTB-tokenised sentence or phrase and its sentiment.
pub(crate) type Labelled = LabelledSentence;

/// Every text the milestone reads.
pub(crate) struct Texts {
    /// SST-2 train rows: the pool fine-tuning examples are drawn from.
    pub(crate) train: Vec<Labelled>,
    /// SST-2 dev rows: the pool validation examples are drawn from.
    pub(crate) dev: Vec<Labelled>,
    /// SST-2 test (GLUE dev): every reported accuracy.
    pub(crate) test: Vec<Labelled>,
    /// English that is not SST-2 (tiny Shakespeare, Tatoeba), for pre-training.
    pub(crate) other_english: Vec<String>,
    /// Which data, without paths (compared on resume).
    pub(crate) identity: String,
    /// For the reader.
    pub(crate) description: String,
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
pub(crate) fn read_texts(locator: &DataLocator, full: bool) -> Result<Texts, MilestoneError> {
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

/// Token sequences (`[CLS] … [SEP]`) and their labels.
pub(crate) struct Encoded {
    /// One sequence per example.
    pub(crate) ids: Vec<Vec<usize>>,
    /// One label per example.
    pub(crate) labels: Vec<usize>,
}

/// The text of a run, tokenised: the unlabelled pre-training sequences (a slice held
/// out), the vocabulary, and the labelled train, dev and test examples.
pub(crate) struct Corpus {
    /// The WordPiece vocabulary learned from the pre-training text.
    pub(crate) tokenizer: WordPiece,
    /// Its size.
    pub(crate) vocab: usize,
    /// Its `[PAD]` id.
    pub(crate) pad: usize,
    /// Unlabelled sequences the language models train on.
    pub(crate) unlabelled: Vec<Vec<usize>>,
    /// Unlabelled sequences held out to score them.
    pub(crate) held_out: Vec<Vec<usize>>,
    /// Tokens of `unlabelled`.
    pub(crate) tokens: usize,
    /// SST-2 dev rows drawn for validation.
    pub(crate) dev_rows: Vec<Labelled>,
    /// SST-2 train rows drawn for fine-tuning and probes, tokenised.
    pub(crate) train: Encoded,
    /// `dev_rows` tokenised.
    pub(crate) dev: Encoded,
    /// The whole test split tokenised.
    pub(crate) test: Encoded,
    /// Bytes of training text (unlabelled and labelled).
    pub(crate) bytes: usize,
}

/// Shuffles the unlabelled text (SST-2 train and dev without labels, then other
/// English) with the run's seed and holds a slice out, learns the vocabulary from the
/// rest, draws the labelled train and dev rows, and tokenises everything. The test
/// sentences are never part of the unlabelled text.
pub(crate) fn prepare(run: &Run, texts: &Texts, settings: &Settings) -> Result<Corpus, MilestoneError> {
    let mut rng = Rng::new(run.seed());
    let mut unlabelled: Vec<&str> = texts.train.iter().chain(&texts.dev).map(|r| r.text.as_str()).collect();
    unlabelled.extend(texts.other_english.iter().map(String::as_str));
    rng.shuffle(&mut unlabelled);
    let held = settings.held_out_lines.min(unlabelled.len() / 10);
    let (held_out_text, corpus_text) = unlabelled.split_at(held);
    let tokenizer = learn_vocabulary(corpus_text.iter().copied(), settings.vocab_size)?;
    let sequences = |lines: &[&str]| -> Vec<Vec<usize>> {
        lines
            .iter()
            .map(|l| encode(&tokenizer, l, settings.max_len))
            .filter(|s| s.len() >= 3)
            .collect()
    };
    let (pretraining, held_out) = (sequences(corpus_text), sequences(held_out_text));
    let labelled = |rows: &[Labelled]| Encoded {
        ids: rows.iter().map(|r| encode(&tokenizer, &r.text, settings.max_len)).collect(),
        labels: rows.iter().map(|r| r.label).collect(),
    };
    let train_rows = sample(&texts.train, settings.train_examples, &mut rng);
    let dev_rows = sample(&texts.dev, settings.dev_examples, &mut rng);
    let (train, dev, test) = (labelled(&train_rows), labelled(&dev_rows), labelled(&texts.test));
    let bytes =
        corpus_text.iter().chain(held_out_text).map(|l| l.len()).sum::<usize>() + train_rows.iter().map(|r| r.text.len()).sum::<usize>();
    let corpus = Corpus {
        vocab: tokenizer.vocab_size(),
        pad: tokenizer.pad_id() as usize,
        tokens: pretraining.iter().map(Vec::len).sum(),
        tokenizer,
        unlabelled: pretraining,
        held_out,
        dev_rows,
        train,
        dev,
        test,
        bytes,
    };
    run.log(&format!(
        "bert: {} unlabelled sequences ({} tokens, WordPiece vocabulary {}), {} held out; {} / {} / {} labelled train / dev / test",
        corpus.unlabelled.len(),
        corpus.tokens,
        corpus.vocab,
        corpus.held_out.len(),
        corpus.train.ids.len(),
        corpus.dev.ids.len(),
        corpus.test.ids.len()
    ));
    Ok(corpus)
}

/// The first id that is not a special token in a vocabulary from [`learn_vocabulary`].
pub(crate) const FIRST_REGULAR: usize = descent_text::wordpiece_train::SPECIAL_TOKENS.len();

/// A WordPiece vocabulary of `vocab_size` learned from `texts` (BERT's uncased normaliser).
pub(crate) fn learn_vocabulary<'a>(texts: impl IntoIterator<Item = &'a str>, vocab_size: usize) -> Result<WordPiece, MilestoneError> {
    WordPiece::train(texts, vocab_size, WordPieceOptions::default()).map_err(|e| MilestoneError::Config(format!("WordPiece training: {e}")))
}

/// `[CLS] pieces [SEP]` of `text`, at most `max_len` ids.
pub(crate) fn encode(tokenizer: &WordPiece, text: &str, max_len: usize) -> Vec<usize> {
    tokenizer.encode(text, max_len).into_iter().map(|id| id as usize).collect()
}

/// Sequences of one batch, padded to the longest: `ids` (B·T) and each row's length.
pub(crate) struct Padded {
    /// Row-major (B, T) ids, `pad` after each row's end.
    pub(crate) ids: Vec<usize>,
    /// Real tokens per row.
    pub(crate) lengths: Vec<usize>,
}

/// Pads `rows` to a common length with `pad`.
pub(crate) fn pad_batch(rows: &[&[usize]], pad: usize) -> Padded {
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
pub(crate) fn sortish_batches(lengths: &[usize], batch_size: usize, rng: &mut Rng) -> Vec<Vec<usize>> {
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
pub(crate) fn eval_batches(lengths: &[usize], batch_size: usize) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lengths.len()).collect();
    order.sort_by_key(|&i| lengths[i]);
    order.chunks(batch_size.max(1)).map(<[usize]>::to_vec).collect()
}

/// `count` distinct rows of `pool` drawn with `rng`, in the drawn order.
pub(crate) fn sample(pool: &[Labelled], count: usize, rng: &mut Rng) -> Vec<Labelled> {
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
