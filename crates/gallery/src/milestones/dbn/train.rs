//! Training the `dbn` milestone's networks: the two pixel-level RBMs (CD-1 and PCD-1,
//! `cd.rs`'s learning rule) with their monitors recorded each epoch, the greedy stack
//! above the CD-1 RBM, and the supervised half of the 2006 recipe — the pre-trained
//! stack, unrolled into a feed-forward sigmoid network with a softmax on top, fine-tuned
//! by backprop, against the identical network from random initialisation with the same
//! budget.
//!
//! Every fine-tuning uses the same optimizer (SGD with momentum, the era's), the same
//! batches in the same order and the same number of steps; only the starting weights
//! differ. Two random starts are tried: PyTorch's default (small uniform weights, what
//! "random" meant in 2006) and Glorot & Bengio's 2010 scaling for sigmoid units (the
//! later fix); the claim is judged against the better of the two.

use super::ais::sigmoid;
use super::cd::{CdSettings, CdTrainer};
use super::data::{Data, PIXELS};
use super::measure::{pseudo_log_likelihood, reconstruction_error};
use super::Settings;
use crate::common::classifier::{evaluate, train_epoch, ClassificationData, EpochPlan, Split};
use crate::{Phase, Run};
use descent_models::rbm::{sigmoid_network, DeepBeliefNet, RandomInit, Rbm};
use descent_nn::{params, Sequential};
use descent_optim::{Sgd, SgdConfig};
use descent_tensor::{Rng, Tensor};

/// One pixel-level RBM after training, with its monitors on held-out digits.
pub(crate) struct TrainedRbm {
    /// The trained machine.
    pub(crate) rbm: Rbm,
    /// `CD-1`, `PCD-1`: how it was trained.
    pub(crate) name: String,
    /// Held-out reconstruction error after the first and the last epoch.
    pub(crate) reconstruction_error: (f32, f32),
    /// Held-out pseudo-log-likelihood after the first and the last epoch.
    pub(crate) pseudo_log_likelihood: (f32, f32),
}

impl TrainedRbm {
    /// `cd1`, `pcd1`: the prefix of its history series, measurements and files.
    pub(crate) fn key(&self) -> String {
        key_of(&self.name)
    }
}

/// `CD-1` → `cd1`.
fn key_of(name: &str) -> String {
    name.to_lowercase().replace('-', "")
}

/// Trains one 784-`hidden` RBM by `cd` (visible biases started at the base rate),
/// recording its reconstruction error and pseudo-log-likelihood on held-out digits
/// after every epoch; `stream` separates the seeds of the two RBMs.
pub(crate) fn train_rbm(run: &mut Run, data: &Data, settings: &Settings, cd: CdSettings, base_bias: &[f32], stream: u64) -> TrainedRbm {
    let name = cd.name();
    let key = key_of(&name);
    let rbm = Rbm::new(PIXELS, settings.hidden, &mut Rng::new(run.seed() ^ stream));
    rbm.set_visible_bias_from_mean(&base_bias.iter().map(|&b| sigmoid(b)).collect::<Vec<_>>());
    let monitor = &data.test_bits[..settings.monitor_rows.min(data.test_bits.len() / PIXELS) * PIXELS];
    let n = data.train_bits.len() / PIXELS;
    let phase = run.phase(
        &format!("RBM {name}"),
        (n / cd.batch_size * cd.batch_size * settings.rbm_epochs) as u64,
    );
    let mut trainer = CdTrainer::new(&rbm, cd, run.seed() ^ (stream << 8));
    let (mut reconstruction, mut pseudo_likelihood) = ((0.0, 0.0), (0.0, 0.0));
    for epoch in 0..settings.rbm_epochs {
        phase.status(&format!("epoch {}/{}", epoch + 1, settings.rbm_epochs));
        trainer.train_epoch(&data.train_bits, epoch, settings.rbm_epochs, &phase);
        let error = reconstruction_error(&rbm, monitor);
        let pll = pseudo_log_likelihood(&rbm, monitor);
        if epoch == 0 {
            (reconstruction.0, pseudo_likelihood.0) = (error, pll);
        }
        (reconstruction.1, pseudo_likelihood.1) = (error, pll);
        run.record(&format!("{key}_reconstruction_error"), (epoch + 1) as f64, error as f64);
        run.record(&format!("{key}_pseudo_log_likelihood"), (epoch + 1) as f64, pll as f64);
    }
    TrainedRbm {
        rbm,
        name,
        reconstruction_error: reconstruction,
        pseudo_log_likelihood: pseudo_likelihood,
    }
}

/// Layers 2 and 3, each an RBM trained by CD-1 on the hidden probabilities of the
/// layer below (Hinton et al. 2006), on top of the CD-1 RBM as layer 1.
pub(crate) fn greedy_stack(run: &mut Run, first: Rbm, data: &Data, settings: &Settings) -> DeepBeliefNet {
    let mut layers = vec![first];
    let mut below = layers[0].hidden_probs(&Tensor::from_slice(&data.train_bits, &[data.train_bits.len() / PIXELS, PIXELS]));
    for (i, &size) in settings.upper.iter().enumerate() {
        let layer = i + 2;
        let inputs = below.to_vec();
        let width = below.dim(1);
        let rbm = Rbm::new(width, size, &mut Rng::new(run.seed() ^ (layer as u64) << 24));
        let n = below.dim(0);
        let epochs = settings.upper_epochs;
        let phase = run.phase(&format!("layer {layer} RBM"), (n / 100 * 100 * epochs) as u64);
        let mut trainer = CdTrainer::new(&rbm, settings.cd, run.seed() ^ (layer as u64) << 32);
        for epoch in 0..epochs {
            trainer.train_epoch(&inputs, epoch, epochs, &phase);
            let error = reconstruction_error(&rbm, &inputs[..inputs.len().min(1000 * width)]) / width as f32;
            run.record(&format!("layer{layer}_reconstruction_error"), (epoch + 1) as f64, error as f64);
        }
        below = rbm.hidden_probs(&below);
        layers.push(rbm);
    }
    let dbn = DeepBeliefNet { layers };
    run.log(&format!("greedy stack {:?} pre-trained", dbn.sizes()));
    dbn
}

/// Fine-tunes with few labels and with all of them, pre-trained vs random start.
pub(crate) fn fine_tune(run: &mut Run, dbn: &DeepBeliefNet, data: &Data, settings: &Settings) -> Vec<Comparison> {
    let phase = run.phase("fine-tune", 0);
    let mut comparisons = Vec::new();
    for (labels, budget) in [(settings.few_labels, settings.finetune_few), (usize::MAX, settings.finetune_all)] {
        let subset = labelled_subset(&data.train, &data.test, labels, run.seed(), &data.identity);
        phase.status(&format!("{} labels", subset.train.labels.len()));
        let comparison = compare(dbn, &subset, budget, run.seed(), &phase);
        let random: Vec<String> = comparison
            .random
            .iter()
            .map(|(init, r)| format!("{} {:.2}%", init.name(), r.test_error))
            .collect();
        run.log(&format!(
            "fine-tuned on {} labels for {} epochs: DBN start {:.2}% test error; random starts: {}",
            comparison.labels,
            budget.epochs,
            comparison.pretrained.test_error,
            random.join(", ")
        ));
        comparisons.push(comparison);
    }
    comparisons
}

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
pub(crate) struct Finetuned {
    /// Final test error, percent.
    pub(crate) test_error: f32,
    /// (epoch, test error %) along the way.
    pub(crate) curve: Vec<(f64, f64)>,
}

/// Pre-trained vs random starts with the same labels and budget.
#[derive(Clone, Debug)]
pub(crate) struct Comparison {
    /// Labelled training examples used.
    pub(crate) labels: usize,
    /// Starting from the DBN's weights.
    pub(crate) pretrained: Finetuned,
    /// Starting from each random initialisation.
    pub(crate) random: Vec<(RandomInit, Finetuned)>,
}

impl Comparison {
    /// The random start that ended with the lowest test error.
    pub(crate) fn best_random(&self) -> (RandomInit, &Finetuned) {
        let (init, run) = self
            .random
            .iter()
            .min_by(|a, b| a.1.test_error.total_cmp(&b.1.test_error))
            .expect("Comparison: no random start");
        (*init, run)
    }

    /// Best random-start error minus pre-trained error, in percentage points
    /// (positive: pre-training helped).
    pub(crate) fn gap(&self) -> f32 {
        self.best_random().1.test_error - self.pretrained.test_error
    }
}

/// The random starts every comparison runs.
const RANDOM_INITS: [RandomInit; 2] = [RandomInit::GlorotSigmoid, RandomInit::PytorchDefault];

/// Fine-tunes the unrolled `dbn` and its randomly initialised twins on `data`
/// (features `[784]`, unit-range pixels) with the same budget.
fn compare(dbn: &DeepBeliefNet, data: &ClassificationData, settings: FinetuneSettings, seed: u64, phase: &Phase) -> Comparison {
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
fn finetune(net: &Sequential, data: &ClassificationData, settings: FinetuneSettings, seed: u64, phase: &Phase) -> Finetuned {
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
fn labelled_subset(train: &Split, test: &Split, labels: usize, seed: u64, identity: &str) -> ClassificationData {
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
