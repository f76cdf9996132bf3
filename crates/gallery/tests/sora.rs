//! The text-to-video milestone in miniature. The measures first: real Moving-MNIST
//! clips go the asked way on a straight path, and the same frames in shuffled order
//! (what a generator that ignores time could produce at best) do not. Then a tiny run:
//! both models train (their noise-prediction loss falls), the run measures and judges,
//! and the saved space-time checkpoint draws clips from a prompt.

use descent_data::mnist_subset;
use descent_gallery::milestones::sora::data::{Direction, SmallDigits, CANVAS};
use descent_gallery::milestones::sora::measure::{frame_judge, real_clips, requests, score};
use descent_gallery::milestones::sora::{run_with, Settings, CHECKPOINT};
use descent_gallery::{find, Phase, Run, RunConfig, RunSettings};
use descent_models::saved;
use descent_models::text_diffusion::{DrawOptions, TextToVideo};
use descent_tensor::Rng;

#[test]
fn motion_measures_tell_real_clips_from_shuffled_frames() {
    let (train, test) = mnist_subset();
    let (train, test) = (SmallDigits::from_set(&train.take(2000)), SmallDigits::from_set(&test));
    let judge = frame_judge(&train, &test, 2, 1, &Phase::silent());
    let frames = 8;
    let reqs = requests(&[0, 1, 3, 7], 5);
    assert!(reqs.iter().any(|r| r.direction == Direction::Up && r.caption == "一个3向上移动"));
    let real = real_clips(&test, &reqs, frames, 9);
    let scores = score(&judge, &reqs, &real, frames);
    assert!(scores.direction >= 0.99 && scores.jitter < 0.5 && scores.empty == 0.0, "{scores:?}");
    assert!(scores.identity >= 0.7 && scores.consistency >= 0.9, "{scores:?}");
    // Shuffle the frames of each clip: same pictures, no coherent motion.
    let frame_len = CANVAS * CANVAS;
    let mut rng = Rng::new(4);
    let mut shuffled = Vec::with_capacity(real.len());
    for clip in real.chunks_exact(frames * frame_len) {
        let mut order: Vec<usize> = (0..frames).collect();
        for i in (1..frames).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for f in order {
            shuffled.extend_from_slice(&clip[f * frame_len..(f + 1) * frame_len]);
        }
    }
    let mixed = score(&judge, &reqs, &shuffled, frames);
    assert!(
        mixed.direction <= 0.5 && mixed.jitter > 4.0 * scores.jitter,
        "shuffled {mixed:?} vs real {scores:?}"
    );
    assert!((mixed.identity - scores.identity).abs() < 1e-9, "identity does not depend on order");
}

#[test]
fn tiny_sora_trains_measures_and_draws() {
    let mut s = Settings::quick();
    s.digits = vec![1, 3];
    s.max_train = Some(1000);
    s.sizes.channels = 8;
    s.sizes.emb_dim = 32;
    s.sizes.text = (16, 2, 1);
    s.frames = 8;
    if let Some(c) = &mut s.contrastive {
        c.steps = 400;
        c.batch_size = 32;
    }
    s.train.batch_size = 4;
    s.independent_items = 2;
    s.train.steps = 60;
    s.train.warmup = 3;
    s.judge_epochs = 1;
    s.ddim_steps = 4;
    s.per_combo = 1;
    s.sample_batch = 8;
    let mut config = RunConfig::new("sora");
    config.out_dir = std::env::temp_dir().join(format!("descent-test-sora-{}", std::process::id()));
    let mut run = Run::silent(find("sora").unwrap(), config.clone()).unwrap();
    run_with(&mut run, s).unwrap();
    for key in ["space_time", "per_frame"] {
        let loss = run.history().values(&format!("loss_{key}"));
        assert!(loss.len() >= 6, "{key}: {loss:?}");
        assert!(loss[loss.len() - 1] < 0.7 * loss[0], "{key}: the loss did not fall: {loss:?}");
    }
    let report = run.finish().unwrap();
    let measured = |key: &str| report.measured[key].as_f64().unwrap_or_else(|| panic!("{key} missing"));
    assert!(measured("real_direction") >= 0.99, "real clips calibrate the direction measure");
    // Two digits × four directions: chance is 1/8.
    let zero_shot = measured("text_zero_shot_accuracy");
    assert!(
        zero_shot >= 0.25,
        "caption pre-training: zero-shot {zero_shot} over 8 (digit, direction) pairs"
    );
    for key in [
        "space_time_direction",
        "per_frame_direction",
        "space_time_identity",
        "per_frame_consistency",
    ] {
        assert!((0.0..=1.0).contains(&measured(key)), "{key}");
    }
    for file in [
        CHECKPOINT,
        "space_time_clips.gif",
        "per_frame_strips.png",
        "prompts.gif",
        "loss.svg",
    ] {
        assert!(config.out_dir.join(file).is_file(), "{file} not written");
    }
    let model: TextToVideo = saved::load(&config.out_dir.join(CHECKPOINT)).unwrap();
    let options = DrawOptions {
        count: 2,
        guidance: 3.0,
        steps: 3,
        seed: 1,
    };
    let clip = model.draw("一个3向左移动", options).unwrap();
    assert_eq!((clip.frames, clip.side, clip.pixels.len()), (8, 32, 2 * 8 * 32 * 32));
    let error = model
        .draw("a 3 moving sideways", options)
        .err()
        .expect("unknown word refused")
        .to_string();
    assert!(error.contains("\"sideways\""), "{error}");
    let _ = std::fs::remove_dir_all(&config.out_dir);
}
