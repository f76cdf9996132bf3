//! The deep-belief-net milestone: an RBM really learns digits (its reconstruction error
//! falls, its pseudo-likelihood rises, its samples overlap real digits as real digits
//! do, not as noise does), and a tiny end-to-end run produces its verdict, artifacts and checkpoint.

use descent_data::{mnist_subset, to_unit_range};
use descent_gallery::milestones::dbn::ais::AisSettings;
use descent_gallery::milestones::dbn::cd::{CdSettings, CdTrainer};
use descent_gallery::milestones::dbn::measure::{
    base_rate_samples, nearest_overlap, pseudo_log_likelihood, reconstruction_error, sample_from_noise,
};
use descent_gallery::milestones::dbn::{run_with, Settings};
use descent_gallery::{find, Phase, Run, RunConfig, RunSettings};
use descent_models::rbm::{bernoulli, logit, Rbm};
use descent_tensor::{Rng, Tensor};

fn binarised_digits(count: usize) -> Vec<f32> {
    let (train, _) = mnist_subset();
    let pixels = to_unit_range(&train.images[..count * 784]);
    bernoulli(&Tensor::from_vec(pixels, &[count, 784]), &mut Rng::new(1)).to_vec()
}

#[test]
fn pcd_rbm_learns_digits_not_noise() {
    let bits = binarised_digits(3000);
    let (train, held_out) = bits.split_at(2500 * 784);
    let mean: Vec<f32> = (0..784)
        .map(|i| (train.chunks_exact(784).map(|r| r[i]).sum::<f32>() + 1.0) / 2502.0)
        .collect();
    let base_bias: Vec<f32> = mean.iter().map(|&p| logit(p)).collect();
    let rbm = Rbm::new(784, 500, &mut Rng::new(2));
    rbm.set_visible_bias_from_mean(&mean);
    let before = (
        reconstruction_error(&rbm, held_out),
        pseudo_log_likelihood(&rbm, &held_out[..100 * 784]),
    );
    let settings = CdSettings {
        k: 1,
        persistent: true,
        batch_size: 50,
        lr: 0.1,
        lr_decay: true,
        weight_decay: 2e-4,
        initial_momentum: 0.5,
        momentum: 0.5,
        momentum_warmup: 0,
    };
    let mut trainer = CdTrainer::new(&rbm, settings, 3);
    for epoch in 0..6 {
        trainer.train_epoch(train, epoch, 6, &Phase::silent());
    }
    let after = (
        reconstruction_error(&rbm, held_out),
        pseudo_log_likelihood(&rbm, &held_out[..100 * 784]),
    );
    assert!(after.0 < 0.75 * before.0, "reconstruction error {:.1} → {:.1}", before.0, after.0);
    assert!(after.1 > before.1 + 20.0, "pseudo-log-likelihood {:.1} → {:.1}", before.1, after.1);
    let samples = sample_from_noise(&rbm, &base_bias, 50, 1000, &mut Rng::new(4));
    let noise = base_rate_samples(&base_bias, 50, &mut Rng::new(5));
    let sample_overlap = nearest_overlap(&samples.states, train, 784);
    let noise_overlap = nearest_overlap(&noise, train, 784);
    let data_overlap = nearest_overlap(&held_out[..50 * 784], train, 784);
    println!("ink overlap with the nearest training digit: samples {sample_overlap:.2}, noise {noise_overlap:.2}, held-out digits {data_overlap:.2}");
    // Samples must sit nearer real held-out digits than noise (past the midpoint).
    let midpoint = 0.5 * (noise_overlap + data_overlap);
    assert!(
        sample_overlap > midpoint,
        "samples overlap the data by {sample_overlap:.2}; noise {noise_overlap:.2}, held-out digits {data_overlap:.2}"
    );
}

#[test]
fn tiny_dbn_run_judges_and_saves() {
    let mut settings = Settings::quick();
    settings.hidden = 100;
    settings.rbm_epochs = 2;
    settings.upper = [100, 200];
    settings.upper_epochs = 1;
    settings.ais = AisSettings { runs: 20, steps: 200 };
    settings.sample_steps = 50;
    settings.monitor_rows = 50;
    settings.finetune_few.epochs = 10;
    settings.finetune_all.epochs = 1;
    let mut config = RunConfig::new("dbn");
    config.out_dir = std::env::temp_dir().join(format!("descent-test-dbn-{}", std::process::id()));
    let mut run = Run::silent(find("dbn").unwrap(), config.clone()).unwrap();
    run_with(&mut run, settings).unwrap();
    let report = run.finish().unwrap();
    let measured = |key: &str| report.measured[key].as_f64().unwrap_or_else(|| panic!("{key} missing"));
    let (few, all) = (measured("pretraining_gain_few_labels"), measured("pretraining_gain_all_labels"));
    assert_eq!(report.passed, few >= 1.0 && all >= 0.0, "{}", report.human_summary());
    // The DBN start learns with 1,000 labels even at this size (chance is 90%).
    assert!(measured("pretrained_test_error_few_labels") < 60.0, "{}", report.human_summary());
    assert!(measured("pcd1_test_log_likelihood") < 0.0);
    for file in [
        "filters.png",
        "pcd1_samples.png",
        "cd1_mixing.png",
        "finetune.svg",
        "dbn.safetensors",
    ] {
        assert!(config.out_dir.join(file).is_file(), "{file} not written");
    }
    let _ = std::fs::remove_dir_all(&config.out_dir);
}
