//! 1943 — McCulloch & Pitts, "A Logical Calculus of the Ideas Immanent in Nervous Activity".
//!
//! Introduced: the binary threshold neuron, `fire = [Σ wᵢxᵢ + b > 0]`, and the idea that
//! networks of such units compute logic. Nothing is learned: weights are set by hand.
//! We test: single units compute AND, OR, NOT and NAND, and a two-layer network
//! (OR and NAND feeding AND) computes XOR, which no single unit can.
//! Differs from the paper: their neurons sum excitatory synapses against an integer
//! threshold, and one active inhibitory synapse silences a neuron outright; ours are the
//! modern reading, real weights (inhibition as a negative weight) and a bias, computed on
//! tensors over every input of a truth table at once.
//! Run: `descent run mcculloch-pitts` (quick and full are the same run).

use crate::{MilestoneError, Run, RunSettings};
use descent_tensor::Tensor;
use std::fmt::Write as _;

/// Nothing to set: the weights are hand-set and nothing trains, so quick and full are the
/// same run (and `--epochs` is refused by the registry).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Settings;

impl RunSettings for Settings {
    fn quick() -> Self {
        Settings
    }

    fn full() -> Self {
        Settings
    }
}

/// Runs the milestone with the settings of the run's mode.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let settings = run.settings();
    run_with(run, settings)
}

/// The recipe: build the gates, check each on its whole truth table, judge, write the
/// tables.
pub fn run_with(run: &mut Run, _settings: Settings) -> Result<(), MilestoneError> {
    let mut text = String::new();
    let mut all_correct = true;
    for gate in gates() {
        let (correct, rows) = check(&gate, &mut text);
        all_correct &= correct == rows;
        run.measure(&format!("{} correct", gate.name), format!("{correct}/{rows}"));
    }
    run.log(&text);
    run.write_text("truth_tables.txt", &text)?;
    run.note("Weights and thresholds are set by hand, as in 1943: these units do not learn.");
    run.judge(all_correct);
    Ok(())
}

/// A threshold unit layer: `step(x · Wᵀ + b)` with hand-set weights.
pub(crate) struct ThresholdLayer {
    /// One row of input weights per unit: (units, inputs).
    weight: Tensor,
    /// One bias (the negative threshold) per unit: (units).
    bias: Tensor,
}

impl ThresholdLayer {
    /// Units given as rows of weights with one bias (negative threshold) each.
    pub(crate) fn new(weights: &[&[f32]], biases: &[f32]) -> ThresholdLayer {
        let inputs = weights[0].len();
        let flat: Vec<f32> = weights.iter().flat_map(|w| w.iter().copied()).collect();
        ThresholdLayer {
            weight: Tensor::from_vec(flat, &[weights.len(), inputs]),
            bias: Tensor::from_slice(biases, &[biases.len()]),
        }
    }

    /// Fires (1.0) where the weighted sum exceeds the threshold.
    pub(crate) fn forward(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.weight.t()).add(&self.bias).step() // (N, units)
    }
}

/// A named network of threshold layers and the logic function it should compute.
struct Gate {
    /// The name in the report (`"<name> correct"`).
    name: &'static str,
    /// Inputs of the gate.
    arity: usize,
    /// Layers applied in order.
    layers: Vec<ThresholdLayer>,
    /// The expected output on binary inputs.
    truth: fn(&[f32]) -> bool,
}

impl Gate {
    /// The network's outputs (N, 1) on inputs (N, arity).
    fn forward(&self, x: &Tensor) -> Tensor {
        self.layers.iter().fold(x.clone(), |h, layer| layer.forward(&h))
    }
}

/// AND, OR, NOT and NAND as single units; XOR = AND(OR(a, b), NAND(a, b)), a hidden
/// layer of two units and then one unit.
fn gates() -> Vec<Gate> {
    let and = || ThresholdLayer::new(&[&[1.0, 1.0]], &[-1.5]);
    let gate = |name, arity, layers, truth| Gate {
        name,
        arity,
        layers,
        truth,
    };
    let hidden = ThresholdLayer::new(&[&[1.0, 1.0], &[-1.0, -1.0]], &[-0.5, 1.5]);
    vec![
        gate("AND", 2, vec![and()], |v| v[0] > 0.5 && v[1] > 0.5),
        gate("OR", 2, vec![ThresholdLayer::new(&[&[1.0, 1.0]], &[-0.5])], |v| {
            v[0] > 0.5 || v[1] > 0.5
        }),
        gate("NOT", 1, vec![ThresholdLayer::new(&[&[-1.0]], &[0.5])], |v| v[0] < 0.5),
        gate("NAND", 2, vec![ThresholdLayer::new(&[&[-1.0, -1.0]], &[1.5])], |v| {
            !(v[0] > 0.5 && v[1] > 0.5)
        }),
        gate("XOR (2 layers)", 2, vec![hidden, and()], |v| (v[0] > 0.5) != (v[1] > 0.5)),
    ]
}

/// Runs `gate` on every binary input, appends its truth table to `text`, and returns
/// (correct rows, rows).
fn check(gate: &Gate, text: &mut String) -> (usize, usize) {
    let table = truth_table(gate);
    let correct = table.iter().filter(|(x, y)| (*y > 0.5) == (gate.truth)(x)).count();
    let _ = writeln!(text, "{}\n  inputs | out | expected", gate.name);
    for (x, y) in &table {
        let bits: Vec<String> = x.iter().map(|v| format!("{v:.0}")).collect();
        let _ = writeln!(text, "  {:>6} | {y:>3.0} | {:>3}", bits.join(" "), (gate.truth)(x) as u8);
    }
    (correct, table.len())
}

/// Truth table of a gate on every binary input of its width: (inputs, output).
fn truth_table(gate: &Gate) -> Vec<(Vec<f32>, f32)> {
    let n = gate.arity;
    let rows: Vec<Vec<f32>> = (0..1usize << n)
        .map(|i| (0..n).map(|b| ((i >> (n - 1 - b)) & 1) as f32).collect())
        .collect();
    let x = Tensor::from_vec(rows.concat(), &[rows.len(), n]);
    let out = gate.forward(&x).to_vec();
    rows.into_iter().zip(out).collect()
}
