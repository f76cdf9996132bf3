//! The GPT milestone's data: which Tang poems a run uses (read by `descent-data`), the
//! prompt format that makes the author part of the prompt, the vocabulary, and the
//! training and held-out streams.
//!
//! Each poem becomes one line of training text, `用{author}风格写{title}:{poem}\n`
//! ("write {title} in {author}'s style:"), so `用李白风格写春天:` asks for Li Bai's
//! spring. The poems are concatenated into one stream of character ids; `\n` both ends
//! a poem and starts the next, so generation starts from `\n` + prompt and stops at `\n`.

use super::Settings;
use crate::{MilestoneError, Run};
use descent_data::Poem;
use descent_text::tokenizer::CharTokenizer;
use std::collections::{HashMap, HashSet};

/// The prompt for a poem by `author` on `title`.
pub fn prompt(author: &str, title: &str) -> String {
    format!("用{author}风格写{title}:")
}

/// Characters of the prompt template (always in the vocabulary).
const TEMPLATE_CHARS: &str = "用风格写:\n";

/// The poems of a run: quick runs use the 11,255 embedded poems (those of
/// `poetry/tang_jueju_lushi.tsv.gz` whose characters are among its 2,000 most frequent,
/// so the tour runs offline and the same everywhere); full runs read the whole file
/// from the data folder.
pub(crate) fn load_poems(run: &mut Run) -> Result<Vec<Poem>, MilestoneError> {
    if !run.full() {
        let poems = descent_data::embedded_poems();
        let identity = format!("Tang poems embedded subset {}", poems.len());
        run.uses_data(&identity, &format!("{} Tang jueju and lüshi embedded in the binary", poems.len()));
        return Ok(poems);
    }
    let read = descent_data::read_poems(&run.data(), &descent_data::TANG_JUEJU_LUSHI)?;
    if let Some(note) = read.skipped_note(&descent_data::TANG_JUEJU_LUSHI.relative_path()) {
        run.log(&note);
    }
    let identity = format!("Tang poems {}", read.rows.len());
    let description = format!(
        "{} Tang jueju and lüshi from {}",
        read.rows.len(),
        descent_data::TANG_JUEJU_LUSHI.relative_path()
    );
    run.uses_data(&identity, &description);
    Ok(read.rows)
}

/// The training corpus: vocabulary, train and held-out streams, and held-out poems.
pub struct PoetryCorpus {
    /// Character vocabulary.
    pub tokenizer: CharTokenizer,
    /// Formatted training poems as one id stream.
    pub train: Vec<usize>,
    /// Formatted held-out poems (every 20th) as one id stream.
    pub held_out: Vec<usize>,
    /// The held-out poems themselves.
    pub held_out_poems: Vec<Poem>,
    /// Their prompts, as formatted for training (author and title cleaned).
    pub held_out_prompts: Vec<String>,
    /// Poems kept (their text is inside the vocabulary).
    pub poems_kept: usize,
    /// Poems read.
    pub poems_read: usize,
    /// Bytes of poem text read (the report's data size).
    pub text_bytes: usize,
}

/// The run's corpus ([`build_corpus`] with `settings.max_chars`), or an error when too
/// few poems fit the vocabulary to hold some out.
pub(crate) fn corpus(poems: &[Poem], settings: &Settings) -> Result<PoetryCorpus, MilestoneError> {
    let corpus = build_corpus(poems, settings.max_chars);
    if corpus.held_out.len() <= settings.train.seq_len + 1 {
        let why = format!(
            "only {} poems fit a {}-character vocabulary: too few to hold some out; raise max_chars",
            corpus.poems_kept, settings.max_chars
        );
        return Err(MilestoneError::Config(why));
    }
    Ok(corpus)
}

/// Keeps `title` short and inside `known` characters: cut at the first space, unknown
/// characters dropped, at most 8 characters; "无题" (untitled) if nothing is left.
fn clean_title(title: &str, known: &HashSet<char>) -> String {
    let first = title.split([' ', '·']).next().unwrap_or("");
    let kept: String = first.chars().filter(|c| known.contains(c)).take(8).collect();
    if kept.is_empty() {
        "无题".to_string()
    } else {
        kept
    }
}

/// Builds the corpus from the `max_chars` most frequent poem characters: poems using
/// others are left out, titles keep only known characters, author names are kept whole
/// (their characters join the vocabulary).
pub fn build_corpus(poems: &[Poem], max_chars: usize) -> PoetryCorpus {
    let mut counts: HashMap<char, usize> = HashMap::new();
    for p in poems {
        for c in p.text.chars() {
            *counts.entry(c).or_default() += 1;
        }
    }
    let mut ranked: Vec<(char, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut known: HashSet<char> = ranked.iter().take(max_chars).map(|&(c, _)| c).collect();
    known.extend("无题".chars());
    let kept: Vec<&Poem> = poems.iter().filter(|p| p.text.chars().all(|c| known.contains(&c))).collect();
    // Author names are the style part of the prompt: all their characters are kept.
    let author_chars: Vec<char> = kept.iter().flat_map(|p| p.author.chars()).collect();
    let mut chars: Vec<char> = known.iter().copied().chain(TEMPLATE_CHARS.chars()).chain(author_chars).collect();
    chars.dedup();
    chars.sort_unstable();
    let tokenizer = CharTokenizer::from_chars(chars);
    let prompt_of = |p: &Poem| prompt(&p.author, &clean_title(&p.title, &known));
    let encode = |text: &str| -> Vec<usize> { text.chars().filter_map(|c| tokenizer.id(c)).collect() };
    let (mut train, mut held_out, mut held_out_poems, mut held_out_prompts) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, p) in kept.iter().enumerate() {
        let line = format!("{}{}\n", prompt_of(p), p.text);
        if i % 20 == 7 {
            held_out.extend(encode(&line));
            held_out_poems.push((*p).clone());
            held_out_prompts.push(prompt_of(p));
        } else {
            train.extend(encode(&line));
        }
    }
    PoetryCorpus {
        tokenizer,
        train,
        held_out,
        held_out_poems,
        held_out_prompts,
        poems_kept: kept.len(),
        poems_read: poems.len(),
        text_bytes: poems.iter().map(|p| p.text.len()).sum(),
    }
}
