//! The one-process world: shards cover a batch exactly, gradients pass through
//! untouched, and a failure is still reported as an error.

use descent_dist::{shard_range, DataParallel, DistError, LocalStep, World};
use descent_tensor::{Param, Tensor};

#[test]
fn shards_cover_a_batch_without_overlap() {
    for n in [0usize, 1, 7, 64, 65, 127] {
        for size in 1..=5 {
            let ranges: Vec<_> = (0..size).map(|r| shard_range(n, r, size)).collect();
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges[size - 1].end, n);
            for pair in ranges.windows(2) {
                assert_eq!(pair[0].end, pair[1].start, "n {n} size {size}");
            }
            let lengths: Vec<usize> = ranges.iter().map(|r| r.len()).collect();
            let (min, max) = (lengths.iter().min().unwrap(), lengths.iter().max().unwrap());
            assert!(max - min <= 1, "n {n} size {size}: {lengths:?}");
        }
    }
}

#[test]
fn one_process_passes_gradients_through() {
    let p = Param::new(Tensor::from_vec(vec![1.0, -2.0, 3.0], &[3]));
    let loss = p.value().mul(&p.value()).sum_all();
    let mut grads = loss.backward();
    let before = grads.get_param(&p).unwrap().to_vec();
    let mut parallel = DataParallel::new(World::local());
    assert_eq!(parallel.shard(10), 0..10);
    let local = LocalStep {
        examples: 4,
        global_examples: 4,
        loss_sum: 2.5,
        correct: 3,
        failure: None,
    };
    let totals = parallel.all_reduce(std::slice::from_ref(&p), &mut grads, &local).unwrap();
    assert_eq!((totals.examples, totals.correct, totals.loss_sum), (4, 3, 2.5));
    assert_eq!(grads.get_param(&p).unwrap().to_vec(), before);
    assert_eq!(before, vec![2.0, -4.0, 6.0]);
    assert_eq!(parallel.stats().calls, 0, "one process makes no all-reduce calls");

    let failed = LocalStep {
        failure: Some("loss is NaN".into()),
        ..local
    };
    let err = parallel.all_reduce(&[p], &mut grads, &failed).unwrap_err();
    assert!(matches!(err, DistError::RankFailed { ref ranks, .. } if ranks == &[0]), "{err:?}");
    assert_eq!(err.to_string(), "rank 0 stopped the job at a step boundary: loss is NaN");
}
