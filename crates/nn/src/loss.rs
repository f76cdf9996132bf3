//! Loss functions (mean reduction, as PyTorch's defaults).

use descent_tensor::Tensor;

/// Mean squared error.
pub fn mse_loss(prediction: &Tensor, target: &Tensor) -> Tensor {
    assert_eq!(
        prediction.shape(),
        target.shape(),
        "mse_loss: prediction {:?} vs target {:?}",
        prediction.shape(),
        target.shape()
    );
    let diff = prediction.sub(target);
    diff.mul(&diff).mean_all()
}

/// Cross-entropy of (N, classes) logits against class indices, mean over rows.
pub fn cross_entropy(logits: &Tensor, targets: &[usize]) -> Tensor {
    logits.cross_entropy(targets)
}

/// Binary cross-entropy on logits, stable form: max(x,0) − x·y + log(1 + e^−|x|).
pub fn bce_with_logits(logits: &Tensor, targets: &Tensor) -> Tensor {
    assert_eq!(
        logits.shape(),
        targets.shape(),
        "bce_with_logits: logits {:?} vs targets {:?}",
        logits.shape(),
        targets.shape()
    );
    let softplus = logits.abs().neg().exp().add_scalar(1.0).log();
    logits.relu().sub(&logits.mul(targets)).add(&softplus).mean_all()
}

/// Fraction of rows whose argmax equals the label.
pub fn accuracy(logits: &Tensor, labels: &[usize]) -> f32 {
    let predicted = logits.argmax(logits.rank() - 1);
    let correct = predicted.iter().zip(labels).filter(|(p, l)| p == l).count();
    correct as f32 / labels.len().max(1) as f32
}
