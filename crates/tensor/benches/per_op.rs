//! Per-op overhead: the fixed cost of one tiny op through the autograd machinery.
//! Run: `cargo bench -p descent-tensor --bench per_op`.

use criterion::{criterion_group, criterion_main, Criterion};
use descent_tensor::{no_grad, Tensor};
use std::hint::black_box;

fn per_op(c: &mut Criterion) {
    let a = Tensor::from_vec((0..16).map(|i| i as f32).collect(), &[16]).to_variable();
    let b = Tensor::from_vec((0..16).map(|i| 1.0 - i as f32).collect(), &[16]).to_variable();
    c.bench_function("add16 forward (no grad)", |bench| bench.iter(|| no_grad(|| black_box(a.add(&b)))));
    c.bench_function("add16 forward (autograd on)", |bench| bench.iter(|| black_box(a.add(&b))));
    c.bench_function("add16 forward + backward", |bench| {
        bench.iter(|| {
            let y = a.add(&b).sum_all();
            black_box(y.backward())
        })
    });
}

criterion_group!(benches, per_op);
criterion_main!(benches);
