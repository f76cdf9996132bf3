//! The supervised half of the 2006 recipe: the pre-trained stack, unrolled into a
//! feed-forward sigmoid network with a softmax on top, is fine-tuned by backprop —
//! and the identical network from random initialisation gets the same budget.
//!
//! Every start uses the same optimizer (SGD with momentum, the era's), the same batches
//! in the same order and the same number of steps; only the starting weights differ.
//! Two random starts are tried: PyTorch's default (small uniform weights, what "random"
//! meant in 2006) and Glorot & Bengio's 2010 scaling for sigmoid units (the later fix);
//! the claim is judged against the better of the two.

use crate::common::classifier::{evaluate, train_epoch, ClassificationData, EpochPlan, Split};
use crate::Phase;
use descent_models::rbm::{sigmoid_network, DeepBeliefNet, RandomInit};
use descent_nn::{params, Sequential};
use descent_optim::{Sgd, SgdConfig};
use descent_tensor::Rng;

/// The fine-tuning budget, the same for both starts.
#[derive(Clone, Copy, Debug)]
pub struct FinetuneSettings {
    /// Passes over the labelled examples.
    pub epochs: usize,
    /// Examples per step.
    pub batch_size: usize,
    /// SGD step size.
    pub lr: f32,
    /// SGD momentum.
    pub momentum: f32,
    /// Test-set evaluations along the way (for the curves).
    pub evaluations: usize,
}

/// Test error of one start, with its curve.
#[derive(Clone, Debug)]
pub struct Finetuned {
    /// Final test error, percent.
    pub test_error: f32,
    /// (epoch, test error %) along the way.
    pub curve: Vec<(f64, f64)>,
}

/// Pre-trained vs random starts with the same labels and budget.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// Labelled training examples used.
    pub labels: usize,
    /// Starting from the DBN's weights.
    pub pretrained: Finetuned,
    /// Starting from each random initialisation.
    pub random: Vec<(RandomInit, Finetuned)>,
}

impl Comparison {
    /// The random start that ended with the lowest test error.
    pub fn best_random(&self) -> (RandomInit, &Finetuned) {
        let (init, run) = self
            .random
            .iter()
            .min_by(|a, b| a.1.test_error.total_cmp(&b.1.test_error))
            .expect("Comparison: no random start");
        (*init, run)
    }

    /// Best random-start error minus pre-trained error, in percentage points
    /// (positive: pre-training helped).
    pub fn gap(&self) -> f32 {
        self.best_random().1.test_error - self.pretrained.test_error
    }
}

/// The random starts every comparison runs.
pub const RANDOM_INITS: [RandomInit; 2] = [RandomInit::GlorotSigmoid, RandomInit::PytorchDefault];

/// Fine-tunes the unrolled `dbn` and its randomly initialised twins on `data`
/// (features `[784]`, unit-range pixels) with the same budget.
pub fn compare(dbn: &DeepBeliefNet, data: &ClassificationData, settings: FinetuneSettings, seed: u64, phase: &Phase) -> Comparison {
    let pretrained = dbn.unroll(10, &mut Rng::new(seed ^ 0xD0B1));
    let pretrained = finetune(&pretrained, data, settings, seed, phase);
    let random = RANDOM_INITS
        .iter()
        .map(|&init| {
            let net = sigmoid_network(&dbn.sizes(), 10, init, &mut Rng::new(seed ^ 0x7A4D));
            (init, finetune(&net, data, settings, seed, phase))
        })
        .collect();
    Comparison {
        labels: data.train.labels.len(),
        pretrained,
        random,
    }
}

/// Trains `net` with SGD + momentum on `data`; returns its final test error and curve.
pub fn finetune(net: &Sequential, data: &ClassificationData, settings: FinetuneSettings, seed: u64, phase: &Phase) -> Finetuned {
    let all = params(net);
    let mut optimizer = Sgd::new(SgdConfig {
        lr: settings.lr,
        momentum: settings.momentum,
        ..SgdConfig::default()
    });
    let plan = EpochPlan {
        batch_size: settings.batch_size,
        seed,
        schedule: None,
    };
    let every = (settings.epochs / settings.evaluations.max(1)).max(1);
    let mut curve = Vec::new();
    let mut test_error = 100.0;
    for epoch in 0..settings.epochs {
        train_epoch(net, &all, &mut optimizer, data, plan, epoch as u64, phase);
        if (epoch + 1) % every == 0 || epoch + 1 == settings.epochs {
            let (accuracy, _, _) = evaluate(net, &data.test, &data.feature_shape, 1000);
            test_error = (1.0 - accuracy) * 100.0;
            curve.push(((epoch + 1) as f64, test_error as f64));
        }
    }
    Finetuned { test_error, curve }
}

/// The first `labels` training examples of a seeded permutation (all of them when
/// `labels` is at least the set's size), with the whole test split.
pub fn labelled_subset(train: &Split, test: &Split, labels: usize, seed: u64, identity: &str) -> ClassificationData {
    let n = train.labels.len();
    let mut order = Rng::new(seed ^ 0x001A_BE15).permutation(n);
    order.truncate(labels.min(n));
    order.sort_unstable();
    let width = train.inputs.len() / n.max(1);
    let subset = Split {
        inputs: order
            .iter()
            .flat_map(|&i| train.inputs[i * width..(i + 1) * width].iter().copied())
            .collect(),
        labels: order.iter().map(|&i| train.labels[i]).collect(),
    };
    ClassificationData {
        train: subset,
        test: test.clone(),
        feature_shape: vec![width],
        identity: format!("{identity}, {} labels", order.len()),
        source: String::new(),
    }
}
