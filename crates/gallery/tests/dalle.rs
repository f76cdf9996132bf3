//! The text-to-image milestone in miniature: a tiny U-Net and caption encoder trained
//! for a few hundred steps on zeros and ones. So short a training does not draw clean
//! digits (the quick and full runs judge those), but the caption must already steer
//! the picture: from the saved checkpoint, "a handwritten zero" draws far more ink
//! than "a handwritten one" from the same starting noise (real zeros carry about
//! twice the ink of ones), and the guided samples are read as asked more often than
//! the unguided (null-caption) ones; unknown words are refused.

use descent_gallery::milestones::dalle::captions::ClassId;
use descent_gallery::milestones::dalle::{run_with, DalleSettings, CHECKPOINT};
use descent_gallery::saved::diffusion::{draw, from_checkpoint, DrawOptions};
use descent_gallery::{find, Run, RunConfig};
use descent_nn::Checkpoint;

#[test]
fn tiny_dalle_draws_the_asked_digit() {
    let mut s = DalleSettings::for_mode(false);
    s.only_classes = Some(vec![ClassId(0), ClassId(1)]);
    s.max_train = Some(3000);
    s.channels = 8;
    s.emb_dim = 32;
    s.text = (16, 2, 1);
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
    assert!(guided > unguided, "guided {guided} vs unguided {unguided}");
    assert!(measured("digits_judge_real_accuracy") > 0.85, "the judge itself is poor");
    for file in [
        CHECKPOINT,
        "samples_seen.png",
        "denoising_strip.png",
        "guidance_sweep.svg",
    ] {
        assert!(config.out_dir.join(file).is_file(), "{file} not written");
    }
    let model = from_checkpoint(&Checkpoint::load(&config.out_dir.join(CHECKPOINT)).unwrap()).unwrap();
    let options = DrawOptions {
        count: 2,
        guidance: 3.0,
        steps: 4,
        seed: 1,
    };
    let drawing = draw(&model, "一个手写的零", options).unwrap();
    assert_eq!((drawing.pixels.len(), drawing.frames), (2 * 784, 1));
    let ink = |prompt: &str| {
        let many = DrawOptions { count: 16, steps: 10, ..options };
        let d = draw(&model, prompt, many).unwrap();
        d.pixels.iter().map(|&p| p as f64).sum::<f64>() / d.pixels.len() as f64
    };
    let (zero, one) = (ink("a handwritten zero"), ink("a handwritten one"));
    assert!(zero > 1.4 * one, "ink of zeros {zero:.3} against ones {one:.3}");
    let error = draw(&model, "a handwritten unicorn", options)
        .err()
        .expect("unknown word refused")
        .to_string();
    assert!(error.contains("\"unicorn\""), "{error}");
    let _ = std::fs::remove_dir_all(&config.out_dir);
}
