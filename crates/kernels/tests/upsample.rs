//! Nearest-neighbour upsampling against its naive reference.

use descent_kernels::upsample::*;

#[test]
fn upsample_nearest2d_matches_reference() {
    for (planes, hw, scale) in [(1, (2, 3), 2), (6, (3, 3), 2), (4, (5, 2), 3), (2, (4, 4), 1), (256, (14, 14), 2)] {
        let n = planes * hw.0 * hw.1;
        let x: Vec<f32> = (0..n).map(|i| (i * 37 % 101) as f32 - 50.0).collect();
        let m = n * scale * scale;
        let dy: Vec<f32> = (0..m).map(|i| (i * 13 % 29) as f32 * 0.25).collect();
        let (mut y, mut ry) = (vec![f32::NAN; m], vec![0.0; m]);
        upsample_nearest2d_forward(planes, hw, scale, &x, &mut y);
        upsample_nearest2d_forward_reference(planes, hw, scale, &x, &mut ry);
        assert_eq!(y, ry);
        let (mut dx, mut rdx) = (vec![f32::NAN; n], vec![0.0; n]);
        upsample_nearest2d_backward(planes, hw, scale, &dy, &mut dx);
        upsample_nearest2d_backward_reference(planes, hw, scale, &dy, &mut rdx);
        assert_eq!(dx, rdx, "sums of quarter-integers are exact");
    }
}
