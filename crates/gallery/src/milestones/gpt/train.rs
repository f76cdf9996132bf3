//! Training the GPT milestone's model: a character-level GPT over the corpus's
//! vocabulary, trained as a language model on the training stream (nanoGPT's recipe,
//! [`crate::common::lm`]).

use super::data::PoetryCorpus;
use super::Settings;
use crate::common::lm::{LmSettings, LmTrainer};
use crate::{MilestoneError, Run};
use descent_models::gpt::{Gpt, GptConfig};
use descent_nn::param_count;
use descent_tensor::Rng;
use std::time::Instant;

/// What training left besides the model.
pub(crate) struct Trained {
    /// Training loss of every step.
    pub(crate) losses: Vec<f32>,
    /// Wall time of the training loop.
    pub(crate) seconds: f64,
}

/// `train` with its step budget replaced by `passes` passes over a training stream of
/// `stream_len` characters (`--epochs N`), warmup kept at a twentieth of the steps.
pub(crate) fn steps_for_passes(train: LmSettings, passes: usize, stream_len: usize) -> LmSettings {
    let steps = (passes * stream_len).div_ceil(train.batch_size * train.seq_len).max(1);
    LmSettings {
        steps,
        warmup: steps / 20,
        ..train
    }
}

/// A fresh GPT of `settings.model`'s sizes over the corpus's vocabulary, initialised from
/// the run's seed.
pub(crate) fn build_model(run: &Run, settings: &Settings, corpus: &PoetryCorpus) -> Gpt {
    let config = GptConfig {
        vocab_size: corpus.tokenizer.vocab_size(),
        ..settings.model
    };
    let model = Gpt::new(config, &mut Rng::new(run.seed()));
    run.log(&format!(
        "gpt: {} poems kept of {}, {} characters, {} parameters",
        corpus.poems_kept,
        corpus.poems_read,
        config.vocab_size,
        param_count(&model)
    ));
    model
}

/// Trains `model` for `settings.train.steps` steps on random windows of the training
/// stream; a loss that is no longer finite stops the run with an error.
pub(crate) fn train(run: &Run, settings: &Settings, corpus: &PoetryCorpus, model: &Gpt) -> Result<Trained, MilestoneError> {
    let mut trainer = LmTrainer::new(model, settings.train, run.seed());
    let phase = run.phase("gpt", settings.train.steps as u64);
    let start = Instant::now();
    let mut losses = Vec::with_capacity(settings.train.steps);
    for _ in 0..settings.train.steps {
        let (loss, _) = trainer.train_step(model, &corpus.train);
        if !loss.is_finite() {
            return Err(MilestoneError::Config(format!(
                "training diverged at step {} (loss {loss})",
                trainer.step
            )));
        }
        losses.push(loss);
        phase.status(&format!("loss {loss:.3}"));
        phase.advance(1);
    }
    drop(phase);
    Ok(Trained {
        losses,
        seconds: start.elapsed().as_secs_f64(),
    })
}
