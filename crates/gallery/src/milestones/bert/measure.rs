//! What the `bert` verdict rests on: accuracies of a classifier's predictions, mean-pooled
//! sentence embeddings, and the logistic regression on frozen sentence features (the
//! "feature-based" use of a pre-trained model, as ELMo's and the MiniLM comparison are):
//! features standardised with the training mean and deviation, a Linear layer trained
//! with AdamW, its weight decay chosen among a few by validation accuracy; the test
//! accuracy of that choice is what is reported.

use super::data::{eval_batches, pad_batch, Encoded};
use descent_models::bert::{mean_pool, Bert, BertClassifier};
use descent_nn::{params, Forward, Linear, Module};
use descent_optim::{AdamW, AdamWConfig, Optimizer};
use descent_tensor::{no_grad, Rng, Tensor};

/// Row-major features (n, width) of one split and their labels.
pub(crate) struct FeatureSplit {
    /// (n, width) values.
    pub(crate) features: Vec<f32>,
    /// One label per row.
    pub(crate) labels: Vec<usize>,
}

/// Train, validation and test features of the same extractor.
pub(crate) struct ProbeData {
    /// Columns per row.
    pub(crate) width: usize,
    /// Fits the weights.
    pub(crate) train: FeatureSplit,
    /// Chooses the weight decay.
    pub(crate) dev: FeatureSplit,
    /// Reported.
    pub(crate) test: FeatureSplit,
}

/// What a probe measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ProbeOutcome {
    /// Validation accuracy of the chosen weight decay.
    pub(crate) dev_accuracy: f64,
    /// Test accuracy of the chosen weight decay.
    pub(crate) test_accuracy: f64,
    /// The weight decay chosen.
    pub(crate) weight_decay: f32,
}

/// Weight decays tried.
const DECAYS: [f32; 3] = [0.0, 1e-2, 1e-1];

/// Share of `predictions` equal to `labels`.
pub(crate) fn accuracy(predictions: &[usize], labels: &[usize]) -> f64 {
    let right = predictions.iter().zip(labels).filter(|(p, l)| p == l).count();
    right as f64 / labels.len().max(1) as f64
}

/// Predicted classes of `data` (in its order).
pub(crate) fn predict(model: &BertClassifier, data: &Encoded, pad: usize) -> Vec<usize> {
    model.set_training(false);
    let lengths: Vec<usize> = data.ids.iter().map(Vec::len).collect();
    let mut out = vec![0; data.ids.len()];
    no_grad(|| {
        for batch in eval_batches(&lengths, 128) {
            let rows: Vec<&[usize]> = batch.iter().map(|&i| &data.ids[i][..]).collect();
            let padded = pad_batch(&rows, pad);
            let classes = model.logits(&padded.ids, &padded.lengths).argmax(1);
            batch.iter().zip(classes).for_each(|(&i, c)| out[i] = c);
        }
    });
    out
}

/// Mean of each sentence's final states under `bert` (n, width), in input order.
pub(crate) fn mean_pooled(bert: &Bert, data: &Encoded, pad: usize) -> Vec<f32> {
    let width = bert.config.hidden_size;
    let lengths: Vec<usize> = data.ids.iter().map(Vec::len).collect();
    let mut out = vec![0.0f32; data.ids.len() * width];
    no_grad(|| {
        for batch in eval_batches(&lengths, 128) {
            let rows: Vec<&[usize]> = batch.iter().map(|&i| &data.ids[i][..]).collect();
            let padded = pad_batch(&rows, pad);
            let pooled = mean_pool(&bert.hidden(&padded.ids, &padded.lengths), &padded.lengths).to_vec();
            for (k, &i) in batch.iter().enumerate() {
                out[i * width..(i + 1) * width].copy_from_slice(&pooled[k * width..(k + 1) * width]);
            }
        }
    });
    out
}

/// Standardises every split with the training statistics.
fn standardise(data: &ProbeData) -> [Vec<f32>; 3] {
    let w = data.width;
    let n = (data.train.features.len() / w).max(1) as f32;
    let mut mean = vec![0.0f32; w];
    let mut var = vec![0.0f32; w];
    for row in data.train.features.chunks(w) {
        row.iter().zip(&mut mean).for_each(|(v, m)| *m += v / n);
    }
    for row in data.train.features.chunks(w) {
        row.iter()
            .zip(&mean)
            .zip(&mut var)
            .for_each(|((v, m), s)| *s += (v - m).powi(2) / n);
    }
    let apply = |rows: &[f32]| -> Vec<f32> {
        rows.chunks(w)
            .flat_map(|r| {
                r.iter()
                    .enumerate()
                    .map(|(j, v)| (v - mean[j]) / (var[j].sqrt() + 1e-5))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    [apply(&data.train.features), apply(&data.dev.features), apply(&data.test.features)]
}

/// Fits a logistic regression per weight decay for `epochs` epochs; keeps the best on dev.
pub(crate) fn probe(data: &ProbeData, epochs: usize, seed: u64) -> ProbeOutcome {
    let w = data.width;
    let [train, dev, test] = standardise(data);
    let n = data.train.labels.len();
    let predict = |head: &Linear, x: &[f32]| no_grad(|| head.forward(&Tensor::from_vec(x.to_vec(), &[x.len() / w, w])).argmax(1));
    let mut best: Option<ProbeOutcome> = None;
    for &decay in &DECAYS {
        let mut rng = Rng::new(seed);
        // Zero start (a convex problem: no symmetry to break), so few steps cannot leave a
        // random initial guess in place.
        let head = descent_nn::attention::linear_normal(w, 2, 0.0, true, &mut rng);
        let all = params(&head);
        let mut optimizer = AdamW::new(AdamWConfig {
            lr: 1e-2,
            weight_decay: decay,
            ..AdamWConfig::default()
        });
        for _ in 0..epochs {
            for batch in rng.permutation(n).chunks(128) {
                let x: Vec<f32> = batch.iter().flat_map(|&i| train[i * w..(i + 1) * w].iter().copied()).collect();
                let labels: Vec<usize> = batch.iter().map(|&i| data.train.labels[i]).collect();
                let loss = head.forward(&Tensor::from_vec(x, &[batch.len(), w])).cross_entropy(&labels);
                let grads = loss.backward();
                drop(loss);
                optimizer.step(&all, &grads);
            }
        }
        let outcome = ProbeOutcome {
            dev_accuracy: accuracy(&predict(&head, &dev), &data.dev.labels),
            test_accuracy: accuracy(&predict(&head, &test), &data.test.labels),
            weight_decay: decay,
        };
        if best.is_none_or(|b| outcome.dev_accuracy > b.dev_accuracy) {
            best = Some(outcome);
        }
    }
    best.expect("at least one weight decay is tried")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_probe_separates_separable_features() {
        let mut rng = Rng::new(1);
        let mut split = |n: usize| {
            let labels: Vec<usize> = (0..n).map(|i| i % 2).collect();
            let features = labels
                .iter()
                .flat_map(|&l| [l as f32 * 2.0 - 1.0 + 0.5 * rng.normal(), rng.normal()])
                .collect();
            FeatureSplit { features, labels }
        };
        let data = ProbeData {
            width: 2,
            train: split(200),
            dev: split(100),
            test: split(100),
        };
        let outcome = probe(&data, 20, 0);
        assert!(outcome.test_accuracy > 0.9, "{outcome:?}");
        assert_eq!(accuracy(&[1, 0, 1], &[1, 1, 1]), 2.0 / 3.0);
    }
}
