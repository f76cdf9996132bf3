//! The two heads BERT is trained with (Devlin et al. 2018), on the differentiable
//! [`Bert::hidden`] forward:
//!
//! - [`BertForMaskedLm`]: pre-training. Some input tokens are hidden (`[MASK]`, a random
//!   token, or left as they were) and the model predicts the originals from both sides'
//!   context. The head is transformers' `BertLMPredictionHead`: dense + GELU + LayerNorm,
//!   then a decoder *tied* to the word-embedding table, plus an output bias; names
//!   `bert.*` and `cls.predictions.{transform.dense, transform.LayerNorm, bias}`.
//! - [`BertClassifier`]: fine-tuning. The mean of each sentence's real-token states (the
//!   pooling sentence-transformers models are trained with, so a MiniLM folder
//!   fine-tunes with the pooling it knows), dropout, and one Linear layer (`classifier`).
//!
//! Only the rows that need a prediction reach the vocabulary-sized product: the masked
//! positions are picked out of the (B·T, C) states before the head.

use super::{Bert, BertConfig};
use descent_nn::{join_name, layer_norm, Dropout, Forward, LayerNorm, Linear, Module};
use descent_tensor::{Param, Rng, Tensor};

/// Mean over each sequence's first `lengths[b]` states of `hidden` (B, T, C) → (B, C),
/// as one product with a (B, B·T) averaging matrix so it stays differentiable.
pub fn mean_pool(hidden: &Tensor, lengths: &[usize]) -> Tensor {
    let (batch, steps, width) = (hidden.dim(0), hidden.dim(1), hidden.dim(2));
    assert_eq!(lengths.len(), batch, "mean_pool: {} lengths for a batch of {batch}", lengths.len());
    let mut weights = vec![0.0f32; batch * batch * steps];
    for (b, &len) in lengths.iter().enumerate() {
        assert!((1..=steps).contains(&len), "mean_pool: length {len} outside 1..={steps}");
        let row = &mut weights[b * batch * steps + b * steps..][..len];
        row.iter_mut().for_each(|w| *w = 1.0 / len as f32);
    }
    let average = Tensor::from_vec(weights, &[batch, batch * steps]); // (B, B·T)
    average.matmul(&hidden.reshape(&[batch * steps, width])) // (B, C)
}

/// `cls.predictions`: dense + GELU + LayerNorm, then logits over the vocabulary through
/// the (tied) word embeddings, plus a bias.
pub struct BertMlmHead {
    /// `transform.dense` (C → C).
    pub transform: Linear,
    /// `transform.LayerNorm`.
    pub norm: LayerNorm,
    /// `bias` (vocab): the decoder's own bias (its weight is the embedding table).
    pub bias: Param,
}

impl BertMlmHead {
    /// A head initialised as BERT's: N(0, 0.02²) weights, zero biases.
    pub fn new(config: &BertConfig, rng: &mut Rng) -> BertMlmHead {
        let d = config.hidden_size;
        BertMlmHead {
            transform: descent_nn::attention::linear_normal(d, d, 0.02, true, rng),
            norm: LayerNorm {
                eps: config.layer_norm_eps,
                ..LayerNorm::new(d)
            },
            bias: Param::new(Tensor::zeros(&[config.vocab_size])),
        }
    }

    /// Vocabulary logits (M, V) of final states `states` (M, C); `word_table` is the
    /// encoder's word-embedding table (V, C).
    pub fn logits(&self, states: &Tensor, word_table: &Tensor) -> Tensor {
        let h = self.transform.forward(states).gelu(); // (M, C)
        let h = layer_norm(&self.norm, &h); // (M, C)
        h.matmul(&word_table.t()).add(&self.bias.value()) // (M, V)
    }
}

impl Module for BertMlmHead {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.transform.visit(&join_name(prefix, "transform.dense"), f);
        self.norm.visit(&join_name(prefix, "transform.LayerNorm"), f);
        f(&join_name(prefix, "bias"), &self.bias);
    }
}

/// A BERT with its masked-language-model head (transformers' `BertForMaskedLM`).
pub struct BertForMaskedLm {
    /// The encoder (`bert.*`).
    pub bert: Bert,
    /// The prediction head (`cls.predictions.*`).
    pub head: BertMlmHead,
}

impl BertForMaskedLm {
    /// A freshly initialised encoder and head.
    pub fn new(config: &BertConfig, rng: &mut Rng) -> BertForMaskedLm {
        let bert = Bert::new(config, rng);
        let head = BertMlmHead::new(config, rng);
        BertForMaskedLm { bert, head }
    }

    /// Vocabulary logits (M, V) at the flat positions `positions` (indices into the
    /// B·T tokens of the padded batch `ids`, whose rows have `lengths` real tokens).
    pub fn logits_at(&self, ids: &[usize], lengths: &[usize], positions: &[usize]) -> Tensor {
        let hidden = self.bert.hidden(ids, lengths); // (B, T, C)
        let (rows, width) = (hidden.dim(0) * hidden.dim(1), hidden.dim(2));
        let picked = hidden.reshape(&[rows, width]).index_select(0, positions); // (M, C)
        self.head.logits(&picked, &self.bert.embeddings.word.weight.value())
    }

    /// Mean cross-entropy of predicting `targets` (the original tokens) at `positions`.
    pub fn loss(&self, ids: &[usize], lengths: &[usize], positions: &[usize], targets: &[usize]) -> Tensor {
        assert_eq!(
            positions.len(),
            targets.len(),
            "BertForMaskedLm::loss: {} positions but {} targets",
            positions.len(),
            targets.len()
        );
        self.logits_at(ids, lengths, positions).softmax_cross_entropy(targets, None)
    }
}

impl Module for BertForMaskedLm {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.bert.visit(&join_name(prefix, "bert"), f);
        self.head.visit(&join_name(prefix, "cls.predictions"), f);
    }
}

/// A BERT sentence classifier: mean-pooled states, dropout, one Linear layer.
pub struct BertClassifier {
    /// The encoder (`bert.*`), pre-trained or fresh.
    pub bert: Bert,
    /// Dropout on the pooled vector (training only).
    pub dropout: Dropout,
    /// `classifier` (C → classes).
    pub classifier: Linear,
}

impl BertClassifier {
    /// A classifier on top of `bert`, its Linear layer N(0, 0.02²) with zero bias.
    pub fn new(bert: Bert, classes: usize, dropout: f32, rng: &mut Rng) -> BertClassifier {
        let d = bert.config.hidden_size;
        BertClassifier {
            classifier: descent_nn::attention::linear_normal(d, classes, 0.02, true, rng),
            dropout: Dropout::new(dropout, rng.next_u64()),
            bert,
        }
    }

    /// Mean-pooled sentence vectors (B, C) of a padded batch.
    pub fn pooled(&self, ids: &[usize], lengths: &[usize]) -> Tensor {
        mean_pool(&self.bert.hidden(ids, lengths), lengths)
    }

    /// Class logits (B, classes) of a padded batch.
    pub fn logits(&self, ids: &[usize], lengths: &[usize]) -> Tensor {
        let pooled = self.dropout.forward(&self.pooled(ids, lengths)); // (B, C)
        self.classifier.forward(&pooled)
    }
}

impl Module for BertClassifier {
    fn visit(&self, prefix: &str, f: &mut dyn FnMut(&str, &Param)) {
        self.bert.visit(&join_name(prefix, "bert"), f);
        self.classifier.visit(&join_name(prefix, "classifier"), f);
    }

    fn set_training(&self, training: bool) {
        self.dropout.set_training(training);
    }
}
