//! The energy estimate, by the standard method of the SNN literature: count the
//! arithmetic each network actually does for one image and price it at 45 nm
//! (Horowitz, "Computing's energy problem", ISSCC 2014: a 32-bit float add 0.9 pJ, a
//! multiply 3.7 pJ). The ANN does a multiply-accumulate per weight; the SNN does an
//! accumulate per synapse a spike reaches (a synaptic operation), plus each neuron's
//! membrane update at every step. With binary input spikes the first layer is
//! accumulate-only too. This is an operation count, not a measured chip: memory
//! traffic, which dominates real accelerators, is left out.

/// Energy of one 32-bit float addition at 45 nm, in picojoules.
pub const ADD_PJ: f64 = 0.9;
/// Energy of one 32-bit float multiplication at 45 nm, in picojoules.
pub const MUL_PJ: f64 = 3.7;

/// Layer sizes and time steps of the two networks (784-H-10, T steps).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Shape {
    /// Input neurons (pixels).
    pub inputs: usize,
    /// Hidden neurons.
    pub hidden: usize,
    /// Output neurons.
    pub outputs: usize,
    /// Time steps of the SNN.
    pub steps: usize,
}

/// Arithmetic operations of one inference.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Work {
    /// Additions (accumulates, bias adds, threshold comparisons, resets).
    pub adds: f64,
    /// Multiplications (each MAC's multiply, each membrane leak).
    pub muls: f64,
}

impl Work {
    /// Priced at 45 nm, in picojoules.
    pub fn energy_pj(&self) -> f64 {
        self.adds * ADD_PJ + self.muls * MUL_PJ
    }
}

/// Spikes one image caused, summed over every step and neuron of a layer.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SpikeCounts {
    /// Input spikes (each reaches every hidden neuron).
    pub input: f64,
    /// Hidden spikes (each reaches every output neuron).
    pub hidden: f64,
}

/// The ANN's work: a MAC per weight, a bias add per neuron, a comparison per ReLU.
pub fn ann_work(shape: Shape) -> Work {
    let macs = (shape.inputs * shape.hidden + shape.hidden * shape.outputs) as f64;
    Work {
        adds: macs + (shape.hidden + shape.outputs) as f64 + shape.hidden as f64,
        muls: macs,
    }
}

/// Synaptic operations: for each spike, one accumulate per synapse it reaches.
pub fn synaptic_ops(shape: Shape, spikes: SpikeCounts) -> f64 {
    spikes.input * shape.hidden as f64 + spikes.hidden * shape.outputs as f64
}

/// The SNN's work: the synaptic operations, and at every step each neuron's leak (a
/// multiply) and bias add, each hidden neuron's threshold comparison, and a reset
/// (subtraction) per hidden spike.
pub fn snn_work(shape: Shape, spikes: SpikeCounts) -> Work {
    let neuron_steps = (shape.steps * (shape.hidden + shape.outputs)) as f64;
    let comparisons = (shape.steps * shape.hidden) as f64;
    Work {
        adds: synaptic_ops(shape, spikes) + neuron_steps + comparisons + spikes.hidden,
        muls: neuron_steps,
    }
}

/// Energy of the SNN over the ANN's, for one image's spikes.
pub fn energy_ratio(shape: Shape, spikes: SpikeCounts) -> f64 {
    snn_work(shape, spikes).energy_pj() / ann_work(shape).energy_pj()
}

/// Per-image spike counts of input spikes `(T, B, n_in)` and hidden spikes `(T, B, H)`
/// (dense 0/1 values, step-major): the counts the estimate uses.
pub fn count_spikes(input: &[f32], hidden: &[f32], batch: usize) -> Vec<SpikeCounts> {
    let mut counts = vec![SpikeCounts::default(); batch];
    let per_image = |values: &[f32], add: &mut dyn FnMut(usize, f64)| {
        let width = values.len() / batch.max(1);
        for (row, chunk) in values.chunks(width.max(1)).enumerate() {
            add(row % batch, chunk.iter().map(|&s| s as f64).sum());
        }
    };
    per_image(input, &mut |i, n| counts[i].input += n);
    per_image(hidden, &mut |i, n| counts[i].hidden += n);
    counts
}

/// The input spikes per input neuron (T × the input firing rate) below which the
/// synaptic operations alone cost `fraction` of the ANN's energy (hidden spikes and
/// membrane updates left out, so the real condition is stricter).
pub fn input_spikes_per_neuron_for(shape: Shape, fraction: f64) -> f64 {
    fraction * ann_work(shape).energy_pj() / (ADD_PJ * (shape.inputs * shape.hidden) as f64)
}

/// The number of steps whose membrane updates alone cost `fraction` of the ANN's energy.
pub fn steps_for_membrane(shape: Shape, fraction: f64) -> f64 {
    let one = Shape { steps: 1, ..shape };
    let empty = SpikeCounts::default();
    fraction * ann_work(shape).energy_pj() / snn_work(one, empty).energy_pj()
}
