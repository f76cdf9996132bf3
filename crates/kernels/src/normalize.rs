//! L2 normalisation of rows (PyTorch's `F.normalize(x, dim=-1)`): `y = x / max(‖x‖, eps)`,
//! forward and backward. CLIP compares embeddings by the cosine of unit vectors made this
//! way; the floor `eps` keeps an all-zero row at zero instead of dividing by zero.

fn check(what: &str, actual: usize, expected: usize, n: usize) {
    assert_eq!(
        actual, expected,
        "normalize: {what} has {actual} elements, expected {expected} (rows of {n})"
    );
}

/// Overwrites `y` with each row of `x` (rows of `n`) divided by max(‖row‖, eps), and
/// `norms` with each row's ‖row‖ (before the floor).
pub fn normalize_rows_forward(x: &[f32], n: usize, eps: f32, y: &mut [f32], norms: &mut [f32]) {
    let rows = x.len() / n.max(1);
    check("output", y.len(), x.len(), n);
    check("norms", norms.len(), rows, n);
    for ((xr, yr), norm) in x.chunks_exact(n.max(1)).zip(y.chunks_exact_mut(n.max(1))).zip(norms.iter_mut()) {
        *norm = xr.iter().map(|&v| v as f64 * v as f64).sum::<f64>().sqrt() as f32;
        let inv = 1.0 / norm.max(eps);
        yr.iter_mut().zip(xr).for_each(|(y, &x)| *y = x * inv);
    }
}

/// Overwrites `grad_input` with the gradient through [`normalize_rows_forward`]: for a
/// row with ‖x‖ > eps, (dy − y·(dy·y))/‖x‖; below the floor the divisor is the constant
/// eps, so dy/eps (PyTorch's `clamp_min` gradient).
pub fn normalize_rows_backward(y: &[f32], norms: &[f32], n: usize, eps: f32, grad_out: &[f32], grad_input: &mut [f32]) {
    check("grad_out", grad_out.len(), y.len(), n);
    check("grad_input", grad_input.len(), y.len(), n);
    check("norms", norms.len(), y.len() / n.max(1), n);
    let rows = y.chunks_exact(n.max(1)).zip(grad_out.chunks_exact(n.max(1)));
    for (((yr, gr), dx), &norm) in rows.zip(grad_input.chunks_exact_mut(n.max(1))).zip(norms) {
        if norm > eps {
            let dot: f32 = yr.iter().zip(gr).map(|(&y, &g)| y * g).sum();
            let inv = 1.0 / norm;
            dx.iter_mut()
                .zip(yr.iter().zip(gr))
                .for_each(|(d, (&y, &g))| *d = (g - y * dot) * inv);
        } else {
            dx.iter_mut().zip(gr).for_each(|(d, &g)| *d = g / eps);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_unit_vectors_and_zero_rows_stay_zero() {
        let x = [3.0, 4.0, 0.0, 0.0, 0.0, 0.0, 1e-13, 0.0, 0.0];
        let (mut y, mut norms) = ([0.0; 9], [0.0; 3]);
        normalize_rows_forward(&x, 3, 1e-12, &mut y, &mut norms);
        assert_eq!(&y[..3], &[0.6, 0.8, 0.0]);
        assert_eq!(&y[3..6], &[0.0; 3]);
        assert!((y[6] - 0.1).abs() < 1e-6, "{}", y[6]); // below the floor: x / eps
        let mut dx = [0.0; 9];
        normalize_rows_backward(&y, &norms, 3, 1e-12, &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0], &mut dx);
        // d(x/‖x‖)/dx₀ at (3, 4): (1 − 0.36)/5 and −0.48/5.
        assert!((dx[0] - 0.128).abs() < 1e-6 && (dx[1] + 0.096).abs() < 1e-6, "{dx:?}");
        assert!(dx[3..6].iter().all(|&d| d == 1e12));
    }
}
