//! Learning-rate schedules against hand-computed values.

use descent_optim::{LrSchedule, Optimizer, Sgd, SgdConfig};

fn assert_lr(schedule: &LrSchedule, step: usize, expected: f32) {
    let lr = schedule.lr_at(step);
    assert!((lr - expected).abs() <= 1e-7, "step {step}: got {lr}, expected {expected}");
}

#[test]
fn constant_is_constant() {
    let schedule = LrSchedule::constant(0.3);
    for step in [0, 1, 1000, usize::MAX] {
        assert_eq!(schedule.lr_at(step), 0.3);
    }
}

#[test]
fn step_decay_multiplies_every_n_steps() {
    let schedule = LrSchedule::step_decay(0.1, 10, 0.5);
    assert_eq!(schedule.lr_at(0), 0.1);
    assert_eq!(schedule.lr_at(9), 0.1);
    assert_eq!(schedule.lr_at(10), 0.05);
    assert_eq!(schedule.lr_at(19), 0.05);
    assert_eq!(schedule.lr_at(25), 0.025);
}

#[test]
#[should_panic(expected = "must be positive")]
fn step_decay_refuses_zero_period() {
    LrSchedule::step_decay(0.1, 0, 0.5);
}

#[test]
fn cosine_decays_to_minimum_and_stays() {
    let schedule = LrSchedule::cosine(1.0, 0.0, 100);
    assert_eq!(schedule.lr_at(0), 1.0);
    assert_lr(&schedule, 25, 0.5 * (1.0 + std::f32::consts::FRAC_1_SQRT_2));
    assert_lr(&schedule, 50, 0.5);
    assert_lr(&schedule, 75, 0.5 * (1.0 - std::f32::consts::FRAC_1_SQRT_2));
    assert_eq!(schedule.lr_at(100), 0.0);
    assert_eq!(schedule.lr_at(150), 0.0);

    let floored = LrSchedule::cosine(1.0, 0.1, 100);
    assert_lr(&floored, 50, 0.55);
    assert_eq!(floored.lr_at(100), 0.1);
}

#[test]
fn warmup_rises_linearly_then_hands_over() {
    let schedule = LrSchedule::constant(1.0).with_warmup(4);
    for (step, expected) in [(0, 0.2), (1, 0.4), (2, 0.6), (3, 0.8), (4, 1.0), (100, 1.0)] {
        assert_lr(&schedule, step, expected);
    }
}

#[test]
fn warmup_then_cosine_counts_from_the_hand_over() {
    let schedule = LrSchedule::cosine(1.0, 0.0, 10).with_warmup(5);
    assert_lr(&schedule, 0, 1.0 / 6.0);
    assert_lr(&schedule, 4, 5.0 / 6.0);
    assert_eq!(schedule.lr_at(5), 1.0);
    assert_lr(&schedule, 10, 0.5);
    assert_eq!(schedule.lr_at(15), 0.0);
}

#[test]
fn zero_warmup_is_the_inner_schedule() {
    let inner = LrSchedule::step_decay(0.1, 3, 0.1);
    let wrapped = inner.clone().with_warmup(0);
    for step in 0..10 {
        assert_eq!(wrapped.lr_at(step), inner.lr_at(step));
    }
}

#[test]
fn apply_sets_the_optimizer_rate() {
    let mut sgd = Sgd::new(SgdConfig::default());
    LrSchedule::step_decay(1.0, 2, 0.5).apply(&mut sgd, 5);
    assert_eq!(sgd.learning_rate(), 0.25);
}
