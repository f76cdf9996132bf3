//! ELMo's bidirectional language model (Peters et al. 2018, "Deep contextualized word
//! representations"): a forward LSTM predicts each token from the ones before it, a
//! separate backward LSTM from the ones after it; both read the same token embeddings
//! and share the softmax. After training on unlabelled text, the LSTM states are
//! *contextual* word vectors (the same word gets a different vector in each sentence),
//! while the embedding table is the *context-free* layer 0 that ELMo's paper compares
//! them with.
//!
//! Our reduction: WordPiece tokens instead of ELMo's character CNN, one LSTM layer per
//! direction by default, each direction's states projected to the embedding width and
//! scored against the tied embedding table (Press & Wolf 2017) plus a bias. A sequence is
//! `[CLS] pieces [SEP]`: the forward model reads it left to right, the backward model the
//! reversed pieces, so the two boundary tokens serve as start and end markers.

use descent_nn::{join_name, Embedding, Forward, Linear, Module, Recurrent};
use descent_tensor::{Param, Rng, Tensor};

/// Sizes of a [`BiLm`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BiLmConfig {
    /// Tokens in the vocabulary.
    pub vocab_size: usize,
    /// Width of the token embeddings (the context-free features).
    pub embed_dim: usize,
    /// LSTM units per direction (the contextual features are twice this).
    pub hidden_size: usize,
    /// LSTM layers per direction.
    pub num_layers: usize,
}

/// Sentence features of a batch: the mean over each sentence's real tokens.
pub struct BiLmFeatures {
    /// Mean token embedding (B, embed_dim): context-free.
    pub static_mean: Tensor,
    /// Mean of `[forward state; backward state]` (B, 2·hidden_size): contextual.
    pub contextual_mean: Tensor,
}

/// The bidirectional LSTM language model.
pub struct BiLm {
    /// Sizes.
    pub config: BiLmConfig,
    /// Token table (V, E), shared by both directions and tied to the softmax.
    pub embedding: Embedding,
    /// Left-to-right LSTM (E → H).
    pub forward_lstm: Recurrent,
    /// Right-to-left LSTM (E → H).
    pub backward_lstm: Recurrent,
    /// Forward states to embedding width (H → E).
    pub forward_proj: Linear,
    /// Backward states to embedding width (H → E).
    pub backward_proj: Linear,
    /// Softmax bias (V).
    pub softmax_bias: Param,
}

/// Padded (B·T) ids with each row's real tokens reversed (padding stays at the end).
fn reversed(ids: &[usize], lengths: &[usize]) -> Vec<usize> {
    let steps = ids.len() / lengths.len();
    let mut out = ids.to_vec();
    for (b, &len) in lengths.iter().enumerate() {
        out[b * steps..b * steps + len].reverse();
    }
    out
}

/// Per-row targets: `ids[b, t + 1]` for t + 1 < len, else `ignore`.
fn next_tokens(ids: &[usize], lengths: &[usize], ignore: usize) -> Vec<usize> {
    let steps = ids.len() / lengths.len();
    let mut targets = vec![ignore; ids.len()];
    for (b, &len) in lengths.iter().enumerate() {
        targets[b * steps..b * steps + len - 1].copy_from_slice(&ids[b * steps + 1..b * steps + len]);
    }
    targets
}

impl BiLm {
    /// A model with embeddings N(0, 0.1²), PyTorch-default LSTMs and projections.
    pub fn new(config: BiLmConfig, rng: &mut Rng) -> BiLm {
        let (v, e, h) = (config.vocab_size, config.embed_dim, config.hidden_size);
        BiLm {
            config,
            embedding: Embedding {
                weight: Param::new(Tensor::randn(&[v, e], rng).mul_scalar(0.1)),
            },
            forward_lstm: Recurrent::lstm(e, h, config.num_layers, rng),
            backward_lstm: Recurrent::lstm(e, h, config.num_layers, rng),
            forward_proj: Linear::new(h, e, rng),
            backward_proj: Linear::new(h, e, rng),
            softmax_bias: Param::new(Tensor::zeros(&[v])),
        }
    }

    /// Top-layer states (B, T, H) of one direction over padded `ids` (B·T).
    fn states(&self, lstm: &Recurrent, ids: &[usize], batch: usize) -> Tensor {
        let steps = ids.len() / batch;
        let x = self.embedding.lookup(ids, &[batch, steps]); // (B, T, E)
        lstm.forward_seq(&x, None).0 // (B, T, H)
    }

    /// Mean next-token cross-entropy of both directions (nats per prediction, averaged
    /// over the two) on a padded batch: `ids` (B·T), `lengths[b]` real tokens of row b,
    /// padding with `pad` (never a target).
    pub fn loss(&self, ids: &[usize], lengths: &[usize], pad: usize) -> Tensor {
        let batch = lengths.len();
        assert!(
            batch > 0 && ids.len() % batch == 0 && lengths.iter().all(|&l| l >= 2 && l <= ids.len() / batch),
            "BiLm::loss: {} ids in {batch} rows with lengths {lengths:?} (each at least 2)",
            ids.len()
        );
        let table = self.embedding.weight.value(); // (V, E)
        let bias = self.softmax_bias.value();
        let direction = |lstm: &Recurrent, proj: &Linear, ids: &[usize]| {
            let h = self.states(lstm, ids, batch); // (B, T, H)
            let rows = h.dim(0) * h.dim(1);
            let z = proj.forward(&h).reshape(&[rows, self.config.embed_dim]); // (B·T, E)
            let logits = z.matmul(&table.t()).add(&bias); // (B·T, V)
            logits.softmax_cross_entropy(&next_tokens(ids, lengths, pad), Some(pad))
        };
        let backward_ids = reversed(ids, lengths);
        let forward = direction(&self.forward_lstm, &self.forward_proj, ids);
        let backward = direction(&self.backward_lstm, &self.backward_proj, &backward_ids);
        forward.add(&backward).mul_scalar(0.5)
    }

    /// Context-free and contextual sentence features of a padded batch.
    pub fn features(&self, ids: &[usize], lengths: &[usize]) -> BiLmFeatures {
        let batch = lengths.len();
        let steps = ids.len() / batch;
        let average = crate::bert::heads::mean_pool;
        let x = self.embedding.lookup(ids, &[batch, steps]); // (B, T, E)
        let forward = self.forward_lstm.forward_seq(&x, None).0; // (B, T, H)
                                                                 // The mean over a sentence does not depend on order: no need to un-reverse.
        let backward = self.states(&self.backward_lstm, &reversed(ids, lengths), batch); // (B, T, H)
        BiLmFeatures {
            static_mean: average(&x, lengths),
            contextual_mean: Tensor::concat(&[average(&forward, lengths), average(&backward, lengths)], 1),
        }
    }
}

impl Module for BiLm {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.embedding.visit(&join_name(prefix, "embedding"), f);
        self.forward_lstm.visit(&join_name(prefix, "forward_lstm"), f);
        self.backward_lstm.visit(&join_name(prefix, "backward_lstm"), f);
        self.forward_proj.visit(&join_name(prefix, "forward_proj"), f);
        self.backward_proj.visit(&join_name(prefix, "backward_proj"), f);
        f(&join_name(prefix, "softmax_bias"), &self.softmax_bias);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversal_and_targets_respect_lengths() {
        let ids = [1, 2, 3, 0, 4, 5, 0, 0];
        assert_eq!(reversed(&ids, &[3, 2]), vec![3, 2, 1, 0, 5, 4, 0, 0]);
        assert_eq!(next_tokens(&ids, &[3, 2], 0), vec![2, 3, 0, 0, 5, 0, 0, 0]);
    }

    #[test]
    fn loss_starts_near_log_vocab_and_features_have_their_widths() {
        let config = BiLmConfig {
            vocab_size: 50,
            embed_dim: 8,
            hidden_size: 6,
            num_layers: 1,
        };
        let model = BiLm::new(config, &mut Rng::new(0));
        let ids = [1, 7, 9, 2, 3, 4, 0, 0];
        let loss = model.loss(&ids, &[4, 2], 0).item();
        assert!((loss - 50f32.ln()).abs() < 0.5, "loss {loss} vs ln 50");
        let f = model.features(&ids, &[4, 2]);
        assert_eq!((f.static_mean.shape(), f.contextual_mean.shape()), (&[2, 8][..], &[2, 12][..]));
    }
}
