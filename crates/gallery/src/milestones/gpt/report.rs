//! What the GPT milestone reports: its measurements and notes, the generated poems and
//! the loss curve, and the model saved for `descent generate`.

use super::data::PoetryCorpus;
use super::measure::{check_form, Scores};
use super::train::Trained;
use super::{Settings, CHECKPOINT};
use crate::{MilestoneError, Run, Training};
use descent_models::gpt::Gpt;
use descent_models::saved::Snapshot;
use descent_models::text_model::{TextModel, TextModelConfig};
use descent_nn::param_count;
use descent_report::{fact_keys, LineChart, Series};
use descent_text::tokenizer::Tokenizer;

/// Saves `model` with its character tokenizer and the prompt format, as
/// `descent generate` reads it.
pub(crate) fn save_model(run: &mut Run, corpus: &PoetryCorpus, model: &Gpt) -> Result<(), MilestoneError> {
    let saved_config = TextModelConfig {
        net: model.config,
        tokenizer: Tokenizer::Char(corpus.tokenizer.clone()),
        bos: "\n".to_string(),
        stop: "\n".to_string(),
        prompt_format: Some("用{author}风格写{title}:".to_string()),
    };
    run.save(
        CHECKPOINT,
        Snapshot::parts::<TextModel<Gpt>>(&saved_config, model),
        Training::finished(0),
    )
}

/// Records the measurements (the verdict's first) and the notes on the protocol.
pub(crate) fn record(run: &mut Run, settings: &Settings, corpus: &PoetryCorpus, model: &Gpt, trained: &Trained, scores: &Scores) {
    let train = &settings.train;
    run.measure("held_out_perplexity", scores.held_out_perplexity);
    run.measure("unigram_perplexity", scores.unigram_perplexity);
    run.measure("format_adherence", scores.format_adherence);
    run.measure("samples", scores.samples.len() as u64);
    run.measure("final_train_loss", *trained.losses.last().unwrap_or(&f32::NAN) as f64);
    run.measure("steps", train.steps as u64);
    run.measure("train_seconds", trained.seconds);
    run.measure(
        "tokens_per_second",
        (train.steps * train.batch_size * train.seq_len) as f64 / trained.seconds,
    );
    run.measure(fact_keys::PARAMS, param_count(model) as u64);
    run.measure(fact_keys::DATA_BYTES, corpus.text_bytes as u64);
    run.measure("examples_seen", (train.steps * train.batch_size) as u64);
    run.measure("vocab_size", model.config.vocab_size as u64);
    run.measure("poems_train", (corpus.poems_kept - corpus.held_out_poems.len()) as u64);
    run.measure("li_bai_spring", format!("用李白风格写春天:{}", scores.li_bai_spring));
    let config = model.config;
    run.note(&format!(
        "Model: d_model {}, {} heads, {} layers, context {}; {} steps of {}×{} characters, AdamW with warmup and cosine decay, gradient clipping at {}.",
        config.d_model, config.n_heads, config.n_layers, config.context, train.steps, train.batch_size, train.seq_len, train.clip_norm
    ));
    run.note("Format: a poem is well formed when it has 4 or 8 lines, all of 5 or all of 7 Chinese characters, and ends with 。; samples use temperature 0.8, top-k 40, prompts from held-out poems.");
    if !run.full() {
        run.note("Quick run: the 11,255 embedded poems (their 2,000 characters), a 3-layer model and 1,200 steps, judged at 30% format adherence; `--full` trains a 6-layer model (d 192) on the 5,000 most frequent characters for 3,600 steps and asks for 80%.");
    }
}

/// Writes the generated poems (✓ where in the regulated form) and the loss curve.
pub(crate) fn artifacts(run: &mut Run, trained: &Trained, scores: &Scores) -> Result<(), MilestoneError> {
    let mut text = String::from("# Generated poems (prompt → poem; ✓ = regulated form)\n\n");
    for (prompt, poem) in &scores.samples {
        let mark = if check_form(poem).well_formed { "✓" } else { "✗" };
        text.push_str(&format!("{mark} {prompt}{poem}\n"));
    }
    run.write_text("samples.txt", &text)?;
    let chart = LineChart {
        title: "Character GPT on Tang poems".into(),
        x_label: "step".into(),
        y_label: "training loss (nats/char)".into(),
        series: vec![Series::indexed_f32("train loss", &trained.losses)],
        log_y: false,
    };
    run.line_chart("loss.svg", &chart)?;
    run.log(&format!(
        "gpt: held-out perplexity {:.1} (unigram {:.1}), format adherence {:.0}%\n用李白风格写春天:{}",
        scores.held_out_perplexity,
        scores.unigram_perplexity,
        scores.format_adherence * 100.0,
        scores.li_bai_spring
    ));
    Ok(())
}
