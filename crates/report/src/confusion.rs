//! A confusion matrix as SVG: rows are true classes, columns predicted classes, each
//! cell shows its count, coloured by the fraction of its row (so a rare class's
//! mistakes are as visible as a common one's).

use std::path::Path;

use crate::colormap::{hex, is_light, viridis};
use crate::fs::write_atomic;
use crate::svg::{text_width, Anchor, Svg};
use crate::ReportError;

const NAME_SIZE: f64 = 11.0;
const TITLE_SIZE: f64 = 15.0;
const INK: &str = "#222222";

/// Writes the confusion matrix `counts[true_class][predicted_class]` as an SVG at
/// `path`, with the count in every cell and the overall accuracy in the title.
/// `class_names` labels the rows and columns; pass `&[]` to use `0..n`.
pub fn confusion_matrix_svg(path: &Path, counts: &[Vec<u64>], class_names: &[&str]) -> Result<(), ReportError> {
    let n = counts.len();
    if n == 0 || counts.iter().any(|row| row.len() != n) {
        let message = "confusion matrix must be square and non-empty";
        return Err(ReportError::invalid(path, message));
    }
    if !class_names.is_empty() && class_names.len() != n {
        let message = format!("{} class names for {n} classes", class_names.len());
        return Err(ReportError::invalid(path, message));
    }
    let names: Vec<String> = if class_names.is_empty() {
        (0..n).map(|i| i.to_string()).collect()
    } else {
        class_names.iter().map(|s| s.to_string()).collect()
    };
    write_atomic(path, render(counts, &names).as_bytes())
}

/// The SVG text; `counts` is square and `names` has one entry per class.
fn render(counts: &[Vec<u64>], names: &[String]) -> String {
    let n = counts.len();
    let cell = (560.0 / n as f64).clamp(14.0, 48.0);
    let widest = names.iter().map(|s| text_width(s, NAME_SIZE)).fold(0.0, f64::max);
    // Column names turn vertical when they would not fit under their cell.
    let vertical = widest > cell * 0.9;
    let left = 14.0 + 12.0 + 10.0 + widest + 8.0;
    let top = 44.0;
    let grid = cell * n as f64;
    let names_height = if vertical { widest + 8.0 } else { 18.0 };
    let total: u64 = counts.iter().flatten().sum();
    let correct: u64 = (0..n).map(|i| counts[i][i]).sum();
    let title = match total {
        0 => "Confusion matrix (no samples)".to_string(),
        _ => format!(
            "Confusion matrix: {total} samples, accuracy {:.2}%",
            100.0 * correct as f64 / total as f64
        ),
    };
    let width = (left + grid + 20.0).max(text_width(&title, TITLE_SIZE) + 40.0);
    let height = top + grid + names_height + 34.0;
    let mut svg = Svg::new(width, height);
    svg.text((width / 2.0, 20.0), &title, TITLE_SIZE, Anchor::Middle, INK, 0.0);

    let font = (cell * 0.32).clamp(6.0, 13.0);
    for (row, counts_row) in counts.iter().enumerate() {
        let row_total: u64 = counts_row.iter().sum();
        let y = top + row as f64 * cell;
        for (col, &count) in counts_row.iter().enumerate() {
            let x = left + col as f64 * cell;
            let fraction = if row_total == 0 { 0.0 } else { count as f64 / row_total as f64 };
            let colour = viridis(fraction);
            svg.rect(x, y, cell, cell, &hex(colour), Some("#ffffff"));
            let ink = if is_light(colour) { "#000000" } else { "#ffffff" };
            let centre = (x + cell / 2.0, y + cell / 2.0);
            svg.text(centre, &count.to_string(), font, Anchor::Middle, ink, 0.0);
        }
        let at = (left - 8.0, y + cell / 2.0);
        svg.text(at, &names[row], NAME_SIZE, Anchor::End, INK, 0.0);
    }
    let names_top = top + grid + 6.0;
    for (col, name) in names.iter().enumerate() {
        let x = left + (col as f64 + 0.5) * cell;
        if vertical {
            svg.text((x, names_top), name, NAME_SIZE, Anchor::End, INK, -90.0);
        } else {
            svg.text((x, names_top + 6.0), name, NAME_SIZE, Anchor::Middle, INK, 0.0);
        }
    }
    let axis_y = names_top + names_height + 14.0;
    svg.text((left + grid / 2.0, axis_y), "predicted class", 12.0, Anchor::Middle, INK, 0.0);
    let axis_x = (14.0 + 6.0, top + grid / 2.0);
    svg.text(axis_x, "true class", 12.0, Anchor::Middle, INK, -90.0);
    svg.finish()
}
