//! Central finite differences against autograd, through a random projection so every
//! output element's Jacobian row is exercised.

use descent_tensor::{no_grad, Rng, Tensor};

/// Step and tolerances of a gradient check.
#[derive(Clone, Copy, Debug)]
pub struct GradcheckOptions {
    /// Finite-difference step.
    pub eps: f32,
    /// Absolute tolerance, scaled by the largest gradient magnitude.
    pub atol: f32,
    /// Relative tolerance.
    pub rtol: f32,
}

impl Default for GradcheckOptions {
    fn default() -> Self {
        GradcheckOptions {
            eps: 1e-2,
            atol: 2e-3,
            rtol: 2e-2,
        }
    }
}

/// Compares autograd's gradient of `Σ f(inputs) · R` (R fixed random) with central
/// differences for every element of every input. Returns a description of the first
/// mismatch.
pub fn gradcheck(f: &dyn Fn(&[Tensor]) -> Tensor, inputs: &[Tensor], options: GradcheckOptions) -> Result<(), String> {
    let vars: Vec<Tensor> = inputs.iter().map(|t| t.to_variable()).collect();
    let probe = f(&vars);
    let mut rng = Rng::new(1234);
    let projection = Tensor::randn(probe.shape(), &mut rng);
    let scalar = |xs: &[Tensor]| -> f64 {
        let out = f(xs);
        out.to_vec()
            .iter()
            .zip(projection.to_vec())
            .map(|(&o, p)| o as f64 * p as f64)
            .sum()
    };
    let loss = probe.mul(&projection).sum_all();
    let grads = loss.backward();
    for (which, var) in vars.iter().enumerate() {
        let analytic = grads.get(var).map(|g| g.to_vec()).unwrap_or_else(|| vec![0.0; var.numel()]);
        let base = var.to_vec();
        let mut numeric = vec![0.0f32; base.len()];
        for i in 0..base.len() {
            let at = |delta: f32| {
                let mut data = base.clone();
                data[i] += delta;
                let mut xs: Vec<Tensor> = vars.iter().map(|v| v.detach()).collect();
                xs[which] = Tensor::from_vec(data, var.shape());
                no_grad(|| scalar(&xs))
            };
            numeric[i] = ((at(options.eps) - at(-options.eps)) / (2.0 * options.eps as f64)) as f32;
        }
        let scale = numeric.iter().chain(&analytic).fold(1e-3f32, |m, &x| m.max(x.abs()));
        for i in 0..base.len() {
            let (a, n) = (analytic[i], numeric[i]);
            if (a - n).abs() > options.atol * scale + options.rtol * n.abs() {
                return Err(format!(
                    "input {which} element {i}: autograd {a} vs finite difference {n} (scale {scale})"
                ));
            }
        }
    }
    Ok(())
}
