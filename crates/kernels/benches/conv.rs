//! LeNet-5's convolution and pooling layers at batch 64, forward and backward, and the
//! 3×3 convolutions of W10's U-Net (the Winograd route at 28×28 and 14×14, im2col at 7×7).
//!
//! A plain timing harness (`harness/`, shared with `benches/dcgan.rs`): each case runs 25
//! timing rounds after a warm-up and reports the median round, and the best one, which
//! is steadier on a shared machine. Run with
//! `cargo bench -p descent-kernels --bench conv [-- FILTER]`; set `RAYON_NUM_THREADS=1`
//! for single-thread numbers.

use std::hint::black_box;
use std::time::Duration;

mod harness;
use harness::{fill, layer_operands};

use descent_kernels::conv::{conv2d_backward, conv2d_forward, Conv2dGeometry};
use descent_kernels::pool::{avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward, Pool2dGeometry};

/// Median time of one call of `f` (printing the median and the best round); zero (not
/// run) when `name` does not contain the command-line filter.
fn time(name: &str, f: impl FnMut()) -> Duration {
    // A 100 ms warm-up: rounds of about 10 ms.
    let Some((median, best)) = harness::rounds(name, Duration::from_millis(100), f) else {
        return Duration::ZERO;
    };
    let micros = |d: Duration| d.as_secs_f64() * 1e6;
    println!("{name:<36} {:>8.1} µs median {:>8.1} µs best", micros(median), micros(best));
    median
}

/// Times forward and backward (with bias; grad_input only if asked) of one conv layer.
fn conv_layer(name: &str, g: Conv2dGeometry, grad_input: bool) -> Duration {
    let [x, w, b, dy] = layer_operands(g.input_len(), g.weight_len(), g.out_channels, g.output_len());
    let mut out = vec![0.0; g.output_len()];
    let (mut gi, mut gw, mut gb) = (vec![0.0; g.input_len()], vec![0.0; g.weight_len()], vec![0.0; g.out_channels]);
    let forward = time(&format!("{name} forward"), || {
        conv2d_forward(&g, black_box(&x), &w, Some(&b), &mut out)
    });
    let backward = time(&format!("{name} backward"), || {
        let gi = grad_input.then_some(&mut gi[..]);
        conv2d_backward(&g, black_box(&x), &w, &dy, gi, Some(&mut gw), Some(&mut gb));
    });
    forward + backward
}

/// Times forward and backward of one max pool and one average pool of geometry `g`;
/// returns the max pool's total (LeNet as the engine trains it uses max pooling).
fn pool_layer(name: &str, g: Pool2dGeometry) -> Duration {
    let (x, dy) = (fill(g.input_len()), fill(g.output_len()));
    let (mut out, mut arg, mut gi) = (vec![0.0; g.output_len()], vec![0; g.output_len()], vec![0.0; g.input_len()]);
    let max = time(&format!("max{name} forward"), || {
        max_pool2d_forward(&g, black_box(&x), &mut out, &mut arg)
    }) + time(&format!("max{name} backward"), || {
        max_pool2d_backward(&g, black_box(&dy), &arg, &mut gi)
    });
    time(&format!("avg{name} forward"), || avg_pool2d_forward(&g, black_box(&x), &mut out));
    time(&format!("avg{name} backward"), || avg_pool2d_backward(&g, black_box(&dy), &mut gi));
    max
}

fn main() {
    println!("rayon threads: {}", rayon::current_num_threads());
    #[rustfmt::skip]
    let conv1 = Conv2dGeometry { batch: 64, in_channels: 1, in_h: 28, in_w: 28, out_channels: 6, kernel_h: 5, kernel_w: 5, stride: 1, padding: 0 };
    #[rustfmt::skip]
    let conv2 = Conv2dGeometry { in_channels: 6, in_h: 12, in_w: 12, out_channels: 16, ..conv1 };
    let pool1 = Pool2dGeometry {
        batch: 64,
        channels: 6,
        in_h: 24,
        in_w: 24,
        kernel: 2,
        stride: 2,
        padding: 0,
    };
    let pool2 = Pool2dGeometry {
        channels: 16,
        in_h: 8,
        in_w: 8,
        ..pool1
    };
    // conv1 is the first layer: no grad_input, as in training.
    let total = conv_layer("conv1 1->6 k5 28x28", conv1, false)
        + conv_layer("conv2 6->16 k5 12x12", conv2, true)
        + pool_layer("pool1 6x24x24 k2", pool1)
        + pool_layer("pool2 16x8x8 k2", pool2);
    let micros = total.as_secs_f64() * 1e6;
    println!("conv + max-pool layers, forward + backward: {micros:.1} µs per batch of 64");
    println!("  = {:.3} s per 60000-image epoch", total.as_secs_f64() * 60000.0 / 64.0);
    // W10's 3×3 layers at batch 64: (in_ch, side, out_ch).
    let mut unet = Duration::ZERO;
    for (ic, side, oc) in [(64, 28, 64), (192, 28, 64), (128, 14, 128), (256, 14, 128), (128, 7, 128)] {
        #[rustfmt::skip]
        let g = Conv2dGeometry { in_channels: ic, in_h: side, in_w: side, out_channels: oc, kernel_h: 3, kernel_w: 3, padding: 1, ..conv1 };
        unet += conv_layer(&format!("unet {ic}->{oc} k3 {side}x{side}"), g, true);
    }
    println!(
        "U-Net 3x3 layers (one of each), forward + backward: {:.1} ms",
        unet.as_secs_f64() * 1e3
    );
}
