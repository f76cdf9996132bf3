//! Joint image-video training's masking: in `VideoUNet::forward_joint`, frames of an
//! independent item do not see each other, frames of a clip do, and with no independent
//! items it is the plain forward.

use descent_models::unet::{CondInput, Condition, UNetConfig};
use descent_models::video_unet::{VideoUNet, VideoUNetConfig};
use descent_tensor::{no_grad, Rng, Tensor};

const FRAMES: usize = 3;
const SIDE: usize = 8;
const FRAME_LEN: usize = SIDE * SIDE;

fn model() -> VideoUNet {
    let config = VideoUNetConfig {
        unet: UNetConfig {
            channels: 8,
            emb_dim: 16,
            time_dim: 16,
            groups: 4,
            condition: Condition::Vector(4),
            ..UNetConfig::w10()
        },
        frames: FRAMES,
        temporal_levels: vec![1, 2],
        heads: 2,
    };
    let mut rng = Rng::new(11);
    let model = VideoUNet::new(config, &mut rng);
    // The attention's output projection starts at zero (the model starts per-frame);
    // give it weights so that mixing shows.
    for layer in &model.temporal {
        layer
            .attn
            .proj
            .weight
            .update(|w| w.iter_mut().for_each(|v| *v = rng.normal() * 0.3));
    }
    model
}

/// Largest |Δ| of frame `frame` of item `item` between two outputs.
fn frame_change(a: &[f32], b: &[f32], item: usize, frame: usize) -> f32 {
    let at = (item * FRAMES + frame) * FRAME_LEN;
    a[at..at + FRAME_LEN]
        .iter()
        .zip(&b[at..at + FRAME_LEN])
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f32::max)
}

#[test]
fn independent_frames_do_not_see_each_other() {
    let model = model();
    let mut rng = Rng::new(5);
    let x = Tensor::randn(&[2, FRAMES, 1, SIDE, SIDE], &mut rng);
    let cond = Tensor::randn(&[2, 4], &mut rng);
    let t = [100, 600];
    let run = |x: &Tensor, independent| no_grad(|| model.forward_joint(x, &t, CondInput::Vectors(&cond), independent).to_vec());
    // Change frame 0 of both items.
    let mut changed = x.to_vec();
    for item in 0..2 {
        changed[item * FRAMES * FRAME_LEN..][..FRAME_LEN].iter_mut().for_each(|v| *v += 1.0);
    }
    let changed = Tensor::from_vec(changed, x.shape());
    let (before, after) = (run(&x, 1), run(&changed, 1));
    // Item 0 is a clip: its other frames react; item 1 is independent frames: they do not.
    assert!(frame_change(&before, &after, 0, 2) > 1e-3, "a clip's frames should see each other");
    assert!(frame_change(&before, &after, 1, 0) > 1e-3, "the changed frame itself changes");
    assert_eq!(frame_change(&before, &after, 1, 2), 0.0, "independent frames saw each other");
    // No independent items: the plain forward, bit for bit.
    let plain = no_grad(|| model.forward(&x, &t, CondInput::Vectors(&cond)).to_vec());
    assert_eq!(run(&x, 0), plain);
    // All independent: every frame alone.
    let (alone, alone_changed) = (run(&x, 2), run(&changed, 2));
    assert_eq!(frame_change(&alone, &alone_changed, 0, 1), 0.0);
}
