//! The text-to-image milestone in miniature: a tiny caption encoder pre-trained
//! contrastively (it must already tell real zeros from ones zero-shot, with paraphrases
//! it never saw) and a tiny U-Net trained for a few hundred steps on zeros and ones.
//! Guided by the caption, it must draw digits the judge reads as the asked one, far more
//! often than without the caption; on real test zeros and ones, noised to steps 200–700,
//! the saved model's noise estimate is better given the right caption than the
//! wrong one (the wrong-caption baseline) or none; unknown words are refused.

use descent_data::mnist_subset;
use descent_gallery::milestones::dalle::captions::ClassId;
use descent_gallery::milestones::dalle::data::to_signed;
use descent_gallery::milestones::dalle::{run_with, Settings, CHECKPOINT};
use descent_gallery::{find, Run, RunConfig, RunSettings};
use descent_models::diffusion::NoiseSchedule;
use descent_models::saved;
use descent_models::text_diffusion::{DrawOptions, TextToImage};
use descent_tensor::{no_grad, Rng, Tensor};

#[test]
fn tiny_dalle_draws_the_asked_digit() {
    let mut s = Settings::quick();
    s.only_classes = Some(vec![ClassId(0), ClassId(1)]);
    s.max_train = Some(3000);
    s.sizes.channels = 8;
    s.sizes.emb_dim = 32;
    s.sizes.text = (16, 2, 1);
    if let Some(c) = &mut s.contrastive {
        c.steps = 150;
        c.batch_size = 32;
        c.width = 8;
    }
    s.train.batch_size = 16;
    s.train.steps = 400;
    s.train.warmup = 20;
    s.judge_epochs = 2;
    s.ddim_steps = 10;
    s.sweep = vec![0.0, 3.0];
    s.per_class = 12;
    s.prompt_samples = 8;
    s.sample_batch = 36;
    let mut config = RunConfig::new("dalle");
    config.out_dir = std::env::temp_dir().join(format!("descent-test-dalle-{}", std::process::id()));
    let mut run = Run::silent(find("dalle").unwrap(), config.clone()).unwrap();
    run_with(&mut run, s).unwrap();
    let sweep = run.history().points("sweep_accuracy").to_vec();
    let report = run.finish().unwrap();
    let measured = |key: &str| report.measured[key].as_f64().unwrap_or_else(|| panic!("{key} missing"));
    let guided = measured("seen_caption_accuracy");
    let unguided = sweep.iter().find(|(w, _)| *w == 0.0).expect("guidance 0 swept").1;
    assert!(
        guided >= 0.8 && guided > unguided + 0.3,
        "read as asked: {guided} with the caption (guidance 3), {unguided} without"
    );
    assert!(measured("digits_judge_real_accuracy") > 0.85, "the judge itself is poor");
    // The caption pre-training alone tells zeros from ones on real test images.
    let zero_shot = measured("text_zero_shot_unseen_captions");
    assert!(zero_shot >= 0.9, "caption pre-training: zero-shot {zero_shot} on zeros and ones");
    for file in [CHECKPOINT, "samples_seen.png", "denoising_strip.png", "guidance_sweep.svg"] {
        assert!(config.out_dir.join(file).is_file(), "{file} not written");
    }
    let m: TextToImage = saved::load(&config.out_dir.join(CHECKPOINT)).unwrap();
    let options = DrawOptions {
        count: 2,
        guidance: 3.0,
        steps: 4,
        seed: 1,
    };
    let drawing = m.draw("一个手写的零", options).unwrap();
    assert_eq!((drawing.pixels.len(), drawing.frames), (2 * 784, 1));
    let (_, test) = mnist_subset();
    let picked: Vec<usize> = (0..test.n).filter(|&i| test.labels[i] < 2).take(64).collect();
    let pixels: Vec<f32> = picked.iter().flat_map(|&i| to_signed(test.image(i))).collect();
    let mut rng = Rng::new(11);
    let noise: Vec<f32> = (0..pixels.len()).map(|_| rng.normal()).collect();
    let steps: Vec<usize> = (0..picked.len()).map(|k| 200 + (k * 37) % 500).collect();
    let noisy = NoiseSchedule::ddpm().add_noise(&pixels, &noise, &steps);
    let (x, target) = (
        Tensor::from_vec(noisy, &[picked.len(), 1, 28, 28]),
        Tensor::from_vec(noise, &[picked.len(), 1, 28, 28]),
    );
    let ids = |digit: u8| {
        m.vocab
            .encode(if digit == 0 { "a handwritten zero" } else { "a handwritten one" }, 16)
            .unwrap()
    };
    let error_with = |caption: &dyn Fn(u8) -> Option<Vec<usize>>| {
        let captions: Vec<Option<Vec<usize>>> = picked.iter().map(|&i| caption(test.labels[i])).collect();
        let refs: Vec<Option<&[usize]>> = captions.iter().map(|c| c.as_deref()).collect();
        no_grad(|| m.predict_noise(&NoiseSchedule::ddpm(), &x, &steps, &refs).mse_loss(&target).item())
    };
    let right = error_with(&|d| Some(ids(d)));
    let wrong = error_with(&|d| Some(ids(1 - d)));
    let none = error_with(&|_| None);
    eprintln!("noise-prediction error: right caption {right:.4}, wrong caption {wrong:.4}, no caption {none:.4}");
    assert!(
        right < 0.97 * wrong && right < none,
        "noise error: right caption {right}, wrong {wrong}, none {none}"
    );
    let error = m
        .draw("a handwritten unicorn", options)
        .err()
        .expect("unknown word refused")
        .to_string();
    assert!(error.contains("\"unicorn\""), "{error}");
    let _ = std::fs::remove_dir_all(&config.out_dir);
}
