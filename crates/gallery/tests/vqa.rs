//! The VQA milestone end to end at a tiny size: three models (image+question and the two
//! blind baselines) train on embedded data; the scores are measured; the verdict follows
//! them; the saved model answers "where" with a box through `descent ask`'s code path.

use descent_gallery::milestones::vqa::{run_with, scenes, train::Budget, Settings, CHECKPOINT, MARGIN};
use descent_gallery::{find, Run, RunConfig, RunSettings};
use descent_models::saved;
use descent_models::vqa::VqaConfig;
use descent_models::vqa::{Reply, VqaModel};

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
    // The saved model answers about a scene (a white MNIST 7 on black, in a 2:1 image):
    // a box inside the image, a word, or no answer — never raw coordinate tokens.
    let loaded: VqaModel = saved::load(&config.out_dir.join(CHECKPOINT)).unwrap();
    let side = loaded.canvas();
    let (digits, _) = descent_data::mnist_subset();
    let seven = (0..digits.n).find(|&i| digits.labels[i] == 7).unwrap();
    let mut image = vec![0u8; 3 * side * side];
    for c in 0..3 {
        for y in 0..28 {
            for x in 0..28 {
                image[c * side * side + (y + 10) * side + x + 20] = digits.image(seven)[y * 28 + x];
            }
        }
    }
    let answer = loaded.ask(&image, "where is the 7?", 2 * side, side).unwrap();
    assert!((0.0..=1.0).contains(&answer.probability), "{answer:?}");
    match answer.reply {
        Some(Reply::Box(b)) => assert!(
            0.0 <= b[0] && b[0] < b[2] && b[2] <= 2.0 * side as f32 && 0.0 <= b[1] && b[1] < b[3] && b[3] <= side as f32,
            "{b:?}"
        ),
        Some(Reply::Word(w)) => assert!(!w.starts_with('<'), "a raw token printed as an answer: {w}"),
        None => assert!(!answer.tokens.is_empty() || answer.probability > 0.0, "{answer:?}"),
    }
    // What the model cannot read is an input error, not a guess.
    for (question, width, height, image, expected) in [
        ("ЖЖЖ", side, side, image.clone(), "no character"),
        (&*"where is the 7? ".repeat(500), side, side, image.clone(), "shorter question"),
        ("where is the 7?", side, side, vec![0u8; 3 * side * side], "blank"),
        ("where is the 7?", 1, 1, image.clone(), "too small"),
        ("where is the 7?", 4000, 16, image.clone(), "stretched"),
    ] {
        let err = loaded.ask(&image, question, width, height).unwrap_err().to_string();
        assert!(err.contains(expected), "{expected}: {err}");
        assert!(err.len() < 300, "the error echoes its input: {err}");
    }
}
