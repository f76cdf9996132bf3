//! Diagnostic for a saved sora model: its noise-prediction error on real test clips at
//! a few noise levels, given the right caption, another clip's caption, or none. A model
//! that uses its caption predicts better with the right one.
//! Run: `cargo run --release -p descent-gallery --example sora_probe -- runs/sora/sora.safetensors`
use descent_gallery::milestones::sora::data::{random_clip, SmallDigits};
use descent_models::diffusion::NoiseSchedule;
use descent_models::text_diffusion::TextToVideo;
use descent_tensor::{no_grad, Rng, Tensor};
fn main() {
    let path = std::env::args().nth(1).expect("usage: sora_probe MODEL.safetensors");
    let m: TextToVideo = match descent_models::saved::load(std::path::Path::new(&path)) {
        Ok(model) => model,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let (_, test) = descent_data::mnist_subset();
    let digits = SmallDigits::from_set(&test);
    let usable = digits.indices_of(&(0..10).collect::<Vec<_>>());
    let mut rng = Rng::new(5);
    let n = 16;
    let (mut px, mut caps) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let (p, _, _, c) = random_clip(&digits, &usable, 8, &mut rng);
        px.extend(p);
        caps.push(m.vocab.encode(&c, 16).unwrap());
    }
    let sched = NoiseSchedule::ddpm();
    for t in [50usize, 200, 500, 800, 950] {
        let noise: Vec<f32> = (0..px.len()).map(|_| rng.normal()).collect();
        let steps = vec![t; n];
        let noisy = sched.add_noise(&px, &noise, &steps);
        let x = Tensor::from_vec(noisy, &[n, 8, 1, 32, 32]);
        let target = Tensor::from_vec(noise, &[n, 8, 1, 32, 32]);
        let right: Vec<Option<&[usize]>> = caps.iter().map(|c| Some(c.as_slice())).collect();
        let wrong: Vec<Option<&[usize]>> = (0..n).map(|i| Some(caps[(i + 1) % n].as_slice())).collect();
        let none: Vec<Option<&[usize]>> = vec![None; n];
        let e = |c: &[Option<&[usize]>]| no_grad(|| m.predict_noise(&sched, &x, &steps, c).mse_loss(&target).item());
        let zero = no_grad(|| Tensor::zeros(&[n, 8, 1, 32, 32]).mse_loss(&target).item());
        println!(
            "t {t}: right {:.4} wrong {:.4} none {:.4} (predict 0: {:.4})",
            e(&right),
            e(&wrong),
            e(&none),
            zero
        );
    }
}
