//! The VQA milestone end to end at a tiny size: three models (image+question and the two
//! blind baselines) train on embedded data; the scores are measured; the verdict follows
//! them; the saved model answers "where" with a box through `descent ask`'s code path.

use descent_gallery::milestones::vqa::{run_with, scenes, train::Budget, Settings, CHECKPOINT, MARGIN};
use descent_gallery::{find, Run, RunConfig, RunSettings};
use descent_models::saved;
use descent_models::vqa::VqaConfig;
use descent_models::vqa::VqaModel;

fn tiny() -> Settings {
    let quick = Settings::quick();
    Settings {
        model: VqaConfig {
            d_model: 32,
            n_heads: 2,
            encoder_layers: 1,
            decoder_layers: 1,
            stem: 8,
            ..quick.model
        },
        budget: Budget {
            steps: 250,
            batch_size: 32,
            lr: 3e-3,
            ..quick.budget
        },
        test_scenes: 40,
        easy_test_limit: 100,
        bpe_vocab: 200,
    }
}

#[test]
fn a_tiny_vqa_run_measures_its_claim_and_saves_a_model_that_answers_with_a_box() {
    let mut config = RunConfig::new("vqa");
    config.out_dir = std::env::temp_dir().join(format!("descent-test-vqa-{}", std::process::id()));
    let mut run = Run::silent(find("vqa").unwrap(), config.clone()).unwrap();
    run_with(&mut run, tiny()).unwrap();
    let report = run.finish().unwrap();
    let m = |key: &str| report.measured[key].as_f64().unwrap_or_else(|| panic!("no {key}"));
    // The model learned the answer format: "where" gets four coordinate tokens.
    assert!(m("where_malformed") < 0.2, "{}", report.human_summary());
    // Coordinates land on the canvas, and the error is measured in pixels.
    let error = m("where_coordinate_error_px");
    assert!(error > 0.0 && error < scenes::CANVAS as f64 / 2.0, "{error}");
    // Blind baselines exist, and the verdict is the stated rule on the measured numbers.
    let (ours, blind) = (m("where_iou50"), m("where_iou50_question_only").max(m("where_iou50_image_only")));
    assert_eq!(
        report.passed,
        ours >= 2.0 * blind && ours >= blind + MARGIN,
        "{}",
        report.human_summary()
    );
    for key in [
        "left_of_accuracy",
        "count_accuracy",
        "easy_vqa_accuracy",
        "easy_vqa_accuracy_question_only",
    ] {
        assert!((0.0..=1.0).contains(&m(key)), "{key}");
    }
    // easy-VQA's 13 answers: trained on the question alone, a model beats chance (1/13).
    assert!(m("easy_vqa_accuracy_question_only") > 2.0 / 13.0, "{}", report.human_summary());
    for artifact in ["scenes.png", "accuracy_per_type.svg", "answers.txt", CHECKPOINT] {
        assert!(config.out_dir.join(artifact).is_file(), "{artifact} missing");
    }
    // The saved model answers a "where" question with a box in the given image's pixels.
    let loaded: VqaModel = saved::load(&config.out_dir.join(CHECKPOINT)).unwrap();
    let side = loaded.canvas();
    let image = vec![0u8; 3 * side * side];
    let answer = loaded.ask(&image, "where is the 7?", 2 * side, side).unwrap();
    let b = answer.bbox.unwrap_or_else(|| panic!("not a box: {:?}", answer.text));
    assert!(
        b[0] <= 2.0 * side as f32 && b[2] <= 2.0 * side as f32 && b[3] <= side as f32,
        "{b:?}"
    );
    assert!(loaded.ask(&image, "ЖЖЖ", side, side).is_err());
}
