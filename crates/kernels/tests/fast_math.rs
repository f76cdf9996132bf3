//! The vectorisable exp, erf and reductions against libm and plain loops.

use descent_kernels::fast_math::*;
use std::f32::consts::FRAC_1_SQRT_2;

#[test]
fn exp_is_within_two_ulp_of_libm() {
    let mut worst = 0.0f32;
    for i in -87_000..88_000 {
        let x = i as f32 * 1e-3 + 0.000_37;
        let (fast, exact) = (exp(x), x.exp());
        worst = worst.max((fast - exact).abs() / exact);
    }
    assert!(worst < 2.5e-7, "relative error {worst}");
}

#[test]
fn erf_and_gelu_match_libm() {
    for i in -6000..6000 {
        let x = i as f32 * 1e-3;
        assert!((erf(x) - libm::erff(x)).abs() <= 4.5e-7, "erf({x})");
        let exact = 0.5 * x as f64 * (1.0 + libm::erf(x as f64 * std::f64::consts::FRAC_1_SQRT_2));
        // erf's absolute error, halved and scaled by |x|, plus rounding.
        let bound = 2.5e-7 * x.abs() as f64 + 1e-6 * exact.abs() + 1e-7;
        assert!((gelu(x) as f64 - exact).abs() <= bound, "gelu({x})");
        let exact_grad = 0.5 * (1.0 + libm::erff(x * FRAC_1_SQRT_2)) + x * (-0.5 * x * x).exp() / (2.0 * std::f32::consts::PI).sqrt();
        assert!((gelu_grad(x) - exact_grad).abs() <= 1e-6, "gelu_grad({x})");
    }
}

#[test]
fn slice_kernels_match_plain_loops() {
    for len in [0usize, 1, 7, 8, 9, 37, 100] {
        let row: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin() * 5.0).collect();
        let exact_sum: f64 = row.iter().map(|&v| v as f64).sum();
        assert!((sum(&row) as f64 - exact_sum).abs() < 1e-5, "sum of {len}");
        assert_eq!(max(&row), row.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v)), "max of {len}");
        let mut scaled = row.clone();
        exp_scaled_in_place(&mut scaled, 0.5, 1.0);
        let mut times_g = vec![0.0; len];
        scaled_exp(&row, 1.0, 3.0, &mut times_g);
        for (i, &v) in row.iter().enumerate() {
            let e = (v as f64 * 0.5 - 1.0).exp();
            assert!((scaled[i] as f64 - e).abs() <= 3e-7 * e, "exp_scaled_in_place[{i}] of {len}");
            let e = 3.0 * (v as f64 - 1.0).exp();
            assert!((times_g[i] as f64 - e).abs() <= 3e-7 * e, "scaled_exp[{i}] of {len}");
        }
        if len > 0 {
            let mut out = [0.0f32; 2];
            let two_rows: Vec<f32> = row
                .iter()
                .chain(row.iter().map(|v| v + 100.0).collect::<Vec<_>>().iter())
                .copied()
                .collect();
            log_sum_exp_rows(&two_rows, len, &mut out);
            let exact = row.iter().map(|&v| (v as f64).exp()).sum::<f64>().ln();
            assert!((out[0] as f64 - exact).abs() < 1e-5, "log_sum_exp of {len}");
            assert!((out[1] as f64 - exact - 100.0).abs() < 2e-5, "shifted log_sum_exp of {len}");
        }
    }
}
