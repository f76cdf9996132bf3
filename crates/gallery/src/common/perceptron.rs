//! Rosenblatt's perceptron and its learning rule (`w ← w + y·x` on each mistake), and the
//! XOR truth table it cannot learn: shared by the `perceptron`, `xor` and `backprop`
//! milestones.

use descent_tensor::{Rng, Tensor};

/// Rosenblatt's perceptron on inputs augmented with a constant 1 (the bias).
#[derive(Clone, Debug, PartialEq)]
pub struct Perceptron {
    /// Weights, last entry the bias.
    pub weights: Vec<f32>,
}

/// What one training run did.
#[derive(Clone, Debug, Default)]
pub struct PerceptronTrace {
    /// Mistakes (= updates) in each epoch.
    pub mistakes_per_epoch: Vec<usize>,
    /// Training accuracy after each epoch.
    pub accuracy_per_epoch: Vec<f32>,
    /// Weights at the end of each epoch.
    pub weights_per_epoch: Vec<Vec<f32>>,
    /// Total updates.
    pub updates: usize,
}

/// `x` with a trailing 1 appended to each row.
pub fn augment(rows: &[Vec<f32>]) -> Vec<Vec<f32>> {
    rows.iter().map(|r| r.iter().copied().chain([1.0]).collect()).collect()
}

impl Perceptron {
    /// Zero weights for `inputs` features (+ bias).
    pub fn new(inputs: usize) -> Perceptron {
        Perceptron {
            weights: vec![0.0; inputs + 1],
        }
    }

    /// Predictions (1 or 0) for augmented rows, computed as `step(X · w)` on tensors.
    pub fn predict(&self, augmented: &[Vec<f32>]) -> Vec<f32> {
        let d = self.weights.len();
        let x = Tensor::from_vec(augmented.concat(), &[augmented.len(), d]);
        let w = Tensor::from_slice(&self.weights, &[d, 1]);
        x.matmul(&w).step().to_vec()
    }

    /// Accuracy on augmented rows with 0/1 labels.
    pub fn accuracy(&self, augmented: &[Vec<f32>], labels: &[f32]) -> f32 {
        let p = self.predict(augmented);
        p.iter().zip(labels).filter(|(a, b)| a == b).count() as f32 / labels.len() as f32
    }

    /// One epoch of Rosenblatt's rule in the given row order; returns the mistakes.
    pub fn train_in_order(&mut self, augmented: &[Vec<f32>], labels: &[f32]) -> usize {
        let mut mistakes = 0;
        for (x, &l) in augmented.iter().zip(labels) {
            mistakes += self.update(x, l) as usize;
        }
        mistakes
    }

    /// Rosenblatt's update on one example: on a mistake `w ← w + y·x`. Returns whether it updated.
    pub fn update(&mut self, x: &[f32], label: f32) -> bool {
        let y = if label > 0.5 { 1.0 } else { -1.0 };
        let activation: f32 = self.weights.iter().zip(x).map(|(w, x)| w * x).sum();
        // A point exactly on the boundary counts as a mistake (sign(0) is no answer).
        let wrong = y * activation <= 0.0;
        if wrong {
            self.weights.iter_mut().zip(x).for_each(|(w, x)| *w += y * x);
        }
        wrong
    }

    /// Rosenblatt's rule for `epochs` passes in a seeded random order; stops early
    /// after an epoch without mistakes when `stop_when_perfect`.
    pub fn train(&mut self, augmented: &[Vec<f32>], labels: &[f32], epochs: usize, seed: u64, stop_when_perfect: bool) -> PerceptronTrace {
        let mut rng = Rng::new(seed);
        let mut trace = PerceptronTrace::default();
        for _ in 0..epochs {
            let order = rng.permutation(augmented.len());
            let mut mistakes = 0;
            for &i in &order {
                mistakes += self.update(&augmented[i], labels[i]) as usize;
            }
            trace.updates += mistakes;
            trace.mistakes_per_epoch.push(mistakes);
            trace.accuracy_per_epoch.push(self.accuracy(augmented, labels));
            trace.weights_per_epoch.push(self.weights.clone());
            if stop_when_perfect && mistakes == 0 {
                break;
            }
        }
        trace
    }
}

/// The four XOR points and labels.
pub fn xor_data() -> (Vec<Vec<f32>>, Vec<f32>) {
    (
        vec![vec![0.0, 0.0], vec![0.0, 1.0], vec![1.0, 0.0], vec![1.0, 1.0]],
        vec![0.0, 1.0, 1.0, 0.0],
    )
}
