//! Building and training the two translators of the `transformer` milestone: an
//! encoder-decoder Transformer and an LSTM seq2seq of similar size, each on the same
//! batches for the same number of steps (AdamW with warmup then cosine decay, gradient
//! clipping at 1); only their peak learning rates differ.

use super::data::{batches, Corpus, Example};
use super::Settings;
use descent_models::translator::{LstmSeq2Seq, TransformerConfig, TranslationTransformer, Translator};
use descent_nn::params;
use descent_optim::{clip_grad_norm, AdamW, AdamWConfig, LrSchedule, Optimizer};
use descent_tensor::Rng;
use std::time::Instant;

/// Both translators, initialised from `seed` (the Transformer first).
pub(crate) fn build(settings: &Settings, corpus: &Corpus, seed: u64) -> (TranslationTransformer, LstmSeq2Seq) {
    let mut rng = Rng::new(seed);
    let (source, target) = (corpus.source.size(), corpus.target.size());
    let config = TransformerConfig {
        source_vocab: source,
        target_vocab: target,
        d_model: settings.d_model,
        n_heads: settings.n_heads,
        encoder_layers: settings.layers,
        decoder_layers: settings.layers,
        max_len: settings.max_len + 1,
    };
    let transformer = TranslationTransformer::new(config, &mut rng);
    let lstm = LstmSeq2Seq::new(
        source,
        target,
        settings.d_model,
        settings.lstm_hidden,
        settings.lstm_layers,
        &mut rng,
    );
    (transformer, lstm)
}

/// Trains `model` on `train` for the settings' epochs at peak rate `lr`; returns the
/// loss of every step and the seconds it took.
pub(crate) fn train(model: &dyn Translator, train: &[Example], settings: &Settings, lr: f32, seed: u64) -> (Vec<f32>, f64) {
    let all = params(model);
    let steps_per_epoch = batches(train, settings.batch_size, seed, 0).len();
    let total = steps_per_epoch * settings.epochs;
    let schedule = LrSchedule::cosine(lr, lr / 20.0, total - total / 20).with_warmup(total / 20);
    let mut optimizer = AdamW::new(AdamWConfig {
        lr,
        weight_decay: 0.0,
        ..AdamWConfig::default()
    });
    let (mut losses, start, mut step) = (Vec::with_capacity(total), Instant::now(), 0);
    for epoch in 0..settings.epochs {
        for batch in batches(train, settings.batch_size, seed, epoch as u64) {
            let loss = model.loss(&batch);
            let mut grads = loss.backward();
            clip_grad_norm(&mut grads, &all, 1.0);
            optimizer.set_learning_rate(schedule.lr_at(step));
            optimizer.step(&all, &grads);
            losses.push(loss.item());
            step += 1;
        }
    }
    (losses, start.elapsed().as_secs_f64())
}
