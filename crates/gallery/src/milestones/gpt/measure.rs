//! What the GPT milestone's verdict rests on: the held-out perplexity beside a
//! character-frequency (unigram) model's, and the form of poems the model writes from
//! held-out prompts (jueju: 4 lines, lüshi: 8 lines, every line 5 or every line 7
//! characters) — and the poem the saved model writes for `用李白风格写春天:`.

use super::data::{prompt, PoetryCorpus};
use super::{Settings, CHECKPOINT};
use crate::common::lm::held_out_loss;
use crate::{MilestoneError, Run};
use descent_models::gpt::Gpt;
use descent_models::saved;
use descent_models::text_model::{GenerateOptions, TextModel};
use descent_text::sampling::{Sampler, SamplingConfig};
use descent_text::tokenizer::Tokenizer;

/// What the trained model scored.
pub(crate) struct Scores {
    /// Perplexity on the held-out poems.
    pub(crate) held_out_perplexity: f64,
    /// The unigram model's perplexity on them.
    pub(crate) unigram_perplexity: f64,
    /// Share of generated poems in the regulated form.
    pub(crate) format_adherence: f64,
    /// (prompt, poem) of every generated poem.
    pub(crate) samples: Vec<(String, String)>,
    /// The saved model's poem for `用李白风格写春天:` ([`li_bai_spring`], once saved).
    pub(crate) li_bai_spring: String,
}

/// Held-out perplexity, the unigram baseline, and the form of `settings.samples` poems.
pub(crate) fn measure(run: &Run, settings: &Settings, corpus: &PoetryCorpus, model: &Gpt) -> Scores {
    let loss = held_out_loss(
        model,
        &corpus.held_out,
        settings.train.seq_len,
        settings.train.batch_size,
        settings.eval_windows,
    );
    let unigram = unigram_perplexity(&corpus.train, &corpus.held_out, corpus.tokenizer.vocab_size());
    let (samples, well_formed) = sample_poems(run.seed(), settings.samples, corpus, model);
    Scores {
        held_out_perplexity: (loss as f64).exp(),
        unigram_perplexity: unigram,
        format_adherence: well_formed as f64 / samples.len().max(1) as f64,
        samples,
        li_bai_spring: String::new(),
    }
}

/// The sampling of every generated poem: temperature 0.8, top-k 40.
fn sampling(seed: u64) -> SamplingConfig {
    SamplingConfig {
        temperature: 0.8,
        top_k: Some(40),
        top_p: None,
        seed,
    }
}

/// Up to `count` poems, one per prompt — Li Bai's spring, then the held-out poems'
/// prompts — each sampled with seed `seed + i`; returns the (prompt, poem) pairs and
/// how many poems are in the regulated form (judged before trailing space is trimmed).
fn sample_poems(seed: u64, count: usize, corpus: &PoetryCorpus, model: &Gpt) -> (Vec<(String, String)>, usize) {
    let tokenizer = Tokenizer::Char(corpus.tokenizer.clone());
    let newline = corpus.tokenizer.id('\n').expect("the template puts \\n in the vocabulary");
    let (mut samples, mut well_formed) = (Vec::new(), 0);
    let prompts = std::iter::once(prompt("李白", "春天")).chain(corpus.held_out_prompts.iter().cloned());
    for (i, text) in prompts.take(count).enumerate() {
        let Ok(mut ids) = tokenizer.encode(&format!("\n{text}")) else {
            continue;
        };
        ids.truncate(model.config.context / 2);
        let mut sampler = Sampler::new(sampling(seed + i as u64));
        let out = descent_models::generation::generate(model, &ids, 100, &mut sampler, true, &|t| t == newline);
        let poem = tokenizer.decode(&out);
        well_formed += usize::from(check_form(&poem).well_formed);
        samples.push((text, poem.trim_end().to_string()));
    }
    (samples, well_formed)
}

/// The poem the saved model (read back from the run's folder, as `descent generate`
/// reads it) writes for `用李白风格写春天:`: it must be the one in memory's.
pub(crate) fn li_bai_spring(run: &Run) -> Result<String, MilestoneError> {
    let reloaded: TextModel<Gpt> = saved::load(&run.path(CHECKPOINT)?)?;
    let options = GenerateOptions {
        max_new_tokens: 100,
        sampling: sampling(run.seed()),
        skip_unknown: false,
        use_cache: true,
    };
    Ok(reloaded.generate("用李白风格写春天:", options)?.0)
}

/// The shape of a (generated) poem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    /// Characters per verse line (lines end at ，。？！；).
    pub line_lengths: Vec<usize>,
    /// 4 or 8 lines, all of 5 or all of 7 Chinese characters, ending with 。
    pub well_formed: bool,
}

/// Measures the form of `poem` (the text after the prompt, without the final newline).
pub fn check_form(poem: &str) -> Form {
    let is_break = |c: char| "，。？！；".contains(c);
    let trimmed = poem.trim_end_matches('\n');
    let pieces: Vec<&str> = trimmed.split(is_break).collect();
    let (last, lines) = pieces.split_last().expect("split yields at least one piece");
    let line_lengths: Vec<usize> = lines.iter().map(|l| l.chars().count()).collect();
    let cjk = |l: &&str| l.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let same_length = line_lengths.windows(2).all(|w| w[0] == w[1]);
    let well_formed = last.is_empty()
        && trimmed.ends_with('。')
        && matches!(line_lengths.len(), 4 | 8)
        && same_length
        && matches!(line_lengths.first(), Some(5 | 7))
        && lines.iter().all(cjk);
    Form { line_lengths, well_formed }
}

/// Perplexity of a unigram (character frequency) model fitted on `train`, on `held_out`:
/// the baseline a language model must beat.
fn unigram_perplexity(train: &[usize], held_out: &[usize], vocab: usize) -> f64 {
    let mut counts = vec![1.0f64; vocab]; // add-one smoothing
    train.iter().for_each(|&t| counts[t] += 1.0);
    let total: f64 = counts.iter().sum();
    let nll: f64 = held_out.iter().map(|&t| -(counts[t] / total).ln()).sum::<f64>() / held_out.len() as f64;
    nll.exp()
}
