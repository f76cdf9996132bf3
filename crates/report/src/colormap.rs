//! The colour map for heatmaps and confusion matrices: viridis, which is perceptually
//! uniform (equal steps in value look like equal steps in colour), readable in
//! greyscale and by colour-blind readers, unlike the rainbow "jet".

/// Viridis sampled at 0, 1/8, ..., 1 (matplotlib's table); we interpolate linearly
/// between samples, which is indistinguishable from the full 256-entry table at the
/// sizes we draw.
const VIRIDIS: [[u8; 3]; 9] = [
    [68, 1, 84],
    [72, 40, 120],
    [62, 73, 137],
    [49, 104, 142],
    [38, 130, 142],
    [31, 158, 137],
    [53, 183, 121],
    [110, 206, 88],
    [253, 231, 37],
];

/// The viridis colour of `t` in `[0, 1]` (clamped; NaN maps to 0, dark purple).
pub fn viridis(t: f64) -> [u8; 3] {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let scaled = t * (VIRIDIS.len() - 1) as f64;
    let i = (scaled.floor() as usize).min(VIRIDIS.len() - 2);
    let frac = scaled - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    std::array::from_fn(|c| (a[c] as f64 + frac * (b[c] as f64 - a[c] as f64)).round() as u8)
}

/// `#rrggbb` for an RGB triple, for SVG fills.
pub(crate) fn hex(rgb: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}

/// Whether black text is more legible than white on `rgb` (relative luminance test).
pub(crate) fn is_light(rgb: [u8; 3]) -> bool {
    let [r, g, b] = rgb.map(f64::from);
    0.2126 * r + 0.7152 * g + 0.0722 * b > 140.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_and_clamps() {
        assert_eq!(viridis(0.0), [68, 1, 84]);
        assert_eq!(viridis(1.0), [253, 231, 37]);
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
        assert!(is_light(viridis(1.0)) && !is_light(viridis(0.0)));
    }
}
