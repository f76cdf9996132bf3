//! Test-set evaluation of both networks (per image: right or wrong, and the SNN's
//! spikes), the first image's trace for the figures, and the paired bootstrap every
//! verdict rests on.

use super::data::{encode, Coding, PIXELS};
use super::energy::{count_spikes, energy_ratio, Shape, SpikeCounts};
use super::train::{Ann, Snn, CLASSES};
use descent_tensor::{no_grad, Rng, Tensor};

const EVAL_BATCH: usize = 500;

/// What one test pass of the SNN recorded.
pub(crate) struct SnnEval {
    pub correct: Vec<bool>,
    pub spikes: Vec<SpikeCounts>,
    /// The first test image: input spikes (T, 784), hidden spikes (T, H), hidden
    /// potentials (T, H) and output potentials (T, 10).
    pub trace: Trace,
}

/// The first test image's pass, step by step.
#[derive(Default)]
pub(crate) struct Trace {
    pub input: Vec<f32>,
    pub hidden: Vec<f32>,
    pub mem: Vec<f32>,
    pub out: Vec<f32>,
}

fn rows_of_first(t: &Tensor, steps: usize, batch: usize) -> Vec<f32> {
    let v = t.to_vec();
    let width = v.len() / (steps * batch);
    (0..steps)
        .flat_map(|s| v[s * batch * width..s * batch * width + width].to_vec())
        .collect()
}

/// Runs the SNN over the test images (spike code drawn from `seed`); prediction is the
/// class with the largest output potential summed over the steps.
pub(crate) fn eval_snn(snn: &Snn, steps: usize, coding: Coding, x: &[f32], y: &[usize], seed: u64) -> SnnEval {
    let mut rng = Rng::new(seed);
    let (mut correct, mut spikes, mut trace) = (Vec::new(), Vec::new(), Trace::default());
    for (images, labels) in x.chunks(EVAL_BATCH * PIXELS).zip(y.chunks(EVAL_BATCH)) {
        let b = labels.len();
        let input = encode(images, steps, coding, &mut rng);
        let pass = no_grad(|| snn.forward(&Tensor::from_vec(input.clone(), &[steps, b, PIXELS])));
        let summed = pass.out.reshape(&[steps, b, CLASSES]).sum(0, false);
        correct.extend(summed.argmax(1).iter().zip(labels).map(|(p, l)| p == l));
        spikes.extend(count_spikes(&input, &pass.hidden_spikes.to_vec(), b));
        if trace.input.is_empty() {
            let mem = Tensor::concat(&pass.hidden_mem, 0);
            trace = Trace {
                input: rows_of_first(&Tensor::from_vec(input, &[steps, b, PIXELS]), steps, b),
                hidden: rows_of_first(&pass.hidden_spikes, steps, b),
                mem: rows_of_first(&mem, steps, b),
                out: rows_of_first(&pass.out, steps, b),
            };
        }
    }
    SnnEval { correct, spikes, trace }
}

/// Right or wrong, per test image, for the ANN.
pub(crate) fn eval_ann(ann: &Ann, x: &[f32], y: &[usize]) -> Vec<bool> {
    let mut correct = Vec::with_capacity(y.len());
    for (images, labels) in x.chunks(EVAL_BATCH * PIXELS).zip(y.chunks(EVAL_BATCH)) {
        let logits = no_grad(|| ann.forward(&Tensor::from_vec(images.to_vec(), &[labels.len(), PIXELS])));
        correct.extend(logits.argmax(1).iter().zip(labels).map(|(p, l)| p == l));
    }
    correct
}

/// Fraction correct.
pub(crate) fn accuracy(correct: &[bool]) -> f64 {
    correct.iter().filter(|&&c| c).count() as f64 / correct.len().max(1) as f64
}

/// The mean spikes per image, and the energy ratio at those means.
pub(crate) fn mean_ratio(shape: Shape, spikes: &[SpikeCounts]) -> (SpikeCounts, f64) {
    let n = spikes.len().max(1) as f64;
    let mean = SpikeCounts {
        input: spikes.iter().map(|s| s.input).sum::<f64>() / n,
        hidden: spikes.iter().map(|s| s.hidden).sum::<f64>() / n,
    };
    (mean, energy_ratio(shape, mean))
}

/// A statistic and its two-sided 90% interval (so each bound is a one-sided 95% bound).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// What the evidence says about "statistic ≤ bar".
pub(crate) fn verdict(e: Estimate, bar: f64) -> &'static str {
    if e.high <= bar {
        "pass"
    } else if e.low > bar {
        "fail"
    } else {
        "inconclusive"
    }
}

/// Paired bootstrap over test images: the ANN − SNN accuracy gap and the energy ratio,
/// each recomputed on the same resampled images.
pub(crate) fn bootstrap(ann: &[bool], snn: &SnnEval, shape: Shape, resamples: usize, seed: u64) -> (Estimate, Estimate) {
    let n = ann.len();
    let gap_of = |idx: &mut dyn Iterator<Item = usize>| {
        let (mut diff, mut spikes) = (0i64, Vec::with_capacity(n));
        for i in idx {
            diff += ann[i] as i64 - snn.correct[i] as i64;
            spikes.push(snn.spikes[i]);
        }
        (diff as f64 / n as f64, mean_ratio(shape, &spikes).1)
    };
    let (gap, ratio) = gap_of(&mut (0..n));
    let mut rng = Rng::new(seed);
    let (mut gaps, mut ratios): (Vec<f64>, Vec<f64>) = (0..resamples)
        .map(|_| gap_of(&mut (0..n).map(|_| rng.below(n)).collect::<Vec<_>>().into_iter()))
        .unzip();
    let interval = |v: &mut Vec<f64>, value: f64| {
        v.sort_by(f64::total_cmp);
        let at = |q: f64| v[((q * (v.len() - 1) as f64).round() as usize).min(v.len() - 1)];
        Estimate {
            value,
            low: at(0.05),
            high: at(0.95),
        }
    };
    (interval(&mut gaps, gap), interval(&mut ratios, ratio))
}
