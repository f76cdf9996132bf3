//! Measurements, the verdict's notes, and the figures: a spike raster of one digit,
//! its membrane traces, and accuracy against energy over T.

use super::data::{Coding, PIXELS};
use super::energy::{ann_work, input_spikes_per_neuron_for, snn_work, steps_for_membrane, synaptic_ops};
use super::measure::{accuracy, mean_ratio, verdict as bound_verdict};
use super::train::CLASSES;
use super::{Comparison, SweepPoint};
use crate::{MilestoneError, Run};
use descent_report::{scatter_chart_svg, LineChart, ScatterChart, ScatterPoint, Series};
use serde_json::json;

/// The accuracy bar: the SNN within this many points of the ANN.
const GAP_BAR: f64 = 0.015;
/// The energy bar: the SNN at most this fraction of the ANN's energy.
const ENERGY_BAR: f64 = 0.10;

/// Records MNIST's measurements and notes; returns whether both claims passed.
pub(crate) fn verdict(run: &mut Run, c: &Comparison, coding: Coding) -> bool {
    let (ann_acc, snn_acc) = (accuracy(&c.ann), accuracy(&c.snn.correct));
    let (mean, _) = mean_ratio(c.shape, &c.snn.spikes);
    let (gap_v, energy_v) = (bound_verdict(c.gap, GAP_BAR), bound_verdict(c.ratio, ENERGY_BAR));
    let overall = if gap_v == "pass" && energy_v == "pass" {
        "pass"
    } else if gap_v == "fail" || energy_v == "fail" {
        "fail"
    } else {
        "inconclusive"
    };
    let steps = c.shape.steps as f64;
    let per_input = mean.input / PIXELS as f64;
    let needed = input_spikes_per_neuron_for(c.shape, 0.01);
    run.measure("coding", coding.name());
    run.measure("steps", c.shape.steps as u64);
    run.measure("hidden", c.shape.hidden as u64);
    run.measure("ann_test_accuracy", ann_acc);
    run.measure("snn_test_accuracy", snn_acc);
    run.measure(
        "accuracy_gap",
        json!({"value": c.gap.value, "ci90": [c.gap.low, c.gap.high], "bar": GAP_BAR, "verdict": gap_v}),
    );
    run.measure(
        "energy_ratio",
        json!({"value": c.ratio.value, "ci90": [c.ratio.low, c.ratio.high], "bar": ENERGY_BAR, "verdict": energy_v}),
    );
    run.measure("verdict", overall);
    run.measure("spike_rate_input", per_input / steps);
    run.measure("spike_rate_hidden", mean.hidden / (c.shape.hidden as f64 * steps));
    run.measure("synaptic_ops_per_image", synaptic_ops(c.shape, mean));
    run.measure("ann_macs_per_image", ann_work(c.shape).muls);
    run.measure("snn_energy_nj", snn_work(c.shape, mean).energy_pj() / 1000.0);
    run.measure("ann_energy_nj", ann_work(c.shape).energy_pj() / 1000.0);
    run.measure("input_spikes_per_neuron", per_input);
    run.measure("input_spikes_per_neuron_for_1pct", needed);
    run.measure("steps_for_membrane_alone_1pct", steps_for_membrane(c.shape, 0.01));
    run.log(&format!(
        "snn: ANN {:.2}%, SNN {:.2}% (gap {:+.2} points, 90% CI [{:+.2}, {:+.2}]: {gap_v}); energy {:.1}% of the ANN's (90% CI [{:.1}, {:.1}]: {energy_v}) → {overall}",
        ann_acc * 100.0,
        snn_acc * 100.0,
        c.gap.value * 100.0,
        c.gap.low * 100.0,
        c.gap.high * 100.0,
        c.ratio.value * 100.0,
        c.ratio.low * 100.0,
        c.ratio.high * 100.0
    ));
    run.note(&format!(
        "Claims, bars set before running: the SNN within {} points of the ANN (one-sided 95% bound of a paired bootstrap over test images) and at ≤ {}% of its energy. Accuracy: {gap_v}; energy: {energy_v}; overall: {overall} (inconclusive does not pass).",
        GAP_BAR * 100.0,
        ENERGY_BAR * 100.0
    ));
    run.note("Anchors: snnTorch's tutorial 784-1000-10 SNN reaches 93.9% on MNIST after one epoch; SpikingJelly's 784-196-10 about 92%.");
    run.note(&format!(
        "The article's 1%: synaptic operations alone reach 1% of the ANN's energy only below {needed:.3} input spikes per input neuron per image (T × input rate); this run's {coding} code made {per_input:.3}. Membrane updates alone reach 1% at T ≈ {:.1}.",
        steps_for_membrane(c.shape, 0.01),
        coding = coding.name()
    ));
    run.note("Caveat: the energy is an operation count priced at 45 nm (Horowitz 2014: add 0.9 pJ, multiply 3.7 pJ), not a measured chip; memory access, which dominates real hardware, is left out, and the ANN is counted dense (skipping zero pixels would save it most first-layer MACs). Davidson & Furber (2021) find rate-coded SNNs on the same digital silicon rarely win.");
    overall == "pass"
}

/// Fashion-MNIST's comparison, reported beside MNIST's (not judged).
pub(crate) fn fashion(run: &mut Run, c: &Comparison, identity: &str) {
    let (ann_acc, snn_acc) = (accuracy(&c.ann), accuracy(&c.snn.correct));
    run.measure(
        "fashion",
        json!({"data": identity, "ann_test_accuracy": ann_acc, "snn_test_accuracy": snn_acc,
               "accuracy_gap": c.gap.value, "accuracy_gap_ci90": [c.gap.low, c.gap.high],
               "energy_ratio": c.ratio.value, "energy_ratio_ci90": [c.ratio.low, c.ratio.high]}),
    );
    run.log(&format!(
        "snn: Fashion-MNIST: ANN {:.2}%, SNN {:.2}%, energy {:.1}% of the ANN's",
        ann_acc * 100.0,
        snn_acc * 100.0,
        c.ratio.value * 100.0
    ));
}

/// The sweep's measurements and the accuracy–energy scatter (the ANN at 100%).
pub(crate) fn sweep(run: &mut Run, points: &[SweepPoint], ann_accuracy: f64) -> Result<(), MilestoneError> {
    let rows: Vec<_> = points
        .iter()
        .map(|&(t, acc, ratio)| json!({"steps": t, "snn_test_accuracy": acc, "energy_ratio": ratio}))
        .collect();
    run.measure("sweep", rows);
    if !run.writes() {
        return Ok(());
    }
    let mut chart = ScatterChart {
        title: "SNN accuracy against energy (share of the same-shape ANN's)".into(),
        x_label: "estimated energy, % of the ANN's".into(),
        y_label: "MNIST test accuracy, %".into(),
        points: points
            .iter()
            .map(|&(t, acc, ratio)| ScatterPoint {
                x: ratio * 100.0,
                y: acc * 100.0,
                group: 0,
                label: Some(format!("T={t}")),
            })
            .collect(),
    };
    chart.points.push(ScatterPoint {
        x: 100.0,
        y: ann_accuracy * 100.0,
        group: 1,
        label: Some("ANN".into()),
    });
    scatter_chart_svg(&run.path("accuracy_energy.svg")?, &chart)?;
    run.artifact("accuracy_energy.svg");
    Ok(())
}

/// The first test digit's input and hidden spike rasters (neurons × steps), its
/// membrane traces, and the training losses.
pub(crate) fn figures(run: &mut Run, c: &Comparison) -> Result<(), MilestoneError> {
    let (steps, hidden, trace) = (c.shape.steps, c.shape.hidden, &c.snn.trace);
    let transpose = |v: &[f32], width: usize| -> Vec<f32> { (0..width).flat_map(|n| (0..steps).map(move |t| v[t * width + n])).collect() };
    run.heatmap("raster_input.png", &transpose(&trace.input, PIXELS), PIXELS, steps, 2)?;
    run.heatmap("raster_hidden.png", &transpose(&trace.hidden, hidden), hidden, steps, 4)?;
    let busiest = most_active(&trace.hidden, hidden, 4);
    let mut series: Vec<Series> = busiest
        .iter()
        .map(|&n| {
            Series::new(
                &format!("hidden {n}"),
                (0..steps).map(|t| (t as f64, trace.mem[t * hidden + n] as f64)).collect(),
            )
        })
        .collect();
    series.push(Series::new("threshold", (0..steps).map(|t| (t as f64, 1.0)).collect()));
    let membrane = LineChart {
        title: "Membrane potential of the busiest hidden neurons (one test digit)".into(),
        x_label: "time step".into(),
        y_label: "membrane potential".into(),
        series,
        log_y: false,
    };
    run.line_chart("membrane.svg", &membrane)?;
    let outputs = LineChart {
        title: "Output potentials (one test digit); the largest sum is the answer".into(),
        x_label: "time step".into(),
        y_label: "potential".into(),
        series: (0..CLASSES)
            .map(|k| {
                Series::new(
                    &format!("class {k}"),
                    (0..steps).map(|t| (t as f64, trace.out[t * CLASSES + k] as f64)).collect(),
                )
            })
            .collect(),
        log_y: false,
    };
    run.line_chart("output_potentials.svg", &outputs)?;
    let losses = LineChart {
        title: "Training loss per epoch".into(),
        x_label: "epoch".into(),
        y_label: "cross-entropy".into(),
        series: vec![Series::indexed_f32("SNN", &c.losses.0), Series::indexed_f32("ANN", &c.losses.1)],
        log_y: false,
    };
    run.line_chart("loss.svg", &losses)
}

/// The `k` hidden neurons that fired most (ties: lower index), for the traces.
fn most_active(spikes: &[f32], hidden: usize, k: usize) -> Vec<usize> {
    let mut counts: Vec<(usize, f32)> = (0..hidden).map(|n| (n, spikes.iter().skip(n).step_by(hidden).sum())).collect();
    counts.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    counts.into_iter().take(k).map(|(n, _)| n).collect()
}
