//! `descent search`: the lines of a corpus closest in meaning to a query (cosine of
//! sentence embeddings); the corpus vectors are cached beside a corpus file and rebuilt
//! when the corpus or the model changes.
//!
//! The corpus may be a file or a pipe (`--corpus <(grep ... notes.txt)`); it is read
//! whole, at most [`MAX_TEXT_BYTES`] (64 MiB, the cap of every text reader here), and
//! devices (`/dev/zero`) are refused. A named pipe nobody writes to reads as empty
//! instead of waiting forever. The cache is only an optimisation: when it cannot be
//! written (a read-only folder) a one-line warning says so and the results still come;
//! a pipe has no folder to put one in, so none is written for it.

use anyhow::{bail, ensure, Context, Result};
use clap::Args;
use descent_data::text::{decode_text, MAX_TEXT_BYTES};
use descent_data::DataLocator;
use descent_gallery::common::minilm::load_encoder;
use descent_models::bert::search::{cache_path, corpus_index, search as top_hits};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Options of `descent search`.
#[derive(Args)]
pub struct SearchArgs {
    /// Model folder; default: all-MiniLM-L6-v2 from the data folders.
    #[arg(long)]
    model: Option<PathBuf>,
    /// UTF-8 text file or pipe, one entry per line (blank lines are skipped).
    #[arg(long)]
    corpus: PathBuf,
    /// How many lines to show.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// What to look for.
    query: String,
}

/// Prints `score  line: text` for the best `--top` lines, best first.
pub fn search(args: SearchArgs, data_dir: Option<PathBuf>) -> Result<()> {
    ensure!(
        !args.query.trim().is_empty(),
        "the query is empty; give the text to look for, e.g. descent search --corpus notes.txt \"where did I put the keys\""
    );
    ensure!(args.top > 0, "--top must be at least 1");
    let corpus = read_corpus(&args.corpus)?;
    let encoder = load_encoder(args.model.as_deref(), &DataLocator::new(data_dir))?;
    let cache = corpus.is_file.then(|| cache_path(&args.corpus));
    let index = corpus_index(&encoder, &corpus.text, cache.as_deref());
    let lines = index.lines.len();
    // Progress lines ignore a closed stderr (never end a run); results go to stdout.
    let say = |line: String| drop(writeln!(std::io::stderr(), "{line}"));
    match cache {
        None => say(format!("{lines} lines embedded (not cached: the corpus is a pipe)")),
        Some(path) if !index.rebuilt => say(format!("{lines} lines read from the cache {}", path.display())),
        Some(path) => match index.save_cache(&path) {
            Ok(()) => say(format!("{lines} lines embedded and cached in {}", path.display())),
            Err(e) => say(format!(
                "warning: {lines} lines embedded, not cached (the next search embeds them again): {e}"
            )),
        },
    }
    for hit in top_hits(&encoder, &index, &args.query, args.top) {
        println!("{:.4}  {}: {}", hit.score, hit.line, hit.text);
    }
    Ok(())
}

/// A corpus read whole.
struct Corpus {
    /// Its text (UTF-8, a leading byte-order mark removed).
    text: String,
    /// Whether it is a regular file (which may have a cache beside it), not a pipe.
    is_file: bool,
}

/// Reads the corpus at `path`: a regular file or a pipe, at most [`MAX_TEXT_BYTES`],
/// with at least one non-blank line.
fn read_corpus(path: &Path) -> Result<Corpus> {
    let shown = descent_text::excerpt(&path.display().to_string());
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read the corpus {shown}"))?;
    let kind = meta.file_type();
    let is_file = kind.is_file();
    if !is_file && !is_pipe(&kind) {
        let what = if kind.is_dir() { "a folder" } else { "a device" };
        bail!("the corpus {shown} is {what}, not a text file; give a file with one entry per line");
    }
    let limit = MAX_TEXT_BYTES;
    let too_large = || {
        anyhow::anyhow!(
            "the corpus {shown} holds more than {} MiB, the most read; split it into smaller files",
            limit >> 20
        )
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    let file = open_without_waiting(path).with_context(|| format!("cannot read the corpus {shown}"))?;
    let bytes = descent_data::read_at_most(file, limit, &shown).map_err(|e| match e {
        descent_data::DataError::TooLarge { .. } => too_large(),
        other => other.into(),
    })?;
    let text = decode_text(&bytes, &shown, limit)?;
    if text.lines().all(|line| line.trim().is_empty()) {
        bail!("the corpus {shown} is empty; give a file with one entry per line (a named pipe needs its writer running)");
    }
    Ok(Corpus { text, is_file })
}

/// Whether `kind` is a pipe (a named one, or `/dev/fd/N` of `<(...)`).
fn is_pipe(kind: &std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    kind.is_fifo()
}

/// Opens `path` for reading without waiting for a FIFO's writer: opened non-blocking, a
/// FIFO with no writer reads as end of file at once; the flag is then cleared, so a live
/// pipe is read normally (waiting for data as it comes).
fn open_without_waiting(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path)?;
    let fd = file.as_raw_fd();
    // SAFETY: `fd` is the open descriptor owned by `file`, which outlives the call;
    // F_GETFL reads its status flags and touches no memory.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: as above; F_SETFL sets the status flags of `fd` and touches no memory.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}
