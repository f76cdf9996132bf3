//! The milestone's text: SST-2 (labelled sentences) and unlabelled English for the
//! pre-training; a WordPiece vocabulary learned from the pre-training text; padded,
//! length-sorted batches.
//!
//! Splits. Fine-tuning examples come from SST-2 `train`, model selection (the epoch, a
//! probe's regulariser) from a slice of `dev`, and every reported accuracy from `test`
//! (872 full sentences: GLUE's SST-2 dev set, whose labels are public). Pre-training
//! reads SST-2 train and dev *without their labels* plus other English text; the test
//! sentences are never pre-trained on, nor used to learn the vocabulary.

use crate::text_files::{find_data_file, read_text};
use crate::MilestoneError;
use descent_data::DataLocator;
use descent_tensor::Rng;
use descent_text::{WordPiece, WordPieceOptions};

/// One SST-2 row: a lower-cased, PTB-tokenised sentence or phrase and its sentiment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Labelled {
    /// The text.
    pub text: String,
    /// 1 positive, 0 negative.
    pub label: usize,
}

/// Every text the milestone reads.
pub struct Texts {
    /// SST-2 train rows: the pool fine-tuning examples are drawn from.
    pub train: Vec<Labelled>,
    /// SST-2 dev rows: the pool validation examples are drawn from.
    pub dev: Vec<Labelled>,
    /// SST-2 test (GLUE dev): every reported accuracy.
    pub test: Vec<Labelled>,
    /// English that is not SST-2 (Shakespeare, Tatoeba, Multi30k), for pre-training.
    pub other_english: Vec<String>,
    /// Which data, without paths (compared on resume).
    pub identity: String,
    /// For the reader.
    pub description: String,
}

/// Parses `sentence<TAB>label` rows after a header (rows that do not parse are skipped).
fn parse_sst2(text: &str) -> Vec<Labelled> {
    text.lines()
        .skip(1)
        .filter_map(|row| {
            let (sentence, label) = row.split_once('\t')?;
            let label = match label.trim() {
                "0" => 0,
                "1" => 1,
                _ => return None,
            };
            let text = sentence.trim();
            (!text.is_empty()).then(|| Labelled {
                text: text.to_string(),
                label,
            })
        })
        .collect()
}

/// Speech lines of tiny Shakespeare: no speaker tags, at least three words.
fn shakespeare_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.ends_with(':') && l.split_whitespace().count() >= 3)
        .map(str::to_string)
        .collect()
}

/// Reads the data of one mode. Quick: SST-2 train's first 5,000 rows, dev and test
/// whole, the first 300,000 characters of tiny Shakespeare and the first 9,000 Tatoeba
/// pairs' English. Full: all of SST-2, all of tiny Shakespeare, every Tatoeba English
/// sentence and Multi30k's 29,000 training captions.
pub fn read_texts(locator: &DataLocator, full: bool) -> Result<Texts, MilestoneError> {
    let read = |dataset: &str, file: &str| read_text(&find_data_file(locator, dataset, file)?);
    let mut train = parse_sst2(&read("sentiment/sst2", "train.tsv.gz")?);
    let dev = parse_sst2(&read("sentiment/sst2", "dev.tsv.gz")?);
    let test = parse_sst2(&read("sentiment/sst2", "test.tsv.gz")?);
    let (shakespeare, pairs_limit) = if full {
        (read("text", "tinyshakespeare.txt")?, usize::MAX)
    } else {
        train.truncate(5000);
        (descent_data::tiny_shakespeare_head(), 9000)
    };
    let mut other_english = shakespeare_lines(&shakespeare);
    let pairs = read("translation", "cmn-eng.tsv.gz")?;
    let mut tatoeba: Vec<String> = pairs
        .lines()
        .filter_map(|l| l.split('\t').next())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .take(pairs_limit)
        .map(str::to_string)
        .collect();
    tatoeba.dedup(); // the file repeats an English sentence once per translation, adjacently
    other_english.extend(tatoeba);
    if full {
        let captions = read("translation/multi30k", "train.en.gz")?;
        other_english.extend(captions.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string));
    }
    let identity = format!(
        "SST-2 {}/{}/{} + {} English lines",
        train.len(),
        dev.len(),
        test.len(),
        other_english.len()
    );
    let description = format!(
        "SST-2 (train {} rows, dev {}, test {} = GLUE dev) and {} lines of other English (tiny Shakespeare, Tatoeba{})",
        train.len(),
        dev.len(),
        test.len(),
        other_english.len(),
        if full { ", Multi30k" } else { "" }
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
    fn sst2_rows_parse_and_batches_pad() {
        let rows = parse_sst2("sentence\tlabel\nit 's good \t1\nbad\t0\n\t1\nbroken\n");
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].text.as_str(), rows[0].label), ("it 's good", 1));
        let padded = pad_batch(&[&[1, 2, 3], &[4]], 0);
        assert_eq!((padded.ids, padded.lengths), (vec![1, 2, 3, 4, 0, 0], vec![3, 1]));
        let lengths = [5, 1, 3, 2, 4];
        let batches = sortish_batches(&lengths, 2, &mut Rng::new(0));
        let mut all: Vec<usize> = batches.concat();
        all.sort();
        assert_eq!(all, vec![0, 1, 2, 3, 4]);
        assert_eq!(shakespeare_lines("ROMEO:\nBut soft, what light\nAy.\n"), vec!["But soft, what light"]);
    }
}
