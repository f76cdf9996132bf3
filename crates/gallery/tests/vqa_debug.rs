use descent_gallery::milestones::vqa::{data, train, vocab::AnswerVocab, scenes};
use descent_gallery::Phase;
use descent_models::vqa::{Vqa, VqaConfig, VqaInputs};
use descent_tensor::Rng;
use descent_text::{Bpe, Tokenizer};
use std::time::Instant;

fn env<T: std::str::FromStr>(k: &str, d: T) -> T { std::env::var(k).ok().and_then(|v| v.parse().ok()).unwrap_or(d) }

#[test]
fn debug() {
    let d = data::load(&descent_data::DataLocator::new(None), false).unwrap();
    let texts = data::question_texts(&d);
    let tokenizer = Tokenizer::Bpe(Bpe::train(texts.iter().map(String::as_str), 300));
    let vocab = AnswerVocab::new(data::answer_words(&d));
    let longest = texts.iter().map(|t| train::question_ids(&tokenizer, t).len()).max().unwrap();
    let config = VqaConfig { image_side: 64, patch: 8, stem: env("STEM", 16), question_vocab: tokenizer.vocab_size(), question_len: longest + 8,
        answer_vocab: vocab.len(), answer_len: 21, d_model: env("D", 64), n_heads: 4, encoder_layers: env("ENC", 2), decoder_layers: env("DEC", 1), inputs: VqaInputs::Both };
    let (easy_test, scene_test) = data::test_sets(&d, 200, 500, 1);
    let model = Vqa::new(config, &mut Rng::new(1));
    let steps: usize = env("STEPS", 400);
    let every: usize = env("EVERY", 100);
    let budget = train::Budget { steps: every, batch_size: env("B", 64), per_image: env("K", 4), lr: env("LR", 1e-3) };
    let phase = Phase::start(std::sync::Arc::new(descent_gallery::Silent), "x", 1);
    let _ = scenes::CANVAS;
    for round in 0..steps / every {
        let t = Instant::now();
        let losses = train::train(&model, &d, &tokenizer, &vocab, budget, 1 + round as u64, &phase);
        let secs = t.elapsed().as_secs_f64();
        let mut s = train::Scores::default();
        train::score(&scene_test, &train::answer_all(&model, &scene_test, &tokenizer), &vocab, &mut s);
        train::score(&easy_test, &train::answer_all(&model, &easy_test, &tokenizer), &vocab, &mut s);
        println!("step {} loss {:.3} ({:.1}s) where {:.3} err {:.1} left {:.3} count {:.3} easy {:.3} list {:.3}", (round+1)*every,
            losses.iter().rev().take(20).sum::<f32>()/20.0, secs, s.where_iou50.unwrap(), s.where_error_px.unwrap(), s.left_of.unwrap(), s.count.unwrap(), s.easy_vqa.unwrap(), s.list_recall.unwrap());
    }
}
