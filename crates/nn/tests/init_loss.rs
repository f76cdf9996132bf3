//! Initialisers draw from the stated distributions; losses match their formulas.

use descent_nn::{init, loss};
use descent_tensor::{Rng, Tensor};

fn moments(t: &Tensor) -> (f32, f32, f32) {
    let v = t.to_vec();
    let n = v.len() as f32;
    let mean = v.iter().sum::<f32>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / n;
    (mean, var, v.iter().fold(0.0f32, |m, x| m.max(x.abs())))
}

#[test]
fn initialisers_have_the_textbook_variance_and_bounds() {
    let mut rng = Rng::new(3);
    let (fan_in, fan_out) = (400, 200);
    let (_, var, max) = moments(&init::xavier_uniform(&[fan_out, fan_in], fan_in, fan_out, 1.0, &mut rng));
    let bound = (6.0f32 / 600.0).sqrt();
    assert!(
        max <= bound && (var - bound * bound / 3.0).abs() < 0.05 * bound * bound / 3.0,
        "xavier_uniform var {var}"
    );
    let (_, var, _) = moments(&init::xavier_normal(&[fan_out, fan_in], fan_in, fan_out, 1.0, &mut rng));
    assert!((var - 2.0 / 600.0).abs() < 0.05 * 2.0 / 600.0, "xavier_normal var {var}");
    let (_, var, max) = moments(&init::kaiming_uniform(&[fan_out, fan_in], fan_in, &mut rng));
    assert!(
        max <= (6.0f32 / 400.0).sqrt() && (var - 2.0 / 400.0).abs() < 0.05 * 2.0 / 400.0,
        "kaiming_uniform var {var}"
    );
    let (mean, var, _) = moments(&init::kaiming_normal(&[fan_out, fan_in], fan_in, &mut rng));
    assert!(
        mean.abs() < 0.01 && (var - 2.0 / 400.0).abs() < 0.05 * 2.0 / 400.0,
        "kaiming_normal var {var}"
    );
}

#[test]
fn losses_match_their_formulas() {
    let logits = Tensor::from_vec(vec![2.0, -1.0, 0.0, 30.0, -30.0], &[5]);
    let targets = Tensor::from_vec(vec![1.0, 0.0, 1.0, 1.0, 0.0], &[5]);
    let expected: f32 = [(2.0f32, 1.0f32), (-1.0, 0.0), (0.0, 1.0), (30.0, 1.0), (-30.0, 0.0)]
        .iter()
        .map(|&(x, y)| {
            let p = 1.0 / (1.0 + (-x as f64).exp());
            -(y as f64 * p.ln() + (1.0 - y as f64) * (1.0 - p).ln()) as f32
        })
        .sum::<f32>()
        / 5.0;
    let got = loss::bce_with_logits(&logits, &targets).item();
    assert!((got - expected).abs() < 1e-5, "bce {got} vs {expected}");
    let mse = loss::mse_loss(&Tensor::from_vec(vec![1.0, 2.0], &[2]), &Tensor::from_vec(vec![0.0, 4.0], &[2])).item();
    assert_eq!(mse, 2.5);
    let acc = loss::accuracy(&Tensor::from_vec(vec![0.1, 0.9, 0.8, 0.2], &[2, 2]), &[1, 1]);
    assert_eq!(acc, 0.5);
}
