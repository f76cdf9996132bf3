//! Temporary exploration (removed before hand-off).
use descent_models::adding::*;
use descent_nn::CellKind;
use indicatif::ProgressBar;

#[test]
#[ignore]
fn explore_adding() {
    let t: usize = std::env::var("T").unwrap().parse().unwrap();
    let steps: usize = std::env::var("STEPS").unwrap().parse().unwrap();
    let hidden: usize = std::env::var("H").unwrap_or("128".into()).parse().unwrap();
    let batch: usize = std::env::var("B").unwrap_or("64".into()).parse().unwrap();
    let lr: f32 = std::env::var("LR").unwrap_or("0.001".into()).parse().unwrap();
    let kinds: Vec<CellKind> = std::env::var("KINDS").unwrap_or("lstm,rnn".into()).split(',').map(|k| if k == "lstm" { CellKind::Lstm } else if k == "gru" { CellKind::Gru } else { CellKind::Tanh }).collect();
    for kind in kinds {
        let s = AddingSettings { seq_len: t, hidden, batch_size: batch, train_steps: steps, lr, clip_norm: 1.0, test_size: 1000, seed: 0 };
        let (_, out) = train_adding(kind, &s, &ProgressBar::hidden());
        println!("{kind:?} T={t} H={hidden} B={batch} steps={steps}: test mse {:.4} in {:.1}s", out.test_mse, out.seconds);
        println!("  curve: {:?}", out.curve.iter().map(|(s, m)| format!("{s}:{m:.3}")).collect::<Vec<_>>());
    }
}

#[test]
#[ignore]
fn explore_w4_phases() {
    use descent_models::charlm::{CharLstm, CharLstmConfig};
    use descent_tensor::{Rng, Tensor};
    use std::time::Instant;
    let model = CharLstm::new(CharLstmConfig::bench(), &mut Rng::new(0));
    let (b, t, h) = (32usize, 100usize, 256usize);
    let mut rng = Rng::new(1);
    let ids: Vec<usize> = (0..b * t).map(|_| rng.below(256)).collect();
    let mut acc = [0.0f64; 8];
    for it in 0..30 {
        let t0 = Instant::now();
        let x = model.emb.lookup(&ids, &[b, t]);
        let layer = &model.lstm.layers[0];
        let xp = x.matmul(&layer.weight_ih.value().t());
        let t1 = Instant::now();
        let bias = layer.bias_ih.value().add(&layer.bias_hh.value());
        let h0 = Tensor::zeros(&[b, h]);
        let (hs, _) = xp.lstm_sequence(&layer.weight_hh.value(), &bias, &h0, &h0);
        let t2 = Instant::now();
        let logits = descent_nn::Module::forward(&model.head, &hs);
        let loss = logits.reshape(&[b * t, 256]).softmax_cross_entropy(&ids, None);
        let t3 = Instant::now();
        let _g = loss.backward();
        let t4 = Instant::now();
        // The LSTM op's backward alone.
        let xpv = xp.detach().to_variable();
        let (hs2, _) = xpv.lstm_sequence(&layer.weight_hh.value(), &bias.detach(), &h0, &h0);
        let seed = Tensor::ones(hs2.shape());
        let t5 = Instant::now();
        let mut store = descent_tensor::GradStore::new();
        hs2.backward_with_grad(&seed, &[], &mut store);
        let t6 = Instant::now();
        if it >= 5 {
            for (i, d) in [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t6 - t5].iter().enumerate() {
                acc[i] += d.as_secs_f64() * 1e3 / 25.0;
            }
        }
    }
    println!("emb+xproj {:.2} ms, lstm fwd {:.2} ms, head+CE {:.2} ms, backward {:.2} ms (lstm op bwd alone {:.2} ms)", acc[0], acc[1], acc[2], acc[3], acc[4]);
}

#[test]
#[ignore]
fn explore_margins() {
    use descent_models::adding::*;
    use descent_tensor::Rng;
    for seed in 0..3u64 {
        let s = AddingSettings { seq_len: 30, hidden: 32, batch_size: 32, train_steps: 1000, lr: 3e-3, clip_norm: 1.0, test_size: 1000, seed };
        let (_, lstm) = train_adding(CellKind::Lstm, &s, &ProgressBar::hidden());
        let (_, rnn) = train_adding(CellKind::Tanh, &s, &ProgressBar::hidden());
        println!("seed {seed}: lstm {:.4} rnn {:.4}", lstm.test_mse, rnn.test_mse);
    }
    let mut rng = Rng::new(1);
    let (x, y) = adding_batch(16, 60, &mut rng);
    let rnn = AddingModel::new(CellKind::Tanh, 32, &mut rng);
    let lstm = AddingModel::new(CellKind::Lstm, 32, &mut rng);
    let (g_rnn, g_lstm) = (hidden_gradient_norms(&rnn, &x, &y), hidden_gradient_norms(&lstm, &x, &y));
    println!("rnn ratio {:e} lstm ratio {:e}", g_rnn[0] / g_rnn[59], g_lstm[0] / g_lstm[59]);
}
