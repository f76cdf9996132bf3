//! The closed list of recorded operations: what backward needs to know about each node.
//!
//! This is a flat table by design (one variant per differentiable op). Adding an op
//! touches four places: a variant here, its forward in `ops/`, its arm in `backward.rs`,
//! and a row in the gradcheck table (`tests/gradcheck.rs`), which fails if an
//! [`OpKind`] has no row.

use crate::Tensor;
use std::sync::Arc;

/// Elementwise functions of one tensor (scalars are carried inline).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryOp {
    /// −x
    Neg,
    /// eˣ
    Exp,
    /// ln x
    Log,
    /// √x
    Sqrt,
    /// |x|
    Abs,
    /// tanh x
    Tanh,
    /// 1/(1+e⁻ˣ)
    Sigmoid,
    /// max(x, 0); derivative 0 at 0, as PyTorch.
    Relu,
    /// Exact (erf) GELU: 0.5·x·(1+erf(x/√2)).
    Gelu,
    /// −1, 0 or 1; zero gradient.
    Sign,
    /// Heaviside step: 1 where x > 0 else 0; zero gradient (the threshold unit).
    Step,
    /// xᵖ for a constant p.
    Pow(f32),
    /// x limited to [min, max]; gradient passes only inside.
    Clamp(f32, f32),
    /// x + c.
    AddScalar(f32),
    /// x · c.
    MulScalar(f32),
    /// x for x > 0, else slope·x (derivative `slope` at 0, as PyTorch).
    LeakyRelu(f32),
    /// SiLU (swish): x·σ(x).
    Silu,
    /// ln(1 + eˣ), and x itself above 20 (PyTorch's threshold).
    Softplus,
    /// Spike: the step (1 where x > 0) forward; backward the fast-sigmoid surrogate 1/(1+k|x|)².
    Spike(f32),
}

/// Elementwise functions of two tensors, with NumPy broadcasting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// a + b
    Add,
    /// a − b
    Sub,
    /// a · b
    Mul,
    /// a / b
    Div,
    /// max(a, b); ties send the gradient to `a`.
    Maximum,
    /// min(a, b); ties send the gradient to `a`.
    Minimum,
}

impl BinaryOp {
    /// Lower-case op name for messages.
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "add",
            BinaryOp::Sub => "sub",
            BinaryOp::Mul => "mul",
            BinaryOp::Div => "div",
            BinaryOp::Maximum => "maximum",
            BinaryOp::Minimum => "minimum",
        }
    }
}

/// 2-D convolution hyper-parameters recorded for backward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvParams {
    /// Step between kernel applications.
    pub stride: usize,
    /// Zero padding on each side.
    pub padding: usize,
}

/// Which keys each query of [`Op::Attention`] may see. Both kinds leave every query a
/// prefix of the keys, so masked weights are exactly 0 (PyTorch's −inf fill).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttentionMask {
    /// Query `i` of `Tq` (absolute position `Tk − Tq + i`) sees keys `j ≤ Tk − Tq + i`.
    pub causal: bool,
    /// Per batch element (dim 0): the number of real keys; later keys are padding.
    pub key_lengths: Option<Arc<Vec<usize>>>,
}

/// One node of the autograd graph: the op and the inputs it read.
#[derive(Clone)]
pub enum Op {
    /// Elementwise unary function.
    Unary(Tensor, UnaryOp),
    /// Elementwise binary function with broadcasting.
    Binary(Tensor, Tensor, BinaryOp),
    /// Sum over `dims` (output may or may not keep them).
    Sum {
        /// Input.
        arg: Tensor,
        /// Reduced dimensions, sorted.
        dims: Vec<usize>,
    },
    /// Maximum over one dim; `indices` holds the winning position along `dim` per output.
    Max {
        /// Input.
        arg: Tensor,
        /// Reduced dimension.
        dim: usize,
        /// Argmax along `dim` for each output element (first maximum on ties).
        indices: Arc<Vec<usize>>,
    },
    /// (Batched) matrix product.
    Matmul(Tensor, Tensor),
    /// Same elements, new shape.
    Reshape(Tensor),
    /// Dimensions reordered.
    Permute(Tensor, Vec<usize>),
    /// Size-1 or missing dims repeated (a stride-0 view).
    BroadcastTo(Tensor),
    /// A slice `start..start+len` along `dim`.
    Narrow {
        /// Input.
        arg: Tensor,
        /// Sliced dimension.
        dim: usize,
        /// First index taken.
        start: usize,
    },
    /// A dense copy of a strided view.
    Contiguous(Tensor),
    /// Tensors joined along `dim`.
    Concat {
        /// Inputs in order.
        args: Vec<Tensor>,
        /// Joined dimension.
        dim: usize,
    },
    /// Whole slices picked along `dim` (embedding lookup is this on dim 0).
    IndexSelect {
        /// Input.
        arg: Tensor,
        /// Indexed dimension.
        dim: usize,
        /// Picked positions (may repeat).
        indices: Arc<Vec<usize>>,
    },
    /// Elementwise pick along `dim`: `out[.., j, ..] = arg[.., indices[.., j, ..], ..]`.
    Gather {
        /// Input.
        arg: Tensor,
        /// Indexed dimension.
        dim: usize,
        /// One index per output element (output shape).
        indices: Arc<Vec<usize>>,
    },
    /// `cond ? on_true : on_false` elementwise; the condition is data, not differentiable.
    Where {
        /// Per-output-element choice.
        cond: Arc<Vec<bool>>,
        /// Taken where true.
        on_true: Tensor,
        /// Taken where false.
        on_false: Tensor,
    },
    /// Softmax along `dim` (backward reuses the output).
    Softmax {
        /// Input.
        arg: Tensor,
        /// Normalised dimension.
        dim: usize,
    },
    /// Log-softmax along `dim` (backward reuses the output).
    LogSoftmax {
        /// Input.
        arg: Tensor,
        /// Normalised dimension.
        dim: usize,
    },
    /// NCHW cross-correlation with weight `[out, in, kh, kw]`.
    Conv2d {
        /// Input (N, C, H, W).
        input: Tensor,
        /// Kernel (O, C, KH, KW).
        weight: Tensor,
        /// Optional per-output-channel bias (O).
        bias: Option<Tensor>,
        /// Stride and padding.
        params: ConvParams,
    },
    /// Max pooling; `argmax` is the winning index inside each input plane.
    MaxPool2d {
        /// Input (N, C, H, W).
        input: Tensor,
        /// Window size.
        kernel: usize,
        /// Window step.
        stride: usize,
        /// −∞ padding on every side.
        padding: usize,
        /// Per output element, `h·W + w` of the maximum in its plane.
        argmax: Arc<Vec<u32>>,
    },
    /// Average pooling.
    AvgPool2d {
        /// Input (N, C, H, W).
        input: Tensor,
        /// Window size.
        kernel: usize,
        /// Window step.
        stride: usize,
    },
    /// Fused layer norm over the last dim; `stats` holds each row's (mean, 1/σ).
    LayerNorm {
        /// Input (.., n).
        input: Tensor,
        /// Gain (n).
        weight: Tensor,
        /// Shift (n).
        bias: Tensor,
        /// Added to the variance inside the root.
        eps: f32,
        /// Per row: mean, then 1/√(var + eps).
        stats: Arc<Vec<f32>>,
    },
    /// Fused scaled dot-product attention over (B, H, T, D); `probs` keeps the weights.
    Attention {
        /// Queries (B, H, Tq, D).
        q: Tensor,
        /// Keys (B, H, Tk, D).
        k: Tensor,
        /// Values (B, H, Tk, Dv).
        v: Tensor,
        /// Multiplies the scores (1/√D in the Transformer).
        scale: f32,
        /// Causal and/or key-padding mask.
        mask: AttentionMask,
        /// Softmax weights (B, H, Tq, Tk), saved for backward.
        probs: Arc<Vec<f32>>,
    },
    /// Fused softmax cross-entropy of (N, C) logits, mean over non-ignored rows.
    CrossEntropy {
        /// Logits (N, C).
        logits: Tensor,
        /// One class per row.
        targets: Arc<Vec<usize>>,
        /// Rows with this target are skipped (padding).
        ignore_index: Option<usize>,
        /// Per-row log-sum-exp, saved for backward.
        lse: Arc<Vec<f32>>,
    },
    /// A whole LSTM layer's recurrence over a batch-first sequence (`ops/recurrent.rs`).
    /// The output is packed `(B·T + B, H)`: h_t of sequence b in row `b·T + t`, then the
    /// final cell states.
    LstmSequence {
        /// Input projection of every step, x·W_ihᵀ (B, T, 4H), gate blocks i, f, g, o.
        x_proj: Tensor,
        /// Hidden-to-gates weight (4H, H).
        w_hh: Tensor,
        /// Gate bias (4H), added at every step.
        bias: Tensor,
        /// Initial hidden state (B, H).
        h0: Tensor,
        /// Initial cell state (B, H).
        c0: Tensor,
        /// Activated gates of every step (B, T, 4H), saved for backward.
        gates: Arc<Vec<f32>>,
        /// Cell states of every step (B, T, H), saved for backward.
        cells: Arc<Vec<f32>>,
    },
    /// Fused `gelu(input + bias)` (exact erf GELU) over the last dim.
    BiasGelu {
        /// Input (.., n).
        input: Tensor,
        /// Bias (n).
        bias: Tensor,
    },
    /// Transposed convolution (NCHW) with weight `[in, out, kh, kw]`.
    ConvTranspose2d {
        /// Input (N, C_in, H, W).
        input: Tensor,
        /// Kernel (C_in, C_out, KH, KW).
        weight: Tensor,
        /// Optional per-output-channel bias (C_out).
        bias: Option<Tensor>,
        /// Stride and padding.
        params: ConvParams,
    },
    /// Batch normalisation over dim 1 of (N, C, *): batch statistics in training, the
    /// running statistics (then inputs too) in evaluation.
    BatchNorm {
        /// Input (N, C, *).
        input: Tensor,
        /// Gain (C).
        weight: Tensor,
        /// Shift (C).
        bias: Tensor,
        /// Evaluation mode: the running mean and variance (C each) that normalised.
        running: Option<(Tensor, Tensor)>,
        /// Per channel: the means, then the 1/√(var + eps), that normalised.
        stats: Arc<Vec<f32>>,
    },
    /// Group normalisation of (N, C, *) in `groups` channel groups.
    GroupNorm {
        /// Input (N, C, *).
        input: Tensor,
        /// Per-channel gain (C).
        weight: Tensor,
        /// Per-channel shift (C).
        bias: Tensor,
        /// Number of channel groups (divides C).
        groups: usize,
        /// Per (image, group): mean, then 1/√(var + eps).
        stats: Arc<Vec<f32>>,
    },
    /// Binary cross-entropy on logits, mean over all elements.
    BceWithLogits {
        /// Logits (any shape).
        logits: Tensor,
        /// Targets in [0, 1], same shape.
        targets: Tensor,
    },
    /// Nearest-neighbour upsampling of (N, C, H, W) by an integer factor.
    UpsampleNearest2d {
        /// Input (N, C, H, W).
        input: Tensor,
        /// Factor on both axes.
        scale: usize,
    },
    /// L2 normalisation of the last dim: x / max(‖x‖, eps).
    Normalize {
        /// Input (.., n).
        input: Tensor,
        /// Floor of the divisor.
        eps: f32,
        /// Each row's ‖x‖, saved for backward.
        norms: Arc<Vec<f32>>,
    },
}

macro_rules! op_kinds {
    ($($name:ident),* $(,)?) => {
        /// A flat name for every differentiable operation (unary and binary functions
        /// counted one by one), so tests can demand a gradcheck row for each.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum OpKind { $(#[allow(missing_docs)] $name),* }
        impl OpKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [OpKind] = &[$(OpKind::$name),*];
        }
    };
}

#[rustfmt::skip]
op_kinds!(
    Neg, Exp, Log, Sqrt, Abs, Tanh, Sigmoid, Relu, Gelu, Sign, Step, Pow, Clamp, AddScalar,
    MulScalar, Add, Sub, Mul, Div, Maximum, Minimum, Sum, Max, Matmul, Reshape, Permute,
    BroadcastTo, Narrow, Contiguous, Concat, IndexSelect, Gather, Where, Softmax, LogSoftmax,
    Conv2d, MaxPool2d, AvgPool2d, LayerNorm, Attention, CrossEntropy, LstmSequence,
    BiasGelu,
    LeakyRelu, Silu, Softplus, ConvTranspose2d, BatchNorm, GroupNorm, BceWithLogits,
    UpsampleNearest2d, Normalize, Spike,
);

impl Op {
    /// The flat kind of this node (exhaustive: a new variant must be named here).
    pub fn kind(&self) -> OpKind {
        match self {
            Op::Unary(_, u) => match u {
                UnaryOp::Neg => OpKind::Neg,
                UnaryOp::Exp => OpKind::Exp,
                UnaryOp::Log => OpKind::Log,
                UnaryOp::Sqrt => OpKind::Sqrt,
                UnaryOp::Abs => OpKind::Abs,
                UnaryOp::Tanh => OpKind::Tanh,
                UnaryOp::Sigmoid => OpKind::Sigmoid,
                UnaryOp::Relu => OpKind::Relu,
                UnaryOp::Gelu => OpKind::Gelu,
                UnaryOp::Sign => OpKind::Sign,
                UnaryOp::Step => OpKind::Step,
                UnaryOp::Pow(_) => OpKind::Pow,
                UnaryOp::Clamp(..) => OpKind::Clamp,
                UnaryOp::AddScalar(_) => OpKind::AddScalar,
                UnaryOp::MulScalar(_) => OpKind::MulScalar,
                UnaryOp::LeakyRelu(_) => OpKind::LeakyRelu,
                UnaryOp::Silu => OpKind::Silu,
                UnaryOp::Softplus => OpKind::Softplus,
                UnaryOp::Spike(_) => OpKind::Spike,
            },
            Op::Binary(_, _, b) => match b {
                BinaryOp::Add => OpKind::Add,
                BinaryOp::Sub => OpKind::Sub,
                BinaryOp::Mul => OpKind::Mul,
                BinaryOp::Div => OpKind::Div,
                BinaryOp::Maximum => OpKind::Maximum,
                BinaryOp::Minimum => OpKind::Minimum,
            },
            Op::Sum { .. } => OpKind::Sum,
            Op::Max { .. } => OpKind::Max,
            Op::Matmul(..) => OpKind::Matmul,
            Op::Reshape(_) => OpKind::Reshape,
            Op::Permute(..) => OpKind::Permute,
            Op::BroadcastTo(_) => OpKind::BroadcastTo,
            Op::Narrow { .. } => OpKind::Narrow,
            Op::Contiguous(_) => OpKind::Contiguous,
            Op::Concat { .. } => OpKind::Concat,
            Op::IndexSelect { .. } => OpKind::IndexSelect,
            Op::Gather { .. } => OpKind::Gather,
            Op::Where { .. } => OpKind::Where,
            Op::Softmax { .. } => OpKind::Softmax,
            Op::LogSoftmax { .. } => OpKind::LogSoftmax,
            Op::Conv2d { .. } => OpKind::Conv2d,
            Op::MaxPool2d { .. } => OpKind::MaxPool2d,
            Op::AvgPool2d { .. } => OpKind::AvgPool2d,
            Op::LayerNorm { .. } => OpKind::LayerNorm,
            Op::Attention { .. } => OpKind::Attention,
            Op::CrossEntropy { .. } => OpKind::CrossEntropy,
            Op::LstmSequence { .. } => OpKind::LstmSequence,
            Op::BiasGelu { .. } => OpKind::BiasGelu,
            Op::ConvTranspose2d { .. } => OpKind::ConvTranspose2d,
            Op::BatchNorm { .. } => OpKind::BatchNorm,
            Op::GroupNorm { .. } => OpKind::GroupNorm,
            Op::BceWithLogits { .. } => OpKind::BceWithLogits,
            Op::UpsampleNearest2d { .. } => OpKind::UpsampleNearest2d,
            Op::Normalize { .. } => OpKind::Normalize,
        }
    }

    /// The tensors this node read (the graph's edges).
    pub fn inputs(&self) -> Vec<&Tensor> {
        match self {
            Op::Unary(a, _)
            | Op::Sum { arg: a, .. }
            | Op::Max { arg: a, .. }
            | Op::Reshape(a)
            | Op::Permute(a, _)
            | Op::BroadcastTo(a)
            | Op::Narrow { arg: a, .. }
            | Op::Contiguous(a)
            | Op::IndexSelect { arg: a, .. }
            | Op::Gather { arg: a, .. }
            | Op::Softmax { arg: a, .. }
            | Op::LogSoftmax { arg: a, .. }
            | Op::MaxPool2d { input: a, .. }
            | Op::AvgPool2d { input: a, .. }
            | Op::CrossEntropy { logits: a, .. }
            | Op::UpsampleNearest2d { input: a, .. }
            | Op::Normalize { input: a, .. } => vec![a],
            Op::LayerNorm { input, weight, bias, .. } => vec![input, weight, bias],
            Op::Attention { q, k, v, .. } => vec![q, k, v],
            Op::BiasGelu { input, bias } => vec![input, bias],
            Op::LstmSequence {
                x_proj,
                w_hh,
                bias,
                h0,
                c0,
                ..
            } => vec![x_proj, w_hh, bias, h0, c0],
            Op::Binary(a, b, _) | Op::Matmul(a, b) => vec![a, b],
            Op::Where { on_true, on_false, .. } => vec![on_true, on_false],
            Op::Concat { args, .. } => args.iter().collect(),
            Op::Conv2d { input, weight, bias, .. } | Op::ConvTranspose2d { input, weight, bias, .. } => {
                let mut v = vec![input, weight];
                v.extend(bias.iter());
                v
            }
            Op::BatchNorm {
                input,
                weight,
                bias,
                running,
                ..
            } => {
                let mut v = vec![input, weight, bias];
                if let Some((mean, var)) = running {
                    v.extend([mean, var]);
                }
                v
            }
            Op::GroupNorm { input, weight, bias, .. } => vec![input, weight, bias],
            Op::BceWithLogits { logits, targets } => vec![logits, targets],
        }
    }
}
