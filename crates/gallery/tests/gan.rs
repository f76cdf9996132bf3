//! The GAN milestone: a tiny run's generator lands nearer real digits than the
//! pixel-Gaussian baseline on the Fréchet scale, the run judges and saves both
//! generators, and a saved generator draws what it is asked for (or says why not).

use descent_data::Dataset;
use descent_gallery::milestones::gan::{run_with, GanVariant, Settings};
use descent_gallery::{find, Run, RunConfig, RunSettings};
use descent_models::gan::GanKind;
use descent_models::gan::{DrawRequest, ImageGan};
use descent_models::saved;

#[test]
fn tiny_gan_beats_the_pixel_baseline_and_draws() {
    let variant = GanVariant {
        kind: GanKind::Mlp,
        dataset: Dataset::Mnist,
    };
    let mut settings = Settings::quick().with_epochs(4);
    settings.classifier_epochs = 2;
    let mut config = RunConfig::new("gan");
    config.out_dir = std::env::temp_dir().join(format!("descent-test-gan-{}", std::process::id()));
    let mut run = Run::silent(find("gan").unwrap(), config.clone()).unwrap();
    run_with(&mut run, variant, settings).unwrap();
    let report = run.finish().unwrap();
    let measured = |key: &str| report.measured[key].as_f64().unwrap_or_else(|| panic!("{key} missing"));
    let (gan, pixel, real) = (
        measured("frechet_gan"),
        measured("frechet_pixel_gaussian"),
        measured("frechet_real_vs_real"),
    );
    assert!(real < gan && gan < pixel, "real {real}, GAN {gan}, pixel Gaussian {pixel}");
    assert!(measured("conditional_accuracy") >= 0.0 && measured("mode_entropy") > 0.0);
    for file in [
        "progress.png",
        "interpolation.png",
        "conditional_samples.png",
        "losses.svg",
        "frechet.svg",
        "gan_epoch_04.png",
    ] {
        assert!(config.out_dir.join(file).is_file(), "{file} not written");
    }

    // The saved conditional generator draws the class asked for, by number or not at all.
    let model: ImageGan = saved::load(&config.out_dir.join("conditional_gan.safetensors")).unwrap();
    let request = DrawRequest {
        count: 3,
        label: Some("7".into()),
        ..DrawRequest::default()
    };
    let drawing = model.draw(&request).unwrap();
    assert_eq!(drawing.pixels.len(), 3 * 784);
    assert!(drawing.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
    assert_eq!(drawing.labels, vec![Some("7".to_string()); 3]);
    let bad = DrawRequest {
        count: 1,
        label: Some("12".into()),
        ..DrawRequest::default()
    };
    let Err(error) = model.draw(&bad) else { panic!("label 12 refused") };
    let error = error.to_string();
    assert!(error.contains("--label 12") && error.contains("0–9"), "{error}");
    // The unconditional one refuses labels and draws freely without them.
    let free: ImageGan = saved::load(&config.out_dir.join("gan.safetensors")).unwrap();
    let Err(error) = free.draw(&request) else { panic!("label refused") };
    let error = error.to_string();
    assert!(error.contains("unconditional"), "{error}");
    let drawing = free
        .draw(&DrawRequest {
            count: 2,
            ..DrawRequest::default()
        })
        .unwrap();
    assert_eq!(drawing.labels, vec![None, None]);
    let _ = std::fs::remove_dir_all(&config.out_dir);
}

#[test]
fn unknown_variant_is_a_clear_error() {
    let error = GanVariant::parse("vae").err().unwrap().to_string();
    assert!(
        error.contains("unknown gan variant 'vae'") && error.contains("dcgan-fashion"),
        "{error}"
    );
    assert_eq!(
        GanVariant::parse("dcgan-fashion").unwrap(),
        GanVariant {
            kind: GanKind::Dcgan,
            dataset: Dataset::FashionMnist
        }
    );
}
