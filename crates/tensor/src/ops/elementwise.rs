//! Elementwise ops: unary functions, broadcasting binary functions, comparisons, `where`.

use crate::layout::{broadcast_shapes, coalesce};
use crate::op::{BinaryOp, Op, UnaryOp};
use crate::ops::fresh;
use crate::Tensor;
use descent_kernels::{rectifiers, PARALLEL_THRESHOLD};
use rayon::prelude::*;
use std::mem::MaybeUninit;
use std::sync::Arc;

const SQRT_2_OVER_PI_HALF: f32 = 0.398_942_3; // 1/√(2π)

/// `dst[i] = f(src[i])`, parallel in chunks when large.
pub(crate) fn map_slice(src: &[f32], f: impl Fn(f32) -> f32 + Sync) -> Vec<f32> {
    // `collect` writes each element once (no zero-fill first) and vectorises.
    if src.len() >= PARALLEL_THRESHOLD {
        let mut dst = Vec::with_capacity(src.len());
        src.par_iter()
            .with_min_len(PARALLEL_THRESHOLD / 4)
            .map(|&x| f(x))
            .collect_into_vec(&mut dst);
        dst
    } else {
        src.iter().map(|&x| f(x)).collect()
    }
}

/// `out[i] = f(a[i], b[i])` over dense equal-length slices, parallel when large.
pub(crate) fn zip_slices(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32 + Sync) -> Vec<f32> {
    if a.len() >= PARALLEL_THRESHOLD {
        let mut dst = Vec::with_capacity(a.len());
        a.par_iter()
            .zip(b.par_iter())
            .with_min_len(PARALLEL_THRESHOLD / 4)
            .map(|(&a, &b)| f(a, b))
            .collect_into_vec(&mut dst);
        dst
    } else {
        a.iter().zip(b).map(|(&a, &b)| f(a, b)).collect()
    }
}

fn erf(x: f32) -> f32 {
    libm::erff(x)
}

fn gelu(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

fn gelu_grad(x: f32) -> f32 {
    0.5 * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2)) + x * SQRT_2_OVER_PI_HALF * (-0.5 * x * x).exp()
}

/// Applies `op` to every element of dense `src`.
pub(crate) fn unary_forward(op: UnaryOp, src: &[f32]) -> Vec<f32> {
    match op {
        UnaryOp::Neg => map_slice(src, |x| -x),
        UnaryOp::Exp => map_slice(src, f32::exp),
        UnaryOp::Log => map_slice(src, f32::ln),
        UnaryOp::Sqrt => map_slice(src, f32::sqrt),
        UnaryOp::Abs => map_slice(src, f32::abs),
        UnaryOp::Tanh => fresh(src.len(), |y| rectifiers::tanh_forward(src, y)),
        UnaryOp::Sigmoid => fresh(src.len(), |y| rectifiers::sigmoid_forward(src, y)),
        UnaryOp::Relu => map_slice(src, |x| x.max(0.0)),
        UnaryOp::Gelu => map_slice(src, gelu),
        UnaryOp::Sign => map_slice(src, |x| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                0.0
            }
        }),
        UnaryOp::Step | UnaryOp::Spike(_) => map_slice(src, |x| if x > 0.0 { 1.0 } else { 0.0 }),
        UnaryOp::Pow(2.0) => map_slice(src, |x| x * x),
        UnaryOp::Pow(p) => map_slice(src, |x| x.powf(p)),
        UnaryOp::Clamp(lo, hi) => map_slice(src, |x| x.clamp(lo, hi)),
        UnaryOp::AddScalar(c) => map_slice(src, |x| x + c),
        UnaryOp::MulScalar(c) => map_slice(src, |x| x * c),
        UnaryOp::LeakyRelu(slope) => map_slice(src, |x| rectifiers::leaky_relu(x, slope)),
        UnaryOp::Silu => fresh(src.len(), |y| rectifiers::silu_forward(src, y)),
        UnaryOp::Softplus => map_slice(src, rectifiers::softplus),
    }
}

/// `dx = dy · f'(x)` in one fused pass (`y` is the forward output, reused where cheaper).
pub(crate) fn unary_backward(op: UnaryOp, x: &[f32], y: &[f32], dy: &[f32]) -> Vec<f32> {
    // Each arm is its own monomorphised loop (no per-element dynamic dispatch).
    match op {
        UnaryOp::Neg => map_slice(dy, |g| -g),
        UnaryOp::Exp => zip_slices(y, dy, |y, g| y * g),
        UnaryOp::Log => zip_slices(x, dy, |x, g| g / x),
        UnaryOp::Sqrt => zip_slices(y, dy, |y, g| g * 0.5 / y),
        UnaryOp::Abs => zip_slices(x, dy, |x, g| {
            if x > 0.0 {
                g
            } else if x < 0.0 {
                -g
            } else {
                0.0
            }
        }),
        UnaryOp::Tanh => zip_slices(y, dy, |y, g| g * (1.0 - y * y)),
        UnaryOp::Sigmoid => zip_slices(y, dy, |y, g| g * y * (1.0 - y)),
        UnaryOp::Relu => zip_slices(x, dy, |x, g| if x > 0.0 { g } else { 0.0 }),
        UnaryOp::Gelu => zip_slices(x, dy, |x, g| g * gelu_grad(x)),
        UnaryOp::Sign | UnaryOp::Step => vec![0.0; dy.len()],
        UnaryOp::Pow(p) => zip_slices(x, dy, |x, g| g * p * x.powf(p - 1.0)),
        UnaryOp::Clamp(lo, hi) => zip_slices(x, dy, |x, g| if x >= lo && x <= hi { g } else { 0.0 }),
        UnaryOp::AddScalar(_) => dy.to_vec(),
        UnaryOp::MulScalar(c) => map_slice(dy, |g| g * c),
        UnaryOp::LeakyRelu(slope) => zip_slices(x, dy, |x, g| g * rectifiers::leaky_relu_grad(x, slope)),
        UnaryOp::Silu => fresh(dy.len(), |dx| rectifiers::silu_backward(x, dy, dx)),
        UnaryOp::Softplus => zip_slices(x, dy, |x, g| g * rectifiers::softplus_grad(x)),
        UnaryOp::Spike(k) => zip_slices(x, dy, |x, g| {
            let d = 1.0 + k * x.abs();
            g / (d * d)
        }),
    }
}

/// Elementwise `f(a, b)` with `a` and `b` broadcast to `shape`, in row-major order.
pub(crate) fn broadcast_zip(a: &Tensor, b: &Tensor, shape: &[usize], f: impl Fn(f32, f32) -> f32 + Sync, op: &str) -> Vec<f32> {
    let (la, lb) = (a.layout(), b.layout());
    if la.shape == shape && lb.shape == shape && la.is_contiguous() && lb.is_contiguous() {
        let n = la.numel();
        let sa = &a.storage_slice()[la.offset..la.offset + n];
        let sb = &b.storage_slice()[lb.offset..lb.offset + n];
        return zip_slices(sa, sb, f);
    }
    let la = la.broadcast_to(shape, op);
    let lb = lb.broadcast_to(shape, op);
    let n: usize = shape.iter().product();
    if n == 0 {
        return Vec::new();
    }
    let out_strides = crate::layout::contiguous_strides(shape);
    let (cshape, cstrides) = coalesce(shape, &[&la.strides, &lb.strides, &out_strides]);
    let rank = cshape.len();
    let inner = cshape[rank - 1];
    let (sa, sb) = (cstrides[0][rank - 1], cstrides[1][rank - 1]);
    let (da, db) = (a.storage_slice(), b.storage_slice());
    let rows = n / inner;
    let row = |r: usize, dst: &mut [MaybeUninit<f32>]| {
        // Unravel the row index over the outer dims to find each operand's start.
        let (mut oa, mut ob, mut rem) = (la.offset, lb.offset, r);
        for d in (0..rank - 1).rev() {
            let i = rem % cshape[d];
            rem /= cshape[d];
            oa += i * cstrides[0][d];
            ob += i * cstrides[1][d];
        }
        match (sa, sb) {
            (1, 1) => dst
                .iter_mut()
                .zip(da[oa..oa + inner].iter().zip(&db[ob..ob + inner]))
                .for_each(|(d, (&x, &y))| {
                    d.write(f(x, y));
                }),
            (1, 0) => {
                let y = db[ob];
                dst.iter_mut().zip(&da[oa..oa + inner]).for_each(|(d, &x)| {
                    d.write(f(x, y));
                })
            }
            (0, 1) => {
                let x = da[oa];
                dst.iter_mut().zip(&db[ob..ob + inner]).for_each(|(d, &y)| {
                    d.write(f(x, y));
                })
            }
            _ => dst.iter_mut().enumerate().for_each(|(i, d)| {
                d.write(f(da[oa + i * sa], db[ob + i * sb]));
            }),
        }
    };
    // The `rows` rows of `inner` elements cover all `n` elements.
    fresh(n, |out| {
        if n >= PARALLEL_THRESHOLD && rows > 1 {
            out.par_chunks_mut(inner).enumerate().for_each(|(r, dst)| row(r, dst));
        } else {
            out.chunks_mut(inner).enumerate().for_each(|(r, dst)| row(r, dst));
        }
    })
}

impl Tensor {
    /// Applies an elementwise unary function.
    pub fn unary(&self, op: UnaryOp) -> Tensor {
        let out = unary_forward(op, &self.contiguous_data());
        Tensor::from_op(out, self.shape(), &[self], || Op::Unary(self.clone(), op))
    }

    /// Applies an elementwise binary function with NumPy broadcasting.
    pub fn binary(&self, other: &Tensor, op: BinaryOp) -> Tensor {
        let name = op.name();
        let shape = if self.shape() == other.shape() {
            self.shape().to_vec()
        } else {
            broadcast_shapes(self.shape(), other.shape(), name)
        };
        let out = match op {
            BinaryOp::Add => broadcast_zip(self, other, &shape, |a, b| a + b, name),
            BinaryOp::Sub => broadcast_zip(self, other, &shape, |a, b| a - b, name),
            BinaryOp::Mul => broadcast_zip(self, other, &shape, |a, b| a * b, name),
            BinaryOp::Div => broadcast_zip(self, other, &shape, |a, b| a / b, name),
            BinaryOp::Maximum => broadcast_zip(self, other, &shape, |a, b| if a >= b { a } else { b }, name),
            BinaryOp::Minimum => broadcast_zip(self, other, &shape, |a, b| if a <= b { a } else { b }, name),
        };
        Tensor::from_op(out, &shape, &[self, other], || Op::Binary(self.clone(), other.clone(), op))
    }

    /// `self + other` (broadcasting).
    pub fn add(&self, other: &Tensor) -> Tensor {
        self.binary(other, BinaryOp::Add)
    }
    /// `self − other` (broadcasting).
    pub fn sub(&self, other: &Tensor) -> Tensor {
        self.binary(other, BinaryOp::Sub)
    }
    /// `self · other` elementwise (broadcasting).
    pub fn mul(&self, other: &Tensor) -> Tensor {
        self.binary(other, BinaryOp::Mul)
    }
    /// `self / other` elementwise (broadcasting).
    pub fn div(&self, other: &Tensor) -> Tensor {
        self.binary(other, BinaryOp::Div)
    }
    /// Elementwise maximum (broadcasting).
    pub fn maximum(&self, other: &Tensor) -> Tensor {
        self.binary(other, BinaryOp::Maximum)
    }
    /// Elementwise minimum (broadcasting).
    pub fn minimum(&self, other: &Tensor) -> Tensor {
        self.binary(other, BinaryOp::Minimum)
    }
    /// −x.
    pub fn neg(&self) -> Tensor {
        self.unary(UnaryOp::Neg)
    }
    /// eˣ.
    pub fn exp(&self) -> Tensor {
        self.unary(UnaryOp::Exp)
    }
    /// ln x.
    pub fn log(&self) -> Tensor {
        self.unary(UnaryOp::Log)
    }
    /// √x.
    pub fn sqrt(&self) -> Tensor {
        self.unary(UnaryOp::Sqrt)
    }
    /// |x|.
    pub fn abs(&self) -> Tensor {
        self.unary(UnaryOp::Abs)
    }
    /// tanh x.
    pub fn tanh(&self) -> Tensor {
        self.unary(UnaryOp::Tanh)
    }
    /// Logistic sigmoid.
    pub fn sigmoid(&self) -> Tensor {
        self.unary(UnaryOp::Sigmoid)
    }
    /// max(x, 0).
    pub fn relu(&self) -> Tensor {
        self.unary(UnaryOp::Relu)
    }
    /// Exact GELU (erf form, as PyTorch's default).
    pub fn gelu(&self) -> Tensor {
        self.unary(UnaryOp::Gelu)
    }
    /// Sign: −1, 0, 1 (no gradient).
    pub fn sign(&self) -> Tensor {
        self.unary(UnaryOp::Sign)
    }
    /// Heaviside step: 1 where x > 0, else 0 (no gradient).
    pub fn step(&self) -> Tensor {
        self.unary(UnaryOp::Step)
    }
    /// A spiking neuron's output for membrane potential minus threshold: 1 where x > 0,
    /// else 0, with the fast-sigmoid surrogate gradient 1/(1 + slope·|x|)² in backward
    /// (the step's true derivative is zero almost everywhere, so nothing would learn).
    /// `slope` sets how sharply the surrogate peaks at the threshold (snnTorch uses 25).
    pub fn spike(&self, slope: f32) -> Tensor {
        assert!(
            slope > 0.0 && slope.is_finite(),
            "spike: surrogate slope must be positive, got {slope}"
        );
        self.unary(UnaryOp::Spike(slope))
    }
    /// xᵖ.
    pub fn powf(&self, p: f32) -> Tensor {
        self.unary(UnaryOp::Pow(p))
    }
    /// x clamped to `[min, max]`.
    pub fn clamp(&self, min: f32, max: f32) -> Tensor {
        self.unary(UnaryOp::Clamp(min, max))
    }
    /// x + c.
    pub fn add_scalar(&self, c: f32) -> Tensor {
        self.unary(UnaryOp::AddScalar(c))
    }
    /// x · c.
    pub fn mul_scalar(&self, c: f32) -> Tensor {
        self.unary(UnaryOp::MulScalar(c))
    }
    /// Leaky ReLU: x for x > 0, else `slope`·x (DCGAN's discriminator uses 0.2).
    pub fn leaky_relu(&self, slope: f32) -> Tensor {
        self.unary(UnaryOp::LeakyRelu(slope))
    }
    /// SiLU (swish): x·σ(x).
    pub fn silu(&self) -> Tensor {
        self.unary(UnaryOp::Silu)
    }
    /// Softplus ln(1 + eˣ) (x itself above 20, as PyTorch).
    pub fn softplus(&self) -> Tensor {
        self.unary(UnaryOp::Softplus)
    }

    fn compare(&self, other: &Tensor, name: &str, f: impl Fn(f32, f32) -> bool + Sync) -> Tensor {
        let shape = broadcast_shapes(self.shape(), other.shape(), name);
        let out = broadcast_zip(self, other, &shape, |a, b| if f(a, b) { 1.0 } else { 0.0 }, name);
        Tensor::from_vec(out, &shape)
    }
    /// 1.0 where equal, else 0.0 (broadcasting; no gradient).
    pub fn eq(&self, other: &Tensor) -> Tensor {
        self.compare(other, "eq", |a, b| a == b)
    }
    /// 1.0 where different, else 0.0.
    pub fn ne(&self, other: &Tensor) -> Tensor {
        self.compare(other, "ne", |a, b| a != b)
    }
    /// 1.0 where `self < other`.
    pub fn lt(&self, other: &Tensor) -> Tensor {
        self.compare(other, "lt", |a, b| a < b)
    }
    /// 1.0 where `self <= other`.
    pub fn le(&self, other: &Tensor) -> Tensor {
        self.compare(other, "le", |a, b| a <= b)
    }
    /// 1.0 where `self > other`.
    pub fn gt(&self, other: &Tensor) -> Tensor {
        self.compare(other, "gt", |a, b| a > b)
    }
    /// 1.0 where `self >= other`.
    pub fn ge(&self, other: &Tensor) -> Tensor {
        self.compare(other, "ge", |a, b| a >= b)
    }

    /// `mask ? on_true : on_false`, where `self` is the mask (nonzero = true); the
    /// branches broadcast to the mask's shape. Gradients flow to the chosen branch only.
    pub fn where_cond(&self, on_true: &Tensor, on_false: &Tensor) -> Tensor {
        let shape = self.shape().to_vec();
        let cond: Vec<bool> = self.contiguous_data().iter().map(|&m| m != 0.0).collect();
        let t = on_true.broadcast_to(&shape).contiguous_data().into_owned();
        let f = on_false.broadcast_to(&shape).contiguous_data().into_owned();
        let out: Vec<f32> = cond
            .iter()
            .zip(t.iter().zip(&f))
            .map(|(&c, (&a, &b))| if c { a } else { b })
            .collect();
        let cond = Arc::new(cond);
        Tensor::from_op(out, &shape, &[on_true, on_false], || Op::Where {
            cond,
            on_true: on_true.clone(),
            on_false: on_false.clone(),
        })
    }

    /// `value` where `mask` is nonzero, `self` elsewhere (mask broadcasts to self).
    pub fn masked_fill(&self, mask: &Tensor, value: f32) -> Tensor {
        let mask = mask.broadcast_to(self.shape());
        mask.contiguous().where_cond(&Tensor::scalar(value), self)
    }
}

macro_rules! binary_operator {
    ($trait:ident, $method:ident, $call:ident) => {
        impl std::ops::$trait<&Tensor> for &Tensor {
            type Output = Tensor;
            fn $method(self, rhs: &Tensor) -> Tensor {
                self.$call(rhs)
            }
        }
        impl std::ops::$trait<Tensor> for Tensor {
            type Output = Tensor;
            fn $method(self, rhs: Tensor) -> Tensor {
                (&self).$call(&rhs)
            }
        }
        impl std::ops::$trait<&Tensor> for Tensor {
            type Output = Tensor;
            fn $method(self, rhs: &Tensor) -> Tensor {
                (&self).$call(rhs)
            }
        }
        impl std::ops::$trait<Tensor> for &Tensor {
            type Output = Tensor;
            fn $method(self, rhs: Tensor) -> Tensor {
                self.$call(&rhs)
            }
        }
    };
}
binary_operator!(Add, add, add);
binary_operator!(Sub, sub, sub);
binary_operator!(Mul, mul, mul);
binary_operator!(Div, div, div);

impl std::ops::Add<f32> for &Tensor {
    type Output = Tensor;
    fn add(self, rhs: f32) -> Tensor {
        self.add_scalar(rhs)
    }
}
impl std::ops::Sub<f32> for &Tensor {
    type Output = Tensor;
    fn sub(self, rhs: f32) -> Tensor {
        self.add_scalar(-rhs)
    }
}
impl std::ops::Mul<f32> for &Tensor {
    type Output = Tensor;
    fn mul(self, rhs: f32) -> Tensor {
        self.mul_scalar(rhs)
    }
}
impl std::ops::Div<f32> for &Tensor {
    type Output = Tensor;
    fn div(self, rhs: f32) -> Tensor {
        self.mul_scalar(1.0 / rhs)
    }
}
impl std::ops::Neg for &Tensor {
    type Output = Tensor;
    fn neg(self) -> Tensor {
        Tensor::neg(self)
    }
}
impl std::ops::Neg for Tensor {
    type Output = Tensor;
    fn neg(self) -> Tensor {
        Tensor::neg(&self)
    }
}
