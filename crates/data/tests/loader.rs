//! `BatchLoader`: coverage, per-epoch shuffles, reproducibility, the partial batch.

use descent_data::{mnist_subset, BatchLoader};

/// 10 examples of shape (2,): example i is [i, -i], label i.
fn toy() -> (Vec<f32>, Vec<usize>) {
    let inputs = (0..10).flat_map(|i| [i as f32, -(i as f32)]).collect();
    (inputs, (0..10).collect())
}

#[test]
fn every_example_once_per_epoch_with_partial_batch() {
    let (inputs, labels) = toy();
    let loader = BatchLoader::new(&inputs, &[2], &labels, 4).shuffled(42);
    assert_eq!(loader.batches_per_epoch(), 3);
    for epoch in 0..3 {
        let batches: Vec<_> = loader.epoch(epoch).collect();
        let lens: Vec<usize> = batches.iter().map(|b| b.len).collect();
        assert_eq!(lens, vec![4, 4, 2], "the last partial batch is kept");
        assert_eq!(batches[2].shape, vec![2, 2]);
        let mut seen: Vec<usize> = batches.iter().flat_map(|b| b.labels.clone()).collect();
        // Inputs travel with their labels.
        for b in &batches {
            for (k, &l) in b.labels.iter().enumerate() {
                assert_eq!(&b.inputs[2 * k..2 * k + 2], &[l as f32, -(l as f32)]);
            }
        }
        seen.sort();
        assert_eq!(seen, labels);
    }
}

#[test]
fn epochs_differ_and_same_seed_gives_same_order() {
    let (inputs, labels) = toy();
    let a = BatchLoader::new(&inputs, &[2], &labels, 3).shuffled(7);
    let b = BatchLoader::new(&inputs, &[2], &labels, 3).shuffled(7);
    let c = BatchLoader::new(&inputs, &[2], &labels, 3).shuffled(8);
    assert_ne!(a.order(0), a.order(1));
    assert_eq!(a.order(0), b.order(0));
    assert_eq!(a.order(5), b.order(5));
    assert_ne!(a.order(0), c.order(0));
    let batches_a: Vec<_> = a.epoch(3).collect();
    let batches_b: Vec<_> = b.epoch(3).collect();
    assert_eq!(batches_a, batches_b);
}

#[test]
fn unshuffled_is_file_order() {
    let (inputs, labels) = toy();
    let loader = BatchLoader::new(&inputs, &[2], &labels, 10);
    let batch = loader.epoch(9).next().unwrap();
    assert_eq!(batch.labels, labels);
    assert_eq!(batch.inputs, inputs);
    assert_eq!(loader.epoch(0).len(), 1);
}

#[test]
fn batches_real_mnist_images() {
    let (train, _) = mnist_subset();
    let small = train.take(100);
    let inputs = small.normalized();
    let labels = small.labels_usize();
    let loader = BatchLoader::new(&inputs, &[1, 28, 28], &labels, 32).shuffled(0);
    let batches: Vec<_> = loader.epoch(0).collect();
    assert_eq!(batches.len(), 4);
    assert_eq!(batches[0].shape, vec![32, 1, 28, 28]);
    assert_eq!(batches[3].len, 4);
    assert_eq!(batches[3].inputs.len(), 4 * 784);
}

#[test]
#[should_panic(expected = "is not 3 labels x 2 features")]
fn mismatched_inputs_panic_with_sizes() {
    let inputs = [0.0f32; 5];
    let _ = BatchLoader::new(&inputs, &[2], &[0, 1, 2], 2);
}
