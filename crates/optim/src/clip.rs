//! Global gradient-norm clipping, as `torch.nn.utils.clip_grad_norm_`.

use descent_tensor::{GradStore, Param, Tensor};
use std::collections::HashSet;

/// Scales the gradients of `params` so that their global L2 norm is at most
/// `max_norm`, and returns the norm measured *before* clipping (worth logging: a
/// rising norm is an early sign of divergence).
///
/// The norm is `√(Σ g²)` over every element of every parameter's gradient taken
/// together (a parameter listed twice counts once; one without a gradient adds
/// nothing). When it exceeds `max_norm`, every one of those gradients is multiplied
/// by `max_norm / (norm + 1e-6)`, PyTorch's coefficient, whose 1e-6 keeps the
/// division safe and leaves the clipped norm just under `max_norm`. The sum runs in
/// f64 so that many small squares are not lost against large ones.
///
/// A non-finite norm (an overflow or NaN upstream) is returned as is and the
/// gradients are left untouched, so the caller can see it and skip the step.
pub fn clip_grad_norm(grads: &mut GradStore, params: &[Param], max_norm: f32) -> f32 {
    let mut seen = HashSet::new();
    let ids: Vec<_> = params.iter().map(Param::id).filter(|id| seen.insert(*id)).collect();

    let mut sum_squares = 0.0f64;
    for &id in &ids {
        if let Some(grad) = grads.get_id(id) {
            let data = grad.contiguous_data();
            sum_squares += data.iter().map(|&g| (g as f64) * (g as f64)).sum::<f64>();
        }
    }
    let total_norm = sum_squares.sqrt() as f32;

    if total_norm.is_finite() && total_norm > max_norm {
        let scale = max_norm / (total_norm + 1e-6);
        for id in ids {
            let Some(grad) = grads.get_id(id) else {
                continue;
            };
            let scaled: Vec<f32> = grad.contiguous_data().iter().map(|&g| g * scale).collect();
            let shape = grad.shape().to_vec();
            grads.insert(id, Tensor::from_vec(scaled, &shape));
        }
    }
    total_norm
}
