//! Every differentiable op against central finite differences. The table must have a
//! row for every `OpKind`; a new op without a row fails `table_covers_every_op`. Ops
//! whose backward is a surrogate by design (the spike: a step forward, a smooth bump
//! backward) cannot match finite differences; their rows (`surrogate_rows`) check the
//! backward against the surrogate's formula written out here, and the smooth parts of a
//! graph around them by finite differences.

use descent_tensor::{AttentionMask, OpKind, Rng, Tensor};
use descent_testkit::{gradcheck, GradcheckOptions};
use std::collections::BTreeSet;

type OpFn = Box<dyn Fn(&[Tensor]) -> Tensor>;

struct Case {
    kind: OpKind,
    inputs: Vec<Tensor>,
    f: OpFn,
}

fn case(kind: OpKind, inputs: Vec<Tensor>, f: impl Fn(&[Tensor]) -> Tensor + 'static) -> Case {
    Case {
        kind,
        inputs,
        f: Box::new(f),
    }
}

/// Values in ±[0.2, 1.2] with random sign: away from the kinks of relu/abs/sign.
fn away_from_zero(shape: &[usize], rng: &mut Rng) -> Tensor {
    let n: usize = shape.iter().product();
    let data = (0..n)
        .map(|_| (0.2 + rng.uniform()) * if rng.uniform() < 0.5 { -1.0 } else { 1.0 })
        .collect();
    Tensor::from_vec(data, shape)
}

fn distinct(shape: &[usize], rng: &mut Rng) -> Tensor {
    let n: usize = shape.iter().product();
    let mut values: Vec<f32> = (0..n).map(|i| i as f32 * 0.1 - n as f32 * 0.05).collect();
    rng.shuffle(&mut values);
    Tensor::from_vec(values, shape)
}

fn table() -> Vec<Case> {
    let mut r = Rng::new(42);
    let n = |shape: &[usize], r: &mut Rng| Tensor::randn(shape, r);
    let pos = |shape: &[usize], r: &mut Rng| Tensor::uniform(shape, 0.5, 2.0, r);
    use OpKind::*;
    let mut cases = vec![
        case(Neg, vec![n(&[3, 4], &mut r)], |x| x[0].neg()),
        case(Exp, vec![n(&[3, 4], &mut r)], |x| x[0].exp()),
        case(Log, vec![pos(&[3, 4], &mut r)], |x| x[0].log()),
        case(Sqrt, vec![pos(&[3, 4], &mut r)], |x| x[0].sqrt()),
        case(Abs, vec![away_from_zero(&[3, 4], &mut r)], |x| x[0].abs()),
        case(Tanh, vec![n(&[3, 4], &mut r)], |x| x[0].tanh()),
        case(Sigmoid, vec![n(&[3, 4], &mut r)], |x| x[0].sigmoid()),
        case(Relu, vec![away_from_zero(&[3, 4], &mut r)], |x| x[0].relu()),
        case(Gelu, vec![n(&[3, 5], &mut r)], |x| x[0].gelu()),
        case(Sign, vec![away_from_zero(&[3, 4], &mut r)], |x| x[0].sign().mul(&x[0])),
        case(Step, vec![away_from_zero(&[3, 4], &mut r)], |x| x[0].step().mul(&x[0])),
        case(Pow, vec![pos(&[3, 4], &mut r)], |x| x[0].powf(2.5)),
        case(
            Clamp,
            vec![Tensor::from_vec(vec![-1.1, -0.9, -0.3, 0.1, 0.3, 0.9, 1.2, -0.2], &[2, 4])],
            |x| x[0].clamp(-0.6, 0.6),
        ),
        case(AddScalar, vec![n(&[3, 4], &mut r)], |x| x[0].add_scalar(1.5)),
        case(MulScalar, vec![n(&[3, 4], &mut r)], |x| x[0].mul_scalar(-2.0)),
        case(Add, vec![n(&[3, 1, 4], &mut r), n(&[5, 4], &mut r)], |x| x[0].add(&x[1])),
        case(Sub, vec![n(&[3, 4], &mut r), n(&[4], &mut r)], |x| x[0].sub(&x[1])),
        case(Mul, vec![n(&[3, 4], &mut r), n(&[1, 4], &mut r)], |x| x[0].mul(&x[1])),
        case(Div, vec![n(&[3, 4], &mut r), pos(&[3, 1], &mut r)], |x| x[0].div(&x[1])),
        case(
            Maximum,
            vec![distinct(&[3, 4], &mut r), distinct(&[3, 4], &mut r).add_scalar(0.05)],
            |x| x[0].maximum(&x[1]),
        ),
        case(
            Minimum,
            vec![distinct(&[3, 4], &mut r), distinct(&[3, 4], &mut r).add_scalar(0.05)],
            |x| x[0].minimum(&x[1]),
        ),
        case(Sum, vec![n(&[3, 4, 5], &mut r)], |x| x[0].sum_dims(&[0, 2], false)),
        case(Max, vec![distinct(&[3, 5], &mut r)], |x| x[0].max(1, true)),
        case(Matmul, vec![n(&[2, 3, 4], &mut r), n(&[4, 5], &mut r)], |x| x[0].matmul(&x[1])),
        case(Reshape, vec![n(&[3, 4], &mut r)], |x| {
            x[0].reshape(&[2, 6]).mul(&x[0].reshape(&[2, 6]))
        }),
        case(Permute, vec![n(&[2, 3, 4], &mut r)], |x| x[0].permute(&[2, 0, 1]).exp()),
        case(BroadcastTo, vec![n(&[3, 1], &mut r)], |x| x[0].broadcast_to(&[2, 3, 4]).tanh()),
        case(Narrow, vec![n(&[4, 5], &mut r)], |x| x[0].narrow(1, 1, 3).exp()),
        case(Contiguous, vec![n(&[3, 4], &mut r)], |x| x[0].t().contiguous().exp()),
        case(Concat, vec![n(&[2, 3], &mut r), n(&[2, 2], &mut r)], |x| {
            Tensor::concat(&[x[0].clone(), x[1].clone()], 1).exp()
        }),
        case(IndexSelect, vec![n(&[5, 3], &mut r)], |x| x[0].index_select(0, &[1, 3, 3, 0])),
        case(Gather, vec![n(&[3, 4], &mut r)], |x| x[0].gather(1, &[0, 2, 3, 3, 1, 1], &[3, 2])),
        case(Where, vec![n(&[3, 4], &mut r), n(&[4], &mut r)], |x| {
            let mask = Tensor::from_vec((0..12).map(|i| (i % 3 == 0) as i32 as f32).collect(), &[3, 4]);
            mask.where_cond(&x[0], &x[1])
        }),
        case(Softmax, vec![n(&[3, 5], &mut r)], |x| x[0].softmax(1)),
        case(LogSoftmax, vec![n(&[3, 5], &mut r)], |x| x[0].log_softmax(0)),
        case(
            Conv2d,
            vec![n(&[2, 3, 7, 7], &mut r), n(&[4, 3, 3, 3], &mut r), n(&[4], &mut r)],
            |x| x[0].conv2d(&x[1], Some(&x[2]), 2, 1),
        ),
        case(MaxPool2d, vec![distinct(&[2, 3, 6, 6], &mut r)], |x| x[0].max_pool2d(2, 2)),
        case(AvgPool2d, vec![n(&[2, 3, 6, 6], &mut r)], |x| x[0].avg_pool2d(2, 2)),
        case(LayerNorm, vec![n(&[3, 8], &mut r), n(&[8], &mut r), n(&[8], &mut r)], |x| {
            x[0].layer_norm(&x[1], &x[2], 1e-5)
        }),
        case(
            Attention,
            vec![n(&[1, 2, 3, 4], &mut r), n(&[1, 2, 5, 4], &mut r), n(&[1, 2, 5, 3], &mut r)],
            |x| {
                let causal = AttentionMask {
                    causal: true,
                    key_lengths: None,
                };
                x[0].scaled_dot_product_attention(&x[1], &x[2], &causal, 0.5)
            },
        ),
        case(
            Attention,
            vec![n(&[2, 3, 2, 4], &mut r), n(&[2, 2, 5, 4], &mut r), n(&[2, 2, 5, 4], &mut r)],
            |x| {
                // Strided queries (a permuted view) and key padding: batch 0 has 3 real keys.
                let padded = AttentionMask {
                    causal: false,
                    key_lengths: Some(std::sync::Arc::new(vec![3, 5])),
                };
                x[0].permute(&[0, 2, 1, 3]).scaled_dot_product_attention(&x[1], &x[2], &padded, 0.5)
            },
        ),
        case(CrossEntropy, vec![n(&[4, 6], &mut r)], |x| {
            x[0].softmax_cross_entropy(&[1, 0, 5, 2], Some(5))
        }),
        case(BiasGelu, vec![n(&[3, 5], &mut r), n(&[5], &mut r)], |x| x[0].bias_gelu(&x[1])),
        case(
            LstmSequence,
            vec![
                n(&[2, 3, 12], &mut r),
                n(&[12, 3], &mut r),
                n(&[12], &mut r),
                n(&[2, 3], &mut r),
                n(&[2, 3], &mut r),
            ],
            |x| {
                // Every hidden state and the final cell state, so gradients reach all five inputs.
                let (hs, c_last) = x[0].lstm_sequence(&x[1], &x[2], &x[3], &x[4]);
                Tensor::concat(&[hs.reshape(&[6, 3]), c_last], 0)
            },
        ),
    ];
    cases.extend(second_set(&mut r));
    cases
}

/// Rows for the ops of the generative, vision and multimodal milestones.
fn second_set(r: &mut Rng) -> Vec<Case> {
    let n = |shape: &[usize], r: &mut Rng| Tensor::randn(shape, r);
    let pos = |shape: &[usize], r: &mut Rng| Tensor::uniform(shape, 0.5, 2.0, r);
    use OpKind::*;
    vec![
        case(LeakyRelu, vec![away_from_zero(&[3, 4], r)], |x| x[0].leaky_relu(0.2)),
        case(Silu, vec![n(&[3, 4], r).mul_scalar(2.0)], |x| x[0].silu()),
        case(
            Softplus,
            vec![Tensor::from_vec(vec![-25.0, -3.0, -0.4, 0.0, 0.6, 2.0, 19.0, 25.0], &[2, 4])],
            |x| x[0].softplus(),
        ),
        case(ConvTranspose2d, vec![n(&[2, 3, 4, 4], r), n(&[3, 2, 3, 3], r), n(&[2], r)], |x| {
            x[0].conv_transpose2d(&x[1], Some(&x[2]), 2, 1)
        }),
        case(BatchNorm, vec![n(&[4, 3, 2, 2], r), pos(&[3], r), n(&[3], r)], |x| {
            x[0].batch_norm_train(&x[1], &x[2], 1e-5).0
        }),
        case(BatchNorm, vec![n(&[6, 5], r), pos(&[5], r), n(&[5], r)], |x| {
            x[0].batch_norm_train(&x[1], &x[2], 1e-5).0
        }),
        case(
            BatchNorm,
            vec![n(&[2, 3, 2, 2], r), pos(&[3], r), n(&[3], r), n(&[3], r), pos(&[3], r)],
            |x| x[0].batch_norm_eval(&x[1], &x[2], &x[3], &x[4], 1e-5),
        ),
        case(GroupNorm, vec![n(&[2, 4, 3, 3], r), pos(&[4], r), n(&[4], r)], |x| {
            x[0].group_norm(2, &x[1], &x[2], 1e-5)
        }),
        case(BceWithLogits, vec![n(&[4, 3], r).mul_scalar(2.0), Tensor::rand(&[4, 3], r)], |x| {
            x[0].bce_with_logits(&x[1])
        }),
        case(UpsampleNearest2d, vec![n(&[2, 2, 3, 3], r)], |x| x[0].upsample_nearest2d(2)),
        case(Normalize, vec![n(&[3, 5], r)], |x| x[0].normalize()),
        case(MaxPool2d, vec![distinct(&[2, 2, 7, 7], r)], |x| x[0].max_pool2d_padded(3, 2, 1)),
    ]
}

#[test]
fn every_op_matches_finite_differences() {
    let mut failures = Vec::new();
    for c in table() {
        if let Err(e) = gradcheck(&*c.f, &c.inputs, GradcheckOptions::default()) {
            failures.push(format!("{:?}: {e}", c.kind));
        }
    }
    assert!(failures.is_empty(), "gradcheck failures:\n{}", failures.join("\n"));
}

#[test]
fn surrogate_ops_match_their_formulas() {
    let failures: Vec<String> = surrogate_rows()
        .into_iter()
        .filter_map(|(kind, check)| check().err().map(|e| format!("{kind:?}: {e}")))
        .collect();
    assert!(failures.is_empty(), "surrogate gradient failures:\n{}", failures.join("\n"));
}

/// A row's check: `Err` describes the first mismatch.
type Check = fn() -> Result<(), String>;

/// Ops whose backward is a chosen surrogate rather than the forward's derivative.
fn surrogate_rows() -> Vec<(OpKind, Check)> {
    vec![(OpKind::Spike, spike_row)]
}

/// The fast sigmoid z/(1 + k|z|), whose derivative 1/(1 + k|z|)² is the spike's surrogate.
fn fast_sigmoid(z: &Tensor, k: f32) -> Tensor {
    z.div(&z.abs().mul_scalar(k).add_scalar(1.0))
}

/// Spike: forward is the step (0 at exactly 0); backward is `g / (1 + k|x|)²`; and in a
/// LIF update whose spike enters the loss linearly, autograd through the spike equals
/// autograd through the fast sigmoid, which finite differences check.
fn spike_row() -> Result<(), String> {
    let (k, mut r) = (25.0f32, Rng::new(7));
    let mut values: Vec<f32> = (0..24).map(|_| r.uniform() * 0.6 - 0.3).collect();
    values[0] = 0.0;
    let x = Tensor::from_vec(values.clone(), &[4, 6]).to_variable();
    let w = Tensor::randn(&[4, 6], &mut r);
    let y = x.spike(k);
    let grads = y.mul(&w).sum_all().backward();
    let gx = grads.get(&x).ok_or("no gradient reached the input")?.to_vec();
    for (i, ((&xi, &yi), (&wi, &gi))) in values.iter().zip(&y.to_vec()).zip(w.to_vec().iter().zip(&gx)).enumerate() {
        let step = if xi > 0.0 { 1.0 } else { 0.0 };
        let surrogate = wi as f64 / (1.0 + k as f64 * (xi as f64).abs()).powi(2);
        if yi != step || (gi as f64 - surrogate).abs() > 1e-6 * (1.0 + surrogate.abs()) {
            return Err(format!(
                "x[{i}] = {xi}: forward {yi} (want {step}), backward {gi} (want {surrogate})"
            ));
        }
    }
    // β·u + x·W − θ, spiking: the smooth parts (leak, synapses) around the surrogate.
    let lif = |v: &[Tensor], spike: bool| {
        let z = v[0].mul_scalar(0.9).add(&v[1].matmul(&v[2])).add_scalar(-1.0);
        if spike {
            z.spike(2.0)
        } else {
            fast_sigmoid(&z, 2.0)
        }
    };
    let inputs = vec![
        Tensor::randn(&[4, 3], &mut r),
        Tensor::randn(&[4, 5], &mut r),
        Tensor::randn(&[5, 3], &mut r),
    ];
    gradcheck(&|v| lif(v, false), &inputs, GradcheckOptions::default())?;
    let probe = Tensor::randn(&[4, 3], &mut r);
    let vars: Vec<Tensor> = inputs.iter().map(|t| t.to_variable()).collect();
    let through_spike = lif(&vars, true).mul(&probe).sum_all().backward();
    let through_smooth = lif(&vars, false).mul(&probe).sum_all().backward();
    for (i, v) in vars.iter().enumerate() {
        let (a, b) = (through_spike.get(v).unwrap().to_vec(), through_smooth.get(v).unwrap().to_vec());
        if a.iter().zip(&b).any(|(a, b)| (a - b).abs() > 1e-5 * (1.0 + b.abs())) {
            return Err(format!("LIF input {i}: through the spike {a:?} vs through the fast sigmoid {b:?}"));
        }
    }
    Ok(())
}

#[test]
fn table_covers_every_op() {
    let mut covered: BTreeSet<OpKind> = table().iter().map(|c| c.kind).collect();
    covered.extend(surrogate_rows().into_iter().map(|(kind, _)| kind));
    let missing: Vec<&OpKind> = OpKind::ALL.iter().filter(|k| !covered.contains(k)).collect();
    assert!(missing.is_empty(), "ops without a gradcheck row: {missing:?}");
}

#[test]
fn gradcheck_catches_a_wrong_gradient() {
    // A function whose "gradient" is cut by detach must fail the check.
    let x = Tensor::from_vec(vec![0.5, -1.0, 2.0], &[3]);
    let broken = |x: &[Tensor]| x[0].mul(&x[0].detach());
    assert!(gradcheck(&broken, &[x], GradcheckOptions::default()).is_err());
}
