//! Loss functions (mean reduction, as PyTorch's defaults).

use descent_tensor::Tensor;

/// Mean squared error (mean of (prediction − target)²; gradients to both).
pub fn mse_loss(prediction: &Tensor, target: &Tensor) -> Tensor {
    prediction.mse_loss(target)
}

/// Cross-entropy of (N, classes) logits against class indices, mean over rows.
pub fn cross_entropy(logits: &Tensor, targets: &[usize]) -> Tensor {
    logits.cross_entropy(targets)
}

/// Binary cross-entropy on logits against targets in [0, 1], mean over elements; the
/// fused, numerically stable op (`Tensor::bce_with_logits`).
pub fn bce_with_logits(logits: &Tensor, targets: &Tensor) -> Tensor {
    logits.bce_with_logits(targets)
}

/// Fraction of rows whose argmax equals the label.
pub fn accuracy(logits: &Tensor, labels: &[usize]) -> f32 {
    let predicted = logits.argmax(logits.rank() - 1);
    let correct = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
    correct as f32 / labels.len().max(1) as f32
}
