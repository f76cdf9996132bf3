//! The W7 DCGAN's convolution layers at batch 64, pass by pass: the discriminator's two
//! convolutions and the generator's two transposed convolutions, forward, input
//! gradient and weight gradient timed separately.
//!
//! Same harness as `benches/conv.rs` (`harness/`: median and best of 25 rounds). Run with
//! `cargo bench -p descent-kernels --bench dcgan [-- FILTER]`.

use std::hint::black_box;
use std::time::Duration;

mod harness;
use harness::layer_operands;

use descent_kernels::conv::{conv2d_backward, conv2d_forward, Conv2dGeometry};
use descent_kernels::conv_transpose::{conv_transpose2d_backward, conv_transpose2d_forward, ConvTranspose2dGeometry};

/// Median time of one call of `f` (and prints median, best and GFLOP/s at the best);
/// zero when `name` does not contain the command-line filter.
fn time(name: &str, flops: f64, f: impl FnMut()) -> Duration {
    // A 200 ms warm-up: rounds of about 20 ms.
    let Some((median, best)) = harness::rounds(name, Duration::from_millis(200), f) else {
        return Duration::ZERO;
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let gflops = flops / best.as_secs_f64() / 1e9;
    println!(
        "{name:<34} {:>8.2} ms median {:>8.2} ms best {gflops:>6.1} GFLOP/s",
        ms(median),
        ms(best)
    );
    median
}

fn conv(name: &str, g: Conv2dGeometry, grad_input: bool) -> Duration {
    let [x, w, b, dy] = layer_operands(g.input_len(), g.weight_len(), g.out_channels, g.output_len());
    let (mut out, mut gi, mut gw) = (vec![0.0; g.output_len()], vec![0.0; g.input_len()], vec![0.0; g.weight_len()]);
    let flops = 2.0 * (g.output_len() * g.in_channels * g.kernel_h * g.kernel_w) as f64;
    let mut total = time(&format!("{name} forward"), flops, || {
        conv2d_forward(&g, black_box(&x), &w, Some(&b), &mut out)
    });
    if grad_input {
        total += time(&format!("{name} grad_input"), flops, || {
            conv2d_backward(&g, black_box(&x), &w, &dy, Some(&mut gi), None, None)
        });
    }
    total
        + time(&format!("{name} grad_weight"), flops, || {
            conv2d_backward(&g, black_box(&x), &w, &dy, None, Some(&mut gw), None)
        })
}

fn conv_t(name: &str, g: ConvTranspose2dGeometry) -> Duration {
    let [x, w, b, dy] = layer_operands(g.input_len(), g.weight_len(), g.out_channels, g.output_len());
    let (mut out, mut gi, mut gw) = (vec![0.0; g.output_len()], vec![0.0; g.input_len()], vec![0.0; g.weight_len()]);
    let flops = 2.0 * (g.input_len() * g.out_channels * g.kernel_h * g.kernel_w) as f64;
    time(&format!("{name} forward"), flops, || {
        conv_transpose2d_forward(&g, black_box(&x), &w, Some(&b), &mut out)
    }) + time(&format!("{name} grad_input"), flops, || {
        conv_transpose2d_backward(&g, black_box(&x), &w, &dy, Some(&mut gi), None, None)
    }) + time(&format!("{name} grad_weight"), flops, || {
        conv_transpose2d_backward(&g, black_box(&x), &w, &dy, None, Some(&mut gw), None)
    })
}

fn main() {
    println!("rayon threads: {}", rayon::current_num_threads());
    #[rustfmt::skip]
    let c1 = Conv2dGeometry { batch: 64, in_channels: 1, in_h: 28, in_w: 28, out_channels: 64, kernel_h: 4, kernel_w: 4, stride: 2, padding: 1 };
    let c2 = Conv2dGeometry {
        in_channels: 64,
        in_h: 14,
        in_w: 14,
        out_channels: 128,
        ..c1
    };
    #[rustfmt::skip]
    let up1 = ConvTranspose2dGeometry { batch: 64, in_channels: 256, in_h: 7, in_w: 7, out_channels: 128, kernel_h: 4, kernel_w: 4, stride: 2, padding: 1 };
    let up2 = ConvTranspose2dGeometry {
        in_channels: 128,
        in_h: 14,
        in_w: 14,
        out_channels: 1,
        ..up1
    };
    let total = conv("D.c1 1->64 28x28", c1, false)
        + conv("D.c2 64->128 14x14", c2, true)
        + conv_t("G.up1 256->128 7x7", up1)
        + conv_t("G.up2 128->1 14x14", up2);
    println!("one pass of each: {:.2} ms", total.as_secs_f64() * 1e3);
}
