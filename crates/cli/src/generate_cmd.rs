//! `descent generate`: text from a saved language model (character LSTM or GPT),
//! printed as it is written — each piece is flushed at once, so Ctrl-C keeps what is
//! on the screen and `| head -c 10` stops the generation instead of waiting for it.

use crate::saved_model;
use anyhow::{bail, ensure, Result};
use clap::Args;
use descent_models::saved::SavedModel;
use descent_models::{CharLstm, GenerateOptions, Gpt, TextModel};
use std::io::Write;
use std::path::PathBuf;

/// Most tokens one `generate` writes: a million characters is a long book; more is
/// almost certainly a typo, and would run for hours.
pub const MAX_TOKENS: usize = 1_000_000;

/// Options of `descent generate`.
#[derive(Args)]
pub struct GenerateArgs {
    /// Checkpoint of a language model (runs/lstm/charlm.safetensors, runs/gpt/gpt.safetensors).
    #[arg(long)]
    model: PathBuf,
    /// Text to continue.
    #[arg(long)]
    prompt: String,
    /// New tokens (characters for the character models) to write, at most 1,000,000.
    #[arg(long, default_value_t = 200)]
    tokens: usize,
    /// Sampling temperature: below 1 sharper, above 1 more random, 0 always the likeliest.
    #[arg(long, default_value_t = 0.8, allow_negative_numbers = true)]
    temperature: f32,
    /// Keep only the k likeliest tokens (k ≥ 1).
    #[arg(long)]
    top_k: Option<usize>,
    /// Keep the likeliest tokens up to this total probability (nucleus sampling), in (0, 1].
    #[arg(long, allow_negative_numbers = true)]
    top_p: Option<f32>,
    /// Seed of the random draws.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Drop prompt characters the model does not know instead of stopping with an error.
    #[arg(long)]
    skip_unknown: bool,
}

/// Checks the options that need no model, so a typo fails at once.
fn check_options(args: &GenerateArgs) -> Result<()> {
    ensure!(
        args.tokens <= MAX_TOKENS,
        "--tokens {} is more than the limit of {MAX_TOKENS}; ask for fewer (the text is printed as it is written)",
        args.tokens
    );
    ensure!(
        args.temperature.is_finite() && args.temperature >= 0.0,
        "--temperature {} is not a finite number ≥ 0; use e.g. 0.8 (0 always picks the likeliest token)",
        args.temperature
    );
    ensure!(args.top_k != Some(0), "--top-k 0 keeps no token; use 1 or more");
    if let Some(p) = args.top_p {
        ensure!(p.is_finite() && p > 0.0 && p <= 1.0, "--top-p {p} is outside (0, 1]; use e.g. 0.9");
    }
    Ok(())
}

/// `descent generate`: dispatches on the checkpoint's metadata (character LSTM or GPT).
pub fn generate(args: GenerateArgs) -> Result<()> {
    check_options(&args)?;
    let sampling = descent_text::SamplingConfig {
        temperature: args.temperature,
        top_k: args.top_k,
        top_p: args.top_p,
        seed: args.seed,
    };
    let file = saved_model::read(&args.model)?;
    let mut sink = StdoutSink {
        out: std::io::stdout().lock(),
        prompt: Some(args.prompt.clone()),
        failed: None,
    };
    let mut emit = |piece: &str| sink.write(piece);
    let options = GenerateOptions {
        max_new_tokens: args.tokens,
        sampling,
        skip_unknown: args.skip_unknown,
        use_cache: true,
    };
    let (wanted, made_by) = ("a language model", "`descent run lstm` or `descent run gpt`");
    let dropped = match file.kind() {
        <TextModel<CharLstm>>::KIND => {
            let model: TextModel<CharLstm> = saved_model::model(&file, wanted, made_by)?;
            model.stream(&args.prompt, options, &mut emit)?
        }
        <TextModel<Gpt>>::KIND => {
            let model: TextModel<Gpt> = saved_model::model(&file, wanted, made_by)?;
            model.stream(&args.prompt, options, &mut emit)?
        }
        _ => return Err(saved_model::wrong_kind(&file, wanted, made_by)),
    };
    sink.write("\n");
    if let Some(e) = sink.failed {
        crate::exit_quietly_if_reader_left(&e);
        bail!("cannot write the text to stdout: {e}");
    }
    if !dropped.is_empty() {
        crate::note(&format!("dropped prompt characters the model does not know: {dropped:?}"));
    }
    Ok(())
}

/// Stdout as generation writes it: the prompt before the first piece (so nothing is
/// printed when the prompt is refused), a flush after every piece, and the first write
/// error kept (after which nothing more is written).
struct StdoutSink {
    out: std::io::StdoutLock<'static>,
    prompt: Option<String>,
    failed: Option<std::io::Error>,
}

impl StdoutSink {
    /// Writes `piece`; false once writing has failed (generation then stops).
    fn write(&mut self, piece: &str) -> bool {
        if self.failed.is_some() {
            return false;
        }
        let prompt = self.prompt.take().unwrap_or_default();
        let result = (|| {
            self.out.write_all(prompt.as_bytes())?;
            self.out.write_all(piece.as_bytes())?;
            self.out.flush()
        })();
        match result {
            Ok(()) => true,
            Err(e) => {
                self.failed = Some(e);
                false
            }
        }
    }
}
