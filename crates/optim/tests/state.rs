//! Checkpointing optimizer state: a run exported after some steps and imported into a
//! fresh optimizer over fresh parameters continues bit for bit, and bad state is
//! refused with a message naming the entry.

use descent_optim::{Adam, AdamConfig, AdamW, AdamWConfig, Optimizer, Sgd, SgdConfig};
use descent_tensor::{GradStore, Param, Tensor};

/// State as `export_state` returns it.
type State = Vec<(String, Vec<f32>)>;

/// Builds a fresh optimizer of one kind.
type Make = fn() -> Box<dyn Optimizer>;

/// A fresh optimizer of each kind, with every option that adds to the update switched
/// on (Nesterov momentum, coupled and decoupled decay).
fn optimizers() -> Vec<(&'static str, Make)> {
    vec![
        ("sgd", || {
            Box::new(Sgd::new(SgdConfig {
                lr: 0.05,
                momentum: 0.9,
                nesterov: true,
                weight_decay: 0.01,
            }))
        }),
        ("adam", || {
            Box::new(Adam::new(AdamConfig {
                lr: 0.03,
                weight_decay: 0.02,
                ..AdamConfig::default()
            }))
        }),
        ("adamw", || {
            Box::new(AdamW::new(AdamWConfig {
                lr: 0.03,
                weight_decay: 0.1,
                ..AdamWConfig::default()
            }))
        }),
    ]
}

/// Initial values of the parameters, one of them a matrix.
fn initial_values() -> Vec<(Vec<f32>, Vec<usize>)> {
    vec![
        (vec![0.5, -1.25, 2.0], vec![3]),
        (vec![0.1, 0.2, 0.3, -0.4], vec![2, 2]),
        (vec![-3.0, 0.75], vec![2]),
    ]
}

/// New parameters (with new ids) holding `values`.
fn params_from(values: &[(Vec<f32>, Vec<usize>)]) -> Vec<Param> {
    values
        .iter()
        .map(|(data, shape)| Param::new(Tensor::from_vec(data.clone(), shape)))
        .collect()
}

/// The values and shapes of `params`, to build an identical fresh copy.
fn snapshot(params: &[Param]) -> Vec<(Vec<f32>, Vec<usize>)> {
    params.iter().map(|p| (p.value().to_vec(), p.shape())).collect()
}

/// Fixed, step-dependent gradients. Parameter 1 gets none before step 3 (0-based), so
/// it has no state at the checkpoint and takes its first step after the resume.
fn grads_at(step: usize, params: &[Param]) -> GradStore {
    let mut grads = GradStore::new();
    for (index, param) in params.iter().enumerate() {
        if index == 1 && step < 3 {
            continue;
        }
        let data: Vec<f32> = (0..param.numel())
            .map(|i| ((step * 7 + index * 3 + i) as f32 * 0.37).sin() * (1.0 + index as f32))
            .collect();
        grads.insert(param.id(), Tensor::from_vec(data, &param.shape()));
    }
    grads
}

fn values(params: &[Param]) -> Vec<Vec<f32>> {
    params.iter().map(|p| p.value().to_vec()).collect()
}

/// Runs `make`'s optimizer for 3 steps on fresh parameters and returns it with them.
fn three_steps(make: Make) -> (Box<dyn Optimizer>, Vec<Param>) {
    let params = params_from(&initial_values());
    let mut optimizer = make();
    for step in 0..3 {
        optimizer.step(&params, &grads_at(step, &params));
    }
    (optimizer, params)
}

#[test]
fn resumed_runs_are_bit_identical() {
    for (name, make) in optimizers() {
        let (mut original, original_params) = three_steps(make);
        let state = original.export_state(&original_params);
        assert!(!state.is_empty(), "{name}: exported nothing");

        // The "resumed process": new handles (new ids) holding the same values.
        let resumed_params = params_from(&snapshot(&original_params));
        assert_ne!(resumed_params[0].id(), original_params[0].id());
        let mut resumed = make();
        resumed
            .import_state(&resumed_params, &state)
            .unwrap_or_else(|e| panic!("{name}: import failed: {e}"));
        assert_eq!(resumed.export_state(&resumed_params), state, "{name}: state after import");

        for step in 3..5 {
            // A schedule may change the rate; the caller sets it on both alike.
            let lr = original.learning_rate() * 0.5;
            original.set_learning_rate(lr);
            resumed.set_learning_rate(lr);
            original.step(&original_params, &grads_at(step, &original_params));
            resumed.step(&resumed_params, &grads_at(step, &resumed_params));
        }
        assert_eq!(
            values(&resumed_params),
            values(&original_params),
            "{name}: parameters after resuming"
        );
        assert_eq!(
            resumed.export_state(&resumed_params),
            original.export_state(&original_params),
            "{name}: state after resuming"
        );
    }
}

#[test]
fn resuming_without_the_state_differs() {
    // Guards the test above: the state really matters for these steps.
    for (name, make) in optimizers() {
        let (mut original, original_params) = three_steps(make);
        let fresh_params = params_from(&snapshot(&original_params));
        let mut fresh = make();
        for step in 3..5 {
            original.step(&original_params, &grads_at(step, &original_params));
            fresh.step(&fresh_params, &grads_at(step, &fresh_params));
        }
        assert_ne!(values(&fresh_params), values(&original_params), "{name}");
    }
}

fn names(state: &State) -> Vec<&str> {
    state.iter().map(|(name, _)| name.as_str()).collect()
}

#[test]
fn exported_names_follow_positions() {
    let (sgd, params) = three_steps(optimizers()[0].1);
    let state = sgd.export_state(&params);
    assert_eq!(names(&state), ["0.momentum", "2.momentum"]);
    assert_eq!(state[0].1.len(), 3);

    for (name, make) in &optimizers()[1..] {
        let (optimizer, params) = three_steps(*make);
        let state = optimizer.export_state(&params);
        assert_eq!(names(&state), ["0.m", "0.v", "0.step", "2.m", "2.v", "2.step"], "{name}");
        assert_eq!(state[2].1, [3.0, 0.0], "{name}: step counter");
        assert_eq!(state[4].1.len(), 2, "{name}: v of parameter 2");

        // Positions follow the slice given, not the ids: reversed, the names flip.
        let reversed: Vec<Param> = params.iter().rev().cloned().collect();
        let state = optimizer.export_state(&reversed);
        assert_eq!(names(&state), ["0.m", "0.v", "0.step", "2.m", "2.v", "2.step"]);
        assert_eq!(state[0].1.len(), 2, "{name}: parameter 2 is now first");
    }
}

#[test]
fn fresh_and_plain_optimizers_export_nothing() {
    let params = params_from(&initial_values());
    for (name, make) in optimizers() {
        assert!(make().export_state(&params).is_empty(), "{name}");
    }
    let mut plain = Sgd::new(SgdConfig::default());
    plain.step(&params, &grads_at(0, &params));
    assert!(plain.export_state(&params).is_empty());
    assert_eq!(plain.import_state(&params, &[]), Ok(()));
}

/// Imports `state` into a stepped optimizer of kind `make`, expecting an error that
/// mentions `needle`, and checks that the optimizer's state did not change.
fn assert_refused(make: Make, state: &State, needle: &str) {
    let (mut optimizer, params) = three_steps(make);
    let before = optimizer.export_state(&params);
    let err = optimizer
        .import_state(&params, state)
        .expect_err(&format!("{state:?} was accepted"));
    assert!(err.contains(needle), "error {err:?} lacks {needle:?}");
    assert_eq!(optimizer.export_state(&params), before, "state changed");
}

fn entry(name: &str, values: &[f32]) -> (String, Vec<f32>) {
    (name.to_string(), values.to_vec())
}

#[test]
fn wrong_lengths_are_refused() {
    let [sgd, adam, adamw] = [0, 1, 2].map(|i| optimizers()[i].1);
    assert_refused(sgd, &vec![entry("0.momentum", &[1.0, 2.0])], "0.momentum");
    for make in [adam, adamw] {
        // Parameter 0 has 3 elements; 4 values for its m, 2 for v.
        let (optimizer, params) = three_steps(make);
        let mut state = optimizer.export_state(&params);
        state[0].1.push(0.0);
        assert_refused(make, &state, "\"0.m\" has 4 values, but the parameter has 3");
        assert_refused(
            make,
            &vec![entry("0.m", &[0.0; 3]), entry("0.v", &[0.0; 2]), entry("0.step", &[1.0, 0.0])],
            "0.v",
        );
        // A step counter is [low, high] (or [step]) of exact non-negative integers.
        for bad in [&[][..], &[1.0, 0.0, 0.0], &[1.5, 0.0], &[-1.0], &[f32::NAN]] {
            let state = vec![entry("0.m", &[0.0; 3]), entry("0.v", &[0.0; 3]), entry("0.step", bad)];
            assert_refused(make, &state, "0.step");
        }
    }
}

#[test]
fn unknown_names_are_refused() {
    let [sgd, adam, adamw] = [0, 1, 2].map(|i| optimizers()[i].1);
    for make in [sgd, adam, adamw] {
        for bad in ["0.velocity", "momentum", "x.m", "0", "-1.m", "3.m", "3.momentum"] {
            assert_refused(make, &vec![entry(bad, &[0.0; 3])], bad);
        }
    }
    // Each optimizer's slots are unknown to the other.
    assert_refused(sgd, &vec![entry("0.m", &[0.0; 3])], "unknown state entry \"0.m\"");
    assert_refused(adam, &vec![entry("0.momentum", &[0.0; 3])], "unknown state entry \"0.momentum\"");
    // An index past the list says how many parameters there are.
    assert_refused(adam, &vec![entry("3.m", &[0.0; 3])], "only 3 parameters");
}

#[test]
fn inconsistent_state_is_refused() {
    let [sgd, adam, adamw] = [0, 1, 2].map(|i| optimizers()[i].1);
    let twice = vec![entry("0.momentum", &[0.0; 3]), entry("0.momentum", &[0.0; 3])];
    assert_refused(sgd, &twice, "given twice");
    for make in [adam, adamw] {
        let partial = vec![entry("0.m", &[0.0; 3]), entry("0.step", &[2.0, 0.0])];
        assert_refused(make, &partial, "missing [\"0.v\"]");
        let zero_steps = vec![entry("0.m", &[0.0; 3]), entry("0.v", &[0.0; 3]), entry("0.step", &[0.0, 0.0])];
        assert_refused(make, &zero_steps, "0.step");
    }
    // Momentum buffers mean nothing to plain SGD: refused rather than dropped.
    let mut plain = Sgd::new(SgdConfig::default());
    let params = params_from(&initial_values());
    let err = plain.import_state(&params, &[entry("0.momentum", &[0.0; 3])]).unwrap_err();
    assert!(err.contains("momentum 0"), "{err}");
}

#[test]
fn import_replaces_the_state_of_listed_params() {
    for (name, make) in optimizers() {
        let (mut optimizer, params) = three_steps(make);
        // Importing nothing resets every listed parameter to "never stepped".
        optimizer.import_state(&params, &[]).unwrap();
        assert!(optimizer.export_state(&params).is_empty(), "{name}");
    }
}

#[test]
fn large_step_counters_survive() {
    // 2^24 + 1 is not an f32; the two-part encoding keeps it exact.
    let params = params_from(&initial_values()[..1]);
    let state = vec![
        entry("0.m", &[0.1, 0.2, 0.3]),
        entry("0.v", &[0.01, 0.02, 0.03]),
        entry("0.step", &[1.0, 1.0]),
    ];
    let mut adam = Adam::new(AdamConfig::default());
    adam.import_state(&params, &state).unwrap();
    assert_eq!(adam.export_state(&params), state);
    // A single exact f32 is read as the count too.
    let short = vec![state[0].clone(), state[1].clone(), entry("0.step", &[5.0])];
    adam.import_state(&params, &short).unwrap();
    assert_eq!(adam.export_state(&params)[2].1, [5.0, 0.0]);
}
