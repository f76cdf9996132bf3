//! PNG grids and heatmaps: dimensions, normalisation, borders, input checks.

mod common;

use descent_report::{write_heatmap_png, write_image_grid_png, GridOptions, Normalize, ReportError};

fn digits(n: usize, h: usize, w: usize) -> Vec<f32> {
    (0..n * h * w).map(|i| ((i * 37) % 101) as f32 / 100.0).collect()
}

#[test]
fn grid_has_the_documented_dimensions() {
    let dir = common::temp_dir("grid");
    let path = dir.join("samples.png");
    // 10 images of 28x28 in 4 columns -> 3 rows; each tile (28*2 + 2*2) square.
    let options = GridOptions {
        cols: 4,
        scale: 2,
        ..GridOptions::default()
    };
    write_image_grid_png(&path, &digits(10, 28, 28), 28, 28, &options).unwrap();
    let image = image::open(&path).unwrap();
    assert_eq!((image.width(), image.height()), (4 * 60, 3 * 60));
    // Fewer images than columns: the grid shrinks to fit.
    write_image_grid_png(&path, &digits(2, 5, 3), 5, 3, &options).unwrap();
    let image = image::open(&path).unwrap();
    assert_eq!((image.width(), image.height()), (2 * (3 * 2 + 4), 5 * 2 + 4));
}

#[test]
fn borders_and_normalisation_show_in_pixels() {
    let dir = common::temp_dir("borders");
    let path = dir.join("mistakes.png");
    // Two 2x2 images: a ramp 0..3 and a constant; the second framed in red.
    let pixels = [0.0, 1.0, 2.0, 3.0, 5.0, 5.0, 5.0, 5.0];
    let options = GridOptions {
        cols: 2,
        scale: 1,
        normalize: Normalize::PerImage,
        borders: vec![None, Some([255, 0, 0])],
        ..GridOptions::default()
    };
    write_image_grid_png(&path, &pixels, 2, 2, &options).unwrap();
    let image = image::open(&path).unwrap().to_rgb8();
    assert_eq!(image.get_pixel(2, 2).0, [0, 0, 0], "ramp minimum is black");
    assert_eq!(image.get_pixel(3, 3).0, [255, 255, 255], "ramp maximum is white");
    assert_eq!(image.get_pixel(6, 0).0, [255, 0, 0], "second tile framed red");
    assert_eq!(image.get_pixel(0, 0).0, [64, 64, 64], "unframed gap is grey");
    assert_eq!(image.get_pixel(8, 2).0, [128, 128, 128], "constant image is mid-grey");

    let fixed = GridOptions {
        normalize: Normalize::Fixed { low: 0.0, high: 10.0 },
        borders: vec![],
        ..options
    };
    write_image_grid_png(&path, &pixels, 2, 2, &fixed).unwrap();
    let image = image::open(&path).unwrap().to_rgb8();
    assert_eq!(image.get_pixel(8, 2).0, [128, 128, 128], "5 of 0..10");
    assert_eq!(image.get_pixel(3, 3).0, [77, 77, 77], "3 of 0..10");
}

#[test]
fn rgb_grid_reads_channel_major_images() {
    let dir = common::temp_dir("rgb");
    let path = dir.join("filters.png");
    // One 1x2 RGB image (C, H, W): left pixel pure red, right pure blue.
    let pixels = [1.0, 0.0, /* green */ 0.0, 0.0, /* blue */ 0.0, 1.0];
    let options = GridOptions {
        channels: 3,
        scale: 1,
        normalize: Normalize::Global,
        ..GridOptions::default()
    };
    write_image_grid_png(&path, &pixels, 1, 2, &options).unwrap();
    let image = image::open(&path).unwrap().to_rgb8();
    assert_eq!((image.width(), image.height()), (2 + 4, 1 + 4));
    assert_eq!(image.get_pixel(2, 2).0, [255, 0, 0]);
    assert_eq!(image.get_pixel(3, 2).0, [0, 0, 255]);
}

#[test]
fn heatmap_has_the_documented_dimensions_and_colours() {
    let dir = common::temp_dir("heatmap");
    let path = dir.join("attention.png");
    let mut values: Vec<f32> = (0..12).map(|i| i as f32).collect();
    values[5] = f32::NAN;
    write_heatmap_png(&path, &values, 3, 4, 5).unwrap();
    let image = image::open(&path).unwrap().to_rgb8();
    assert_eq!((image.width(), image.height()), (20, 15));
    assert_eq!(image.get_pixel(0, 0).0, descent_report::viridis(0.0));
    assert_eq!(image.get_pixel(19, 14).0, descent_report::viridis(1.0));
    assert_eq!(image.get_pixel(7, 7).0, [255, 255, 255], "NaN cell is white");
}

#[test]
fn bad_shapes_are_reported_with_the_path() {
    let dir = common::temp_dir("bad-shapes");
    let path = dir.join("bad.png");
    let options = GridOptions::default();
    let cases = [
        write_image_grid_png(&path, &[0.0; 7], 2, 2, &options),
        write_image_grid_png(&path, &[], 2, 2, &options),
        write_image_grid_png(
            &path,
            &[0.0; 4],
            2,
            2,
            &GridOptions {
                channels: 2,
                ..options.clone()
            },
        ),
        write_image_grid_png(
            &path,
            &[0.0; 4],
            2,
            2,
            &GridOptions {
                borders: vec![None; 3],
                ..options.clone()
            },
        ),
        write_image_grid_png(
            &path,
            &[0.0; 4],
            2,
            2,
            &GridOptions {
                scale: 1 << 20,
                ..options.clone()
            },
        ),
        write_heatmap_png(&path, &[0.0; 5], 2, 3, 1),
    ];
    for result in cases {
        let err = result.unwrap_err();
        assert!(matches!(err, ReportError::Invalid { .. }), "{err}");
        assert!(err.to_string().contains("bad.png"), "{err}");
    }
    assert!(!path.exists());
}
