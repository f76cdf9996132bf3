//! What the `transformer` verdict rests on: greedy translations of the held-out English
//! sentences, scored by corpus BLEU with sacreBLEU's `zh` tokenizer (each Chinese
//! character a token) against one reference each.

use super::data::{make_batch, Corpus, Example};
use descent_models::translator::Translator;
use descent_text::bleu::{corpus_bleu, BleuScore, BleuTokenizer};
use std::collections::BTreeMap;

/// `model`'s translations of the test sentences (texts, in their order) and their BLEU.
pub(crate) fn bleu(model: &dyn Translator, corpus: &Corpus, max_len: usize) -> (Vec<String>, BleuScore) {
    let hypotheses: Vec<String> = translate_all(model, &corpus.test, max_len)
        .iter()
        .map(|ids| corpus.target.decode(ids))
        .collect();
    let references: Vec<String> = corpus.test_pairs.iter().map(|p| p.chinese.clone()).collect();
    let score = corpus_bleu(&hypotheses, &references, BleuTokenizer::Zh);
    (hypotheses, score)
}

/// Greedy translations of `test`, in its order, as token ids (batched by source length).
fn translate_all(model: &dyn Translator, test: &[Example], max_len: usize) -> Vec<Vec<usize>> {
    let mut by_len: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    test.iter()
        .enumerate()
        .for_each(|(i, e)| by_len.entry(e.source.len()).or_default().push(i));
    let mut out = vec![Vec::new(); test.len()];
    for indices in by_len.values() {
        for chunk in indices.chunks(128) {
            let batch = make_batch(&chunk.iter().map(|&i| &test[i]).collect::<Vec<_>>());
            for (&i, ids) in chunk.iter().zip(model.translate(&batch.source, batch.size, max_len)) {
                out[i] = ids;
            }
        }
    }
    out
}
