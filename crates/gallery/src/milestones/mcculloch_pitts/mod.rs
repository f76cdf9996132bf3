//! 1943 — McCulloch & Pitts, "A Logical Calculus of the Ideas Immanent in Nervous Activity".
//!
//! Introduced: the binary threshold neuron, `fire = [Σ wᵢxᵢ + b > 0]`, and the idea that
//! networks of such units compute logic. Nothing is learned: weights are set by hand.
//! We test: single units compute AND, OR, NOT and NAND, and a two-layer network
//! (OR and NAND feeding AND) computes XOR, which no single unit can.
//! Run: `descent run mcculloch-pitts`.

use crate::{MilestoneError, Run};
use descent_tensor::Tensor;
use std::fmt::Write as _;

/// A threshold unit layer: `step(x · Wᵀ + b)` with hand-set weights.
pub struct ThresholdLayer {
    weight: Tensor, // (units, inputs)
    bias: Tensor,   // (units)
}

impl ThresholdLayer {
    /// Units given as rows of weights with one bias (negative threshold) each.
    pub fn new(weights: &[&[f32]], biases: &[f32]) -> ThresholdLayer {
        let inputs = weights[0].len();
        let flat: Vec<f32> = weights.iter().flat_map(|w| w.iter().copied()).collect();
        ThresholdLayer {
            weight: Tensor::from_vec(flat, &[weights.len(), inputs]),
            bias: Tensor::from_slice(biases, &[biases.len()]),
        }
    }

    /// Fires (1.0) where the weighted sum exceeds the threshold.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        x.matmul(&self.weight.t()).add(&self.bias).step() // (N, units)
    }
}

/// Truth table of a network on every binary input of width `n`: (inputs, output).
fn truth_table(n: usize, f: &dyn Fn(&Tensor) -> Tensor) -> Vec<(Vec<f32>, f32)> {
    let rows: Vec<Vec<f32>> = (0..1usize << n)
        .map(|i| (0..n).map(|b| ((i >> (n - 1 - b)) & 1) as f32).collect())
        .collect();
    let x = Tensor::from_vec(rows.concat(), &[rows.len(), n]);
    let out = f(&x).to_vec();
    rows.into_iter().zip(out).collect()
}

/// Runs the milestone: builds the gates, prints their truth tables, checks each.
pub fn run(run: &mut Run) -> Result<(), MilestoneError> {
    let and = ThresholdLayer::new(&[&[1.0, 1.0]], &[-1.5]);
    let or = ThresholdLayer::new(&[&[1.0, 1.0]], &[-0.5]);
    let nand = ThresholdLayer::new(&[&[-1.0, -1.0]], &[1.5]);
    let not = ThresholdLayer::new(&[&[-1.0]], &[0.5]);
    // XOR = AND(OR(a, b), NAND(a, b)): a hidden layer of two units, then one unit.
    let hidden = ThresholdLayer::new(&[&[1.0, 1.0], &[-1.0, -1.0]], &[-0.5, 1.5]);
    let xor = |x: &Tensor| and.forward(&hidden.forward(x));

    type Gate<'a> = (&'a str, usize, Box<dyn Fn(&Tensor) -> Tensor + 'a>, fn(&[f32]) -> bool);
    let gates: Vec<Gate> = vec![
        ("AND", 2, Box::new(|x| and.forward(x)), |v| v[0] > 0.5 && v[1] > 0.5),
        ("OR", 2, Box::new(|x| or.forward(x)), |v| v[0] > 0.5 || v[1] > 0.5),
        ("NOT", 1, Box::new(|x| not.forward(x)), |v| v[0] < 0.5),
        ("NAND", 2, Box::new(|x| nand.forward(x)), |v| !(v[0] > 0.5 && v[1] > 0.5)),
        ("XOR (2 layers)", 2, Box::new(xor), |v| (v[0] > 0.5) != (v[1] > 0.5)),
    ];
    let mut text = String::new();
    let mut all_correct = true;
    for (name, arity, net, truth) in &gates {
        let table = truth_table(*arity, net.as_ref());
        let correct = table.iter().filter(|(x, y)| (*y > 0.5) == truth(x)).count();
        all_correct &= correct == table.len();
        let _ = writeln!(text, "{name}\n  inputs | out | expected");
        for (x, y) in &table {
            let bits: Vec<String> = x.iter().map(|v| format!("{v:.0}")).collect();
            let _ = writeln!(text, "  {:>6} | {y:>3.0} | {:>3}", bits.join(" "), truth(x) as u8);
        }
        run.measure(&format!("{name} correct"), format!("{correct}/{}", table.len()));
    }
    run.log(&text);
    run.write_text("truth_tables.txt", &text)?;
    run.note("Weights and thresholds are set by hand, as in 1943: these units do not learn.");
    run.judge(all_correct);
    Ok(())
}
