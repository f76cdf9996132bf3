//! Helpers shared by the kernel-vs-reference tests.
#![allow(dead_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

/// `n` deterministic values in [−scale, scale) (a hash of the index and `seed`).
pub fn fill(n: usize, seed: u32, scale: f32) -> Vec<f32> {
    let hash = |i: usize| ((i as u32).wrapping_mul(2654435761) ^ seed).wrapping_mul(40503);
    (0..n).map(|i| ((hash(i) % 2000) as f32 / 1000.0 - 1.0) * scale).collect()
}

/// Asserts `|fast − slow| ≤ tol·(1 + max|slow|)` element by element, naming the case.
pub fn assert_close(what: &str, fast: &[f32], slow: &[f32], tol: f32) {
    assert_eq!(fast.len(), slow.len(), "{what}: lengths differ");
    let scale = 1.0 + slow.iter().fold(0.0f32, |m, y| m.max(y.abs()));
    for (i, (x, y)) in fast.iter().zip(slow).enumerate() {
        assert!((x - y).abs() <= tol * scale, "{what}[{i}]: fast {x} vs reference {y}");
    }
}

/// Runs `f` on a rayon pool of `threads` workers.
pub fn with_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}

/// Runs a kernel that writes every element of a (possibly uninitialised) output of `n`
/// values; the output starts as NaN here, so an element the kernel skips shows up in the
/// comparison with its reference.
pub fn written(n: usize, write: impl FnOnce(&mut [std::mem::MaybeUninit<f32>])) -> Vec<f32> {
    let mut out = vec![std::mem::MaybeUninit::new(f32::NAN); n];
    write(&mut out);
    // SAFETY: every element was initialised (to NaN) before the kernel ran.
    out.into_iter().map(|v| unsafe { v.assume_init() }).collect()
}

/// Element counts of a convolution-like layer: input, weight, bias (output channels), output.
pub type LayerLens = [usize; 4];

/// Checks a convolution-like forward `fast(x, w, bias, out)` against its reference
/// `slow`, without and with a bias, on deterministic inputs; `case` names the geometry.
pub fn forward_matches_reference(
    case: &str,
    [input, weight, bias, output]: LayerLens,
    fast: impl Fn(&[f32], &[f32], Option<&[f32]>, &mut [f32]),
    slow: impl Fn(&[f32], &[f32], Option<&[f32]>, &mut [f32]),
) {
    let (x, w, b) = (fill(input, 1, 1.0), fill(weight, 2, 1.0), fill(bias, 3, 1.0));
    for bias in [None, Some(&b[..])] {
        let (mut f, mut s) = (vec![f32::NAN; output], vec![0.0; output]);
        fast(&x, &w, bias, &mut f);
        slow(&x, &w, bias, &mut s);
        assert_close(&format!("out in {case}"), &f, &s, 1e-4);
    }
}

/// Checks a convolution-like backward `fast(x, w, dy, [grad_input, grad_weight,
/// grad_bias])` against its reference `slow` on deterministic inputs; returns those
/// inputs and the fast gradients for further checks.
pub fn backward_matches_reference(
    case: &str,
    [input, weight, bias, output]: LayerLens,
    fast: impl Fn(&[f32], &[f32], &[f32], [&mut [f32]; 3]),
    slow: impl Fn(&[f32], &[f32], &[f32], [&mut [f32]; 3]),
) -> ([Vec<f32>; 3], [Vec<f32>; 3]) {
    let (x, w, dy) = (fill(input, 4, 1.0), fill(weight, 5, 1.0), fill(output, 6, 1.0));
    let mut f = [input, weight, bias].map(|n| vec![f32::NAN; n]);
    let mut s = [input, weight, bias].map(|n| vec![0.0; n]);
    fast(&x, &w, &dy, f.each_mut().map(|v| &mut v[..]));
    slow(&x, &w, &dy, s.each_mut().map(|v| &mut v[..]));
    for (name, f, s) in [
        ("grad_input", &f[0], &s[0]),
        ("grad_weight", &f[1], &s[1]),
        ("grad_bias", &f[2], &s[2]),
    ] {
        assert_close(&format!("{name} in {case}"), f, s, 1e-4);
    }
    ([x, w, dy], f)
}
