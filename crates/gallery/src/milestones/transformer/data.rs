//! English→Chinese sentence pairs (`translation/cmn-eng.tsv.gz`, Tatoeba via
//! manythings.org) for the translation milestone: a train/test split that keeps every
//! English sentence on one side (the file repeats English sentences with alternative
//! translations), a BPE tokenizer for English, characters for Chinese, and batches of
//! equal source length (so no encoder sees padding; targets are padded and the padding
//! is ignored by the loss).

use super::Settings;
use crate::{MilestoneError, Run};
use descent_models::translator::{Batch, BOS, EOS, PAD};
use descent_tensor::Rng;
use descent_text::bpe::Bpe;
use descent_text::tokenizer::CharTokenizer;
use std::collections::BTreeMap;

/// Ids before the first character: padding, start, end.
const SPECIALS: usize = 3;

/// One English sentence and one Chinese translation (with Tatoeba's attribution).
pub use descent_data::TranslationPair as Pair;

/// The pairs of a run: quick runs use the 9,000 embedded pairs (the first, shortest lines
/// of `translation/cmn-eng.tsv.gz`, so the tour runs offline and the same everywhere);
/// full runs read the whole file from the data folder.
fn load_pairs(run: &mut Run) -> Result<Vec<Pair>, MilestoneError> {
    if !run.full() {
        let pairs = descent_data::embedded_pairs();
        let identity = format!("cmn-eng embedded subset {}", pairs.len());
        run.uses_data(
            &identity,
            &format!("the {} shortest English–Chinese pairs of cmn-eng, embedded", pairs.len()),
        );
        return Ok(pairs);
    }
    let read = descent_data::read_pairs(&run.data())?;
    if let Some(note) = read.skipped_note(&descent_data::CMN_ENG.relative_path()) {
        run.log(&note);
    }
    let identity = format!("cmn-eng {}", read.rows.len());
    run.uses_data(
        &identity,
        &format!(
            "{} English–Chinese pairs from {}",
            read.rows.len(),
            descent_data::CMN_ENG.relative_path()
        ),
    );
    Ok(read.rows)
}

/// The tokenised pairs of a run: vocabularies learned from the training side, the
/// training examples, and the test sentences kept for BLEU with their pairs.
pub(crate) struct Corpus {
    /// English BPE.
    pub(crate) source: SourceVocab,
    /// Chinese characters.
    pub(crate) target: TargetVocab,
    /// Training examples.
    pub(crate) train: Vec<Example>,
    /// Test examples (at most the settings' `test_sentences`).
    pub(crate) test: Vec<Example>,
    /// The pair of each test example (its Chinese is BLEU's reference).
    pub(crate) test_pairs: Vec<Pair>,
    /// Bytes of the training pairs' text (both sides).
    pub(crate) train_bytes: usize,
}

/// Loads the pairs, keeps the first `max_pairs`, holds out a twentieth of the English
/// sentences, learns the vocabularies from the rest and tokenises both sides.
pub(crate) fn prepare(run: &mut Run, settings: &Settings) -> Result<Corpus, MilestoneError> {
    let mut pairs = load_pairs(run)?;
    pairs.truncate(settings.max_pairs.unwrap_or(usize::MAX));
    let (train_pairs, test_pairs) = split(&pairs, 20);
    let source = SourceVocab::train(train_pairs.iter().map(|p| p.english.as_str()), settings.bpe_vocab);
    let target = TargetVocab::from_sentences(train_pairs.iter().map(|p| p.chinese.as_str()));
    let train = examples(&train_pairs, &source, &target, settings.max_len);
    let (test, test_pairs): (Vec<Example>, Vec<Pair>) = test_pairs
        .into_iter()
        .filter_map(|p| {
            examples(std::slice::from_ref(&p), &source, &target, settings.max_len)
                .pop()
                .map(|e| (e, p))
        })
        .take(settings.test_sentences)
        .unzip();
    if train.is_empty() || test.is_empty() {
        return Err(MilestoneError::Config(format!(
            "no usable pairs: {} train, {} test",
            train.len(),
            test.len()
        )));
    }
    Ok(Corpus {
        source,
        target,
        train,
        test,
        test_pairs,
        train_bytes: train_pairs.iter().map(|p| p.english.len() + p.chinese.len()).sum(),
    })
}

/// FNV-1a: a stable hash (std's hasher may change between releases).
fn stable_hash(text: &str) -> u64 {
    text.bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Splits off about `1/every` of the English sentences (with all their translations) as
/// the test set.
fn split(pairs: &[Pair], every: u64) -> (Vec<Pair>, Vec<Pair>) {
    pairs.iter().cloned().partition(|p| stable_hash(&p.english) % every != 0)
}

/// Target-side (Chinese) vocabulary: padding, start, end, then characters.
#[derive(Clone, Debug)]
pub struct TargetVocab {
    /// The characters (id = position + 3).
    pub(crate) chars: CharTokenizer,
}

impl TargetVocab {
    /// Every character of `sentences`.
    pub fn from_sentences<'a>(sentences: impl IntoIterator<Item = &'a str>) -> TargetVocab {
        TargetVocab {
            chars: CharTokenizer::from_texts(sentences),
        }
    }

    /// Ids including the three specials.
    pub fn size(&self) -> usize {
        self.chars.vocab_size() + SPECIALS
    }

    /// Character ids of `text` (characters never seen are dropped), without BOS/EOS.
    pub(crate) fn encode(&self, text: &str) -> Vec<usize> {
        text.chars().filter_map(|c| self.chars.id(c)).map(|i| i + SPECIALS).collect()
    }

    /// Text of `ids`, stopping at EOS and skipping the specials.
    pub fn decode(&self, ids: &[usize]) -> String {
        ids.iter()
            .take_while(|&&i| i != EOS)
            .filter(|&&i| i >= SPECIALS)
            .map(|&i| self.chars.chars()[i - SPECIALS])
            .collect()
    }
}

/// Source-side (English) tokens: a trained BPE.
pub struct SourceVocab {
    /// The BPE model.
    pub(crate) bpe: Bpe,
}

impl SourceVocab {
    /// BPE of `size` tokens trained on `sentences`.
    pub fn train<'a>(sentences: impl IntoIterator<Item = &'a str>, size: usize) -> SourceVocab {
        SourceVocab {
            bpe: Bpe::train(sentences, size),
        }
    }

    /// Token ids of `text`; characters the BPE never saw are dropped.
    pub(crate) fn encode(&self, text: &str) -> Vec<usize> {
        match self.bpe.encode(text) {
            Ok(ids) => ids,
            Err(_) => {
                let (ids, _) = descent_text::tokenizer::Tokenizer::Bpe(self.bpe.clone()).encode_skipping_unknown(text);
                ids
            }
        }
    }

    /// Tokens in the vocabulary.
    pub fn size(&self) -> usize {
        self.bpe.vocab_size()
    }
}

/// A tokenised pair.
#[derive(Clone, Debug)]
pub struct Example {
    /// Source ids.
    pub source: Vec<usize>,
    /// Target ids followed by EOS.
    pub target: Vec<usize>,
}

/// Batches of at most `max_size` examples with equal source length, in a seeded random
/// order (a new order per `epoch`).
pub fn batches(examples: &[Example], max_size: usize, seed: u64, epoch: u64) -> Vec<Batch> {
    let mut by_len: BTreeMap<usize, Vec<&Example>> = BTreeMap::new();
    for e in examples {
        by_len.entry(e.source.len()).or_default().push(e);
    }
    let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(epoch));
    let mut out = Vec::new();
    for group in by_len.values_mut() {
        rng.shuffle(group);
        for chunk in group.chunks(max_size) {
            out.push(make_batch(chunk));
        }
    }
    rng.shuffle(&mut out);
    out
}

/// Pads one group of equal-source-length examples into a batch.
pub fn make_batch(chunk: &[&Example]) -> Batch {
    let source_len = chunk[0].source.len();
    let target_len = chunk.iter().map(|e| e.target.len()).max().unwrap_or(1);
    let (mut source, mut decoder_input, mut decoder_target) = (Vec::new(), Vec::new(), Vec::new());
    for e in chunk {
        assert_eq!(
            e.source.len(),
            source_len,
            "make_batch: sources of one batch must have equal length"
        );
        source.extend_from_slice(&e.source);
        let mut input = vec![BOS];
        input.extend_from_slice(&e.target[..e.target.len() - 1]);
        input.resize(target_len, PAD);
        let mut target = e.target.clone();
        target.resize(target_len, PAD);
        decoder_input.extend(input);
        decoder_target.extend(target);
    }
    Batch {
        size: chunk.len(),
        source,
        source_len,
        decoder_input,
        decoder_target,
        target_len,
    }
}

/// Tokenises `pairs`, dropping those longer than `max_len` tokens on either side.
pub fn examples(pairs: &[Pair], source: &SourceVocab, target: &TargetVocab, max_len: usize) -> Vec<Example> {
    pairs
        .iter()
        .filter_map(|p| {
            let s = source.encode(&p.english);
            let mut t = target.encode(&p.chinese);
            t.push(EOS);
            (!s.is_empty() && s.len() <= max_len && t.len() <= max_len).then_some(Example { source: s, target: t })
        })
        .collect()
}
