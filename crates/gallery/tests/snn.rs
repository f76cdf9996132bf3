//! The SNN milestone: a tiny run's spiking network learns digits far above chance, and
//! the energy estimate's counts agree with an independent count on hand-made spikes.

use descent_gallery::milestones::snn::data::{encode, Coding};
use descent_gallery::milestones::snn::energy::{
    ann_work, count_spikes, energy_ratio, snn_work, synaptic_ops, Shape, SpikeCounts, ADD_PJ, MUL_PJ,
};
use descent_gallery::milestones::snn::{run_with, Settings};
use descent_gallery::{find, Run, RunConfig, RunSettings};
use descent_tensor::Rng;

#[test]
fn tiny_snn_learns_digits_and_writes_its_figures() {
    let settings = Settings {
        hidden: 64,
        steps: 8,
        sweep: vec![2],
        resamples: 200,
        ..Settings::quick().with_epochs(1)
    };
    let mut config = RunConfig::new("snn");
    config.out_dir = std::env::temp_dir().join(format!("descent-test-snn-{}", std::process::id()));
    let mut run = Run::silent(find("snn").unwrap(), config.clone()).unwrap();
    run_with(&mut run, Coding::Rate, settings).unwrap();
    let report = run.finish().unwrap();
    let measured = |key: &str| report.measured[key].as_f64().unwrap_or_else(|| panic!("{key} missing"));
    // Chance is 10%: a network that learned nothing through its spikes cannot pass this.
    let snn = measured("snn_test_accuracy");
    assert!(snn >= 0.6, "SNN test accuracy {snn}");
    assert!(measured("ann_test_accuracy") >= 0.6);
    // Rate-coded MNIST: the mean pixel is about 0.13, so about 0.13 input spikes per step.
    let rate = measured("spike_rate_input");
    assert!((0.08..0.2).contains(&rate), "input spike rate {rate}");
    let ratio = report.measured["energy_ratio"]["value"].as_f64().unwrap();
    assert!(ratio > 0.0 && ratio < 1.0, "energy ratio {ratio}");
    assert_eq!(report.measured["sweep"].as_array().unwrap().len(), 2);
    for file in ["raster_input.png", "raster_hidden.png", "membrane.svg", "accuracy_energy.svg"] {
        assert!(config.out_dir.join(file).is_file(), "{file} not written");
    }
    let _ = std::fs::remove_dir_all(&config.out_dir);
}

#[test]
fn synaptic_operations_match_a_hand_count() {
    // Two images, three steps, four inputs, three hidden neurons, two outputs.
    let shape = Shape {
        inputs: 4,
        hidden: 3,
        outputs: 2,
        steps: 3,
    };
    #[rustfmt::skip]
    let input = [
        1.0, 0.0, 0.0, 1.0,   0.0, 0.0, 0.0, 0.0, // t = 0: image 0, image 1
        0.0, 1.0, 0.0, 0.0,   1.0, 1.0, 1.0, 1.0, // t = 1
        0.0, 0.0, 0.0, 0.0,   0.0, 1.0, 0.0, 0.0, // t = 2
    ];
    #[rustfmt::skip]
    let hidden = [
        1.0, 0.0, 0.0,   0.0, 0.0, 0.0,
        1.0, 1.0, 0.0,   0.0, 0.0, 1.0,
        0.0, 0.0, 0.0,   1.0, 1.0, 1.0,
    ];
    let counts = count_spikes(&input, &hidden, 2);
    assert_eq!(
        counts,
        [SpikeCounts { input: 3.0, hidden: 3.0 }, SpikeCounts { input: 5.0, hidden: 4.0 }]
    );
    // Independently: each input spike reaches 3 hidden neurons, each hidden spike 2 outputs.
    assert_eq!(synaptic_ops(shape, counts[0]), 3.0 * 3.0 + 3.0 * 2.0);
    assert_eq!(synaptic_ops(shape, counts[1]), 5.0 * 3.0 + 4.0 * 2.0);
    // The ANN: 4·3 + 3·2 = 18 MACs, 5 bias adds, 3 ReLU comparisons.
    let ann = 18.0 * (ADD_PJ + MUL_PJ) + 8.0 * ADD_PJ;
    assert!((ann_work(shape).energy_pj() - ann).abs() < 1e-9);
    // The SNN (image 1): 23 accumulates; per step 5 leaks and 5 bias adds, 3 comparisons; 4 resets.
    let snn = (23.0 + 15.0 + 9.0 + 4.0) * ADD_PJ + 15.0 * MUL_PJ;
    assert!((snn_work(shape, counts[1]).energy_pj() - snn).abs() < 1e-9);
    assert!((energy_ratio(shape, counts[1]) - snn / ann).abs() < 1e-12);
}

#[test]
fn codes_spike_as_documented() {
    let pixels = [0.0, 0.005, 0.5, 1.0];
    let latency = encode(&pixels, 5, Coding::Latency, &mut Rng::new(0));
    // Dark pixels never spike; 0.5 at step 2, 1.0 at step 0.
    let at = |t: usize| &latency[t * 4..t * 4 + 4];
    assert_eq!(at(0), [0.0, 0.0, 0.0, 1.0]);
    assert_eq!(at(2), [0.0, 0.0, 1.0, 0.0]);
    assert_eq!(latency.iter().sum::<f32>(), 2.0);
    let rate = encode(&pixels, 2000, Coding::Rate, &mut Rng::new(1));
    let fired = |i: usize| rate.iter().skip(i).step_by(4).sum::<f32>() / 2000.0;
    assert_eq!(fired(0), 0.0);
    assert!((fired(2) - 0.5).abs() < 0.05 && fired(3) == 1.0);
}
